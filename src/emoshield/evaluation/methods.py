"""Representation methods compared by the evaluation: what a device or edge would release.

Every method is fit on training speakers only, inside each fold. A method sees
the utterances' attributes (speaker, gender, language, label) at fit time so
that privacy defences can use them; the baselines ignore them.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from emoshield.errors import ConfigError
from emoshield.evaluation.gram_pca import GramPca

#: Seed 000 compresses to 512 components.
PCA_COMPONENTS = 512


class Method(Protocol):
    """A representation: fit on training utterances, transform any utterances."""

    def fit(self, X: np.ndarray, attributes: pd.DataFrame) -> "Method": ...

    def transform(self, X: np.ndarray) -> np.ndarray: ...


class MinMaxRaw:
    """The features themselves, min-max normalised on the training speakers."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "MinMaxRaw":
        self.scaler_ = MinMaxScaler().fit(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.scaler_.transform(X)


class MinMaxPca:
    """Min-max normalisation then PCA to 512 components (fewer when data are fewer)."""

    def __init__(self, seed: int = 0, n_components: int = PCA_COMPONENTS) -> None:
        self.seed = seed
        self.n_components = n_components

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "MinMaxPca":
        self.scaler_ = MinMaxScaler().fit(X)
        n = min(self.n_components, X.shape[0] - 1, X.shape[1])
        self.pca_ = GramPca(n_components=n).fit(self.scaler_.transform(X))
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.pca_.transform(self.scaler_.transform(X))


MethodFactory = Callable[[int], Method]


def _leace(seed: int) -> Method:
    """LEACE concept erasure of gender, language and speaker (a non-adversarial defence)."""
    from emoshield.privacy.leace import MinMaxLeace

    return MinMaxLeace(seed)


METHODS: dict[str, MethodFactory] = {
    "raw": MinMaxRaw,
    "pca": MinMaxPca,
    "leace": _leace,
}


def register_method(name: str, factory: MethodFactory) -> None:
    """Make a method available to ``evaluate --methods`` under ``name``."""
    METHODS[name] = factory


def make_method(name: str, seed: int) -> Method:
    """Build a fresh, unfitted method by name; ConfigError lists the known names."""
    if name not in METHODS:
        import emoshield.privacy  # noqa: F401  registers "ae", "ae_emotion", "adversarial"; imports torch, so lazily
    try:
        factory = METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; known: {', '.join(sorted(METHODS))}") from None
    return factory(seed)
