"""Batch extraction: failures listed, notes kept, cache reused and resumed, workers agree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emoshield.backends import Compute
from emoshield.errors import ConfigError, FeatureError
from emoshield.features import FeatureSet, extract_features, to_sequences
from emoshield.features import extract as extract_module


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Callable[[int | None], list[str]]:
    """Count (and optionally interrupt at call n) the audio loads extraction makes."""

    def install(interrupt_at: int | None = None) -> list[str]:
        calls: list[str] = []
        real = extract_module.load_audio

        def counting(path: str, **kwargs: float):
            calls.append(Path(path).name)
            if interrupt_at is not None and len(calls) == interrupt_at:
                raise KeyboardInterrupt
            return real(path, **kwargs)

        monkeypatch.setattr(extract_module, "load_audio", counting)
        return calls

    return install


def test_bad_files_are_listed_and_the_rest_extracted(make_wav, bad_wavs: dict[str, Path]) -> None:
    good = [make_wav("a.wav"), make_wav("b.wav", seed=1)]
    files = [good[0], *bad_wavs.values(), good[1]]
    result = extract_features(files, FeatureSet.EGEMAPS, Compute(workers=1), cache_dir=False)
    assert list(result.frame.index) == [str(p) for p in good]
    assert result.frame.index.name == "file" and result.frame.shape == (2, 88)
    reasons = {Path(f.file).stem: f.reason for f in result.failures}
    assert list(reasons) == ["corrupt", "short", "silent", "missing"]
    assert reasons["corrupt"].startswith("unreadable or corrupt")
    assert reasons["short"].startswith("too short")
    assert reasons["silent"].startswith("silent")
    assert reasons["missing"] == "no such file"


def test_all_failing_raises(bad_wavs: dict[str, Path]) -> None:
    with pytest.raises(FeatureError, match="all 4 file"):
        extract_features(list(bad_wavs.values()), "mfcc", Compute(workers=1), cache_dir=False)


def test_stereo_and_44k_are_handled_with_notes(make_wav) -> None:
    stereo, fast = make_wav("stereo.wav", channels=2), make_wav("fast.wav", rate=44100)
    result = extract_features([stereo, fast], "egemaps", Compute(workers=1), cache_dir=False)
    assert result.frame.shape == (2, 88) and not result.failures
    assert result.notes == [
        (str(stereo), "mixed down 2 channels"),
        (str(fast), "resampled 44100→16000 Hz"),
    ]
    pitch = result.frame["F0semitoneFrom27.5Hz_sma3nz_amean"]
    assert pitch.to_numpy() == pytest.approx(12 * np.log2(150 / 27.5), abs=0.5)


def test_frame_level_index_and_sequences(make_wav) -> None:
    files = [make_wav("one.wav", seconds=1.0), make_wav("two.wav", seconds=0.5)]
    frame = extract_features(files, "is09", Compute(workers=1), cache_dir=False).frame
    assert frame.index.names == ["file", "start", "end"] and frame.attrs["feature_set"] == "is09"
    sequences = to_sequences(frame)
    assert list(sequences) == [str(f) for f in files]
    assert [len(s) for s in sequences.values()] == [99, 49]
    first = frame.loc[str(files[0])]
    assert first.index.get_level_values("start")[:3].tolist() == [0.0, 0.01, 0.02]


@pytest.mark.parametrize("feature_set", ["egemaps", "mfcc"])  # openSMILE in threads, librosa in processes
def test_two_workers_give_the_same_numbers_as_one(make_wav, bad_wavs: dict[str, Path], feature_set: str) -> None:
    files = [make_wav(f"w{i}.wav", seed=i) for i in range(5)] + [bad_wavs["corrupt"]]
    seen: list[tuple[int, int]] = []
    serial = extract_features(files, feature_set, Compute(workers=1), cache_dir=False)
    parallel = extract_features(
        files, feature_set, Compute(workers=2), cache_dir=False, progress=lambda d, n: seen.append((d, n))
    )
    pd.testing.assert_frame_equal(serial.frame, parallel.frame)
    assert parallel.failures == serial.failures and len(parallel.failures) == 1
    assert seen[-1] == (6, 6) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_duplicates_are_extracted_once(make_wav, loads) -> None:
    calls = loads()
    path = make_wav("dup.wav")
    result = extract_features([path, str(path)], "mfcc", Compute(workers=1), cache_dir=False)
    assert calls == ["dup.wav"] and result.frame.index.get_level_values("file").nunique() == 1


def test_rerun_reads_the_cache_only(make_wav, tmp_path: Path, loads) -> None:
    files = [make_wav(f"c{i}.wav", seed=i) for i in range(3)] + [make_wav("c44.wav", rate=44100)]
    calls = loads()
    first = extract_features(files, "mfcc", Compute(workers=1), cache_dir=tmp_path / "cache")
    assert len(calls) == 4 and first.cached == 0
    second = extract_features(files, "mfcc", Compute(workers=1), cache_dir=tmp_path / "cache")
    assert len(calls) == 4 and second.cached == 4
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert second.notes == first.notes == [(str(files[3]), "resampled 44100→16000 Hz")]


@pytest.mark.parametrize("feature_set", ["egemaps", "mfcc"])
def test_a_cached_rerun_starts_no_workers(make_wav, tmp_path: Path, monkeypatch, feature_set: str) -> None:
    files = [make_wav(f"r{i}.wav", seed=i) for i in range(4)]
    first = extract_features(files, feature_set, Compute(workers=2), cache_dir=tmp_path / "cache")

    def no_workers(*args, **kwargs):
        raise AssertionError("a cached rerun started workers")

    monkeypatch.setattr(extract_module, "_run_pool", no_workers)
    monkeypatch.setattr(extract_module, "_run_threads", no_workers)
    again = extract_features([*files, tmp_path / "gone.wav"], feature_set, Compute(workers=2), cache_dir=tmp_path / "cache")
    assert again.cached == 4 and [f.reason for f in again.failures] == ["no such file"]
    pd.testing.assert_frame_equal(first.frame, again.frame)


def test_changed_file_or_set_misses_the_cache(make_wav, tmp_path: Path, loads) -> None:
    files = [make_wav("x.wav"), make_wav("y.wav", seed=1)]
    calls = loads()
    extract_features(files, "mfcc", Compute(workers=1), cache_dir=tmp_path / "cache")
    make_wav("y.wav", seed=2)  # new content, same name
    extract_features(files, "mfcc", Compute(workers=1), cache_dir=tmp_path / "cache")
    extract_features(files, "logmel", Compute(workers=1), cache_dir=tmp_path / "cache")
    assert calls == ["x.wav", "y.wav", "y.wav", "x.wav", "y.wav"]


def test_interrupted_run_resumes_without_recomputing(make_wav, tmp_path: Path, loads) -> None:
    files = [make_wav(f"r{i}.wav", seed=i) for i in range(4)]
    cache = tmp_path / "cache"
    loads(interrupt_at=3)
    with pytest.raises(KeyboardInterrupt):
        extract_features(files, "mfcc", Compute(workers=1), cache_dir=cache)
    assert len(list(cache.rglob("*.npz"))) == 2 and not list(cache.rglob("*.partial"))
    calls = loads()
    result = extract_features(files, "mfcc", Compute(workers=1), cache_dir=cache)
    assert calls == ["r2.wav", "r3.wav"] and result.cached == 2


def test_unreadable_cache_entry_is_recomputed(make_wav, tmp_path: Path, loads) -> None:
    path = make_wav("z.wav")
    cache = tmp_path / "cache"
    first = extract_features([path], "mfcc", Compute(workers=1), cache_dir=cache)
    (entry,) = cache.rglob("*.npz")
    entry.write_bytes(b"truncated")
    calls = loads()
    again = extract_features([path], "mfcc", Compute(workers=1), cache_dir=cache)
    assert calls == ["z.wav"]
    pd.testing.assert_frame_equal(first.frame, again.frame)


def test_cache_location_default_and_disabled(
    make_wav, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMOSHIELD_CACHE", str(tmp_path / "env-cache"))
    path = make_wav("e.wav")
    extract_features([path], "mfcc", Compute(workers=1), cache_dir=False)
    assert not (tmp_path / "env-cache").exists()
    extract_features([path], "mfcc", Compute(workers=1))
    assert len(list((tmp_path / "env-cache" / "mfcc").rglob("*.npz"))) == 1


def test_no_files_or_no_workers_is_an_error(make_wav) -> None:
    with pytest.raises(FeatureError, match="no audio files"):
        extract_features([], "mfcc", cache_dir=False)
    with pytest.raises(ConfigError, match="workers must be at least 1"):  # refused where the Compute is made
        extract_features([make_wav("w.wav")], "mfcc", Compute(workers=0), cache_dir=False)
