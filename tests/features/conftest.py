"""Synthetic WAV files for feature tests: a voiced, vibrato, noisy tone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoshield.audio import Audio


def voice(
    seconds: float = 1.0, rate: int = 16000, f0: float = 150.0, seed: int = 0
) -> np.ndarray:
    """Harmonic tone (7 partials) with 5 Hz vibrato, a syllable-like envelope and noise."""
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * np.cumsum(f0 + 10 * np.sin(2 * np.pi * 5 * t)) / rate
    tone = sum(np.sin(k * phase) / k for k in range(1, 8))
    envelope = 0.2 + 0.8 * np.sin(np.pi * 3 * t) ** 2
    noise = np.random.default_rng(seed).standard_normal(len(t))
    return (0.2 * tone * envelope + 0.005 * noise).astype(np.float32)


WavMaker = Callable[..., Path]


@pytest.fixture
def make_wav(tmp_path: Path) -> WavMaker:
    """``make_wav(name, seconds=1.0, rate=16000, channels=1, seed=0)`` writes a voice WAV."""

    def make(
        name: str, seconds: float = 1.0, rate: int = 16000, channels: int = 1, seed: int = 0
    ) -> Path:
        signal = voice(seconds, rate, seed=seed)
        data = np.stack([signal * (1 - 0.3 * c) for c in range(channels)], axis=1)
        path = tmp_path / name
        sf.write(path, data, rate, subtype="PCM_16")
        return path

    return make


@pytest.fixture
def bad_wavs(tmp_path: Path) -> dict[str, Path]:
    """A corrupt, a 10 ms, a silent and a missing file."""
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(np.random.default_rng(1).bytes(4000))
    short = tmp_path / "short.wav"
    sf.write(short, voice(0.01), 16000)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000, dtype=np.float32), 16000)
    missing = tmp_path / "missing.wav"
    return {"corrupt": corrupt, "short": short, "silent": silent, "missing": missing}


@pytest.fixture
def voice_audio() -> Audio:
    """One second of the voice at 16 kHz, already loaded."""
    return Audio(voice(), 16000)
