"""The synthetic corpus: contract, determinism, and that its labels are audible."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from emoshield.errors import ConfigError
from emoshield.manifest import read_manifest
from emoshield.synthetic import (
    SyntheticSpec,
    generate_corpus,
    make_speakers,
    plan_utterances,
    sample_speaker,
    sentence,
    synthesize_utterance,
)
from emoshield.synthetic.profiles import VOWELS
from emoshield.types import MANIFEST_COLUMNS, valence_of

SMALL = SyntheticSpec(n_speakers=4, utterances_per_speaker=8, seed=3)
SR = 16000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("synthetic")
    return out, generate_corpus(out, SMALL)


def f0_estimate(x: np.ndarray, sr: int = SR, fmin: float = 60, fmax: float = 450) -> float:
    """Median autocorrelation f0 over loud 40 ms frames."""
    size, hop = int(0.04 * sr), int(0.02 * sr)
    frames = np.lib.stride_tricks.sliding_window_view(x, size)[::hop] * np.hanning(size)
    energy = (frames**2).sum(axis=1)
    frames = frames[energy > 0.1 * energy.max()]
    spec = np.fft.rfft(frames, 2 * size, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :size]
    lo, hi = int(sr / fmax), int(sr / fmin)
    return float(np.median(sr / (lo + np.argmax(ac[:, lo:hi], axis=1))))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(float) ** 2)))


def test_manifest_contract_and_balance(corpus: tuple[Path, pd.DataFrame]) -> None:
    out, manifest = corpus
    assert list(manifest.columns) == [*MANIFEST_COLUMNS, "sentence", "duration"]
    assert len(manifest) == 32
    assert (manifest["corpus"] == "synthetic").all()
    assert all(re.fullmatch(r"synthetic:3-[fm]\d\d", s) for s in manifest["speaker"])  # SMALL's seed is 3
    assert manifest["speaker"].nunique() == 4
    assert manifest.groupby("speaker")["gender"].nunique().eq(1).all()
    assert manifest.groupby("speaker")["language"].nunique().eq(1).all()
    per_speaker = manifest.drop_duplicates("speaker")
    assert per_speaker["gender"].value_counts().to_dict() == {"female": 2, "male": 2}
    assert per_speaker["language"].value_counts().to_dict() == {"en": 2, "it": 2}
    assert set(manifest["emotion"].value_counts()) == {8}
    assert (manifest["valence"] == manifest["emotion"].map(valence_of)).all()
    # every sentence is said in every emotion by its speaker
    cells = manifest.groupby(["speaker", "sentence"])["emotion"].nunique()
    assert cells.eq(len(SMALL.emotions)).all()
    for file, speaker in zip(manifest["file"], manifest["speaker"], strict=True):
        path = Path(file)
        assert path.is_absolute() and path.is_file()
        assert path.parent == out.resolve() / "wav" / speaker.split(":")[1]
    reread = read_manifest(out / "manifest.csv")
    assert list(reread["file"]) == list(manifest["file"])


def test_wav_format_and_durations(corpus: tuple[Path, pd.DataFrame]) -> None:
    _, manifest = corpus
    for file, duration in zip(manifest["file"], manifest["duration"], strict=True):
        info = sf.info(file)
        assert (info.samplerate, info.channels) == (SR, 1)
        assert (info.subtype, info.format) == ("PCM_16", "WAV")
        assert 1.0 <= info.duration <= 2.5
        assert info.duration == pytest.approx(duration, abs=1e-3)


def test_signals_finite_audible_not_clipped(corpus: tuple[Path, pd.DataFrame]) -> None:
    _, manifest = corpus
    for file in manifest["file"]:
        x, _ = sf.read(file)
        assert np.isfinite(x).all()
        assert np.max(np.abs(x)) < 0.97
        assert rms(x) > 0.003
        # not a constant tone: the loudest 10 ms frames are far above the quietest
        frames = (x[: len(x) // 160 * 160].reshape(-1, 160) ** 2).mean(axis=1)
        assert 10 * np.log10(frames.max() / (frames.min() + 1e-12)) > 25


def test_same_seed_identical_other_seed_differs(tmp_path: Path) -> None:
    spec = SyntheticSpec(n_speakers=2, utterances_per_speaker=2, seed=7)
    a = generate_corpus(tmp_path / "a", spec)
    b = generate_corpus(tmp_path / "b", spec)
    c = generate_corpus(tmp_path / "c", replace(spec, seed=8))
    for fa, fb, fc in zip(a["file"], b["file"], c["file"], strict=True):
        assert Path(fa).read_bytes() == Path(fb).read_bytes()
        assert Path(fa).read_bytes() != Path(fc).read_bytes()
    assert make_speakers(spec) == make_speakers(spec)
    assert make_speakers(spec)[0].f0 != make_speakers(SyntheticSpec(seed=8))[0].f0


def test_progress_called_after_each_file(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate_corpus(tmp_path, SyntheticSpec(n_speakers=2, utterances_per_speaker=3),
                    progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 6) for i in range(1, 7)]


def test_six_emotions_balanced(tmp_path: Path) -> None:
    emotions = ("neutral", "happiness", "sadness", "anger", "fear", "boredom")
    spec = SyntheticSpec(n_speakers=2, utterances_per_speaker=6, emotions=emotions)
    manifest = generate_corpus(tmp_path, spec)
    assert manifest["emotion"].value_counts().to_dict() == {e: 2 for e in emotions}
    assert set(manifest["valence"]) == {"positive", "negative"}


@pytest.mark.parametrize("kwargs", [{"emotions": ("joy",)}, {"languages": ("xx",)},
                                    {"n_speakers": 0}, {"sample_rate": 4000}])
def test_invalid_spec_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SyntheticSpec(**kwargs)  # type: ignore[arg-type]


def test_synthesize_rejects_unknown_emotion() -> None:
    speaker = make_speakers(SyntheticSpec(n_speakers=1))[0]
    with pytest.raises(ConfigError, match="joy"):
        synthesize_utterance(speaker, 0, "joy")
    with pytest.raises(ConfigError):
        synthesize_utterance(speaker, (), "neutral")


def test_speakers_differ_in_f0_and_match_their_base() -> None:
    speakers = make_speakers(SyntheticSpec(n_speakers=6, seed=1))
    measured = {s.name: f0_estimate(synthesize_utterance(s, 0, "neutral", 0)) for s in speakers}
    for s in speakers:
        assert measured[s.name] == pytest.approx(s.f0, rel=0.25)
    female = [measured[s.name] for s in speakers if s.gender == "female"]
    male = [measured[s.name] for s in speakers if s.gender == "male"]
    assert min(female) > 1.3 * max(male)
    assert len({round(v, -1) for v in measured.values()}) >= 4  # individual voices


def test_emotions_change_arousal_cues() -> None:
    rng = np.random.default_rng(0)
    speakers = [sample_speaker(f"t:{g}{i}", g, lang, rng)
                for i, (g, lang) in enumerate([("female", "en"), ("male", "it"), ("male", "en")])]
    cues: dict[str, list[tuple[float, float, float]]] = {}
    for emotion in ("anger", "sadness", "neutral"):
        for s in speakers:
            for k in range(3):
                x = synthesize_utterance(s, k, emotion, seed=k)
                cues.setdefault(emotion, []).append((rms(x), f0_estimate(x) / s.f0, len(x) / SR))
    mean = {e: np.mean(v, axis=0) for e, v in cues.items()}
    assert mean["anger"][0] > 2 * mean["sadness"][0]  # louder
    assert mean["anger"][1] > 1.2 * mean["sadness"][1]  # higher pitch
    assert mean["sadness"][2] > mean["anger"][2]  # slower
    assert mean["anger"][0] > mean["neutral"][0] > mean["sadness"][0]


def test_languages_use_own_vowels_and_fixed_sentences() -> None:
    for lang in ("en", "it"):
        syllables = [s for k in range(6) for s in sentence(lang, k)]
        assert {s.vowel for s in syllables} <= set(VOWELS[lang])
        assert sentence(lang, 2) == sentence(lang, 2)
        assert any(s.stressed for s in syllables) and not all(s.stressed for s in syllables)
    assert sentence("en", 0) != sentence("it", 0)
    assert not any(s.coda for k in range(6) for s in sentence("it", k))  # open syllables


def test_synthesize_utterance_range_and_rate() -> None:
    speaker = make_speakers(SyntheticSpec())[0]
    x = synthesize_utterance(speaker, 1, "happiness", seed=5, sample_rate=22050)
    assert x.dtype == np.float32 and np.max(np.abs(x)) <= 1.0
    assert 1.0 <= len(x) / 22050 <= 2.5
    assert f0_estimate(x, sr=22050) == pytest.approx(
        f0_estimate(synthesize_utterance(speaker, 1, "happiness", seed=5)), rel=0.1)


def test_imbalanced_counts_spread_from_2_to_80() -> None:
    spec = SyntheticSpec(n_speakers=29, imbalanced=True, seed=4)  # plans only: no audio
    counts = np.array([len(plan) for plan in plan_utterances(spec)])
    assert (counts.min(), counts.max()) == (2, 80)
    assert counts.max() / counts.min() >= 20
    assert len(set(counts)) >= 20  # spread, not two clusters
    assert 0.6 * 29 * 24 < counts.sum() < 29 * 24  # about as large as the balanced corpus
    other = np.array([len(plan) for plan in plan_utterances(replace(spec, seed=5))])
    assert sorted(other) == sorted(counts) and list(other) != list(counts)  # the seed shuffles
    # scales with utterances_per_speaker
    small = [len(plan) for plan in plan_utterances(replace(spec, utterances_per_speaker=6))]
    assert (min(small), max(small)) == (2, 20)


def test_imbalanced_emotions_are_skewed_per_speaker_but_all_occur() -> None:
    spec = SyntheticSpec(n_speakers=29, imbalanced=True, seed=4)
    plans = plan_utterances(spec)
    shares = []
    for plan in plans:
        labels = pd.Series([emotion for emotion, _ in plan])
        shares.append(labels.value_counts(normalize=True).reindex(list(spec.emotions), fill_value=0))
    table = pd.DataFrame(shares)
    assert (table.max(axis=1) >= 0.6).sum() >= 5  # several speakers say mostly one emotion
    big = table[[len(plan) >= 10 for plan in plans]]
    assert (big.min(axis=1) < 0.1).sum() >= 3  # some emotions rare for some talkative speakers
    assert {emotion for plan in plans for emotion, _ in plan} == set(spec.emotions)
    for plan in plans:  # the k-th utterance of an emotion is sentence k: unique files
        assert len(set(plan)) == len(plan)
    few = plan_utterances(SyntheticSpec(n_speakers=2, utterances_per_speaker=1, imbalanced=True,
                                        emotions=("neutral", "happiness", "sadness", "anger", "fear")))
    assert {emotion for plan in few for emotion, _ in plan} == {"neutral", "happiness", "sadness",
                                                                "anger", "fear"}


def test_imbalanced_corpus_is_deterministic_and_keeps_the_contract(tmp_path: Path) -> None:
    spec = SyntheticSpec(n_speakers=4, utterances_per_speaker=3, imbalanced=True, seed=2)
    a = generate_corpus(tmp_path / "a", spec)
    b = generate_corpus(tmp_path / "b", spec)
    assert list(a.columns) == [*MANIFEST_COLUMNS, "sentence", "duration"]
    assert a.drop(columns="file").equals(b.drop(columns="file"))
    for fa, fb in zip(a["file"], b["file"], strict=True):
        assert Path(fa).name == Path(fb).name
        assert Path(fa).read_bytes() == Path(fb).read_bytes()
    counts = a.groupby("speaker").size()
    assert [counts[s.name] for s in make_speakers(spec)] == [len(p) for p in plan_utterances(spec)]
    assert (counts.min(), counts.max()) == (2, 10)
    assert set(a["emotion"]) == set(spec.emotions)
    per_speaker = a.drop_duplicates("speaker")
    assert per_speaker["gender"].value_counts().to_dict() == {"female": 2, "male": 2}
    assert per_speaker["language"].value_counts().to_dict() == {"en": 2, "it": 2}
    assert a["file"].is_unique and all(Path(f).is_file() for f in a["file"])
    assert (a["valence"] == a["emotion"].map(valence_of)).all()


def test_balanced_is_the_default_and_cycles_the_emotions(tmp_path: Path) -> None:
    spec = SyntheticSpec(n_speakers=2, utterances_per_speaker=6)
    assert spec.imbalanced is False and SyntheticSpec().imbalanced is False
    cycle = [(spec.emotions[u % 4], u // 4) for u in range(6)]
    assert plan_utterances(spec) == [cycle, cycle]
    manifest = generate_corpus(tmp_path, spec)
    assert [Path(f).name for f in manifest["file"]] == [
        f"{g}01_en_s{k // 4:02d}_{spec.emotions[k % 4]}.wav" for g in "fm" for k in range(6)]


def test_opensmile_extracts_finite_features(corpus: tuple[Path, pd.DataFrame]) -> None:
    opensmile = pytest.importorskip("opensmile")
    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                            feature_level=opensmile.FeatureLevel.Functionals)
    features = smile.process_file(corpus[1]["file"].iloc[0])
    assert features.shape == (1, 88)
    assert np.isfinite(features.to_numpy()).all()
    assert features["F0semitoneFrom27.5Hz_sma3nz_amean"].iloc[0] > 0  # voiced


def test_skewed_speakers_say_mostly_their_own_valence_and_the_corpus_stays_balanced() -> None:
    spec = SyntheticSpec(n_speakers=8, utterances_per_speaker=20, skew=0.9)
    plans = plan_utterances(spec)
    dominant = []
    for plan in plans:
        valences = pd.Series([valence_of(emotion) for emotion, _ in plan]).value_counts()
        assert len(plan) == 20 and valences.max() == 18 and len(set(plan)) == len(plan)
        dominant.append(valences.idxmax())
    speakers = make_speakers(spec)
    for gender in ("female", "male"):  # both genders have speakers of either dominant valence
        assert {d for d, s in zip(dominant, speakers) if s.gender.value == gender} == {"positive", "negative"}
    assert plan_utterances(replace(spec, skew=0.0)) == plan_utterances(SyntheticSpec(n_speakers=8, utterances_per_speaker=20))
    with pytest.raises(ConfigError, match="skew is a speaker's share"):
        SyntheticSpec(skew=0.3)
    with pytest.raises(ConfigError, match="skew or imbalanced"):
        SyntheticSpec(skew=0.9, imbalanced=True)
