"""The pipeline steps the commands share: corpus -> manifest -> features -> evaluation -> report.

``run_recipe`` runs a whole recipe (``emoshield run``, ``emoshield demo``); the
steps are also used one by one by the other commands.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from emoshield.backends import Compute
from emoshield.config import CorpusConfig, Recipe, SweepConfig
from emoshield.evaluation import Evaluation, EvaluationSettings, MethodResult
from emoshield.evaluation.enrolment import EnrolmentSettings
from emoshield.features import FeatureSet
from emoshield.progress import console, progress_bar
from emoshield.types import Target


def cores(requested: int | None) -> int:
    """``requested`` processes, or all cores for 0/None."""
    return requested or os.cpu_count() or 1


def synthesise(out_dir: Path, speakers: int, utterances: int, seed: int, imbalanced: bool = False) -> pd.DataFrame:
    """Generate the synthetic corpus with a progress bar."""
    from emoshield.synthetic import SyntheticSpec, generate_corpus, plan_utterances

    spec = SyntheticSpec(n_speakers=speakers, utterances_per_speaker=utterances, seed=seed, imbalanced=imbalanced)
    with progress_bar("synthesising", sum(len(plan) for plan in plan_utterances(spec))) as advance:
        return generate_corpus(out_dir, spec, progress=advance)


def build_manifest(corpus: CorpusConfig, out_dir: Path) -> pd.DataFrame:
    """The manifest a recipe's corpus section names (several corpora joined by '+')."""
    from emoshield.corpora import load_corpus
    from emoshield.manifest import write_manifest

    if corpus.name == "synthetic":
        return synthesise(out_dir / "corpus", corpus.speakers, corpus.utterances, corpus.seed, corpus.imbalanced)
    names, roots = corpus.name.split("+"), corpus.root.split("+")
    if len(names) != len(roots):
        from emoshield.errors import ConfigError

        raise ConfigError(f"corpus: {len(names)} name(s) but {len(roots)} root(s) ({corpus.name} / {corpus.root})")
    frames = []
    for name, root in zip(names, roots):
        result = load_corpus(name, root)
        for rejected in result.rejected[:5]:
            console.print(f"[yellow]rejected[/yellow] {rejected.path}: {rejected.reason}")
        frames.append(result.manifest)
    manifest = pd.concat(frames, ignore_index=True)
    write_manifest(manifest, out_dir / "manifest.csv")
    return manifest


def extract(
    manifest: pd.DataFrame,
    feature_set: FeatureSet,
    output: Path,
    cache_dir: Path | None,
    compute: Compute,
) -> pd.DataFrame:
    """Extract, write the feature file and its failure list, and say what happened."""
    from emoshield.features import extract_features, write_failures, write_features

    files = manifest["file"].tolist()
    with progress_bar(f"extracting {feature_set.value}", len(files)) as advance:
        result = extract_features(
            files, feature_set, workers=compute.workers, cache_dir=cache_dir, progress=advance,
            ray_address=compute.address, backend=compute.backend,
        )
    write_features(result.frame, output)
    failures_path = write_failures(result.failures, output)
    for file, note in result.notes[:5]:
        console.print(f"[cyan]note[/cyan] {file}: {note}")
    if len(result.notes) > 5:
        console.print(f"[cyan]... {len(result.notes)} notes in all[/cyan]")
    for failure in result.failures[:20]:
        console.print(f"[yellow]failed[/yellow] {failure.file}: {failure.reason}")
    done = len(files) - len(result.failures)
    console.print(
        f"wrote {feature_set.value} features of {done}/{len(files)} files to {output}"
        + (f"; failures listed in {failures_path}" if result.failures else "")
    )
    return result.frame


def evaluate(
    frame: pd.DataFrame,
    manifest: pd.DataFrame,
    features: Path,
    settings: EvaluationSettings,
    output: Path,
    extra: dict[str, Any] | None = None,
    fresh: bool = False,
) -> Evaluation:
    """Evaluate the methods on the features, write the report, return the results.

    Finished fold fits are kept under ``output/checkpoints`` and reused by a rerun
    (``fresh``: fit everything again).
    """
    from emoshield.evaluation import evaluate_methods, write_report
    from emoshield.evaluation.protocol import Dataset, count_steps
    from emoshield.features import align_features, drop_failed

    manifest, dropped = drop_failed(manifest, features)
    if dropped:
        console.print(f"[yellow]left out {len(dropped)} file(s) whose extraction failed[/yellow] (listed beside {features})")
    X = align_features(frame, manifest)
    data = Dataset.from_manifest(X, manifest, settings.target)
    with progress_bar("evaluating", count_steps(data, settings)) as advance:
        results = evaluate_methods(X, manifest, settings, progress=advance, checkpoints=output / "checkpoints", fresh=fresh)
    context = {
        "data": {
            "features": str(features),
            "feature_set": frame.attrs.get("feature_set", ""),
            "left_out_failed": len(dropped),
            "n_features": int(X.shape[1]),
            "n_utterances": int(len(manifest)),
            "n_speakers": int(manifest["speaker"].nunique()),
            "languages": sorted(manifest["language"].unique()),
            "classes": sorted(c for c in manifest[settings.target.value].unique() if c),
        },
        "settings": settings.describe(),
        **(extra or {}),
    }
    write_report(output, results, context)
    return results


def settings_of(recipe: Recipe) -> EvaluationSettings:
    """The evaluation settings a recipe describes."""
    section = recipe.evaluation
    return EvaluationSettings(
        methods=section.methods + recipe.sweep.specs(),
        target=Target(section.target),
        repeats=section.repeats,
        attackers=section.attackers,
        metrics=section.metrics,
        privacy_folds=section.privacy_folds,
        bootstrap=section.bootstrap,
        emotion_folds=section.emotion_folds or None,
        seed=section.seed,
        workers=cores(section.workers),
        enrolment=EnrolmentSettings.parse(section.enrolment, section.enrolment_from),
    )


def run_recipe(recipe: Recipe, fresh: bool = False) -> tuple[Path, Evaluation]:
    """Corpus, features and evaluation of a recipe, into ``recipe.output``; returns the report folder."""
    out = Path(recipe.output)
    settings = settings_of(recipe)  # fail on a bad target before any work
    manifest = build_manifest(recipe.corpus, out)
    features = out / "features.parquet"
    frame = extract(manifest, FeatureSet(recipe.features.set), features, None, Compute(workers=cores(recipe.features.workers)))
    results = evaluate(frame, manifest, features, settings, out / "report", {"recipe": recipe.as_dict()}, fresh)
    if recipe.sweep.parameter:
        plot_sweep_of(results, recipe.sweep, out / "report")
    return out / "report", results


def plot_sweep_of(results: list[MethodResult], sweep: SweepConfig, report: Path) -> Path:
    """``sweep.png`` beside the report: each metric of the swept method against the parameter."""
    from emoshield.evaluation.plots import plot_sweep

    specs = sweep.specs()
    by_method = {r.method: r for r in results}
    baselines = [r for r in results if r.method not in specs]
    swept = [by_method[spec] for spec in specs]
    return plot_sweep(swept, baselines, sweep.parameter, sweep.values, report / "sweep.png")
