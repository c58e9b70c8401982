"""Classification scores of seed 001 and 003: UAR, accuracy, macro precision, recall and F1."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from emoshield.evaluation.metrics import MetricSummary, summarise, uar

METRICS: tuple[str, ...] = ("uar", "accuracy", "precision", "recall", "f1")


def classification_scores(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, float]:
    """Scores over the classes present in ``y_true`` (recall is macro recall, i.e. UAR)."""
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    labels = np.unique(truth)
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, labels=labels, average="macro", zero_division=0
    )
    return {
        "uar": uar(truth, predicted), "accuracy": float(np.mean(truth == predicted)),
        "precision": float(precision), "recall": float(recall), "f1": float(f1),
    }


def chance_levels(y_true: Sequence[int]) -> dict[str, float]:
    """A uniform random guess: 1/C for the macro scores; the majority share for accuracy."""
    _, counts = np.unique(np.asarray(y_true), return_counts=True)
    uniform = 1.0 / len(counts)
    return {"uar": uniform, "accuracy": float(counts.max() / counts.sum()),
            "precision": uniform, "recall": uniform, "f1": uniform}


def summarise_scores(runs: Sequence[dict[str, float]], y_true: Sequence[int]) -> dict[str, MetricSummary]:
    """Each metric's mean and sd over repeated runs, beside its chance level."""
    chance = chance_levels(y_true)
    return {m: summarise([r[m] for r in runs], chance[m]) for m in METRICS}
