"""What a representation method is: fit on training utterances, transform any utterances."""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np
import pandas as pd


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
