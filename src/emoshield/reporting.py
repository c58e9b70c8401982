"""An evaluation of extracted features, written to a report folder: the methods as they are, a sweep of one
parameter, an enrolment curve, or a nested selection (``evaluation.nested``). Recipes (``emoshield.experiment``)
and the ``evaluate``/``sweep`` commands call these once the features exist.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from emoshield.anonymise.spec import split_audio_method
from emoshield.backends import Compute
from emoshield.errors import ConfigError
from emoshield.evaluation import Evaluation, EvaluationSettings, MethodResult, write_report
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.enrolment import EnrolmentSettings
from emoshield.evaluation.nested import NestedSelection, choices_table, outer_plan, outer_splits, select_per_group
from emoshield.evaluation.plan import make_plan
from emoshield.evaluation.plots import draw_enrolment_curve, plot_sweep
from emoshield.evaluation.protocol import plan_evaluation, run_plan
from emoshield.evaluation.report import markdown_table, result_to_dict
from emoshield.features import FeatureSet, align_features, drop_failed
from emoshield.figures import save
from emoshield.files import write_text_atomic
from emoshield.methods import make_method, reads_speaker_statistics
from emoshield.pipeline import anonymised_views
from emoshield.progress import console, progress_bar


@dataclass(frozen=True)
class SweepConfig:
    """Optional: vary one method parameter (e.g. ``latent``) over values; empty = no sweep.

    ``method`` may fix other parameters: ``adversarial(front_end=speaker)``. The swept
    variants are evaluated after ``evaluation.methods`` (the baselines), in one run.
    """

    parameter: str = ""
    values: tuple[float, ...] = ()
    method: str = "adversarial"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        except (TypeError, ValueError):
            raise ConfigError(f"sweep values must be numbers, got {list(self.values)}") from None

    def specs(self) -> tuple[str, ...]:
        """One method spec per value: ``adversarial(latent=64)``; none when no parameter is set."""
        if not self.parameter:
            return ()
        if not self.values:
            raise ConfigError(f"sweep over {self.parameter!r} has no values")
        method = self.method.strip()
        if method.endswith(")"):  # fixed parameters: adversarial(front_end=speaker) -> adversarial(front_end=speaker,kl_weight=0.1)
            return tuple(f"{method[:-1]},{self.parameter}={v:g})" for v in self.values)
        return tuple(f"{method}({self.parameter}={v:g})" for v in self.values)


@dataclass(frozen=True)
class EnrolmentCurve:
    """Optional: the evaluation under several enrolments (docs/evaluation.md, "Enrolment"): random ones of
    each of ``sizes`` utterances, and ones of each of ``compositions`` at ``at`` utterances. Methods that
    read no speaker statistics are evaluated once and shown beside every enrolment."""

    sizes: tuple[int, ...] = ()
    compositions: tuple[str, ...] = ()
    at: int = 10

    def enrolments(self) -> list[EnrolmentSettings]:
        """Every enrolment of the curve (none when it is empty)."""
        return ([EnrolmentSettings(int(k)) for k in self.sizes]
                + [EnrolmentSettings(self.at, composition) for composition in self.compositions])


def evaluate_to_report(frame: pd.DataFrame, manifest: pd.DataFrame, features: Path, settings: EvaluationSettings,
                       output: Path, extra: dict[str, Any] | None = None, fresh: bool = False,
                       public: Dataset | None = None, anonymised: Path | None = None) -> Evaluation:
    """Evaluate the methods on the features, write the report into ``output``, return the results.

    Finished fold fits are kept under ``output/checkpoints`` and reused by a rerun
    (``fresh``: fit everything again). ``public``: another corpus attackers learn from.
    Audio-level methods (``audio:mcadams(alpha=0.8)``) get the manifest's audio anonymised
    into ``anonymised`` (default ``output/anonymised``), kept for a rerun.
    """
    manifest, dropped = _extracted(manifest, features)
    views: dict = {}
    if any(split_audio_method(m)[0] is not None for m in settings.methods):
        views, manifest = anonymised_views(manifest, settings.methods, FeatureSet(frame.attrs.get("feature_set", "")),
                                           anonymised or output / "anonymised", Compute(workers=settings.compute.workers))
    X = align_features(frame, manifest)
    data, plan = plan_evaluation(X, manifest, settings, public, views)
    started = time.perf_counter()
    with progress_bar("evaluating", len(plan.tasks)) as advance:
        results = run_plan(data, plan, settings, progress=advance, checkpoints=output / "checkpoints", fresh=fresh)
    write_report(output, results, _context(frame, X, manifest, features, len(dropped), settings, extra, started))
    return results


def nested_to_report(frame: pd.DataFrame, manifest: pd.DataFrame, features: Path, settings: EvaluationSettings,
                     selection: NestedSelection, output: Path, extra: dict[str, Any] | None = None,
                     fresh: bool = False, public: Dataset | None = None) -> Evaluation:
    """``settings.methods`` beside the candidate each outer group's speakers get from a selection that never
    saw them (``evaluation.nested``). The inner evaluations (and their checkpoints) go to
    ``output/selection/group-N``, the choices to ``output/selection.md`` and ``selection.json``, the outer
    evaluation's report to ``output``."""
    manifest, dropped = _extracted(manifest, features)
    X = align_features(frame, manifest)
    data, checked = plan_evaluation(X, manifest, replace(settings, methods=settings.methods + selection.candidates), public)
    splits = outer_splits(data, settings)
    started = time.perf_counter()

    def run(subset: Dataset, inner: EvaluationSettings, name: str) -> Evaluation:
        plan = make_plan(subset, inner)
        with progress_bar(f"choosing without {name}", len(plan.tasks)) as advance:
            return run_plan(subset, plan, inner, advance, output / "selection" / name / "checkpoints", fresh)

    choices = select_per_group(data, settings, selection, splits, run)
    output.mkdir(parents=True, exist_ok=True)
    write_text_atomic(output / "selection.md", "# Nested selection: each outer group's choice, made without it\n\n"
                      + choices_table(choices) + "\n")
    write_text_atomic(output / "selection.json", json.dumps([asdict(c) for c in choices], indent=1, default=list) + "\n")
    plan = outer_plan(data, settings, selection, splits, choices)
    plan.notes.extend(n for n in checked.notes if n not in plan.notes)
    reported = replace(settings, methods=(*settings.methods, selection.label))
    with progress_bar("evaluating", len(plan.tasks)) as advance:
        results = run_plan(data, plan, reported, progress=advance, checkpoints=output / "checkpoints", fresh=fresh)
    extra = {**(extra or {}), "nested": {**asdict(selection), "choices": {", ".join(c.speakers): c.chosen for c in choices}}}
    write_report(output, results, _context(frame, X, manifest, features, len(dropped), reported, extra, started))
    return results


