"""The evaluation's plan: which measurements, which speaker sets, which fits.

Two kinds of fold task, each one fit of one method:
- ``emotion``: the method and the emotion classifier are fit on the training
  speakers (all but the held-out ones), the held-out speakers are scored;
- ``privacy``: three speaker sets are kept apart. The method is fit on the
  first (``fit``); attackers, verification scorers and membership attackers
  learn from the second (``learn``), which the method never saw, passed
  through the fitted method; they are scored on the third (``test``). One fit
  serves every privacy measurement. The sets rotate so that every speaker is
  scored once per repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Mapping

import numpy as np

from emoshield.backends import Backend, Compute
from emoshield.config import build, choice
from emoshield.corpora.splits import leave_one_speaker_out, speaker_folds
from emoshield.errors import ConfigError, ManifestError
from emoshield.evaluation.attackers import DEFAULT_PANEL
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.enrolment import EnrolmentSettings, enrolment_note
from emoshield.types import Target


class Measurement(StrEnum):
    """What ``--metrics`` can ask for."""

    EMOTION = "emotion"  # emotion_uar (and, with leakage and a public corpus, gender_leakage_uar_fit)
    LEAKAGE = "leakage"  # gender_leakage(_seen), gender_by_speaker, language_leakage(_seen), gender_acc_ali
    LINKABILITY = "linkability"  # speaker_id_acc, speaker_eer
    MEMBERSHIP = "membership"  # membership_auc


ALL_MEASUREMENTS: tuple[Measurement, ...] = tuple(Measurement)
PRIVACY_MEASUREMENTS = frozenset({Measurement.LEAKAGE, Measurement.LINKABILITY, Measurement.MEMBERSHIP})


@dataclass(frozen=True)
class EvaluationSettings:
    """What to compare and how often; defaults follow DESIGN.md."""

    methods: tuple[str, ...] = ("raw", "pca")
    target: Target = Target.VALENCE
    repeats: int = 5
    attackers: tuple[str, ...] = DEFAULT_PANEL
    metrics: tuple[Measurement, ...] = ALL_MEASUREMENTS
    privacy_folds: int = 5  # speaker groups rotated through the three roles
    identification_folds: int = 2  # enrolment / identification splits of the unseen speakers' utterances
    emotion_folds: int | None = None  # None: leave one speaker out
    bootstrap: int = 1000  # speaker-level bootstrap draws for ci95 (0: none)
    seed: int = 0
    compute: Compute = Compute()  # where fold fits run; never changes a result
    enrolment: EnrolmentSettings = EnrolmentSettings()  # where speaker statistics come from (evaluation.enrolment)

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", choice(Target, self.target, "target"))
        object.__setattr__(self, "methods", tuple(self.methods))
        object.__setattr__(self, "attackers", tuple(self.attackers))
        try:
            object.__setattr__(self, "metrics", tuple(Measurement(m) for m in self.metrics))
        except ValueError:
            raise ConfigError(f"metrics {list(self.metrics)}: choose from {', '.join(ALL_MEASUREMENTS)}") from None
        if self.repeats < 1 or self.privacy_folds < 3 or self.identification_folds < 2:
            raise ConfigError("repeats >= 1, privacy_folds >= 3 and identification_folds >= 2, please")

    @classmethod
    def from_recipe(cls, section: Mapping[str, Any], where: str = "evaluation") -> "EvaluationSettings":
        """The settings of a recipe's ``evaluation:`` section (or of command-line options given by the same
        names): ``workers`` (0: every core), ``backend`` and ``address`` make the Compute; ``emotion_folds`` 0
        is leave-one-speaker-out; ``enrolment`` (a number or ``all``) and ``enrolment_from`` the enrolment."""
        values = dict(section)
        compute = Compute(values.pop("backend", Backend.LOCAL), values.pop("workers", 0) or None, values.pop("address", None))
        enrolment = EnrolmentSettings.parse(values.pop("enrolment", EnrolmentSettings().utterances),
                                            values.pop("enrolment_from", EnrolmentSettings().composition))
        if values.get("emotion_folds") in (0, "0"):
            values["emotion_folds"] = None
        return replace(build(cls, values, where), compute=compute, enrolment=enrolment)

    @property
    def privacy(self) -> tuple[Measurement, ...]:
        return tuple(m for m in self.metrics if m in PRIVACY_MEASUREMENTS)

    def describe(self) -> dict:
        """The settings as the report's ``settings`` section records them."""
        return {
            "methods": list(self.methods),
            "target": self.target.value,
            "repeats": self.repeats,
            "metrics": [m.value for m in self.metrics],
            "attackers": list(self.attackers),
            "attacker_speakers": "unseen",
            "privacy_folds": self.privacy_folds,
            "identification_folds": self.identification_folds,
            "emotion_protocol": "loso" if self.emotion_folds is None else f"{self.emotion_folds} speaker folds",
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "enrolment": {"utterances": self.enrolment.utterances, "composition": self.enrolment.composition.value,
                          "meaning": self.enrolment.describe()},
        }


