"""Metrics: unweighted average recall, equal error rate, summaries over repeats."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np
from sklearn.metrics import roc_curve


def uar(y_true: Sequence, y_pred: Sequence) -> float:
    """Unweighted average recall: the mean of per-class recalls over the true classes."""
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    if truth.shape != predicted.shape or truth.size == 0:
        raise ValueError(f"uar needs equal, non-empty label arrays, got {truth.shape} and {predicted.shape}")
    labels = np.unique(truth)
    return float(np.mean([(predicted[truth == label] == label).mean() for label in labels]))


def equal_error_rate(scores: np.ndarray, same: np.ndarray) -> float:
    """EER of verification trials: ``scores`` higher means "same speaker"; ``same`` marks target trials."""
    same = np.asarray(same, dtype=bool)
    if same.all() or not same.any():
        raise ValueError("EER needs both target and non-target trials")
    false_accept, true_accept, _ = roc_curve(same, scores)
    false_reject = 1.0 - true_accept
    i = int(np.nanargmin(np.abs(false_reject - false_accept)))
    return float((false_reject[i] + false_accept[i]) / 2.0)


@dataclass(frozen=True)
class MetricSummary:
    """A metric over repeats, beside the level a guess would reach, with a 95% interval where known."""

    mean: float
    sd: float
    n: int
    chance: float
    ci95: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.ci95 is None:
            del out["ci95"]
        else:
            out["ci95"] = list(self.ci95)
        return out

    def __str__(self) -> str:
        return f"{100 * self.mean:.1f} ± {100 * self.sd:.1f}"


def summarise(values: Sequence[float], chance: float, ci95: tuple[float, float] | None = None) -> MetricSummary:
    """Mean and sample standard deviation (0 for one value) of repeated measurements."""
    array = np.asarray(values, dtype=float)
    if array.size == 0:
        raise ValueError("no values to summarise")
    sd = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return MetricSummary(float(array.mean()), sd, int(array.size), float(chance), ci95)
