"""``emoshield evaluate``, ``sweep``, ``project``, ``demo`` and ``run``: the privacy/utility table and what leads to it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from emoshield.commands.common import (
    AddressOption,
    BackendOption,
    EnrolmentFromOption,
    EnrolmentOption,
    FeaturesArgument,
    FreshOption,
    ManifestArgument,
    WorkersOption,
    print_results,
    split,
)
from emoshield.progress import console


def settings_of(**options: Any):
    """EvaluationSettings from command-line options named as a recipe's evaluation section names them."""
    # pandas: loads when the command runs
    from emoshield.evaluation import EvaluationSettings

    return EvaluationSettings.from_recipe({k: v for k, v in options.items() if v is not None}, "command line")


def evaluate(
    features: FeaturesArgument,
    manifest: ManifestArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for report.json, report.md, plots.")] = Path(
        "report"
    ),
    methods: Annotated[str, typer.Option(
        help="Comma-separated representation methods; audio:mcadams(alpha=0.8)[+METHOD] anonymises the manifest's "
             "audio first (into OUTPUT/anonymised).")] = "raw,pca",
    target: Annotated[str, typer.Option(help="valence (binary, seed 000) or emotion (categories).")] = "valence",
    repeats: Annotated[int, typer.Option(help="Repeats with different seeds (mean ± sd).")] = 5,
    attackers: Annotated[str, typer.Option(help="Attacker panel (each tuned on speaker-grouped inner folds).")] = "logreg,svm,mlp,knn,gboost",
    metrics: Annotated[
        str, typer.Option(help="What to measure: emotion, leakage (gender, language), linkability (speaker ID, EER), membership.")
    ] = "emotion,leakage,linkability,membership",
    emotion_folds: Annotated[Optional[int], typer.Option(help="k speaker folds for emotion instead of leave-one-speaker-out.")] = None,
    privacy_folds: Annotated[int, typer.Option(help="Speaker groups rotated through the method's, attackers' and scored sets.")] = 5,
    bootstrap: Annotated[int, typer.Option(help="Speaker-level bootstrap draws for the 95% intervals (0: none).")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the first repeat.")] = 0,
    enrolment: EnrolmentOption = "10",
    enrolment_from: EnrolmentFromOption = "random",
    workers: WorkersOption = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    fresh: FreshOption = False,
) -> None:
    """Emotion UAR and gender/language/speaker leakage of each method, speaker-independent.

    Privacy is measured on speakers the method never saw, by attackers that learnt from other such speakers.

    Example: emoshield evaluate emodb.parquet emodb.csv --methods raw,pca -o runs/emodb
    """
    # pandas, scikit-learn: load when the command runs
    from emoshield.features import read_features
    from emoshield.manifest import read_manifest
    from emoshield.reporting import evaluate_to_report

    settings = settings_of(
        methods=split(methods), target=target, repeats=repeats, attackers=split(attackers), metrics=split(metrics),
        emotion_folds=emotion_folds, privacy_folds=privacy_folds, bootstrap=bootstrap, seed=seed,
        enrolment=enrolment, enrolment_from=enrolment_from, workers=workers, backend=backend, address=address,
    )
    results = evaluate_to_report(read_features(features), read_manifest(manifest), features, settings, output, fresh=fresh)
    print_results(results, output)


def sweep(
    features: FeaturesArgument,
    manifest: ManifestArgument,
    parameter: Annotated[str, typer.Option(help="Method parameter to vary: latent, alpha, epochs, ...")] = "latent",
    values: Annotated[str, typer.Option(help="Comma-separated values of the parameter.")] = "32,64,128,256,512,1024",
    method: Annotated[str, typer.Option(help="The method whose parameter is swept.")] = "adversarial",
    baselines: Annotated[str, typer.Option(help="Methods evaluated beside the sweep (frontier markers).")] = "raw,pca,ae",
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the report, sweep.png, frontier.png.")] = Path(
        "sweep"
    ),
    repeats: Annotated[int, typer.Option(help="Repeats with different seeds per point (mean ± sd).")] = 3,
    emotion_folds: Annotated[Optional[int], typer.Option(help="k speaker folds for emotion instead of leave-one-speaker-out.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the first repeat.")] = 0,
    enrolment: EnrolmentOption = "10",
    enrolment_from: EnrolmentFromOption = "random",
    workers: WorkersOption = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    fresh: FreshOption = False,
) -> None:
    """Vary one parameter of a method (seed 000, Fig. 4): every metric per value, and the frontier.

    Example: emoshield sweep emodb.parquet emodb.csv --parameter alpha --values 0,0.5,1,2,4 -o runs/alpha
    """
    # pandas, scikit-learn: load when the command runs
    from emoshield.features import read_features
    from emoshield.manifest import read_manifest
    from emoshield.reporting import SweepConfig, sweep_to_report

    try:
        numbers = tuple(float(v) for v in split(values))
    except ValueError:
        raise typer.BadParameter(f"--values must be numbers, got {values!r}") from None
    settings = settings_of(methods=split(baselines), repeats=repeats, emotion_folds=emotion_folds, seed=seed,
                           enrolment=enrolment, enrolment_from=enrolment_from, workers=workers, backend=backend,
                           address=address)
    plan = SweepConfig(parameter=parameter, values=numbers, method=method)
    results = sweep_to_report(read_features(features), read_manifest(manifest), features, settings, plan, output,
                              fresh=fresh)
    print_results(results, output)


