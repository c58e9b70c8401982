"""Audio loading: one checked, mono, float32 signal at a fixed rate.

Every problem with a file becomes an :class:`~emoshield.errors.AudioError`
that names the file and the problem, so batch extraction can list it and go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf

from emoshield.errors import AudioError

#: A peak amplitude below this (of full scale 1.0) counts as silence.
SILENCE_PEAK = 1e-5
#: Largest positive amplitude openSMILE's 16-bit conversion (x * 32768) takes
#: without wrapping; the negative limit is -1.0, as in 16-bit PCM.
FULL_SCALE = 32767 / 32768


@dataclass
class Audio:
    """A loaded signal: mono float32 samples in [-1, 1], its rate, and what loading changed."""

    samples: np.ndarray
    rate: int
    notes: list[str] = field(default_factory=list)
    path: str = ""

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.rate


def load_audio(
    path: str | Path,
    target_rate: int = 16000,
    max_seconds: float = 600.0,
    min_seconds: float = 0.1,
) -> Audio:
    """Read ``path``, mix down to mono, resample to ``target_rate`` and check it.

    Raises AudioError for a missing, unreadable, empty, too short, too long,
    non-finite or silent file. Notes record each change made to the signal.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    try:
        info = sf.info(str(path))
    except Exception as exc:  # libsndfile raises several types for a bad file
        raise AudioError(f"{path}: unreadable or corrupt audio ({exc})") from exc
    _check_length(path, info.frames, info.samplerate, min_seconds, max_seconds)
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioError(f"{path}: unreadable or corrupt audio ({exc})") from exc
    _check_length(path, len(data), rate, min_seconds, max_seconds)
    bad = int(np.size(data) - np.count_nonzero(np.isfinite(data)))
    if bad:
        raise AudioError(f"{path}: non-finite samples ({bad} NaN or infinite)")
    notes: list[str] = []
    samples = data[:, 0]
    if data.shape[1] > 1:
        samples = data.mean(axis=1, dtype=np.float32)
        notes.append(f"mixed down {data.shape[1]} channels")
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        raise AudioError(f"{path}: silent (peak amplitude {peak:.2g} < {SILENCE_PEAK:g})")
    if rate != target_rate:
        samples = _resample(samples, rate, target_rate)
        notes.append(f"resampled {rate}→{target_rate} Hz")
    gain = _headroom_gain(samples)
    if gain < 1.0:
        samples = samples * gain
        notes.append(f"scaled down by {gain:.3g} to fit 16-bit full scale")
    return Audio(np.ascontiguousarray(samples, dtype=np.float32), target_rate, notes, str(path))


def _check_length(path: Path, frames: int, rate: int, low: float, high: float) -> None:
    if frames <= 0:
        raise AudioError(f"{path}: empty (0 samples)")
    seconds = frames / rate
    if seconds < low:
        raise AudioError(f"{path}: too short ({seconds * 1000:.0f} ms < {low * 1000:.0f} ms)")
    if seconds > high:
        raise AudioError(f"{path}: too long ({seconds:.1f} s > {high:g} s)")


def _headroom_gain(samples: np.ndarray) -> float:
    """Gain (at most 1) that keeps samples within [-1, FULL_SCALE]."""
    high, low = float(samples.max()), float(samples.min())
    return min(FULL_SCALE / max(high, FULL_SCALE), 1.0 / max(-low, 1.0))


def _resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    from scipy.signal import resample_poly  # slow to import; most files need no resampling

    divisor = gcd(rate, target)
    return resample_poly(samples, target // divisor, rate // divisor).astype(np.float32)
