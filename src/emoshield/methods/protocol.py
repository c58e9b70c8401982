"""What a representation method is: fit on training utterances, transform any utterances."""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin


class Method(Protocol):
    """A representation: fit on training utterances, transform any utterances.

    ``transform`` gets the utterances' attributes too (a device knows whose voice it
    holds: ``speaker_norm`` standardises with that speaker's enrolment statistics); the
    other methods ignore them.
    """

    def fit(self, X: np.ndarray, attributes: pd.DataFrame) -> "Method": ...

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray: ...


#: Builds an unfitted method from a seed and the keyword parameters of its spec.
MethodFactory = Callable[..., Method]


class MethodEstimator(TransformerMixin, BaseEstimator):
    """The base of the methods: a scikit-learn transformer that takes the utterances' attributes.

    As scikit-learn asks, ``__init__`` stores its parameters unchanged, ``fit`` checks them
    (those with a range to keep, in :meth:`check_params`) and returns self, and fitted state
    sits in attributes ending in ``_``. ``fit`` and ``transform`` take the attributes (a
    DataFrame: speaker, gender, language, label, and a release's enrolment columns) where
    scikit-learn passes ``y``.
    """

    def fit_transform(self, X: np.ndarray, y: pd.DataFrame | None = None) -> np.ndarray:
        """``fit`` then ``transform``, both given the attributes ``y`` (TransformerMixin's drops them from
        ``transform``). ``y`` is scikit-learn's name for the second argument, which its checks pass by keyword."""
        return self.fit(X, y).transform(X, y)

    def check_params(self) -> None:
        """ConfigError naming a parameter out of range. ``fit`` calls it, and ``make_method`` when it builds a
        method, so that a bad spec fails at once, not after other methods' fits."""
