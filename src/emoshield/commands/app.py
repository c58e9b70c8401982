"""The ``emoshield`` command: every command group and command, and the entry point."""

from __future__ import annotations

from typing import Annotated

import typer

from emoshield import __version__
from emoshield.commands import evaluate as evaluation
from emoshield.commands.anonymise import anonymise
from emoshield.commands.attack import attack_app
from emoshield.commands.corpus import corpus_app
from emoshield.commands.features import features_app
from emoshield.commands.fl import fl_app
from emoshield.commands.serving import cloud_app, encoder_app, send, serve_app
from emoshield.errors import EmoshieldError
from emoshield.progress import console

app = typer.Typer(
    help="Speech emotion recognition that shields who is speaking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(corpus_app, name="corpus")
app.add_typer(features_app, name="features")
app.command("anonymise")(anonymise)
for command in (evaluation.evaluate, evaluation.sweep, evaluation.project, evaluation.demo, evaluation.run):
    app.command(command.__name__)(command)
app.add_typer(fl_app, name="fl", help="Federated learning on Flower: speakers as clients, DP, attacks on updates.")
app.add_typer(encoder_app, name="encoder")
app.add_typer(cloud_app, name="cloud")
app.add_typer(serve_app, name="serve")
app.command("send")(send)
app.add_typer(attack_app, name="attack")


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(__version__)
        raise typer.Exit()


def main() -> None:
    """Entry point: run the app, turning emoshield errors into one clear line and exit code 1."""
    try:
        app()
    except EmoshieldError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise SystemExit(1) from None
