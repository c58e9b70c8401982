"""Audio-level methods: the audio is anonymised on the device, then a feature-level method releases its features.

``make_method("audio:mcadams(alpha=0.8)+adversarial", seed)`` is an :class:`AudioMethod`:
its ``anonymiser`` tells the evaluation which features to give it (those of the
anonymised audio: ``evaluation.data.Dataset.features_for``); ``method`` is fit and
applied on them as on any features.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emoshield.anonymise.spec import McAdams
from emoshield.methods.protocol import Method, MethodEstimator


class AudioMethod(MethodEstimator):
    """``method`` on the features of audio anonymised by ``anonymiser``."""

    def __init__(self, anonymiser: McAdams, method: Method) -> None:
        self.anonymiser = anonymiser
        self.method = method

    @property
    def steps(self) -> tuple[Method, ...]:
        """The feature-level part, as a chain's steps (what ``reads_speaker_statistics`` looks into)."""
        return (self.method,)

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "AudioMethod":
        self.method_ = self.method.fit(X, attributes)
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        return self.method_.transform(X, attributes)


def anonymiser_of(method: object) -> McAdams | None:
    """The anonymiser of an audio-level method; None for a feature-level one."""
    return method.anonymiser if isinstance(method, AudioMethod) else None
