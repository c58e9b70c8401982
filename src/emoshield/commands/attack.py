"""``emoshield attack``: the gender-inference attack study of seed 002 (torch loads when a command runs)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from emoshield.backends import Compute
from emoshield.errors import EmoshieldError

attack_app = typer.Typer(help="Seed 002's gender-inference attack study on intermediate layers.", no_args_is_help=True)


@attack_app.command("layers")
def layers(
    arch: Annotated[str, typer.Option(help="Architecture: vgg, vgg_deep, resnet, densenet or lstm.")] = "vgg",
) -> None:
    """The readout points of an architecture, input side first, with the shape of each output.

    Example: emoshield attack layers --arch resnet
    """
    # torch: loads when the command runs
    from emoshield.attacks.models import SHARED_LAYERS, layer_shapes

    for name, shape in layer_shapes(arch).items():
        shared = "  (shared by the CNN families)" if name in SHARED_LAYERS and arch != "lstm" else ""
        typer.echo(f"{name:14s} {' x '.join(str(n) for n in shape)}{shared}")


@attack_app.command("study")
def study(
    config: Annotated[Path, typer.Option("--config", help="A study recipe (configs/attack_study*.yaml).")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Folder for data, folds and the report (default: the recipe's).")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Units of work (fits, probes, scorings) run at once, a process each (default: all cores).")] = None,
) -> None:
    """Seed 002's scenario matrix: T on the target corpus, attackers by scenario, leakage per mode and layer.

    Resumable: finished folds (under the same settings) are read, not fitted again.
    Example: emoshield attack study --config configs/attack_study_tiny.yaml -o runs/attack-tiny
    """

    # torch: loads when the command runs
    from emoshield.attacks.recipe import load_attack_recipe, run_attack_study

    recipe = load_attack_recipe(config)
    if output is not None:
        recipe = replace(recipe, output=str(output))
    report = run_attack_study(recipe, Compute(workers=workers))
    if recipe.defences:
        typer.echo(report.read_text())
        typer.echo(f"frontier: {report} (and defence.json, defence_frontier.png; each strength's study in defence-S/)")
        return
    typer.echo((report.parent / "report.md").read_text())
    typer.echo(f"report: {report} (and report.md, fig3_depth.png)")


@attack_app.command("table4")
def table4(
    llds: Annotated[Path, typer.Option("--llds", help="report.json of a study whose T reads IS09 LLDs (features: lld).")],
    spectrograms: Annotated[Path, typer.Option("--spectrograms", help="report.json of the same study on log-mel.")],
    layer: Annotated[str, typer.Option(help="The intercepted layer.")] = "pool1",
) -> None:
    """Seed 002's Table 4: application-aware leakage when T reads LLDs and when it reads spectrograms, per mode.

    Example: emoshield attack table4 --llds runs/attack-study-lld/report.json --spectrograms runs/attack-study/report.json
    """
    # torch: loads when the command runs
    from emoshield.attacks.settings import GENDER_MODES
    from emoshield.attacks.tables import table4 as table

    reports = {}
    for name, path in (("--llds", llds), ("--spectrograms", spectrograms)):
        try:
            reports[name] = json.loads(path.read_text())["leakage"]
        except (OSError, ValueError, KeyError) as error:
            raise EmoshieldError(f"{name} {path}: not a study's report.json ({error})") from None
    for mode in GENDER_MODES:
        text = table(reports["--llds"], reports["--spectrograms"], layer, mode)
        if text:
            typer.echo(f"## Table 4, {mode}, at {layer}\n\n{text}\n")
