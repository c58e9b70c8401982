"""The baseline representations of seed 000 (raw features, PCA) and a chain of methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from emoshield.methods.gram_pca import GramPca
from emoshield.methods.protocol import Method

#: Seed 000 compresses to 512 components.
PCA_COMPONENTS = 512


class MinMaxRaw:
    """The features themselves, min-max normalised on the training speakers."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "MinMaxRaw":
        self.scaler_ = MinMaxScaler().fit(X)
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
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

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        return self.pca_.transform(self.scaler_.transform(X))


class Chain:
    """Methods applied one after the other: each is fit on the previous one's output."""

    def __init__(self, *steps: Method) -> None:
        self.steps = steps

    def fit(self, X: np.ndarray, attributes: pd.DataFrame) -> "Chain":
        for step in self.steps:
            X = step.fit(X, attributes).transform(X, attributes)
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        for step in self.steps:
            X = step.transform(X, attributes)
        return X
