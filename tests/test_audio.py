"""load_audio: every bad file is an AudioError naming it; every change is a note."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoshield.audio import load_audio
from emoshield.errors import AudioError


def tone(
    seconds: float = 1.0, rate: int = 16000, hz: float = 440.0, amplitude: float = 0.5
) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def write(path: Path, data: np.ndarray, rate: int = 16000, subtype: str | None = None) -> Path:
    sf.write(path, data, rate, subtype=subtype)
    return path


def test_mono_16k_loads_unchanged(tmp_path: Path) -> None:
    data = tone()
    audio = load_audio(write(tmp_path / "a.wav", data, subtype="FLOAT"))
    assert audio.rate == 16000 and audio.samples.dtype == np.float32
    assert audio.notes == [] and audio.duration == pytest.approx(1.0)
    np.testing.assert_array_equal(audio.samples, data)


def test_stereo_is_mixed_down_with_a_note(tmp_path: Path) -> None:
    left, right = tone(hz=300), tone(hz=500, amplitude=0.2)
    audio = load_audio(write(tmp_path / "s.wav", np.stack([left, right], axis=1), subtype="FLOAT"))
    assert audio.samples.ndim == 1
    np.testing.assert_allclose(audio.samples, (left + right) / 2, atol=1e-6)
    assert audio.notes == ["mixed down 2 channels"]


def test_44k_is_resampled_keeping_pitch(tmp_path: Path) -> None:
    audio = load_audio(write(tmp_path / "r.wav", tone(rate=44100, hz=440), rate=44100))
    assert audio.rate == 16000 and len(audio.samples) == 16000
    assert audio.notes == ["resampled 44100→16000 Hz"]
    spectrum = np.abs(np.fft.rfft(audio.samples))
    assert np.fft.rfftfreq(16000, 1 / 16000)[spectrum.argmax()] == pytest.approx(440, abs=1)


def test_above_full_scale_float_is_scaled_down(tmp_path: Path) -> None:
    audio = load_audio(write(tmp_path / "loud.wav", tone(amplitude=2.0), subtype="FLOAT"))
    assert np.abs(audio.samples).max() < 1.0
    assert any("scaled down" in n for n in audio.notes)


def test_16_bit_extremes_are_kept_exactly(tmp_path: Path) -> None:
    data = np.array([-32768, 32767, 0, 1000] * 4000, dtype=np.int16)
    audio = load_audio(write(tmp_path / "edge.wav", data, subtype="PCM_16"))
    assert audio.notes == []
    np.testing.assert_array_equal(audio.samples, data / np.float32(32768))


def _bad(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.wav"
    if kind == "corrupt":
        path.write_bytes(np.random.default_rng(0).bytes(3000))
    elif kind == "empty":
        write(path, np.zeros(0, dtype=np.float32))
    elif kind == "short":
        write(path, tone(seconds=0.01))
    elif kind == "silent":
        write(path, np.zeros(16000, dtype=np.float32))
    elif kind == "whisper":
        write(path, tone(amplitude=1e-6), subtype="FLOAT")
    elif kind == "nan":
        data = tone()
        data[100] = np.nan
        write(path, data, subtype="FLOAT")
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "no such file"),
        ("corrupt", "unreadable or corrupt"),
        ("empty", "empty (0 samples)"),
        ("short", "too short (10 ms < 100 ms)"),
        ("silent", "silent"),
        ("whisper", "silent"),
        ("nan", "non-finite samples (1 NaN"),
    ],
)
def test_bad_files_raise_naming_file_and_problem(tmp_path: Path, kind: str, message: str) -> None:
    path = _bad(tmp_path, kind)
    with pytest.raises(AudioError) as caught:
        load_audio(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_too_long_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "long.wav", tone(seconds=1.0))
    with pytest.raises(AudioError, match=r"too long \(1.0 s > 0.5 s\)"):
        load_audio(path, max_seconds=0.5)