@dataclass(frozen=True)
class FoldTask:
    """One fit of one method: the unit of parallel work and of checkpoints."""

    kind: str  # "emotion" or "privacy"
    repeat: int
    method: str
    seed: int
    fit: np.ndarray  # utterances the method (and, for emotion, the classifier) is fit on
    test: np.ndarray  # utterances scored
    learn: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))  # the attackers' speakers
    measurements: tuple[str, ...] = ()
    languages: bool = False  # measure language leakage
    attackers: tuple[str, ...] = ()
    identification_folds: int = 0
    enrolment: EnrolmentSettings = EnrolmentSettings()
    label: str = ""  # the method the report names, when not ``method`` (nested selection: the chosen spec varies)

    @property
    def reported_as(self) -> str:
        return self.label or self.method


@dataclass(frozen=True)
class Plan:
    tasks: list[FoldTask]
    notes: list[str]


def check_dataset(data: Dataset, settings: EvaluationSettings) -> None:
    """Refuse data the asked measurements cannot be honest about, saying what is missing."""
    n_speakers = len(data.speaker_names)
    if Measurement.EMOTION in settings.metrics:
        if n_speakers < 4:
            raise ManifestError(f"speaker-independent evaluation needs at least 4 speakers, got {n_speakers}")
        if len(np.unique(data.labels[data.labels != ""])) < 2:
            raise ManifestError("the emotion target needs at least two classes with labels")
    per_gender = data.speakers_per(data.genders)
    if settings.privacy and (len(per_gender) < 2 or min(per_gender.values()) < 3):
        raise ManifestError(
            f"privacy metrics ({', '.join(settings.privacy)}) keep three speaker sets apart (the method's, the "
            f"attackers', the scored) with both genders in each: 3+ speakers of each gender; got {per_gender}. "
            "On these data ask only for what can be measured: --metrics emotion"
        )


def asks_languages(data: Dataset, settings: EvaluationSettings) -> bool:
    """Whether the evaluation would measure language leakage (when its speaker sets allow it)."""
    return Measurement.LEAKAGE in settings.metrics and data.has_languages


