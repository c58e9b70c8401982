"""The protocol on Gaussian data whose leakage is known by construction."""

import json

import numpy as np
import pandas as pd
import pytest

from emoshield.errors import ConfigError, ManifestError
from emoshield.evaluation import EvaluationSettings, evaluate_methods, write_report
from tests.evaluation.gaussian import speaker_data


_data = speaker_data


FAST = dict(repeats=2, attackers=("logreg", "knn", "svm"), leakage_folds=4, utterance_folds=3)


def test_strong_gender_signal_leaks_and_absent_one_does_not():
    X, manifest = _data(gender_strength=4.0, speaker_strength=0.0)
    leaky = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw",), **FAST))[0]
    X, manifest = _data(gender_strength=0.0, speaker_strength=0.0)
    clean = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw",), **FAST))[0]
    assert leaky.metrics["gender_leakage"].mean > 0.95
    assert clean.metrics["gender_leakage"].mean < 0.75
    assert leaky.metrics["emotion_uar"].mean > 0.9 and clean.metrics["emotion_uar"].mean > 0.9
    assert leaky.metrics["gender_leakage"].chance == 0.5


def test_speaker_offsets_make_speakers_identifiable_and_linkable():
    X, manifest = _data(gender_strength=0.0, speaker_strength=3.0)
    result = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw", "pca"), **FAST))
    for r in result:
        assert r.metrics["speaker_id_acc"].mean > 0.8
        assert r.metrics["speaker_id_acc"].chance == pytest.approx(1 / 8)
        assert r.metrics["speaker_eer"].mean < 0.3
        assert "language_leakage" in r.metrics
        assert r.metrics["emotion_uar"].n == 2
        assert set(r.attackers["gender_leakage"]) == {"logreg", "knn", "svm"}


def test_strongest_attacker_is_reported():
    X, manifest = _data(gender_strength=1.0, speaker_strength=0.5)
    r = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw",), **FAST))[0]
    best = max(s.mean for s in r.attackers["gender_leakage"].values())
    assert r.metrics["gender_leakage"].mean == best
    assert r.strongest["gender_leakage"] in r.attackers["gender_leakage"]


def test_unknown_method_and_too_few_speakers_are_clear_errors():
    X, manifest = _data(1.0, 0.0)
    with pytest.raises(ConfigError, match="unknown method 'nope'"):
        evaluate_methods(X, manifest, EvaluationSettings(methods=("nope",), **FAST))
    few = manifest["speaker"].isin(["t:0", "t:1", "t:2"])
    with pytest.raises(ManifestError, match="at least 4 speakers"):
        evaluate_methods(X[few.to_numpy()], manifest[few].reset_index(drop=True), EvaluationSettings(**FAST))


def test_report_files_and_keys(tmp_path):
    X, manifest = _data(2.0, 1.0)
    results = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw", "pca"), **FAST))
    write_report(tmp_path, results, {"data": {"n_utterances": len(X)}, "settings": {"target": "valence"}})
    report = json.loads((tmp_path / "report.json").read_text())
    assert [r["method"] for r in report["results"]] == ["raw", "pca"]
    for entry in report["results"]:
        for metric in ("emotion_uar", "gender_leakage", "language_leakage", "speaker_id_acc", "speaker_eer",
                       "membership_auc", "gender_acc_seed000"):
            assert set(entry["metrics"][metric]) == {"mean", "sd", "n", "chance"}
    table = (tmp_path / "report.md").read_text()
    assert "| raw |" in table and "| chance |" in table
    assert (tmp_path / "metrics.png").stat().st_size > 1000
    assert (tmp_path / "attackers.png").stat().st_size > 1000


def test_leakage_folds_train_on_every_gender_and_language_and_test_two_speakers():
    from emoshield.evaluation.protocol import Dataset, leakage_folds
    from emoshield.types import Target

    X, manifest = _data(1.0, 0.0)
    four = manifest["speaker"].isin(["t:0", "t:1", "t:4", "t:5"]).to_numpy()  # one speaker per gender x language
    data = Dataset.from_manifest(X[four], manifest[four].reset_index(drop=True), Target.VALENCE)
    folds = leakage_folds(data, k=5, seed=3)
    assert len(folds) == 2
    for train, test in folds:
        assert set(data.genders[train]) == {"female", "male"}
        assert set(data.languages[train]) == {"en", "it"}
        assert len(set(data.speakers[test])) == 2
    assert [t.tolist() for _, t in folds] == [t.tolist() for _, t in leakage_folds(data, k=5, seed=3)]


def test_membership_of_a_memorising_method_is_detected_and_of_raw_features_is_not():
    """A method that marks its training data is caught; plain min-max is at chance."""
    from emoshield.methods import METHODS, MinMaxRaw

    class Memoriser(MinMaxRaw):
        def fit(self, X, attributes=None):
            super().fit(X)
            self.seen_ = {x.tobytes() for x in X}
            return self

        def transform(self, X):
            flag = np.array([[x.tobytes() in self.seen_] for x in X], dtype=float)
            return np.hstack([super().transform(X), 5 * flag])

    METHODS["memoriser"] = Memoriser
    try:
        X, manifest = _data(1.0, 0.5, n_speakers=16)
        settings = EvaluationSettings(methods=("raw", "memoriser"), **FAST)
        raw, memo = evaluate_methods(X, manifest, settings)
    finally:
        del METHODS["memoriser"]
    assert memo.metrics["membership_auc"].mean > 0.95
    assert raw.metrics["membership_auc"].mean < 0.75
    assert raw.metrics["membership_auc"].chance == 0.5


def test_finished_fits_are_kept_and_a_rerun_reuses_them(tmp_path):
    X, manifest = _data(gender_strength=4.0, speaker_strength=1.0)
    settings = EvaluationSettings(methods=("raw",), **FAST)
    labels = []
    first = evaluate_methods(X, manifest, settings, progress=labels.append, checkpoints=tmp_path)[0]
    stored = sorted(tmp_path.glob("*.json"))
    assert len(stored) == len(labels) > 0 and not any("checkpoint" in label for label in labels)
    stored[0].write_text(stored[0].read_text()[:-5])  # an entry cut short is fitted again
    labels.clear()
    again = evaluate_methods(X, manifest, settings, progress=labels.append, checkpoints=tmp_path)[0]
    assert sum("from checkpoint" in label for label in labels) == len(stored) - 1
    assert again.metrics == first.metrics and again.values == first.values
    other = evaluate_methods(X + 1e-3, manifest, settings, checkpoints=tmp_path)[0]  # other features: no reuse
    assert len(list(tmp_path.glob("*.json"))) == 2 * len(stored) and other.metrics["emotion_uar"].n == 2
