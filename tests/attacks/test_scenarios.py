"""The scenario matrix of seed 002: the right training sets, and never a scored speaker."""

import numpy as np
import pytest

from emoshield.attacks.scenarios import AttackerPlan, Scenario, attacker_speakers, scenario_matrix, study_folds
from emoshield.errors import ConfigError

ALL = ("worst", "s1", "s2", "s3", "s4")


def test_the_matrix_holds_the_papers_attackers():
    plans = scenario_matrix("vgg", ("vgg_deep", "resnet", "densenet"), "lstm", ALL, has_other_corpus=True)
    assert [(p.scenario.value, p.arch, p.corpus) for p in plans] == [
        ("worst", "vgg", "target"), ("s1", "vgg", "other"),
        ("s2", "vgg_deep", "target"), ("s2", "resnet", "target"), ("s2", "densenet", "target"),
        ("s3", "vgg_deep", "other"), ("s3", "resnet", "other"), ("s3", "densenet", "other"),
        ("s4", "lstm", "other"),
    ]


def test_every_attacker_trains_on_the_right_speakers_and_none_it_is_scored_on():
    speakers = np.repeat([f"r{i:02d}" for i in range(10)], 4)
    genders = np.repeat(["female", "male"] * 5, 4)
    other = frozenset({"e1", "e2"})
    folds = study_folds(speakers, genders, 5, seed=0)
    assert sorted(s for f in folds for s in f.scored) == sorted(set(speakers))  # each speaker scored once
    plans = scenario_matrix("vgg", ("resnet",), "lstm", ALL, has_other_corpus=True)
    for fold in folds:
        assert fold.scored.isdisjoint(fold.training) and fold.scored | fold.training == set(speakers)
        for plan in plans:
            trained_on = attacker_speakers(plan, fold, other)
            assert trained_on == (fold.training if plan.scenario in (Scenario.WORST, Scenario.S2) else other)
            assert trained_on.isdisjoint(fold.scored)
    leaky = folds[0].scored | {"e1"}
    with pytest.raises(ConfigError, match="attacker would train on scored speaker"):
        attacker_speakers(AttackerPlan(Scenario.S1, "vgg", "other"), folds[0], frozenset(leaky))


def test_recipes_the_study_cannot_run_are_named():
    with pytest.raises(ConfigError, match="scenarios: s1, s4 train the attacker on a second corpus; give one \\(other_corpus\\)"):
        scenario_matrix("vgg", ("resnet",), "lstm", ("worst", "s1", "s2", "s4"), has_other_corpus=False)
    with pytest.raises(ConfigError, match="unknown scenario 's5'"):
        scenario_matrix("vgg", ("resnet",), "lstm", ("s5",), has_other_corpus=True)
    speakers = np.repeat(["a", "b", "c", "d"], 2)
    genders = np.repeat(["female", "female", "female", "male"], 2)
    with pytest.raises(ConfigError, match="folds: fold .* both genders in every fold"):
        study_folds(speakers, genders, 2, seed=0)
