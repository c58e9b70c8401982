"""What every command shares: option types, checked choices, and how results and summaries are printed.

Commands import the library inside their bodies: pandas, torch, Flower and ONNX
Runtime load only when a command runs, so that ``--help`` answers at once.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emoshield.backends import Compute
from emoshield.config import split_top_level
from emoshield.errors import ConfigError
from emoshield.progress import console

E = TypeVar("E", bound=Enum)

#: Results go to stdout; progress, notes and errors to stderr (``console``).
stdout = Console(soft_wrap=True)

#: The options of the commands whose work fans out (docs/scale.md).
BackendOption = Annotated[str, typer.Option(help="Where the work runs: local (processes here) or ray.")]
AddressOption = Annotated[Optional[str], typer.Option(help="Ray cluster to join (host:port; default: a local Ray instance).")]
WorkersOption = Annotated[Optional[int], typer.Option(help="Parallel fold fits (default: all cores).")]
FreshOption = Annotated[bool, typer.Option(help="Fit everything again instead of reading OUTPUT/checkpoints.")]
#: Where a device's speaker statistics come from (docs/evaluation.md, "Enrolment").
EnrolmentOption = Annotated[str, typer.Option(
    help="Utterances per speaker enrolment (speaker statistics from earlier utterances, never the released one); "
         "'all': every released utterance of the speaker, the scored ones included (the first protocol).")]
EnrolmentFromOption = Annotated[str, typer.Option(
    help="Which utterances enrol a speaker: random, neutral, or one-valence (an emotionally skewed history).")]
FeaturesArgument = Annotated[Path, typer.Argument(help="Functional features (.parquet) from `features extract`.")]
ManifestArgument = Annotated[Path, typer.Argument(help="The manifest the features were extracted from.")]


def choice_of(kind: type[E], value: str, option: str) -> E:
    """``kind(value)``, or a usage error naming the option and the choices."""
    try:
        return kind(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r}; choose one of {', '.join(str(e.value) for e in kind)}",
                                 param_hint=option) from None


def compute_of(backend: str, workers: int | None, address: str | None) -> Compute:
    """The --backend, --workers and --address options as one Compute (default workers: every core)."""
    try:
        return Compute(backend, workers, address)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--backend") from None


def split(text: str) -> tuple[str, ...]:
    """Comma-separated items; commas inside a method's parentheses stay: ``raw,ae(latent=8,alpha=1)``."""
    return tuple(split_top_level(text))


def print_results(results: Any, report: Path) -> None:
    """An evaluation's table on stdout; its notes and where the report is on stderr."""
    # pandas: loads when a command runs
    from emoshield.evaluation.plots import target_of
    from emoshield.evaluation.report import markdown_table
    from emoshield.evaluation.verdict import sentences

    stdout.print(markdown_table(results), markup=False, soft_wrap=True)
    for verdict in sentences(results, target_of(results)):
        stdout.print(f"\n{verdict}", markup=False, soft_wrap=True)
    for note in getattr(results, "notes", []):
        console.print(f"[cyan]note[/cyan] {escape(note)}", highlight=False)
    console.print(f"report: {report / 'report.json'} (and report.md, metrics.png, attackers.png, frontier.png, frontier_eer.png)")


def print_summary(summary: dict[str, dict[str, int]], title: str) -> None:
    """Counts per value of each manifest column, as a table on stdout."""
    table = Table(title=title)
    table.add_column("column")
    table.add_column("counts")
    for column, counts in summary.items():
        shown = ", ".join(f"{k or '(none)'}: {v}" for k, v in list(counts.items())[:30])
        table.add_row(column, shown + (" ..." if len(counts) > 30 else ""))
    stdout.print(table)
