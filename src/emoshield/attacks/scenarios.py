"""Seed 002's attack scenarios: what the attacker shares with the emotion model T, and on which speakers it trains.

T is trained on the target corpus without the scored speakers of a fold. An attacker
trains on the same speakers as T ("target" data) or on a second corpus ("other"),
with T's architecture, another of T's family, or another family:

========== ============ ============== =============
scenario   family       architecture   training data
========== ============ ============== =============
worst      same         same           same as T
s1         same         same           other corpus
s2         same         other          same as T
s3         same         other          other corpus
s4         other        other          other corpus
========== ============ ============== =============

No attacker ever trains on a speaker it is scored on: :func:`attacker_speakers`
checks it for every attacker of every fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from emoshield.corpora.splits import speaker_folds
from emoshield.errors import ConfigError


class Scenario(StrEnum):
    WORST = "worst"
    S1 = "s1"
    S2 = "s2"
    S3 = "s3"
    S4 = "s4"


#: Scenarios whose attackers train on the second corpus.
NEEDS_OTHER_CORPUS = frozenset({Scenario.S1, Scenario.S3, Scenario.S4})


@dataclass(frozen=True)
class AttackerPlan:
    """One attacker of the matrix: its scenario, architecture and training corpus (``target`` or ``other``)."""

    scenario: Scenario
    arch: str
    corpus: str


@dataclass(frozen=True)
class StudyFold:
    """One fold of the target corpus: the speakers attacks are scored on, and the rest (T's training speakers)."""

    scored: frozenset[str]
    training: frozenset[str]


def scenario_matrix(
    target_arch: str, other_archs: tuple[str, ...], other_family: str, scenarios: tuple[str, ...], has_other_corpus: bool
) -> list[AttackerPlan]:
    """The attackers of the asked scenarios; ConfigError naming a scenario the recipe cannot run."""
    chosen = []
    for name in scenarios:
        try:
            chosen.append(Scenario(name))
        except ValueError:
            raise ConfigError(f"scenarios: unknown scenario {name!r}; choose from {', '.join(s.value for s in Scenario)}") from None
    lacking = [s.value for s in chosen if s in NEEDS_OTHER_CORPUS and not has_other_corpus]
    if lacking:
        raise ConfigError(f"scenarios: {', '.join(lacking)} train the attacker on a second corpus; "
                          "give one (other_corpus) or drop them")
    if target_arch in other_archs:
        raise ConfigError(f"other_archs: {target_arch!r} is T's own architecture; S2 and S3 need other ones")
    plans = []
    for scenario in chosen:
        if scenario is Scenario.WORST:
            plans.append(AttackerPlan(scenario, target_arch, "target"))
        elif scenario is Scenario.S1:
            plans.append(AttackerPlan(scenario, target_arch, "other"))
        elif scenario is Scenario.S4:
            plans.append(AttackerPlan(scenario, other_family, "other"))
        else:
            corpus = "target" if scenario is Scenario.S2 else "other"
            plans += [AttackerPlan(scenario, arch, corpus) for arch in other_archs]
    return plans


def study_folds(speakers: np.ndarray, genders: np.ndarray, k: int, seed: int) -> list[StudyFold]:
    """``k`` gender-balanced speaker folds of the target corpus; ConfigError when a fold lacks a gender."""
    folds = speaker_folds(speakers, k, seed, stratify=genders)
    out = []
    for number, (train, test) in enumerate(folds, start=1):
        for part, rows in (("scored", test), ("training", train)):
            if len(np.unique(genders[rows])) < 2:
                raise ConfigError(f"folds: fold {number}'s {part} speakers are all {genders[rows][0]}; the study needs "
                                  f"both genders in every fold (fewer folds, or more speakers of each gender)")
        out.append(StudyFold(frozenset(speakers[test].tolist()), frozenset(speakers[train].tolist())))
    return out


def attacker_speakers(plan: AttackerPlan, fold: StudyFold, other_speakers: frozenset[str]) -> frozenset[str]:
    """The speakers ``plan``'s attacker trains on in ``fold``; refuses any overlap with the scored speakers."""
    speakers = fold.training if plan.corpus == "target" else other_speakers
    overlap = speakers & fold.scored
    if overlap:
        raise ConfigError(f"{plan.scenario.value} {plan.arch}: attacker would train on scored speaker(s) "
                          f"{sorted(overlap)[:3]}")
    return speakers
