"""The ``emoshield`` command line: thin commands over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from emoshield.errors import EmoshieldError
from emoshield.progress import console

#: The options of the commands whose work fans out (docs/scale.md).
BackendOption = Annotated[str, typer.Option(help="Where the work runs: local (processes here) or ray.")]
AddressOption = Annotated[Optional[str], typer.Option(help="Ray cluster to join (host:port; default: a local Ray instance).")]
#: Where a device's speaker statistics come from (docs/evaluation.md, "Enrolment").
EnrolmentOption = Annotated[str, typer.Option(
    help="Utterances per speaker enrolment (speaker statistics from earlier utterances, never the released one); "
         "'all': every released utterance of the speaker, the scored ones included (the first protocol).")]
EnrolmentFromOption = Annotated[str, typer.Option(
    help="Which utterances enrol a speaker: random, neutral, or one-valence (an emotionally skewed history).")]

app = typer.Typer(
    help="Speech emotion recognition that shields who is speaking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
#: Results go to stdout; progress, notes and errors to stderr (``console``).
stdout = Console(soft_wrap=True)

corpus_app = typer.Typer(help="Turn corpora on disk into manifests.", no_args_is_help=True)
features_app = typer.Typer(help="Extract acoustic features.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(features_app, name="features")
from emoshield.fl.cli import fl_app  # noqa: E402  (imports typer only; Flower loads when a command runs)

app.add_typer(fl_app, name="fl", help="Federated learning on Flower: speakers as clients, DP, attacks on updates.")
from emoshield.serving.cli import cloud_app, encoder_app, send, serve_app  # noqa: E402  (typer only until a command runs)

app.add_typer(encoder_app, name="encoder")
app.add_typer(cloud_app, name="cloud")
app.add_typer(serve_app, name="serve")
app.command("send")(send)
from emoshield.attacks.cli import attack_app  # noqa: E402  (typer only until a command runs)

app.add_typer(attack_app, name="attack")


def main() -> None:
    """Entry point: run the app, turning emoshield errors into one clear line and exit code 1."""
    try:
        app()
    except EmoshieldError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from None


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        from emoshield import __version__

        console.print(__version__)
        raise typer.Exit()


@corpus_app.command("manifest")
def corpus_manifest(
    name: Annotated[str, typer.Argument(help="emodb, ravdess, cremad, emovo, iemocap, tess, savee, or csv.")],
    root: Annotated[Path, typer.Argument(help="The corpus folder (for csv: the table).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Manifest to write (.csv or .parquet).")] = Path(
        "manifest.csv"
    ),
) -> None:
    """Parse a corpus in its original layout into a manifest.

    Example: emoshield corpus manifest emodb ../shared/corpora/emodb -o emodb.csv
    """
    from emoshield.corpora import load_corpus
    from emoshield.manifest import write_manifest

    result = load_corpus(name, root)
    write_manifest(result.manifest, output)
    _print_summary(result.manifest)
    for rejected in result.rejected[:20]:
        console.print(f"[yellow]rejected[/yellow] {rejected.path}: {rejected.reason}")
    if len(result.rejected) > 20:
        console.print(f"[yellow]... and {len(result.rejected) - 20} more rejected[/yellow]")
    console.print(f"wrote {len(result.manifest)} rows to {output} ({len(result.rejected)} files rejected)")


@corpus_app.command("detect")
def corpus_detect(root: Annotated[Path, typer.Argument(help="A folder holding a corpus.")]) -> None:
    """Guess which corpus a folder holds.

    Example: emoshield corpus detect ../shared/corpora/ravdess
    """
    from emoshield.corpora import detect_corpus

    found = detect_corpus(root)
    if found is None:
        console.print(f"{root}: no known corpus layout recognised")
        raise typer.Exit(1)
    typer.echo(found.value)


@corpus_app.command("synthetic")
def corpus_synthetic(
    out_dir: Annotated[Path, typer.Argument(help="Folder for wav/ and manifest.csv.")],
    speakers: Annotated[int, typer.Option(help="Number of speakers (split by gender and language).")] = 12,
    utterances: Annotated[int, typer.Option(help="Utterances per speaker.")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same corpus.")] = 0,
    imbalanced: Annotated[
        bool, typer.Option(help="Speakers with 2 to 80 utterances (scaled by --utterances) in a skewed mix of emotions.")
    ] = False,
) -> None:
    """Generate the embedded synthetic corpus (speech-like audio with speakers, genders, languages, emotions).

    Example: emoshield corpus synthetic synth/ --speakers 12 --utterances 24
    """
    from emoshield.experiment import synthesise

    manifest = synthesise(out_dir, speakers, utterances, seed, imbalanced)
    _print_summary(manifest)
    console.print(f"wrote {len(manifest)} files and {out_dir / 'manifest.csv'}")


@features_app.command("extract")
def features_extract(
    manifest: Annotated[Path, typer.Argument(help="Manifest (.csv or .parquet).")],
    feature_set: Annotated[str, typer.Option("--set", help="compare2016, egemaps, is09, mfcc or logmel.")] = "compare2016",
    output: Annotated[Path, typer.Option("-o", "--output", help="Feature file to write (.parquet).")] = Path(
        "features.parquet"
    ),
    workers: Annotated[Optional[int], typer.Option(help="Parallel workers, threads or processes by feature set (default: all cores).")] = None,
    cache_dir: Annotated[Optional[Path], typer.Option(help="Feature cache (default: $EMOSHIELD_CACHE or ~/.cache/emoshield/features).")] = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
) -> None:
    """Extract features for every file of a manifest, in parallel, cached, listing failures.

    Example: emoshield features extract emodb.csv --set compare2016 -o emodb.parquet
    On a Ray cluster (docs/scale.md): ... --backend ray --address HEAD:6379 --cache-dir /shared/cache
    """
    from emoshield.features import FeatureSet
    from emoshield.manifest import read_manifest

    from emoshield.experiment import extract

    chosen = _choice(FeatureSet, feature_set, "--set")
    compute = _compute(backend, workers, address)
    extract(read_manifest(manifest), chosen, output, cache_dir, compute)


@features_app.command("public-pca")
def features_public_pca(
    features: Annotated[Path, typer.Argument(help="Functionals (.parquet) to project.")],
    public: Annotated[Path, typer.Option(help="Functionals of public speakers (another corpus), same --set.")],
    components: Annotated[int, typer.Option(help="Principal axes to keep.")] = 16,
    output: Annotated[Path, typer.Option("-o", "--output", help="Projected features (.parquet).")] = Path("projected.parquet"),
) -> None:
    """Project functionals on principal axes learnt from a public corpus (a small input for DP training).

    Example: emoshield features public-pca ravdess-egemaps.parquet --public emodb-egemaps.parquet --components 16 -o ravdess-pca16.parquet
    """
    import shutil

    from emoshield.features import read_features, write_features
    from emoshield.features.public_projection import project_on_public
    from emoshield.features.store import failures_path

    projected = project_on_public(read_features(features), read_features(public), components)
    write_features(projected, output)
    if failures_path(features).is_file():  # the same files failed: keep their list beside the output
        shutil.copyfile(failures_path(features), failures_path(output))
    else:
        failures_path(output).unlink(missing_ok=True)
    console.print(f"wrote {output}: {len(projected)} rows x {components} components ({projected.attrs['feature_set']})")


@app.command("evaluate")
def evaluate(
    features: Annotated[Path, typer.Argument(help="Functional features (.parquet) from `features extract`.")],
    manifest: Annotated[Path, typer.Argument(help="The manifest the features were extracted from.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for report.json, report.md, plots.")] = Path(
        "report"
    ),
    methods: Annotated[str, typer.Option(help="Comma-separated representation methods.")] = "raw,pca",
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
    workers: Annotated[Optional[int], typer.Option(help="Parallel fold fits (default: all cores).")] = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    fresh: Annotated[bool, typer.Option(help="Fit everything again instead of reading OUTPUT/checkpoints.")] = False,
) -> None:
    """Emotion UAR and gender/language/speaker leakage of each method, speaker-independent.

    Privacy is measured on speakers the method never saw, by attackers that learnt from other such speakers.

    Example: emoshield evaluate emodb.parquet emodb.csv --methods raw,pca -o runs/emodb
    """
    from emoshield.experiment import evaluate as run_evaluation
    from emoshield.features import read_features
    from emoshield.manifest import read_manifest

    settings = evaluation_settings(
        methods=_split(methods), target=target, repeats=repeats, attackers=_split(attackers), metrics=_split(metrics),
        emotion_folds=emotion_folds, privacy_folds=privacy_folds, bootstrap=bootstrap, seed=seed,
        workers=workers, backend=backend, address=address, enrolment=_enrolment(enrolment, enrolment_from),
    )
    results = run_evaluation(read_features(features), read_manifest(manifest), features, settings, output, fresh=fresh)
    _print_results(results, output)


@app.command("sweep")
def sweep(
    features: Annotated[Path, typer.Argument(help="Functional features (.parquet) from `features extract`.")],
    manifest: Annotated[Path, typer.Argument(help="The manifest the features were extracted from.")],
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
    workers: Annotated[Optional[int], typer.Option(help="Parallel fold fits (default: all cores).")] = None,
    backend: BackendOption = "local",
    address: AddressOption = None,
    fresh: Annotated[bool, typer.Option(help="Fit everything again instead of reading OUTPUT/checkpoints.")] = False,
) -> None:
    """Vary one parameter of a method (seed 000, Fig. 4): every metric per value, and the frontier.

    Example: emoshield sweep emodb.parquet emodb.csv --parameter alpha --values 0,0.5,1,2,4 -o runs/alpha
    """
    from dataclasses import asdict

    from emoshield.config import SweepConfig
    from emoshield.experiment import plot_sweep_of
    from emoshield.experiment import evaluate as run_evaluation
    from emoshield.features import read_features
    from emoshield.manifest import read_manifest

    try:
        numbers = tuple(float(v) for v in _split(values))
    except ValueError:
        raise typer.BadParameter(f"--values must be numbers, got {values!r}") from None
    plan = SweepConfig(parameter=parameter, values=numbers, method=method)
    settings = evaluation_settings(
        methods=_split(baselines) + plan.specs(), repeats=repeats, emotion_folds=emotion_folds, seed=seed,
        workers=workers, backend=backend, address=address, enrolment=_enrolment(enrolment, enrolment_from),
    )
    results = run_evaluation(
        read_features(features), read_manifest(manifest), features, settings, output, {"sweep": asdict(plan)}, fresh
    )
    plot_sweep_of(results, plan, output)
    _print_results(results, output)


@app.command("project")
def project(
    features: Annotated[Path, typer.Argument(help="Functional features (.parquet).")],
    manifest: Annotated[Path, typer.Argument(help="The manifest the features were extracted from.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG to write.")] = Path("projection.png"),
    methods: Annotated[str, typer.Option(help="Comma-separated methods, one column each.")] = "raw,leace",
    seed: Annotated[int, typer.Option(help="Seed of the speaker split and t-SNE.")] = 0,
    enrolment: EnrolmentOption = "10",
    enrolment_from: EnrolmentFromOption = "random",
) -> None:
    """Plot held-out speakers' representations (t-SNE) coloured by gender and emotion, per method.

    Example: emoshield project emodb.parquet emodb.csv --methods raw,adversarial -o emodb-tsne.png
    """
    from emoshield.evaluation.projection import project_methods
    from emoshield.features import align_features, drop_failed, read_features
    from emoshield.manifest import read_manifest

    frame, table = read_features(features), read_manifest(manifest)
    table, _ = drop_failed(table, features)
    path = project_methods(align_features(frame, table), table, _split(methods), output, seed,
                           enrolment=_enrolment(enrolment, enrolment_from))
    console.print(f"wrote {path}")


@app.command("demo")
def demo(
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the corpus, features and report.")] = Path(
        "demo-out"
    ),
    speakers: Annotated[int, typer.Option(help="Synthetic speakers.")] = 12,
    utterances: Annotated[int, typer.Option(help="Utterances per speaker.")] = 24,
    repeats: Annotated[int, typer.Option(help="Evaluation repeats.")] = 5,
    workers: Annotated[Optional[int], typer.Option(help="Feature extraction processes.")] = None,
    seed: Annotated[int, typer.Option(help="Corpus and evaluation seed.")] = 0,
) -> None:
    """The whole slice on a fresh synthetic corpus: audio, ComParE features, the privacy/utility table.

    Example: emoshield demo -o demo-out
    """
    from emoshield.config import CorpusConfig, EvaluationConfig, FeatureConfig, Recipe
    from emoshield.experiment import run_recipe

    recipe = Recipe(
        name="demo",
        corpus=CorpusConfig(name="synthetic", speakers=speakers, utterances=utterances, seed=seed),
        features=FeatureConfig(set="compare2016", workers=workers or 0),
        evaluation=EvaluationConfig(methods=("raw", "pca", "leace"), repeats=repeats, seed=seed, workers=workers or 0),
        output=str(output),
    )
    report, results = run_recipe(recipe)
    _print_results(results, report)


@app.command("run")
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
    from emoshield.config import load_recipe
    from emoshield.experiment import run_recipe

    report, results = run_recipe(load_recipe(recipe_path, overrides or []), fresh)
    _print_results(results, report)


def evaluation_settings(
    target: str = "valence", workers: int | None = None, backend: str = "local", address: str | None = None, **options
):
    """EvaluationSettings from command-line values: --target and --backend checked, --workers resolved."""
    from emoshield.evaluation import EvaluationSettings
    from emoshield.experiment import cores
    from emoshield.types import Target

    return EvaluationSettings(target=_choice(Target, target, "--target"), workers=cores(workers),
                              backend=_compute(backend, workers, address).backend, address=address, **options)


def _print_results(results, report: Path) -> None:
    from emoshield.evaluation.report import markdown_table

    stdout.print(markdown_table(results), markup=False, soft_wrap=True)
    from rich.markup import escape

    for note in getattr(results, "notes", []):
        console.print(f"[cyan]note[/cyan] {escape(note)}", highlight=False)
    console.print(f"report: {report / 'report.json'} (and report.md, metrics.png, attackers.png, frontier.png, frontier_eer.png)")


def _print_summary(manifest) -> None:
    from emoshield.manifest import summarise

    table = Table(title=f"{len(manifest)} utterances")
    table.add_column("column")
    table.add_column("counts")
    for column, counts in summarise(manifest).items():
        shown = ", ".join(f"{k or '(none)'}: {v}" for k, v in list(counts.items())[:30])
        table.add_row(column, shown + (" ..." if len(counts) > 30 else ""))
    stdout.print(table)


def _compute(backend: str, workers: int | None, address: str | None):
    """The --backend, --workers and --address options, checked (a clear error for an unknown backend)."""
    from emoshield.backends import Compute
    from emoshield.errors import ConfigError
    from emoshield.experiment import cores

    try:
        return Compute(backend, cores(workers), address)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--backend") from None


def _enrolment(size: str, composition: str):
    """The --enrolment and --enrolment-from options, checked."""
    from emoshield.errors import ConfigError
    from emoshield.evaluation.enrolment import EnrolmentSettings

    try:
        return EnrolmentSettings.parse(size, composition)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--enrolment") from None


def _split(text: str) -> tuple[str, ...]:
    """Comma-separated items; commas inside a method's parentheses stay: ``raw,ae(latent=8,alpha=1)``."""
    from emoshield.config import split_top_level

    return tuple(split_top_level(text))


def _choice(enum, value: str, option: str):
    try:
        return enum(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r}; choose one of {', '.join(e.value for e in enum)}", param_hint=option) from None


if __name__ == "__main__":
    main()
