"""LEACE: closed-form least-squares concept erasure (Belrose et al., NeurIPS 2023).

A non-adversarial defence. For a concept Z (one-hot labels) it removes from x
the smallest (in the whitened metric) change that makes the class-conditional
means of x equal, so that no *linear* classifier trained on the erased
training data beats a constant guess. Non-linear attackers may still succeed:
the evaluation's panel says whether they do.

Whitening happens in the principal-component coordinates of the training data,
where the covariance is diagonal, so it is a per-coordinate scaling; the
erased output stays in the original feature space.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from emoshield.errors import ConfigError
from emoshield.methods.gram_pca import GramPca
from emoshield.methods.protocol import MethodEstimator

#: Relative singular-value tolerance when finding the span of the cross-covariance.
RANK_TOLERANCE = 1e-8


def one_hot(labels: Sequence[str]) -> np.ndarray:
    """Indicator columns, one per distinct label."""
    values = np.asarray(labels, dtype=str)
    return (values[:, None] == np.unique(values)[None, :]).astype(np.float64)


class LeaceEraser(MethodEstimator):
    """Erase the concepts ``attributes[concepts]``: ``x - W⁺ P W (x - mean)``, in the original space.

    ``W`` whitens within the training data's principal span and ``P`` projects
    onto the span of the whitened cross-covariance with the concepts. What lies
    outside the training span is kept as it is: dropping it would let an
    attacker tell training utterances (which have none) from others.
    """

    def __init__(self, concepts: Sequence[str] = ("gender", "language", "speaker")) -> None:
        self.concepts = concepts

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "LeaceEraser":
        X = validate_data(self, X, dtype=np.float64)
        missing = [c for c in self.concepts if not isinstance(attributes, pd.DataFrame) or c not in attributes]
        if missing:
            raise ConfigError(f"LEACE needs attribute column(s) {missing}")
        pca = GramPca().fit(X)
        scale = np.sqrt(np.maximum(pca.explained_variance_, 1e-300))
        Z = np.hstack([one_hot(attributes[c]) for c in self.concepts])
        Z = Z - Z.mean(axis=0)
        cross = (pca.transform(X) / scale).T @ Z / len(X)  # whitened cross-covariance
        u, s, _ = np.linalg.svd(cross, full_matrices=False)
        basis = u[:, s > RANK_TOLERANCE * max(s.max(initial=0.0), 1e-300)]  # orthonormal, whitened
        self.mean_ = pca.mean_
        self.whiten_ = pca.components_ @ (basis / scale[:, None])  # d x r: W then onto the basis
        self.unwhiten_ = (basis * scale[:, None]).T @ pca.components_.T  # r x d: back, W⁺
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X - ((X - self.mean_) @ self.whiten_) @ self.unwhiten_

    @property
    def erased_dimensions_(self) -> int:
        return int(self.whiten_.shape[1])


class MinMaxLeace(MethodEstimator):
    """The evaluation method ``leace``: min-max normalisation, then LEACE of gender, language, speaker."""

    def __init__(self, seed: int = 0, concepts: Sequence[str] = ("gender", "language", "speaker")) -> None:
        self.seed = seed
        self.concepts = concepts

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "MinMaxLeace":
        X = validate_data(self, X)
        self.scaler_ = MinMaxScaler().fit(X)
        self.eraser_ = LeaceEraser(self.concepts).fit(self.scaler_.transform(X), attributes)
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        check_is_fitted(self)
        return self.eraser_.transform(self.scaler_.transform(validate_data(self, X, reset=False)))
