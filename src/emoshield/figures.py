"""Figures for reports: matplotlib's object interface (no pyplot state, no display), laid out to be read.

Every plot the product writes is a :class:`~matplotlib.figure.Figure` with
constrained layout, so labels, titles and legends get the room they need; long
labels are wrapped, not rotated into each other.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(width: float, height: float, rows: int = 1, columns: int = 1, **options) -> tuple[Figure, np.ndarray]:
    """A figure of ``width`` x ``height`` inches with a ``rows`` x ``columns`` grid of axes (always 2-D)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)  # renders to files only: no display, no pyplot state
    return figure, figure.subplots(rows, columns, squeeze=False, **options)


def save(figure: Figure, path: Path, dpi: int = 120) -> Path:
    """Write ``figure`` as a PNG at ``path``."""
    figure.savefig(path, dpi=dpi)
    return path


def wrapped(label: str, width: int = 14) -> str:
    """``label`` broken into lines of at most ``width`` characters (at spaces)."""
    return "\n".join(textwrap.wrap(label, width)) or label


def label_points(ax: Axes, labels: Sequence[tuple[str, float, float]]) -> None:
    """Write each label beside its point, right then left of it, stepping it above or below
    until it overlaps no earlier label and stays inside the axes.

    The figure is laid out first and its layout then frozen: the labels are placed
    where the points finally are.
    """
    ax.figure.canvas.draw()
    ax.figure.set_layout_engine("none")
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed = []
    spots = [(dx, dy) for dy in (4, -12, 16, -24, 28, -36, 40) for dx in (4, -4)]
    for text, x, y in labels:
        for dx, dy in spots:
            side = "left" if dx > 0 else "right"
            note = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=7, ha=side)
            box = note.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in placed):
                break
            note.remove()
        else:
            note = ax.annotate(text, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
            box = note.get_window_extent(renderer)
        placed.append(box)
