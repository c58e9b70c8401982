"""Representation methods compared by the evaluation: what a device or edge would release.

Every method is fit on training speakers only, inside each fold. A method sees
the utterances' attributes (speaker, gender, language, label) at fit time so
that privacy defences can use them; the baselines ignore them.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Callable, Protocol

import numpy as np
import pandas as pd
import yaml
from sklearn.preprocessing import MinMaxScaler

from emoshield.config import split_top_level
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


class Chain:
    """Methods applied one after the other: each is fit on the previous one's output."""

    def __init__(self, *steps: Method) -> None:
        self.steps = steps

    def fit(self, X: np.ndarray, attributes: pd.DataFrame) -> "Chain":
        for step in self.steps:
            X = step.fit(X, attributes).transform(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        for step in self.steps:
            X = step.transform(X)
        return X


#: Builds an unfitted method from a seed and the keyword parameters of its spec.
MethodFactory = Callable[..., Method]


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


_SPEC = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


def parse_method(spec: str) -> tuple[str, dict[str, Any]]:
    """``"adversarial(latent=64, alpha=2)"`` -> ``("adversarial", {"latent": 64, "alpha": 2})``."""
    match = _SPEC.match(spec)
    if not match:
        raise ConfigError(f"method {spec!r}: expected NAME or NAME(key=value, ...)")
    name, inside = match.groups()
    params: dict[str, Any] = {}
    for item in split_top_level(inside or ""):
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"method {spec!r}: parameter {item!r} is not key=value")
        params[key.strip()] = yaml.safe_load(value)
    return name, params


def make_method(spec: str, seed: int) -> Method:
    """Build a fresh, unfitted method from ``NAME`` or ``NAME(key=value, ...)``; ConfigError on unknowns."""
    name, params = parse_method(spec)
    if name not in METHODS:
        import emoshield.privacy  # noqa: F401  registers the encoder methods; imports torch, so lazily
    try:
        factory = METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; known: {', '.join(sorted(METHODS))}") from None
    try:
        inspect.signature(factory).bind(seed, **params)
    except TypeError as exc:
        raise ConfigError(f"method {spec!r}: {exc}") from None
    return factory(seed, **params)