def _extracted(manifest: pd.DataFrame, features: Path) -> tuple[pd.DataFrame, list[str]]:
    """The manifest's rows whose features were extracted, saying how many were left out."""
    manifest, dropped = drop_failed(manifest, features)
    if dropped:
        console.print(f"[yellow]left out {len(dropped)} file(s) whose extraction failed[/yellow] (listed beside {features})")
    return manifest, dropped


def _context(frame: pd.DataFrame, X: np.ndarray, manifest: pd.DataFrame, features: Path, dropped: int,
             settings: EvaluationSettings, extra: dict[str, Any] | None, started: float) -> dict[str, Any]:
    """What a report says about its data, settings and time, beside ``extra``."""
    extra = dict(extra or {})
    extra["timing_seconds"] = {**extra.get("timing_seconds", {}), "evaluation": round(time.perf_counter() - started, 1)}
    return {
        "data": {
            "features": str(features),
            "feature_set": frame.attrs.get("feature_set", ""),
            "left_out_failed": dropped,
            "n_features": int(X.shape[1]),
            "n_utterances": int(len(manifest)),
            "n_speakers": int(manifest["speaker"].nunique()),
            "languages": sorted(manifest["language"].unique()),
            "classes": sorted(c for c in manifest[settings.target.value].unique() if c),
        },
        "settings": settings.describe(),
        **extra,
    }


def sweep_to_report(frame: pd.DataFrame, manifest: pd.DataFrame, features: Path, settings: EvaluationSettings,
                    sweep: SweepConfig, output: Path, extra: dict[str, Any] | None = None,
                    fresh: bool = False, public: Dataset | None = None) -> Evaluation:
    """The baselines of ``settings`` and every value of the sweep in one evaluation; ``sweep.png`` beside
    the report."""
    settings = replace(settings, methods=settings.methods + sweep.specs())
    results = evaluate_to_report(frame, manifest, features, settings, output, {"sweep": asdict(sweep), **(extra or {})},
                                 fresh, public)
    swept = sweep_results(results, sweep)
    baselines = [r for r in results if r not in swept]
    plot_sweep(swept, baselines, sweep.parameter, sweep.values, output / "sweep.png")
    return results


def enrolment_curve_to_report(frame: pd.DataFrame, manifest: pd.DataFrame, features: Path,
                              settings: EvaluationSettings, curve: EnrolmentCurve, output: Path,
                              extra: dict[str, Any] | None = None, fresh: bool = False,
                              public: Dataset | None = None) -> Evaluation:
    """One evaluation per enrolment of the curve (each a full report in ``output/enrolment-<label>``), the
    methods that read no speaker statistics once (``output/enrolment-none``); ``enrolment.md``,
    ``enrolment.json`` and ``enrolment.png`` in ``output``. Returns every result, named by its enrolment."""
    reading = tuple(m for m in settings.methods if reads_speaker_statistics(make_method(m, settings.seed)))
    others = tuple(m for m in settings.methods if m not in reading)
    runs: list[tuple[EnrolmentSettings | None, Evaluation]] = []
    if others:
        runs.append((None, evaluate_to_report(frame, manifest, features, replace(settings, methods=others),
                                              output / "enrolment-none", extra, fresh, public)))
    for enrolment in curve.enrolments() if reading else []:
        folder = output / f"enrolment-{enrolment.label.replace(' ', '-')}"
        runs.append((enrolment, evaluate_to_report(frame, manifest, features,
                                                   replace(settings, methods=reading, enrolment=enrolment),
                                                   folder, extra, fresh, public)))
    named = [replace(r, method=f"{r.method}, enrolment {e.label if e else 'none'}") for e, rs in runs for r in rs]
    table = Evaluation(named, target=settings.target.value)
    output.mkdir(parents=True, exist_ok=True)
    write_text_atomic(output / "enrolment.md", "# Privacy and utility against the enrolment\n\n"
                      + markdown_table(table) + "\n")
    write_text_atomic(output / "enrolment.json", json.dumps([result_to_dict(r) for r in named], indent=1) + "\n")
    save(draw_enrolment_curve(runs), output / "enrolment.png")
    return table


def sweep_results(results: Sequence[MethodResult], sweep: SweepConfig) -> list[MethodResult]:
    """The swept variants' results, in the order of the sweep's values."""
    by_method = {r.method: r for r in results}
    return [by_method[spec] for spec in sweep.specs()]
