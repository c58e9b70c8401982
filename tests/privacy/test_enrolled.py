"""The encoder trained behind simulated enrolments (emoshield.privacy.enrolled)."""

from __future__ import annotations

import numpy as np
import pytest

from emoshield.errors import ConfigError
from emoshield.methods import make_method, reads_speaker_statistics
from emoshield.methods.baselines import Chain
from emoshield.methods.speaker_norm import ENROLMENT, MEMBER_OF
from emoshield.privacy.enrolled import EnrolledEncoder, simulated_enrolments


def test_every_copy_standardises_each_speaker_with_an_enrolment_of_its_own(utterances):
    _, attributes = utterances
    rows, plan = simulated_enrolments(attributes, copies=3, sizes=(5, 12), skewed=0.0, seed=0)
    speakers = attributes["speaker"].to_numpy()[rows]
    assert len(rows) == 3 * len(attributes)
    for enrolment in np.unique(plan[ENROLMENT]):
        copy = plan[ENROLMENT] == enrolment
        members = plan[MEMBER_OF] == enrolment
        assert len(set(speakers[copy])) == 1 and set(speakers[members]) == set(speakers[copy])
        assert 5 <= members.sum() <= 12 and members[copy].sum() == members.sum()
    # the copies differ: another draw of members per speaker and copy
    first = [tuple(rows[plan[MEMBER_OF] == e]) for e in np.unique(plan[ENROLMENT])]
    assert len(set(first)) == len(first)


def test_a_skewed_enrolment_holds_one_label_only(utterances):
    _, attributes = utterances
    rows, plan = simulated_enrolments(attributes, copies=2, sizes=(4, 6), skewed=1.0, seed=1)
    labels = attributes["label"].to_numpy()[rows]
    for enrolment in np.unique(plan[ENROLMENT]):
        assert len(set(labels[plan[MEMBER_OF] == enrolment])) == 1


def test_the_defence_with_enrolled_training_is_a_speaker_statistics_method(utterances):
    X, attributes = utterances
    method = make_method("adversarial(enrolled_copies=2, prior=5, epochs=2, hidden=[16], latent=4)", 0)
    assert isinstance(method, EnrolledEncoder) and reads_speaker_statistics(method)
    assert isinstance(make_method("adversarial(epochs=2)", 0), Chain)
    codes = method.fit(X, attributes).transform(X, attributes)
    assert codes.shape == (len(X), 4) and np.isfinite(codes).all()
    with pytest.raises(ConfigError, match="they need front_end=speaker"):
        make_method("adversarial(front_end=minmax, enrolled_copies=2)", 0)
    with pytest.raises(ConfigError, match="copies >= 1"):
        make_method("adversarial(enrolled_copies=2)", 0).set_params(copies=0).fit(X, attributes)