def project(
    features: FeaturesArgument,
    manifest: ManifestArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG to write.")] = Path("projection.png"),
    methods: Annotated[str, typer.Option(help="Comma-separated methods, one column each.")] = "raw,leace",
    seed: Annotated[int, typer.Option(help="Seed of the speaker split and t-SNE.")] = 0,
    enrolment: EnrolmentOption = "10",
    enrolment_from: EnrolmentFromOption = "random",
) -> None:
    """Plot held-out speakers' representations (t-SNE) coloured by gender and emotion, per method.

    Example: emoshield project emodb.parquet emodb.csv --methods raw,adversarial -o emodb-tsne.png
    """
    # pandas, scikit-learn: load when the command runs
    from emoshield.evaluation.enrolment import EnrolmentSettings
    from emoshield.evaluation.projection import project_methods
    from emoshield.features import align_features, drop_failed, read_features
    from emoshield.manifest import read_manifest

    frame, table = read_features(features), read_manifest(manifest)
    table, _ = drop_failed(table, features)
    path = project_methods(align_features(frame, table), table, split(methods), output, seed,
                           enrolment=EnrolmentSettings.parse(enrolment, enrolment_from))
    console.print(f"wrote {path}")


def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the corpus, features and report.")] = Path(
        "demo-out"
    ),
    speakers: Annotated[int, typer.Option(help="Synthetic speakers.")] = 12,
    utterances: Annotated[int, typer.Option(help="Utterances per speaker.")] = 24,
    repeats: Annotated[int, typer.Option(help="Evaluation repeats.")] = 3,
    methods: Annotated[str, typer.Option(help="Methods beside raw features.")] = "adversarial",
    workers: Annotated[Optional[int], typer.Option(help="Processes for features and fold fits (default: all cores).")] = None,
    seed: Annotated[int, typer.Option(help="Corpus and evaluation seed.")] = 0,
) -> None:
    """The whole slice on a fresh synthetic corpus: audio, ComParE features, raw features beside the defence.

    Ends with what each method kept and hid, measured on speakers it never saw.
    Example: emoshield demo -o demo-out
    """
    # pandas, scikit-learn: load when the command runs
    from emoshield.experiment import Recipe, run_recipe
    from emoshield.pipeline import CorpusConfig, FeatureConfig

    recipe = Recipe(
        name="demo",
        corpus=CorpusConfig(name="synthetic", speakers=speakers, utterances=utterances, seed=seed),
        features=FeatureConfig(workers=workers or 0),
        evaluation=settings_of(methods=("raw", *split(methods)), repeats=repeats, seed=seed, workers=workers),
        output=str(output),
    )
    report, results = run_recipe(recipe)
    print_results(results, report)


def run(
    recipe_path: Annotated[Path, typer.Argument(help="A recipe (YAML) from configs/.")],
    overrides: Annotated[
        Optional[list[str]], typer.Option("--set", help="Override a setting: --set evaluation.repeats=1 (repeatable).")
    ] = None,
    fresh: Annotated[bool, typer.Option(help="Fit everything again instead of reading the report's checkpoints.")] = False,
) -> None:
    """Run a recipe: corpus, features and evaluation as one YAML file describes them.

    Example: emoshield run configs/table2_emodb.yaml --set evaluation.repeats=1
    """
    # pandas, scikit-learn: load when the command runs
    from emoshield.experiment import load_recipe, run_recipe

    report, results = run_recipe(load_recipe(recipe_path, overrides or []), fresh)
    print_results(results, report)
