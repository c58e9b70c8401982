"""Enrolment in the protocol: a device's speaker statistics come from earlier utterances, never the released one."""

import numpy as np
import pandas as pd
import pytest

from emoshield.errors import ConfigError, ManifestError
from emoshield.evaluation import EvaluationSettings
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.enrolment import Composition, EnrolmentSettings, plan_enrolment
from emoshield.evaluation.plan import make_plan
from emoshield.methods import make_method
from emoshield.types import Target
from tests.evaluation.gaussian import speaker_data


def _dataset(utterances: int = 30, n_speakers: int = 6) -> Dataset:
    X, manifest = speaker_data(gender_strength=1.0, speaker_strength=2.0, n_speakers=n_speakers, utterances=utterances)
    return Dataset.from_manifest(X, manifest, Target.VALENCE)


def _influences(data: Dataset, row: int, enrolment: EnrolmentSettings | None) -> set[int]:
    """The other utterances of ``row``'s speaker whose change changes what ``speaker_norm`` releases for ``row``."""
    index = np.flatnonzero(data.speakers == data.speakers[row])
    model = make_method("speaker_norm", 0).fit(data.X[index], data.attributes(index))
    before = data.release(model, index, enrolment, seed=0)[index == row]
    found = set()
    for other in index[index != row]:
        changed = Dataset(data.X.copy(), data.labels, data.speakers, data.genders, data.languages,
                          data.emotions, data.valences)
        changed.X[other] += 5.0
        if not np.allclose(changed.release(model, index, enrolment, seed=0)[index == row], before):
            found.add(int(other))
    return found


def test_a_released_utterance_does_not_change_when_the_other_scored_utterances_of_its_speaker_change():
    data = _dataset()
    default = EvaluationSettings().enrolment
    assert default.utterances == 10
    for row in (0, 7, 29):
        influences = _influences(data, row, default)
        assert len(influences) == 10  # its enrolment only: the 19 other utterances of its speaker do not matter
    # the first protocol, kept for comparison: every utterance of the speaker moves every release
    assert len(_influences(data, 0, EnrolmentSettings(None))) == 29


def test_two_disjoint_enrolments_per_speaker_standardise_every_utterance_once():
    data = _dataset(utterances=30)
    plan = plan_enrolment(data.speakers, EnrolmentSettings(10), seed=3)
    for speaker in data.speaker_names:
        rows = np.flatnonzero(data.speakers == speaker)
        groups = set(plan.standardised_by[rows].tolist())
        assert len(groups) == 2 and plan.sizes[speaker] == 10
        for group in groups:
            members = np.flatnonzero(plan.member_of == group)
            standardised = np.flatnonzero(plan.standardised_by == group)
            assert len(members) == 10 and set(members) <= set(rows)
            assert not set(members) & set(standardised)  # an enrolment never standardises its own utterances
    # the same seed gives the same plan; another seed another one
    again = plan_enrolment(data.speakers, EnrolmentSettings(10), seed=3)
    np.testing.assert_array_equal(again.member_of, plan.member_of)
    assert not np.array_equal(plan_enrolment(data.speakers, EnrolmentSettings(10), seed=4).member_of, plan.member_of)


def test_compositions_draw_only_what_they_name_and_small_speakers_get_half_of_theirs():
    data = _dataset(utterances=16)
    # speaker_data: odd utterances positive ("happiness"), even negative ("anger"); no neutral
    one = plan_enrolment(data.speakers, EnrolmentSettings(10, Composition.ONE_VALENCE), 0, data.emotions, data.valences)
    for speaker in data.speaker_names:
        members = np.flatnonzero((one.member_of >= 0) & (data.speakers == speaker))
        assert len(set(data.valences[members])) == 1 and one.sizes[speaker] == 4  # 8 of that valence, halved
    with pytest.raises(ManifestError, match=r"speaker t:0 has 0 utterance\(s\).*its enrolment"):
        neutral = EvaluationSettings(methods=("speaker_norm",), enrolment=EnrolmentSettings(10, "neutral"))
        data.release(make_method("speaker_norm", 0).fit(data.X, data.attributes(np.arange(len(data.X)))),
                     np.arange(len(data.X)), neutral.enrolment, seed=0)
    manifest = pd.DataFrame({"speaker": data.speakers, "gender": data.genders, "language": data.languages,
                             "valence": data.labels, "emotion": np.where(np.arange(len(data.X)) % 4 == 0, "neutral", "anger")})
    with_neutral = Dataset.from_manifest(data.X, manifest, Target.VALENCE)
    plan = with_neutral.enrolment(EnrolmentSettings(10, "neutral"), seed=0)
    assert (with_neutral.emotions[plan.member_of >= 0] == "neutral").all() and set(plan.sizes.values()) == {2}


def test_the_plan_notes_short_enrolments_and_every_task_carries_the_setting():
    data = _dataset(utterances=16)
    settings = EvaluationSettings(methods=("raw", "speaker_norm"), repeats=1, enrolment=EnrolmentSettings(10))
    plan = make_plan(data, settings)
    assert all(task.enrolment == settings.enrolment for task in plan.tasks)
    assert any("fewer than 20 random utterances" in note and "half of theirs" in note for note in plan.notes)
    assert settings.describe()["enrolment"]["utterances"] == 10


@pytest.mark.parametrize("value", ["1", "ten", "0"])
def test_a_bad_enrolment_is_refused_with_what_is_allowed(value):
    with pytest.raises(ConfigError, match="enrolment"):
        EnrolmentSettings.parse(value)
    with pytest.raises(ConfigError, match="choose from random, neutral, one-valence"):
        EnrolmentSettings(10, "happy")
    assert EnrolmentSettings.parse("all").utterances is None and EnrolmentSettings.parse("5").utterances == 5
