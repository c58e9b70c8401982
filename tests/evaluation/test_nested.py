"""Nested selection: each outer group's speakers are scored with a choice made without them."""

import numpy as np
import pytest

from emoshield.errors import ConfigError
from emoshield.evaluation import EvaluationSettings
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.metrics import MetricSummary
from emoshield.evaluation.nested import NestedSelection, choose, outer_plan, outer_splits, select_per_group
from emoshield.evaluation.plan import make_plan
from emoshield.evaluation.protocol import run_plan
from emoshield.evaluation.summary import Evaluation, MethodResult
from emoshield.types import Target
from tests.evaluation.gaussian import speaker_data

CHANCE = {"emotion_uar": 0.5, "gender_leakage": 0.5, "speaker_id_acc": 0.2, "speaker_eer": 0.5, "membership_auc": 0.5}


def _result(method: str, **values: float) -> MethodResult:
    return MethodResult(method, {m: MetricSummary(v, 0.0, 1, CHANCE[m]) for m, v in values.items()})


def test_the_rule_takes_the_best_utility_among_candidates_that_meet_every_target():
    raw = _result("raw", emotion_uar=0.80, gender_leakage=0.90)
    leaky = _result("leaky", emotion_uar=0.80, gender_leakage=0.70)  # the best utility, but gender shows
    good = _result("good", emotion_uar=0.775, gender_leakage=0.55)
    better = _result("better", emotion_uar=0.78, gender_leakage=0.58)
    chosen, rows = choose(Evaluation([raw, leaky, good, better]), None, ["leaky", "good", "better"])
    assert chosen == "better"
    assert [row["misses"] for row in rows] == [["gender"], [], []]


def test_without_a_candidate_that_meets_every_target_the_fewest_misses_win_then_utility():
    raw = _result("raw", emotion_uar=0.80, gender_leakage=0.90, speaker_id_acc=0.9)
    one = _result("one", emotion_uar=0.70, gender_leakage=0.55, speaker_id_acc=0.9)  # utility and identity
    two = _result("two", emotion_uar=0.79, gender_leakage=0.65, speaker_id_acc=0.9)  # gender and identity
    three = _result("three", emotion_uar=0.78, gender_leakage=0.55, speaker_id_acc=0.9)  # identity only
    assert choose(Evaluation([raw, one, two, three]), None, ["one", "two", "three"])[0] == "three"
    assert choose(Evaluation([raw, one, two]), None, ["one", "two"])[0] == "two"  # both miss two: utility decides


def test_a_candidate_that_loses_utility_under_a_one_valence_enrolment_misses_that_target():
    raw = _result("raw", emotion_uar=0.80)
    stable, fragile = _result("stable", emotion_uar=0.78), _result("fragile", emotion_uar=0.79)
    skewed = Evaluation([_result("stable", emotion_uar=0.76), _result("fragile", emotion_uar=0.74)])
    chosen, rows = choose(Evaluation([raw, stable, fragile]), skewed, ["stable", "fragile"])
    assert chosen == "stable"
    assert rows[1]["misses"] == ["utility with a one-valence enrolment"] and rows[1]["uar_one_valence"] == 0.74


def test_each_group_is_chosen_for_without_its_speakers_and_scored_with_its_own_choice():
    X, manifest = speaker_data(gender_strength=2.0, speaker_strength=1.0, n_speakers=12, utterances=12)
    settings = EvaluationSettings(methods=("raw",), metrics=("emotion", "leakage"), attackers=("logreg",), repeats=2,
                                  bootstrap=0, privacy_folds=3)
    data = Dataset.from_manifest(X, manifest, Target.VALENCE)
    selection = NestedSelection(candidates=("pca(n_components=2)", "speaker_norm"), one_valence=False)
    splits = outer_splits(data, settings)
    seen: dict[str, set[str]] = {}

    def run(subset, inner, name):  # the real inner evaluation, recording whom it heard
        seen[name] = set(subset.speaker_names)
        return run_plan(subset, make_plan(subset, inner), inner)

    choices = select_per_group(data, settings, selection, splits, run)
    assert len(choices) == len(splits) == 3
    for g, (_, _, test) in enumerate(splits):
        scored = set(np.unique(data.speakers[test]))
        assert seen[f"group-{g + 1}"] == set(data.speaker_names) - scored  # every other speaker, none of the group
        assert set(choices[g].speakers) == scored and choices[g].chosen in selection.candidates
    plan = outer_plan(data, settings, selection, splits, choices)
    nested = [t for t in plan.tasks if t.reported_as == selection.label]
    assert len(nested) == 2 * (12 + 3)  # per repeat: one emotion fold per speaker, one privacy fold per group
    for task in nested:
        group = next(g for g, (_, _, test) in enumerate(splits) if set(task.test) <= set(test))
        assert task.method == choices[group].chosen
    privacy = [t for t in plan.tasks if t.kind == "privacy"]
    assert {tuple(t.test) for t in privacy} == {tuple(test) for _, _, test in splits}  # the same groups every repeat
    results = run_plan(data, plan, EvaluationSettings(**{**settings.__dict__, "methods": ("raw", selection.label)}))
    assert [r.method for r in results] == ["raw", selection.label]
    assert "emotion_uar" in results[1].metrics and "gender_leakage" in results[1].metrics


def test_emotion_folds_across_outer_groups_and_a_single_candidate_are_refused():
    X, manifest = speaker_data(gender_strength=2.0, speaker_strength=1.0, n_speakers=12, utterances=8)
    data = Dataset.from_manifest(X, manifest, Target.VALENCE)
    settings = EvaluationSettings(methods=("raw",), emotion_folds=2, privacy_folds=3)
    selection = NestedSelection(candidates=("pca", "raw"))
    splits = outer_splits(data, settings)
    choices = [type("Choice", (), {"chosen": "pca"})()] * len(splits)
    with pytest.raises(ConfigError, match="leave one speaker out"):
        outer_plan(data, settings, selection, splits, choices)
    with pytest.raises(ConfigError, match="2\\+ candidates"):
        NestedSelection(candidates=("pca",))


def test_a_subset_keeps_its_rows_of_every_anonymised_view_and_the_public_corpus():
    X, manifest = speaker_data(gender_strength=2.0, speaker_strength=1.0, n_speakers=4, utterances=4)
    data = Dataset.from_manifest(X, manifest, Target.VALENCE)
    data.views = {"mcadams(alpha=0.8)": X + 100.0}
    data.public = Dataset.from_manifest(X[:4], manifest.iloc[:4], Target.VALENCE)
    keep = np.array([1, 5, 9])
    part = data.subset(keep)
    assert np.array_equal(part.X, X[keep]) and np.array_equal(part.views["mcadams(alpha=0.8)"], X[keep] + 100.0)
    assert part.public is data.public and list(part.speaker_names) == ["t:0", "t:1", "t:2"]
