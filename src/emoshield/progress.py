"""Rich progress bars for long steps; silent when output is not a terminal and quiet is set."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console(stderr=True, soft_wrap=True)


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[..., None]]:
    """Yield ``advance(*_)`` that moves a bar of ``total`` steps; extra args may carry a label."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(description, total=total)

        def advance(*args: object) -> None:
            label = next((a for a in args if isinstance(a, str)), None)
            bar.update(task, advance=1, description=f"{description}: {label}" if label else description)

        yield advance
        bar.update(task, description=description)
        bar.refresh()
