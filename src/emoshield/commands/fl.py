"""``emoshield fl``: federated learning of emotion models and of the privacy encoder (Flower loads when a command runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from emoshield.commands.common import FeaturesArgument, ManifestArgument, WorkersOption, print_results, split
from emoshield.commands.evaluate import settings_of

fl_app = typer.Typer(help="Federated learning on Flower: speakers as clients.", no_args_is_help=True)


@fl_app.command("run")
def run(
    features: Annotated[Path, typer.Argument(help="Features (.parquet): functionals for dnn, mfcc for cnn/lstm.")],
    manifest: Annotated[Path, typer.Argument(help="The manifest the features were extracted from.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for report.json, report.md, plots.")] = Path("fl-report"),
    config: Annotated[Optional[Path], typer.Option("--config", help="A recipe from configs/fl_*.yaml.")] = None,
    model: Annotated[Optional[str], typer.Option(help="dnn or linear (functionals), cnn or lstm (MFCC sequences).")] = None,
    rounds: Annotated[Optional[int], typer.Option(help="Federated rounds.")] = None,
    strategy: Annotated[Optional[str], typer.Option(help="fedavg, fedprox or fedavgm (server momentum).")] = None,
    clients_per_round: Annotated[Optional[int], typer.Option(help="Clients sampled per round (0: all).")] = None,
    folds: Annotated[Optional[int], typer.Option(help="Speaker folds: each is held out once.")] = None,
    central_folds: Annotated[Optional[int], typer.Option(help="Speaker folds for the centralised baseline (0: LOSO).")] = None,
    repeats: Annotated[Optional[int], typer.Option(help="Repeats with different seeds.")] = None,
    dp: Annotated[Optional[str], typer.Option(help="Client-level DP: none, central or distributed.")] = None,
    noise: Annotated[Optional[float], typer.Option(help="DP noise multiplier.")] = None,
    clip: Annotated[Optional[float], typer.Option(help="DP clipping norm of a client update.")] = None,
    max_epsilon: Annotated[Optional[float], typer.Option(help="Per-speaker DP budget: training stops before a round could spend more (distributed DP).")] = None,
    attack: Annotated[bool, typer.Option(help="Also run the gender-inference attack on updates.")] = False,
    baselines: Annotated[bool, typer.Option(help="Run the centralised baselines.")] = True,
    secagg: Annotated[bool, typer.Option(help="Secure aggregation (SecAgg+): the server sees only the sum.")] = False,
    workers: Annotated[Optional[int], typer.Option(help="Client processes in parallel (Ray CPUs).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of the first repeat.")] = None,
) -> None:
    """Federated vs centralised emotion recognition, speaker-independent, with optional DP and attack.

    Example: emoshield fl run emodb.parquet emodb.csv --model dnn --rounds 20 -o runs/fl-emodb
    """
    # Flower, torch: load when the command runs
    from emoshield.fl.report import markdown_table
    from emoshield.fl.run import run_fl

    overrides = {
        "model": model, "rounds": rounds, "strategy": strategy, "clients_per_round": clients_per_round,
        "folds": folds, "central_folds": central_folds, "repeats": repeats, "workers": workers, "seed": seed,
        "baselines": None if baselines else False, "secagg": True if secagg else None,
    }
    settings = _settings(config, overrides, {"mode": dp, "noise": noise, "clip": clip, "max_epsilon": max_epsilon}, attack)
    experiment = run_fl(features, manifest, settings, output)
    typer.echo(markdown_table(experiment))
    typer.echo(f"report: {output / 'report.json'} (and report.md, confusion_*.png, uar_per_round.png)")


@fl_app.command("encoder")
def encoder(
    features: FeaturesArgument,
    manifest: ManifestArgument,
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the evaluation's report.json, report.md, plots.")] = Path("fl-encoder"),
    rounds: Annotated[int, typer.Option(help="FedAvg rounds.")] = 30,
    local_epochs: Annotated[int, typer.Option(help="Epochs over its own utterances per client and round.")] = 2,
    noise: Annotated[float, typer.Option(help="Distributed DP noise multiplier (0: no DP).")] = 0.0,
    clip: Annotated[float, typer.Option(help="DP clipping norm of a client update.")] = 1.0,
    target: Annotated[str, typer.Option(help="valence (binary, seed 000) or emotion (categories).")] = "valence",
    repeats: Annotated[int, typer.Option(help="Repeats with different seeds (mean ± sd).")] = 5,
    attackers: Annotated[str, typer.Option(help="Attacker panel (each tuned on speaker-grouped inner folds).")] = "logreg,svm,mlp,knn,gboost",
    workers: WorkersOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the first repeat.")] = 0,
    fresh: Annotated[bool, typer.Option(help="Fit everything again instead of reading OUTPUT/checkpoints.")] = False,
) -> None:
    """The privacy encoder trained by federation (each speaker a client), beside the central one.

    Both are evaluated by `emoshield evaluate`'s protocol (raw features as the reference).
    Example: emoshield fl encoder emodb.parquet emodb.csv -o runs/fl-encoder
    """

    # pandas, torch: load when the command runs
    from emoshield.features import read_features
    from emoshield.fl.encoder import compare_with_central, federated_spec
    from emoshield.manifest import read_manifest
    from emoshield.reporting import evaluate_to_report

    spec = federated_spec(rounds=rounds, local_epochs=local_epochs, noise=noise, clip=clip)
    settings = settings_of(methods=("raw", "adversarial", spec), target=target, repeats=repeats, seed=seed,
                           attackers=split(attackers), workers=workers)
    table = read_manifest(manifest)
    results = evaluate_to_report(read_features(features), table, features, settings, output, fresh=fresh)
    print_results(results, output)
    typer.echo(compare_with_central(results, spec, noise, rounds, table["speaker"].nunique() - 1))


def _settings(config: Path | None, overrides: dict[str, Any], dp: dict[str, Any], attack: bool):
    """The recipe's settings (or the defaults) with the options given on the command line over them."""
    # Flower: loads when a command runs
    from emoshield.fl.settings import FlSettings, load_settings, settings_from

    base = load_settings(config) if config is not None else FlSettings()
    data = {**base.as_dict(), **{k: v for k, v in overrides.items() if v is not None}}
    dp_values = {k: v for k, v in dp.items() if v is not None}
    data["dp"] = {**data["dp"], **dp_values}
    if attack:
        data["attack"] = {**data["attack"], "enabled": True}
    return settings_from(data, str(config or "command line"))