def make_plan(data: Dataset, settings: EvaluationSettings,
              splits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None) -> Plan:
    """Every fold fit of the evaluation; all methods of a repeat share its folds and speaker sets.

    ``splits``: the privacy tasks' (fit, learn, test) sets for every repeat, instead of new ones per
    repeat (nested selection: the outer speaker groups must not move).
    """
    check_dataset(data, settings)
    tasks: list[FoldTask] = []
    notes: list[str] = []
    languages = asks_languages(data, settings)
    if splits is not None:
        languages = languages and all(_separable(data, fit, learn, True) for fit, learn, _ in splits)
    # with another corpus to learn from, attackers also meet the very fits behind the UAR
    same_fit_attackers = settings.attackers if Measurement.LEAKAGE in settings.metrics and data.public is not None else ()
    for repeat in range(settings.repeats):
        seed = settings.seed + repeat
        if settings.enrolment.utterances is not None:
            note = enrolment_note(data.enrolment(settings.enrolment, seed), settings.enrolment)
            if note and note not in notes:
                notes.append(note)
        emotion = emotion_folds(data, settings.emotion_folds, seed) if Measurement.EMOTION in settings.metrics else []
        fixed = splits if settings.privacy else []
        if fixed is None:
            fixed, languages, why = privacy_splits(data, settings.privacy_folds, seed, languages)
            if why and why not in notes:
                notes.append(why)
        for method in settings.methods:
            tasks += [FoldTask("emotion", repeat, method, seed, fit=train, test=test, enrolment=settings.enrolment,
                               attackers=same_fit_attackers) for train, test in emotion]
            tasks += [
                FoldTask("privacy", repeat, method, seed, fit=fit, test=test, learn=learn,
                         measurements=tuple(settings.privacy), languages=languages, attackers=settings.attackers,
                         identification_folds=settings.identification_folds, enrolment=settings.enrolment)
                for fit, learn, test in fixed
            ]
    return Plan(tasks, notes)


def emotion_folds(data: Dataset, k: int | None, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Leave one speaker out, or ``k`` speaker folds (reshuffled by ``seed``)."""
    if k is None:
        return leave_one_speaker_out(data.speakers)
    return speaker_folds(data.speakers, k, seed)


def privacy_splits(
    data: Dataset, k: int, seed: int, languages: bool, tries: int = 200
) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], bool, str]:
    """(fit, learn, test) utterance sets: ``k`` speaker groups, each scored once, the others split in two.

    Group i is scored; the next ``(k - 1) // 2`` groups are the attackers'; the rest
    fit the method. Groups are dealt by gender x language; every fit and learn set
    must hold both genders (and, when languages are measured, every language). ``k``
    shrinks to 3 before giving up; language leakage is dropped (with the reason)
    before the three sets are. Returns the splits, whether languages are measured,
    and a note when something was dropped.
    """
    for with_languages in ((True, False) if languages else (False,)):
        for groups in range(min(k, len(data.speaker_names)), 2, -1):
            for attempt in range(tries):
                stratify = np.char.add(np.char.add(data.genders, "/"), data.languages) if attempt < tries // 2 else None
                folds = speaker_folds(data.speakers, groups, seed * tries + attempt, stratify=stratify)
                tests = [test for _, test in folds]
                splits = [_rotate(tests, i) for i in range(groups)]
                if all(_separable(data, fit, learn, with_languages) for fit, learn, _ in splits):
                    note = ""
                    if languages and not with_languages:
                        note = (
                            "language_leakage: not measured; every fold needs each language among both the method's "
                            f"and the attackers' speakers, and speakers per language are {data.speakers_per(data.languages)}"
                        )
                    return splits, with_languages, note
    raise ManifestError(
        f"cannot separate {len(data.speaker_names)} speakers ({data.speakers_per(data.genders)}) into three sets "
        "with both genders in the method's and the attackers' sets; add speakers, or ask for --metrics emotion"
    )


def _rotate(groups: list[np.ndarray], i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = len(groups)
    order = [(i + j) % k for j in range(k)]
    n_learn = (k - 1) // 2
    learn = np.sort(np.concatenate([groups[g] for g in order[1 : 1 + n_learn]]))
    fit = np.sort(np.concatenate([groups[g] for g in order[1 + n_learn :]]))
    return fit, learn, groups[i]


def _separable(data: Dataset, fit: np.ndarray, learn: np.ndarray, languages: bool) -> bool:
    columns = [data.genders] + ([data.languages] if languages else [])
    return all(len(np.unique(c[part])) == len(np.unique(c)) for c in columns for part in (fit, learn))
