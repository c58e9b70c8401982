"""MFCC and log mel-spectrogram in numpy/scipy (HTK mel scale, no librosa).

Frames start at 0 and step by the hop; a partial frame at the end is dropped.
"""

from __future__ import annotations

import numpy as np
from scipy.fft import dct

from emoshield.audio import Audio
from emoshield.errors import FeatureError
from emoshield.features.base import Extractor

LOG_FLOOR = 1e-10


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=float) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=float) / 2595.0) - 1.0)


def mel_filterbank(
    n_mels: int, n_fft: int, rate: int, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """Triangular filters, shape (n_mels, n_fft // 2 + 1), equally spaced in mel."""
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax or rate / 2), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def periodic_window(kind: str, size: int) -> np.ndarray:
    """Periodic (FFT) Hann or Hamming window of ``size`` samples."""
    alpha = {"hann": 0.5, "hamming": 0.54}.get(kind)
    if alpha is None:
        raise FeatureError(f"unknown window {kind!r}; choose hann or hamming")
    return alpha - (1 - alpha) * np.cos(2 * np.pi * np.arange(size) / size)


def power_frames(samples: np.ndarray, window: np.ndarray, hop: int, n_fft: int) -> np.ndarray:
    """Power spectrum of each windowed frame, shape (T, n_fft // 2 + 1)."""
    size = len(window)
    if len(samples) < size:
        raise FeatureError(
            f"signal of {len(samples)} samples is shorter than one {size}-sample frame"
        )
    frames = np.lib.stride_tricks.sliding_window_view(samples, size)[::hop]
    return np.abs(np.fft.rfft(frames * window, n=n_fft)) ** 2


class MelExtractor(Extractor):
    """Log mel energies per frame, optionally turned into cepstra (MFCC) by a DCT-II.

    Not ``native``: a file takes under a millisecond of many small numpy calls, and
    threads contending for the GIL were slower than one (0.77× on 200 EMO-DB files).
    """

    def __init__(
        self,
        name: str,
        window_seconds: float,
        hop_seconds: float,
        n_mels: int,
        n_ceps: int | None = None,
        window: str = "hann",
        preemphasis: float = 0.0,
    ) -> None:
        self.name = name
        self.frame_level = True
        self.window_seconds = window_seconds
        self.hop_seconds = hop_seconds
        self._size = round(window_seconds * self.rate)
        self._hop = round(hop_seconds * self.rate)
        self._n_fft = 1 << (self._size - 1).bit_length()
        self._window = periodic_window(window, self._size)
        self._filters = mel_filterbank(n_mels, self._n_fft, self.rate)
        self._n_ceps = n_ceps
        self._preemphasis = preemphasis
        prefix, dim = ("mfcc", n_ceps) if n_ceps else ("logmel", n_mels)
        self.feature_names = [f"{prefix}_{i}" for i in range(dim)]
        self.settings = {
            "name": name,
            "rate": self.rate,
            "window_seconds": window_seconds,
            "hop_seconds": hop_seconds,
            "n_fft": self._n_fft,
            "n_mels": n_mels,
            "n_ceps": n_ceps,
            "window": window,
            "preemphasis": preemphasis,
            "log_floor": LOG_FLOOR,
        }

    def _compute(self, audio: Audio) -> np.ndarray:
        samples = audio.samples.astype(np.float64)
        if self._preemphasis:
            samples = np.append(samples[0], samples[1:] - self._preemphasis * samples[:-1])
        power = power_frames(samples, self._window, self._hop, self._n_fft)
        logmel = np.log(np.maximum(power @ self._filters.T, LOG_FLOOR))
        if self._n_ceps is None:
            return logmel
        return dct(logmel, type=2, norm="ortho", axis=1)[:, : self._n_ceps]


def mfcc(n_ceps: int = 13) -> MelExtractor:
    """Seed 001: 13 MFCCs (c0..c12) on 20 ms Hamming frames with a 20 ms hop, 26 mel bands."""
    return MelExtractor("mfcc", 0.020, 0.020, 26, n_ceps, window="hamming", preemphasis=0.97)


def logmel(n_mels: int = 64) -> MelExtractor:
    """Seed 002: log mel-spectrogram, 30 ms Hann window, 10 ms overlap (20 ms hop)."""
    return MelExtractor("logmel", 0.030, 0.020, n_mels)
