"""The baseline representations of seed 000 (raw features, PCA) and a chain of methods."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from emoshield.methods.gram_pca import GramPca
from emoshield.methods.protocol import Method, MethodEstimator

#: Seed 000 compresses to 512 components.
PCA_COMPONENTS = 512


class MinMaxRaw(MethodEstimator):
    """The features themselves, min-max normalised on the training speakers."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "MinMaxRaw":
        self.scaler_ = MinMaxScaler().fit(validate_data(self, X))
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        check_is_fitted(self)
        return self.scaler_.transform(validate_data(self, X, reset=False))


class MinMaxPca(MethodEstimator):
    """Min-max normalisation then PCA to 512 components (fewer when data are fewer)."""

    def __init__(self, seed: int = 0, n_components: int = PCA_COMPONENTS) -> None:
        self.seed = seed
        self.n_components = n_components

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "MinMaxPca":
        X = validate_data(self, X, ensure_min_samples=2)
        self.scaler_ = MinMaxScaler().fit(X)
        n = min(self.n_components, X.shape[0] - 1, X.shape[1])
        self.pca_ = GramPca(n_components=n).fit(self.scaler_.transform(X))
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        check_is_fitted(self)
        return self.pca_.transform(self.scaler_.transform(validate_data(self, X, reset=False)))


def step_names(steps: tuple[Method, ...]) -> list[str]:
    """make_pipeline's names: each step's class name in lower case, numbered from 1 where two share one."""
    names = [type(step).__name__.lower() for step in steps]
    shared, seen = Counter(names), Counter()
    numbered = []
    for name in names:
        seen[name] += 1
        numbered.append(f"{name}-{seen[name]}" if shared[name] > 1 else name)
    return numbered


class Chain(MethodEstimator):
    """Methods applied one after the other: each is fit on the previous one's output.

    A scikit-learn composite in the manner of ``Pipeline`` (docs/decisions.md says why not
    Pipeline itself): ``Chain(a, b)``, the attributes going to every step's ``fit`` and
    ``transform``. ``get_params(deep=True)`` lists each step under its name
    (:func:`step_names`: ``speakernorm``, ``adversarialencoder``) and the step's parameters
    as ``name__param``; ``set_params`` takes both. The steps are fitted in place, as
    Pipeline's are: ``chain.steps[-1]`` is the fitted last step.
    """

    def __init__(self, *steps: Method) -> None:
        self.steps = steps

    @property
    def named_steps(self) -> dict[str, Method]:
        return dict(zip(step_names(self.steps), self.steps))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params: dict[str, Any] = {"steps": self.steps}
        if deep:
            for name, step in self.named_steps.items():
                params[name] = step
                if hasattr(step, "get_params"):
                    params.update((f"{name}__{key}", value) for key, value in step.get_params(deep=True).items())
        return params

    def set_params(self, **params: Any) -> "Chain":
        if "steps" in params:
            self.steps = params.pop("steps")  # stored unchanged: scikit-learn leaves checking to fit
        if not params:
            return self
        named, nested = self.named_steps, {}
        for key, value in params.items():
            name, deeper, param = key.partition("__")
            if name not in named:
                raise ValueError(f"Invalid parameter {name!r} for estimator {self}. Valid parameters are: "
                                 f"{['steps', *named]!r}.")
            if deeper:
                nested.setdefault(name, {})[param] = value
            else:
                named[name] = value
        self.steps = tuple(named.values())
        for name, values in nested.items():
            named[name].set_params(**values)
        return self

    def __sklearn_clone__(self) -> "Chain":
        return type(self)(*(clone(step, safe=False) for step in self.steps))

    def __sklearn_is_fitted__(self) -> bool:
        try:
            for step in self.steps:
                if hasattr(step, "__sklearn_tags__"):  # a method that is no estimator says so itself
                    check_is_fitted(step)
        except NotFittedError:
            return False
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = any(not hasattr(s, "__sklearn_tags__") or get_tags(s).requires_fit for s in self.steps)
        return tags

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(step) for step in self.steps)})"

    def check_params(self) -> None:
        for step in self.steps:
            if hasattr(step, "check_params"):
                step.check_params()

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "Chain":
        for i, step in enumerate(self.steps):
            step.fit(X, attributes)
            if i < len(self.steps) - 1:
                X = step.transform(X, attributes)
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        check_is_fitted(self)
        for step in self.steps:
            X = step.transform(X, attributes)
        return X
