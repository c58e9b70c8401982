"""The extractor contract: names fixed at construction, checked output on every call."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from emoshield.audio import Audio
from emoshield.errors import FeatureError


class Extractor(ABC):
    """Turns one :class:`Audio` into a float32 array of shape (1, d) or (T, d).

    Subclasses set ``name``, ``frame_level``, ``feature_names`` and ``settings``
    in ``__init__`` (``settings`` must be JSON-serialisable: it keys the cache),
    and for frame-level sets ``window_seconds`` and ``hop_seconds``.
    """

    name: str
    frame_level: bool
    feature_names: list[str]
    settings: dict[str, Any]
    rate: int = 16000
    #: True when the work runs in native code that releases the GIL: threads then extract in parallel.
    native: bool = False
    window_seconds: float = 0.0
    hop_seconds: float = 0.0

    @abstractmethod
    def _compute(self, audio: Audio) -> np.ndarray:
        """Raw features of one signal, shape (rows, len(feature_names))."""

    def __call__(self, audio: Audio) -> np.ndarray:
        """Features of ``audio``; FeatureError if the rate, shape or values are wrong."""
        where = audio.path or "signal"
        if audio.rate != self.rate:
            raise FeatureError(f"{where}: {self.name} expects {self.rate} Hz, got {audio.rate} Hz")
        values = np.asarray(self._compute(audio), dtype=np.float32)
        rows_ok = values.shape[0] >= 1 if self.frame_level else values.shape[0] == 1
        if values.ndim != 2 or values.shape[1] != len(self.feature_names) or not rows_ok:
            raise FeatureError(
                f"{where}: {self.name} gave shape {values.shape}, "
                f"expected ({'T' if self.frame_level else 1}, {len(self.feature_names)})"
            )
        bad = values.size - int(np.count_nonzero(np.isfinite(values)))
        if bad:
            raise FeatureError(f"{where}: {self.name} gave {bad} non-finite value(s)")
        return values

    def frame_times(self, n_frames: int, duration: float) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (seconds) of each row; one row spanning the file for functionals."""
        if not self.frame_level:
            return np.zeros(1), np.array([duration])
        starts = np.round(np.arange(n_frames) * self.hop_seconds, 6)
        ends = np.minimum(np.round(starts + self.window_seconds, 6), round(duration, 6))
        return starts, ends

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={len(self.feature_names)})"
