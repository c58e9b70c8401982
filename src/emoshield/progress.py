"""Rich progress bars for long steps; where stderr is not a terminal (a log file, CI), a plain line at every
tenth of the way instead, so that a long job's log shows how far it got (a bar there printed only at the end)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

console = Console(stderr=True, soft_wrap=True)


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[..., None]]:
    """Yield ``advance(*_)`` that moves a bar of ``total`` steps; extra args may carry a label."""
    if not console.is_terminal:
        yield _plain_lines(description, total)
        return
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


def _plain_lines(description: str, total: int) -> Callable[..., None]:
    """``advance(*_)`` that prints ``description: done/total (elapsed)`` at every tenth of ``total`` and at the end."""
    started, done, shown = time.monotonic(), 0, 0

    def advance(*_: object) -> None:
        nonlocal done, shown
        done += 1
        tenth = done * 10 // max(total, 1)
        if tenth > shown or done == total:
            shown = tenth
            elapsed = timedelta(seconds=round(time.monotonic() - started))
            console.print(f"{description}: {done}/{total} ({elapsed} elapsed)", highlight=False)

    return advance
