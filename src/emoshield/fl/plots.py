"""FL plots: one confusion matrix per method, UAR of held-out speakers per round."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from emoshield.fl.protocol import Experiment  # noqa: E402


def plot_confusions(experiment: Experiment, out_dir: Path) -> list[Path]:
    """``confusion_<method>.png``: row-normalised, counts in the cells."""
    paths = []
    for method in experiment.methods:
        matrix = method.confusion(len(experiment.classes))
        share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        size = 1.2 + 0.6 * len(experiment.classes)
        fig, ax = plt.subplots(figsize=(size + 1, size))
        image = ax.imshow(share, vmin=0, vmax=1, cmap="Blues")
        for (i, j), count in np.ndenumerate(matrix):
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if share[i, j] > 0.5 else "black")
        ticks = np.arange(len(experiment.classes))
        ax.set_xticks(ticks, experiment.classes, rotation=45, ha="right")
        ax.set_yticks(ticks, experiment.classes)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(method.method)
        fig.colorbar(image, ax=ax, fraction=0.046)
        paths.append(_save(fig, out_dir / f"confusion_{method.method}.png"))
    return paths


def plot_rounds(uar_per_round: dict[str, float], path: Path) -> Path:
    """UAR of held-out speakers after each round (round 0: the initial model)."""
    rounds = sorted(int(r) for r in uar_per_round)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(rounds, [100 * uar_per_round[str(r)] for r in rounds], marker="o", markersize=3)
    ax.set_xlabel("round")
    ax.set_ylabel("UAR of held-out speakers (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
