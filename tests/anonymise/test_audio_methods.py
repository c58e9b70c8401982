"""Audio-level methods in the evaluation: the anonymised features, and the two attacker conditions."""

import json

import numpy as np
import pytest

from emoshield.errors import ConfigError
from emoshield.evaluation import EvaluationSettings, evaluate_methods
from tests.evaluation.gaussian import speaker_data

METHOD = "audio:mcadams(alpha=0.8)"


def flipped_gender_view(X: np.ndarray) -> np.ndarray:
    """An 'anonymiser' that swaps how the genders sound: gender (feature 1) mirrored, valence (feature 0) kept."""
    view = X.copy()
    view[:, 1] = -view[:, 1]
    return view


def test_lazy_informed_attackers_learn_on_original_speech_and_are_scored_on_the_release():
    X, manifest = speaker_data(gender_strength=4.0, speaker_strength=0.0, n_speakers=12)
    settings = EvaluationSettings(methods=(METHOD,), repeats=1, attackers=("logreg",), bootstrap=0,
                                  metrics=("emotion", "leakage"))
    result = evaluate_methods(X, manifest, settings, views={"mcadams(alpha=0.8)": flipped_gender_view(X)})[0]
    gender = result.attackers["gender_leakage"]
    assert gender["logreg"].mean > 0.95  # semi-informed: learnt on the release, the mirror is no secret
    assert gender["lazy-informed:logreg"].mean < 0.05  # learnt on the original: the mirror fools it every time
    assert result.metrics["gender_leakage"].mean > 0.95  # the headline is the stronger condition
    assert result.metrics["emotion_uar"].mean > 0.9 and result.metrics["emotion_uar_original"].mean > 0.9


def test_the_classifier_trained_on_original_speech_meets_the_release():
    X, manifest = speaker_data(gender_strength=4.0, speaker_strength=0.0, n_speakers=12)
    view = X.copy()
    view[:, 0] = -view[:, 0]  # valence mirrored by the anonymiser: a model trained on original speech is fooled
    settings = EvaluationSettings(methods=(METHOD,), repeats=1, attackers=("logreg",), bootstrap=0, metrics=("emotion",))
    result = evaluate_methods(X, manifest, settings, views={"mcadams(alpha=0.8)": view})[0]
    assert result.metrics["emotion_uar"].mean > 0.9 and result.metrics["emotion_uar_original"].mean < 0.1


def test_an_audio_method_without_its_anonymised_features_is_refused():
    X, manifest = speaker_data(gender_strength=1.0, speaker_strength=0.0, n_speakers=12)
    with pytest.raises(ConfigError, match=r"needs features of the audio anonymised by mcadams\(alpha=0.8\)"):
        evaluate_methods(X, manifest, EvaluationSettings(methods=("raw", METHOD), repeats=1))


@pytest.mark.slow
def test_audio_methods_end_to_end_on_the_synthetic_corpus(tmp_path):
    from tests.test_cli import emoshield

    made = emoshield("corpus", "synthetic", "c", "--speakers", "12", "--utterances", "6", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    extracted = emoshield("features", "extract", "c/manifest.csv", "--set", "egemaps", "-o", "f.parquet", cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr
    methods = "raw,audio:mcadams(alpha=0.8),audio:mcadams(alpha=random)+speaker_norm"
    result = emoshield("evaluate", "f.parquet", "c/manifest.csv", "--methods", methods, "--repeats", "1",
                       "--attackers", "logreg,knn", "--bootstrap", "50", "--workers", "2", "-o", "r", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r/report.json").read_text())
    by_method = {r["method"]: r for r in report["results"]}
    assert list(by_method) == methods.split(",")
    for method in methods.split(",")[1:]:
        metrics = by_method[method]["metrics"]
        assert {"emotion_uar", "emotion_uar_original", "gender_leakage", "speaker_id_acc"} <= set(metrics)
        assert any(name.startswith("lazy-informed:") for name in by_method[method]["attackers"]["gender_leakage"])
    assert "emotion_uar_original" not in by_method["raw"]["metrics"]
    for folder in ("mcadams-alpha-0.8", "mcadams-alpha-random"):
        assert len(list((tmp_path / "r/anonymised" / folder / "audio").rglob("*.wav"))) == 72
    assert "audio:mcadams(alpha=0.8)" in (tmp_path / "r/report.md").read_text()
