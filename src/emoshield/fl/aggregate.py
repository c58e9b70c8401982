"""Aggregation maths as pure functions (what FedAvg computes, testable without Flower)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

Weights = list[np.ndarray]


def weighted_mean(updates: Sequence[Sequence[np.ndarray]], weights: Sequence[float]) -> Weights:
    """Layer-wise mean of client arrays weighted by ``weights`` (e.g. example counts)."""
    if not updates or len(updates) != len(weights):
        raise ValueError(f"need one weight per client update, got {len(updates)} updates, {len(weights)} weights")
    w = np.asarray(weights, dtype=np.float64)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be non-negative with a positive sum, got {list(w)}")
    w = w / w.sum()
    return [
        sum(wi * np.asarray(u[layer], dtype=np.float64) for wi, u in zip(w, updates)).astype(np.float32)
        for layer in range(len(updates[0]))
    ]


def difference(after: Sequence[np.ndarray], before: Sequence[np.ndarray]) -> Weights:
    """The update a client sends, layer by layer: ``after - before``."""
    return [np.asarray(a, dtype=np.float32) - np.asarray(b, dtype=np.float32) for a, b in zip(after, before)]


def global_norm(arrays: Sequence[np.ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays)))
