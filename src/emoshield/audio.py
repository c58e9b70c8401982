"""Audio loading: one checked, mono, float32 signal at a fixed rate.

Every problem with a file becomes an :class:`~emoshield.errors.AudioError`
that names the file and the problem, so batch extraction can list it and go on.
"""

from __future__ import annotations

import io
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
    rates: tuple[int, int] | None = None,
) -> Audio:
    """Read ``path``, mix down to mono, resample to ``target_rate`` and check it.

    Raises AudioError for a missing, unreadable, empty, too short, too long,
    non-finite or silent file, or one recorded at a rate outside ``rates`` (low, high;
    None: any). Notes record each change made to the signal.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    return _decode(str(path), str(path), target_rate, max_seconds, min_seconds, rates)


def decode_audio(
    data: bytes,
    where: str = "upload",
    target_rate: int = 16000,
    max_seconds: float = 600.0,
    min_seconds: float = 0.1,
    rates: tuple[int, int] | None = None,
) -> Audio:
    """``load_audio`` for an encoded file held in memory (WAV, FLAC, OGG); ``where`` names it in errors."""
    if not data:
        raise AudioError(f"{where}: empty (0 bytes)")
    return _decode(io.BytesIO(data), where, target_rate, max_seconds, min_seconds, rates)


def _decode(source: str | io.BytesIO, where: str, target_rate: int, max_seconds: float, min_seconds: float,
            rates: tuple[int, int] | None = None) -> Audio:
    try:
        info = sf.info(source)
    except Exception as exc:  # libsndfile raises several types for a bad file
        raise AudioError(f"{where}: unreadable or corrupt audio ({exc})") from exc
    if rates is not None and not rates[0] <= info.samplerate <= rates[1]:
        raise AudioError(f"{where}: recorded at {info.samplerate} Hz; {rates[0]} to {rates[1]} Hz are taken")
    _check_length(where, info.frames, info.samplerate, min_seconds, max_seconds)
    if isinstance(source, io.BytesIO):
        source.seek(0)
    try:
        data, rate = sf.read(source, dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioError(f"{where}: unreadable or corrupt audio ({exc})") from exc
    _check_length(where, len(data), rate, min_seconds, max_seconds)
    bad = int(np.size(data) - np.count_nonzero(np.isfinite(data)))
    if bad:
        raise AudioError(f"{where}: non-finite samples ({bad} NaN or infinite)")
    notes: list[str] = []
    samples = data[:, 0]
    if data.shape[1] > 1:
        samples = data.mean(axis=1, dtype=np.float32)
        notes.append(f"mixed down {data.shape[1]} channels")
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        raise AudioError(f"{where}: silent (peak amplitude {peak:.2g} < {SILENCE_PEAK:g})")
    if rate != target_rate:
        samples = _resample(samples, rate, target_rate)
        notes.append(f"resampled {rate}→{target_rate} Hz")
    gain = _headroom_gain(samples)
    if gain < 1.0:
        samples = samples * gain
        notes.append(f"scaled down by {gain:.3g} to fit 16-bit full scale")
    return Audio(np.ascontiguousarray(samples, dtype=np.float32), target_rate, notes, where)


def _check_length(where: str, frames: int, rate: int, low: float, high: float) -> None:
    if frames <= 0:
        raise AudioError(f"{where}: empty (0 samples)")
    seconds = frames / rate
    if seconds < low:
        raise AudioError(f"{where}: too short ({seconds * 1000:.0f} ms < {low * 1000:.0f} ms)")
    if seconds > high:
        raise AudioError(f"{where}: too long ({seconds:.1f} s > {high:g} s)")


def _headroom_gain(samples: np.ndarray) -> float:
    """Gain (at most 1) that keeps samples within [-1, FULL_SCALE]."""
    high, low = float(samples.max()), float(samples.min())
    return min(FULL_SCALE / max(high, FULL_SCALE), 1.0 / max(-low, 1.0))


def _resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    # scipy.signal: slow to import, and most files need no resampling
    from scipy.signal import resample_poly

    divisor = gcd(rate, target)
    return resample_poly(samples, target // divisor, rate // divisor).astype(np.float32)
