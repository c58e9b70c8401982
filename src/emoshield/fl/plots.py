"""FL plots: one confusion matrix per method, UAR of held-out speakers per round."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from emoshield.figures import new_figure, save
from emoshield.fl.protocol import Experiment


def draw_confusion(matrix: np.ndarray, classes: list[str], title: str) -> Figure:
    """A row-normalised confusion matrix with the counts in its cells."""
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = 1.6 + 0.6 * len(classes)
    figure, axes = new_figure(size + 1.2, size)
    ax = axes[0][0]
    image = ax.imshow(share, vmin=0, vmax=1, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7, color="white" if share[i, j] > 0.5 else "black")
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes, rotation=45, ha="right")
    ax.set_yticks(ticks, classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    figure.colorbar(image, ax=ax, fraction=0.046)
    return figure


def plot_confusions(experiment: Experiment, out_dir: Path) -> list[Path]:
    """``confusion_<method>.png`` per method."""
    return [save(draw_confusion(m.confusion(len(experiment.classes)), list(experiment.classes), m.method),
                 out_dir / f"confusion_{m.method}.png", dpi=110)
            for m in experiment.methods]


def draw_rounds(uar_per_round: dict[str, float]) -> Figure:
    """UAR of held-out speakers after each round (round 0: the initial model)."""
    rounds = sorted(int(r) for r in uar_per_round)
    figure, axes = new_figure(5, 3.4)
    ax = axes[0][0]
    ax.plot(rounds, [100 * uar_per_round[str(r)] for r in rounds], marker="o", markersize=3)
    ax.set_xlabel("round")
    ax.set_ylabel("UAR of held-out speakers (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    return figure


def plot_rounds(uar_per_round: dict[str, float], path: Path) -> Path:
    return save(draw_rounds(uar_per_round), path, dpi=110)
