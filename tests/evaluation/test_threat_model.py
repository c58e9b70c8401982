"""Privacy measured as a real attacker would (the measurement issue's findings, each a test).

Every attack here learns from speakers the method never saw, as a new user of a
deployed encoder is one; the earlier protocol trained attackers on the method's
own training speakers, trialled verification across genders and gave membership
attackers only a standardised, rotated view.
"""

import numpy as np
import pytest

from emoshield.evaluation import EvaluationSettings, evaluate_methods
from emoshield.methods import METHODS, MinMaxRaw
from tests.evaluation.gaussian import speaker_data

PANEL = ("logreg", "knn", "svm")


class OwnSpeakersScrambler(MinMaxRaw):
    """A defence that overfits its own speakers: it hides gender (feature 1) only on the utterances it was fit on."""

    def fit(self, X, attributes=None):
        super().fit(X)
        self.seen_ = {x.tobytes() for x in X}
        return self

    def transform(self, X, attributes=None):
        Z = super().transform(X)
        seen = np.array([x.tobytes() in self.seen_ for x in X])
        Z[seen, 1] = 0.5
        return Z


@pytest.fixture
def scrambler(monkeypatch):
    monkeypatch.setitem(METHODS, "scrambler", OwnSpeakersScrambler)
    return "scrambler"


def test_attackers_learn_from_speakers_the_method_never_saw(scrambler):
    X, manifest = speaker_data(gender_strength=4.0, speaker_strength=0.0, n_speakers=12)
    result = evaluate_methods(X, manifest, EvaluationSettings(methods=(scrambler,), repeats=1, attackers=PANEL))[0]
    assert result.metrics["gender_leakage"].mean > 0.9  # unseen speakers: the defence does nothing for them
    assert result.metrics["gender_leakage_seen"].mean < 0.7  # attackers on its own speakers are fooled


def test_verification_trials_are_same_gender_only():
    """Gender alone, no speaker identity: cross-gender trials made raw features look linkable."""
    X, manifest = speaker_data(gender_strength=4.0, speaker_strength=0.0, n_speakers=12)
    anonymous = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw",), repeats=1, attackers=PANEL))[0]
    X, manifest = speaker_data(gender_strength=4.0, speaker_strength=3.0, n_speakers=12)
    linkable = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw",), repeats=1, attackers=PANEL))[0]
    assert anonymous.metrics["speaker_eer"].mean > 0.4
    assert linkable.metrics["speaker_eer"].mean < 0.2


def test_membership_catches_values_outside_the_training_range():
    """Min-max on members puts every member value in [0, 1]; non-members fall outside in some of many features."""
    X, manifest = speaker_data(gender_strength=1.0, speaker_strength=0.5, n_speakers=12, n_features=300)
    raw = evaluate_methods(X, manifest, EvaluationSettings(methods=("raw",), repeats=1, attackers=PANEL))[0]
    assert raw.metrics["membership_auc"].mean > 0.9


class GenderGain(MinMaxRaw):
    """Scales the gender feature: a parameter whose default a later version may change."""

    def __init__(self, seed: int = 0, gain: float = 1.0) -> None:
        super().__init__(seed)
        self.gain = gain

    def transform(self, X, attributes=None):
        Z = super().transform(X)
        Z[:, 1] *= self.gain
        return Z


class GenderGainZero(GenderGain):
    def __init__(self, seed: int = 0, gain: float = 0.0) -> None:
        super().__init__(seed, gain)


def test_a_changed_default_is_fitted_again_not_read_from_a_checkpoint(tmp_path, monkeypatch):
    X, manifest = speaker_data(gender_strength=4.0, speaker_strength=0.0, n_speakers=12)
    settings = EvaluationSettings(methods=("gain",), repeats=1, attackers=PANEL)
    monkeypatch.setitem(METHODS, "gain", GenderGain)
    before = evaluate_methods(X, manifest, settings, checkpoints=tmp_path)[0]
    monkeypatch.setitem(METHODS, "gain", GenderGainZero)  # the same spec, "gain", now resolves otherwise
    labels = []
    after = evaluate_methods(X, manifest, settings, progress=labels.append, checkpoints=tmp_path)[0]
    assert not any("from checkpoint" in label for label in labels)
    assert before.metrics["gender_leakage"].mean > 0.9 > after.metrics["gender_leakage"].mean
