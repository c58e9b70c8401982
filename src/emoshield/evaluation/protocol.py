"""The evaluation protocol of DESIGN.md, "Honest measurement".

For each repeat and method:
- emotion: leave-one-speaker-out (or k speaker folds), RBF SVM with inner
  speaker-grouped grid search, UAR of the pooled predictions;
- gender and language leakage: speaker-disjoint folds, each attacker of the
  panel trained on the training speakers' representation and scored (UAR) on
  the held-out speakers; the strongest attacker is reported;
- speaker identification: utterance-disjoint folds, closed-set accuracy;
- speaker verification: trials among held-out speakers, EER (lowest scorer).
The method (normaliser, PCA, encoder) is fit on the training part of each fold only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from emoshield.corpora.splits import leave_one_speaker_out, speaker_folds, utterance_folds
from emoshield.errors import ManifestError
from emoshield.evaluation.attackers import DEFAULT_PANEL, make_panel
from emoshield.evaluation.methods import make_method
from emoshield.evaluation.metrics import MetricSummary, equal_error_rate, summarise, uar
from emoshield.evaluation.svm import RbfSvmGrid
from emoshield.evaluation.verification import verification_scores
from emoshield.types import Target

Folds = list[tuple[np.ndarray, np.ndarray]]
Progress = Callable[[str], None]

#: Metrics where a lower value means more leakage (the strongest attacker is the minimum).
LOWER_IS_STRONGER = frozenset({"speaker_eer"})


@dataclass(frozen=True)
class EvaluationSettings:
    """What to compare and how often; defaults follow DESIGN.md."""

    methods: tuple[str, ...] = ("raw", "pca")
    target: Target = Target.VALENCE
    repeats: int = 5
    attackers: tuple[str, ...] = DEFAULT_PANEL
    leakage_folds: int = 5
    utterance_folds: int = 5
    emotion_folds: int | None = None  # None: leave one speaker out
    seed: int = 0


@dataclass
class MethodResult:
    """One method's metrics over repeats, with every attacker's score kept."""

    method: str
    metrics: dict[str, MetricSummary]
    attackers: dict[str, dict[str, MetricSummary]] = field(default_factory=dict)
    strongest: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Dataset:
    """Features aligned with the manifest columns the protocol needs."""

    X: np.ndarray
    labels: np.ndarray
    speakers: np.ndarray
    genders: np.ndarray
    languages: np.ndarray

    @classmethod
    def from_manifest(cls, X: np.ndarray, manifest: pd.DataFrame, target: Target) -> "Dataset":
        if len(X) != len(manifest):
            raise ManifestError(f"{len(X)} feature rows for {len(manifest)} manifest rows")
        return cls(
            X=np.asarray(X, dtype=np.float64),
            labels=manifest[target.value].to_numpy(dtype=str),
            speakers=manifest["speaker"].to_numpy(dtype=str),
            genders=manifest["gender"].to_numpy(dtype=str),
            languages=manifest["language"].to_numpy(dtype=str),
        )

    def attributes(self, index: np.ndarray) -> pd.DataFrame:
        """What a method may use at fit time for the utterances ``index``."""
        return pd.DataFrame(
            {
                "speaker": self.speakers[index],
                "gender": self.genders[index],
                "language": self.languages[index],
                "label": self.labels[index],
            }
        )

    @property
    def has_languages(self) -> bool:
        return len(np.unique(self.languages)) >= 2


def check_dataset(data: Dataset) -> None:
    """Refuse data the protocol cannot evaluate honestly, saying why."""
    n_speakers = len(np.unique(data.speakers))
    if n_speakers < 4:
        raise ManifestError(f"speaker-independent evaluation needs at least 4 speakers, got {n_speakers}")
    labelled = data.labels[data.labels != ""]
    if len(np.unique(labelled)) < 2:
        raise ManifestError("the emotion target needs at least two classes with labels")
    per_gender = {g: len(np.unique(data.speakers[data.genders == g])) for g in np.unique(data.genders)}
    if len(per_gender) < 2 or min(per_gender.values()) < 2:
        raise ManifestError(f"gender leakage needs two genders with 2+ speakers each, got {per_gender}")


def _fit_method(name: str, seed: int, data: Dataset, train: np.ndarray):
    return make_method(name, seed).fit(data.X[train], data.attributes(train))


class _Run:
    """One repeat of one method: collects the raw measurements."""

    def __init__(self, data: Dataset, settings: EvaluationSettings, seed: int, progress: Progress) -> None:
        self.data, self.settings, self.seed, self.progress = data, settings, seed, progress

    def emotion_uar(self, method: str, folds: Folds) -> float:
        labelled = self.data.labels != ""
        truth, predicted = [], []
        for train, test in folds:
            train, test = train[labelled[train]], test[labelled[test]]
            if len(test):
                model = _fit_method(method, self.seed, self.data, train)
                svm = RbfSvmGrid(random_state=self.seed).fit(
                    model.transform(self.data.X[train]), self.data.labels[train], self.data.speakers[train]
                )
                truth.append(self.data.labels[test])
                predicted.append(svm.predict(model.transform(self.data.X[test])))
            self.progress(f"{method}: emotion")
        return uar(np.concatenate(truth), np.concatenate(predicted))

    def leakage(self, method: str, folds: Folds) -> dict[str, dict[str, float]]:
        """Per metric and attacker: gender/language UAR on held-out speakers, EER per scorer."""
        targets = {"gender_leakage": self.data.genders}
        if self.data.has_languages:
            targets["language_leakage"] = self.data.languages
        truth: dict[str, list] = defaultdict(list)
        predicted: dict[tuple[str, str], list] = defaultdict(list)
        trials: dict[str, list] = defaultdict(list)
        for train, test in folds:
            model = _fit_method(method, self.seed, self.data, train)
            z_train, z_test = model.transform(self.data.X[train]), model.transform(self.data.X[test])
            for metric, y in targets.items():
                truth[metric].append(y[test])
                for name, attacker in make_panel(self.settings.attackers, self.seed).items():
                    attacker.fit(z_train, y[train], self.data.speakers[train])
                    predicted[metric, name].append(attacker.predict(z_test))
            scores = verification_scores(
                z_train, self.data.speakers[train], z_test, self.data.speakers[test], self.seed
            )
            for scorer, pair in scores.items():
                trials[scorer].append(pair)
            self.progress(f"{method}: leakage")
        result: dict[str, dict[str, float]] = {
            metric: {
                name: uar(np.concatenate(truth[metric]), np.concatenate(predicted[metric, name]))
                for name in self.settings.attackers
            }
            for metric in targets
        }
        result["speaker_eer"] = {
            scorer: equal_error_rate(
                np.concatenate([s for s, _ in pairs]), np.concatenate([t for _, t in pairs])
            )
            for scorer, pairs in trials.items()
        }
        return result

    def speaker_identification(self, method: str, folds: Folds) -> dict[str, float]:
        """Closed-set accuracy per attacker on utterances held out from known speakers."""
        correct: dict[str, int] = defaultdict(int)
        for train, test in folds:
            model = _fit_method(method, self.seed, self.data, train)
            z_train, z_test = model.transform(self.data.X[train]), model.transform(self.data.X[test])
            for name, attacker in make_panel(self.settings.attackers, self.seed).items():
                attacker.fit(z_train, self.data.speakers[train])
                correct[name] += int((attacker.predict(z_test) == self.data.speakers[test]).sum())
            self.progress(f"{method}: speaker id")
        total = sum(len(test) for _, test in folds)
        return {name: correct[name] / total for name in self.settings.attackers}


@dataclass
class FoldPlan:
    """The folds of one repeat, shared by all methods so they are compared on equal terms."""

    emotion: Folds
    leakage: Folds
    utterances: Folds

    @classmethod
    def make(cls, data: Dataset, settings: EvaluationSettings, seed: int) -> "FoldPlan":
        strata = np.char.add(np.char.add(data.genders, "/"), data.languages)
        emotion = (
            leave_one_speaker_out(data.speakers)
            if settings.emotion_folds is None
            else speaker_folds(data.speakers, settings.emotion_folds, seed)
        )
        return cls(
            emotion=emotion,
            leakage=speaker_folds(data.speakers, settings.leakage_folds, seed, stratify=strata),
            utterances=utterance_folds(data.speakers, settings.utterance_folds, seed),
        )

    @property
    def steps(self) -> int:
        return len(self.emotion) + len(self.leakage) + len(self.utterances)


def chance_levels(data: Dataset) -> dict[str, float]:
    """What a guess scores: 1/classes for UAR, the largest speaker share for accuracy, 50% EER."""
    labelled = data.labels[data.labels != ""]
    _, speaker_counts = np.unique(data.speakers, return_counts=True)
    return {
        "emotion_uar": 1.0 / len(np.unique(labelled)),
        "gender_leakage": 1.0 / len(np.unique(data.genders)),
        "language_leakage": 1.0 / len(np.unique(data.languages)),
        "speaker_id_acc": float(speaker_counts.max() / speaker_counts.sum()),
        "speaker_eer": 0.5,
    }


def count_steps(data: Dataset, settings: EvaluationSettings) -> int:
    """How many fold fits the whole evaluation makes (for progress bars)."""
    return settings.repeats * len(settings.methods) * FoldPlan.make(data, settings, settings.seed).steps


def evaluate_methods(
    X: np.ndarray,
    manifest: pd.DataFrame,
    settings: EvaluationSettings = EvaluationSettings(),
    progress: Progress | None = None,
) -> list[MethodResult]:
    """Run the protocol on features aligned with the manifest; one result per method."""
    data = Dataset.from_manifest(X, manifest, settings.target)
    check_dataset(data)
    for method in settings.methods:
        make_method(method, settings.seed)  # fail fast on an unknown name
    report = progress or (lambda _: None)
    values: dict[str, dict[str, dict[str, list[float]]]] = {
        m: defaultdict(lambda: defaultdict(list)) for m in settings.methods
    }
    for repeat in range(settings.repeats):
        seed = settings.seed + repeat
        folds = FoldPlan.make(data, settings, seed)
        for method in settings.methods:
            run = _Run(data, settings, seed, report)
            values[method]["emotion_uar"]["svm"].append(run.emotion_uar(method, folds.emotion))
            for metric, scores in run.leakage(method, folds.leakage).items():
                for name, score in scores.items():
                    values[method][metric][name].append(score)
            for name, score in run.speaker_identification(method, folds.utterances).items():
                values[method]["speaker_id_acc"][name].append(score)
    chance = chance_levels(data)
    return [_summarise(method, values[method], chance) for method in settings.methods]


def _summarise(method: str, values: dict[str, dict[str, list[float]]], chance: dict[str, float]) -> MethodResult:
    """Per metric: every attacker's summary, and the strongest attacker's as the metric."""
    result = MethodResult(method=method, metrics={})
    for metric, per_attacker in values.items():
        summaries = {name: summarise(v, chance[metric]) for name, v in per_attacker.items()}
        pick = min if metric in LOWER_IS_STRONGER else max
        strongest = pick(summaries, key=lambda name: summaries[name].mean)
        result.metrics[metric] = summaries[strongest]
        result.attackers[metric] = summaries
        result.strongest[metric] = strongest
        result.values[metric] = list(per_attacker[strongest])
    return result
