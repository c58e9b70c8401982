"""Which earlier utterances of a speaker a device's statistics come from, for every utterance released.

A method that standardises with speaker statistics (``speaker_norm``, the
defence's speaker front end) runs on a device that has heard its user only a
few times before. The protocol gives it exactly that: per speaker, a fixed
enrolment of ``k`` utterances drawn from the speaker's utterances (at random,
neutral only, or of one valence only: a history that is not emotion-balanced),
never holding an utterance it standardises. It is cross-fitted so that every
utterance is released once:

- enrolment A (``k`` utterances) standardises every utterance outside it;
- enrolment B (``k`` other utterances) standardises A's own utterances.

A speaker with fewer than ``2k`` utterances of the composition gets half of
them per enrolment. The plan depends only on the seed, the speaker's name and
its utterances, so every method of a repeat, and every speaker set a speaker
lands in, meets the same enrolments (paired comparisons).

The plan travels in the released utterances' attributes as two columns:
``enrolment`` (the id of the enrolment that standardises the row) and
``enrols`` (the id of the enrolment the row belongs to, -1 for none).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from emoshield.errors import ConfigError
from emoshield.methods.speaker_norm import ENROLMENT, MEMBER_OF
from emoshield.types import Emotion


class Composition(StrEnum):
    """Which of a speaker's utterances may enrol it."""

    RANDOM = "random"
    NEUTRAL = "neutral"  # neutral utterances only (what a device asks a new user to read)
    ONE_VALENCE = "one-valence"  # one valence only, drawn per speaker: a history that is emotionally skewed


@dataclass(frozen=True)
class EnrolmentSettings:
    """``utterances``: k per enrolment; None = the first protocol (every released utterance of the speaker,
    the scored ones included: not what a device has, kept to compare with earlier results)."""

    utterances: int | None = 10
    composition: Composition = Composition.RANDOM

    def __post_init__(self) -> None:
        if self.utterances is not None and (isinstance(self.utterances, bool) or int(self.utterances) < 2):
            raise ConfigError(f"enrolment: at least 2 utterances per enrolment, got {self.utterances!r}")
        try:
            object.__setattr__(self, "composition", Composition(self.composition))
        except ValueError:
            raise ConfigError(f"enrolment composition {self.composition!r}: choose from "
                              f"{', '.join(Composition)}") from None

    @classmethod
    def parse(cls, size: str | int | None, composition: str = Composition.RANDOM) -> "EnrolmentSettings":
        """``--enrolment 10`` or ``--enrolment all`` (the first protocol), with ``--enrolment-from``."""
        if size is None or str(size).strip().lower() == "all":
            return cls(None, composition)
        try:
            return cls(int(size), composition)
        except ValueError:
            raise ConfigError(f"enrolment {size!r}: a number of utterances (2 or more) or 'all'") from None

    @property
    def label(self) -> str:
        """Short: ``10 random``, ``10 neutral``, ``all``."""
        return "all" if self.utterances is None else f"{self.utterances} {self.composition.value}"

    def describe(self) -> str:
        if self.utterances is None:
            return "all (statistics from every released utterance of the speaker, the scored ones included)"
        return f"{self.utterances} {self.composition.value} utterances, disjoint from those they standardise"


@dataclass(frozen=True)
class EnrolmentPlan:
    """Per utterance of a dataset: the enrolment that standardises it, and the one it belongs to (-1: none)."""

    standardised_by: np.ndarray
    member_of: np.ndarray
    sizes: dict[str, int]  # speaker -> utterances per enrolment

    def columns(self, index: np.ndarray) -> dict[str, np.ndarray]:
        """The attribute columns of the utterances ``index``."""
        return {ENROLMENT: self.standardised_by[index], MEMBER_OF: self.member_of[index]}


def eligible(composition: Composition, emotions: np.ndarray | None, valences: np.ndarray | None,
             rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The rows (of one speaker) that may enrol it under ``composition``."""
    if composition is Composition.RANDOM:
        return rows
    if composition is Composition.NEUTRAL:
        if emotions is None:
            raise ConfigError("a neutral enrolment needs the manifest's emotion column")
        return rows[emotions[rows] == Emotion.NEUTRAL.value]
    if valences is None:
        raise ConfigError("a one-valence enrolment needs the manifest's valence column")
    present = sorted(v for v in set(valences[rows].tolist()) if v)
    if not present:
        return rows[:0]
    return rows[valences[rows] == present[rng.integers(len(present))]]


def plan_enrolment(
    speakers: np.ndarray,
    settings: EnrolmentSettings,
    seed: int,
    emotions: np.ndarray | None = None,
    valences: np.ndarray | None = None,
) -> EnrolmentPlan:
    """Two enrolments per speaker, cross-fitted (module docstring).

    A speaker with fewer than 4 utterances of the composition gets none (its rows: -1).
    """
    if settings.utterances is None:
        raise ConfigError("the first protocol ('all') has no enrolment plan: a method uses every released utterance")
    k = int(settings.utterances)
    standardised_by = np.full(len(speakers), -1, dtype=np.int64)
    member_of = np.full(len(speakers), -1, dtype=np.int64)
    sizes: dict[str, int] = {}
    for number, speaker in enumerate(np.unique(speakers)):
        rng = np.random.default_rng([seed, zlib.crc32(str(speaker).encode())])
        rows = np.flatnonzero(speakers == speaker)
        candidates = rng.permutation(eligible(settings.composition, emotions, valences, rows, rng))
        size = min(k, len(candidates) // 2)
        sizes[str(speaker)] = size
        if size < 2:  # no enrolment: a method that needs one says so, naming the speaker
            continue
        a, b = 2 * number, 2 * number + 1
        first, second = candidates[:size], candidates[size:2 * size]
        standardised_by[rows] = a
        standardised_by[first] = b
        member_of[first], member_of[second] = a, b
    return EnrolmentPlan(standardised_by, member_of, sizes)


def enrolment_note(plan: EnrolmentPlan, settings: EnrolmentSettings) -> str:
    """A note when some speakers enrolled with fewer utterances than asked (or none), else ``""``."""
    fewer = {s: n for s, n in plan.sizes.items() if n < (settings.utterances or 0)}
    if not fewer:
        return ""
    listed = ", ".join(f"{s}: {n if n >= 2 else 'none'}" for s, n in sorted(fewer.items())[:8])
    return (f"enrolment: {len(fewer)} of {len(plan.sizes)} speakers have fewer than {2 * settings.utterances} "
            f"{settings.composition.value} utterances and enrolled with half of theirs, none below 4 ({listed}"
            f"{', ...' if len(fewer) > 8 else ''}); speaker-statistics methods refuse a speaker without one")
