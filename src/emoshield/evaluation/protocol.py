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
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit
from threadpoolctl import threadpool_limits

from emoshield.corpora.splits import leave_one_speaker_out, speaker_folds, utterance_folds
from emoshield.checkpoints import CheckpointStore
from emoshield.errors import ManifestError
from emoshield.evaluation.attackers import DEFAULT_PANEL, AttackerView, make_panel
from emoshield.evaluation.checkpoints import data_digest, task_key
from emoshield.methods import make_method
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
    workers: int = 1


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


def _attacker_view(z_train: np.ndarray, z_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    view = AttackerView().fit(z_train)
    return view.transform(z_train), view.transform(z_test)


def _fit_method(name: str, seed: int, data: Dataset, train: np.ndarray):
    return make_method(name, seed).fit(data.X[train], data.attributes(train))


@dataclass(frozen=True)
class FoldTask:
    """One fit of one method on one fold: the unit of parallel work."""

    kind: str  # "emotion", "leakage", "identification" or "membership"
    repeat: int
    method: str
    seed: int
    train: np.ndarray
    test: np.ndarray
    attackers: tuple[str, ...]


def run_task(data: Dataset, task: FoldTask) -> dict:
    """Fit the method on the fold's training part and return the raw measurements."""
    with threadpool_limits(limits=1):
        return _RUNNERS[task.kind](data, task)


def _emotion_fold(data: Dataset, task: FoldTask) -> dict:
    """Predictions of the grid-searched SVM for the held-out speakers' labelled utterances."""
    labelled = data.labels != ""
    train, test = task.train[labelled[task.train]], task.test[labelled[task.test]]
    if not len(test):
        return {"truth": np.array([], dtype=str), "predicted": np.array([], dtype=str)}
    model = _fit_method(task.method, task.seed, data, train)
    svm = RbfSvmGrid(random_state=task.seed).fit(
        model.transform(data.X[train]), data.labels[train], data.speakers[train]
    )
    return {"truth": data.labels[test], "predicted": svm.predict(model.transform(data.X[test]))}


def _leakage_fold(data: Dataset, task: FoldTask) -> dict:
    """Every attacker's predictions of gender (and language) for held-out speakers; EER trials."""
    targets = {"gender_leakage": data.genders}
    if data.has_languages:
        targets["language_leakage"] = data.languages
    train, test = task.train, task.test
    model = _fit_method(task.method, task.seed, data, train)
    z_train, z_test = model.transform(data.X[train]), model.transform(data.X[test])
    a_train, a_test = _attacker_view(z_train, z_test)
    out: dict = {"truth": {m: y[test] for m, y in targets.items()}, "predicted": {}}
    for metric, y in targets.items():
        for name, attacker in make_panel(task.attackers, task.seed).items():
            attacker.fit(a_train, y[train], data.speakers[train])
            out["predicted"][metric, name] = attacker.predict(a_test)
    out["trials"] = verification_scores(z_train, data.speakers[train], z_test, data.speakers[test], task.seed)
    out["weak_gender"] = weak_gender_attack(data.genders[test], z_test, task.seed)
    return out


def _membership_fold(data: Dataset, task: FoldTask) -> dict:
    """Membership inference: was this utterance's speaker in the method's training set?

    The fold halves the speakers: the method is fit on one half (members), the
    other half are non-members. Members and non-members are each split again
    by speaker, stratified by gender, into a part the attacker learns from
    (members subsampled to as many utterances as non-members) and a part it is
    scored on by ROC AUC; then the parts swap. 0.5 = cannot tell.
    """
    model = _fit_method(task.method, task.seed, data, task.train)
    Z = np.vstack([model.transform(data.X[task.train]), model.transform(data.X[task.test])])
    index = np.r_[task.train, task.test]
    is_member = np.r_[np.ones(len(task.train), int), np.zeros(len(task.test), int)]
    part = np.r_[_speaker_halves(data, task.train, task.seed), _speaker_halves(data, task.test, task.seed)]
    rng = np.random.default_rng(task.seed)
    aucs: dict[str, list[float]] = defaultdict(list)
    for h in (0, 1):
        learn = _balanced(np.flatnonzero(part == h), is_member, rng)
        judge = np.flatnonzero(part != h)
        a_learn, a_judge = _attacker_view(Z[learn], Z[judge])
        for name, attacker in make_panel(task.attackers, task.seed).items():
            attacker.fit(a_learn, is_member[learn], data.speakers[index[learn]])
            aucs[name].append(float(roc_auc_score(is_member[judge], attacker.score_positive(a_judge))))
    return {"aucs": dict(aucs)}


def _speaker_halves(data: Dataset, index: np.ndarray, seed: int) -> np.ndarray:
    """0/1 per utterance of ``index``: two speaker-disjoint halves, balanced by gender."""
    (_, first), _ = speaker_folds(data.speakers[index], 2, seed, stratify=data.genders[index])
    half = np.ones(len(index), int)
    half[first] = 0
    return half


def _balanced(index: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Subsample the larger class of ``labels[index]`` to the size of the smaller."""
    groups = [index[labels[index] == value] for value in np.unique(labels[index])]
    size = min(len(g) for g in groups)
    return np.concatenate([rng.choice(g, size=size, replace=False) for g in groups])


def weak_gender_attack(genders: np.ndarray, z_test: np.ndarray, seed: int) -> tuple[int, int] | None:
    """Seed 000's attacker: a two-layer MLP trained on half of the test speakers' representations.

    Returns (correct, scored) on the other half, or None when the held-out speakers share one gender.
    """
    if len(np.unique(genders)) < 2:
        return None
    learn, judge = next(
        StratifiedShuffleSplit(n_splits=1, test_size=0.5, random_state=seed).split(z_test, genders)
    )
    a_learn, a_judge = _attacker_view(z_test[learn], z_test[judge])
    attacker = make_panel(("mlp",), seed)["mlp"].fit(a_learn, genders[learn])
    return int((attacker.predict(a_judge) == genders[judge]).sum()), len(judge)


def _identification_fold(data: Dataset, task: FoldTask) -> dict:
    """How many held-out utterances of known speakers each attacker names correctly."""
    train, test = task.train, task.test
    model = _fit_method(task.method, task.seed, data, train)
    a_train, a_test = _attacker_view(model.transform(data.X[train]), model.transform(data.X[test]))
    correct = {}
    for name, attacker in make_panel(task.attackers, task.seed).items():
        attacker.fit(a_train, data.speakers[train])
        correct[name] = int((attacker.predict(a_test) == data.speakers[test]).sum())
    return {"correct": correct, "n": len(test)}


_RUNNERS = {
    "emotion": _emotion_fold,
    "leakage": _leakage_fold,
    "identification": _identification_fold,
    "membership": _membership_fold,
}


@dataclass
class FoldPlan:
    """The folds of one repeat, shared by all methods so they are compared on equal terms."""

    emotion: Folds
    leakage: Folds
    utterances: Folds
    membership: Folds

    @classmethod
    def make(cls, data: Dataset, settings: EvaluationSettings, seed: int) -> "FoldPlan":
        emotion = (
            leave_one_speaker_out(data.speakers)
            if settings.emotion_folds is None
            else speaker_folds(data.speakers, settings.emotion_folds, seed)
        )
        return cls(
            emotion=emotion,
            leakage=leakage_folds(data, settings.leakage_folds, seed),
            utterances=utterance_folds(data.speakers, settings.utterance_folds, seed),
            membership=leakage_folds(data, 2, seed),
        )


def leakage_folds(data: Dataset, k: int, seed: int, tries: int = 200) -> Folds:
    """Speaker-disjoint folds, stratified by gender x language, fit for attacks.

    Every training part must hold both genders (and every language), so each
    attacker can learn them, and every test part two or more speakers, so
    verification has non-target trials. ``k`` shrinks to half the speakers at
    most; the first of a seeded sequence of splits that qualifies is used
    (stratified ones first, then plain shuffles, which small corpora may need).
    """
    n_speakers = len(np.unique(data.speakers))
    k = max(2, min(k, n_speakers // 2))
    strata = np.char.add(np.char.add(data.genders, "/"), data.languages)
    for attempt in range(tries):
        stratify = strata if attempt < tries // 2 else None
        folds = speaker_folds(data.speakers, k, seed * tries + attempt, stratify=stratify)
        if all(_attackable(data, train, test) for train, test in folds):
            return folds
    raise ManifestError(
        f"cannot split {n_speakers} speakers into {k} folds whose training parts hold every gender "
        "and language and whose test parts hold 2+ speakers; add speakers"
    )


def _attackable(data: Dataset, train: np.ndarray, test: np.ndarray) -> bool:
    return (
        len(np.unique(data.speakers[test])) >= 2
        and len(np.unique(data.genders[train])) == len(np.unique(data.genders))
        and len(np.unique(data.languages[train])) == len(np.unique(data.languages))
    )


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
        "membership_auc": 0.5,
        "gender_acc_seed000": float(max(np.mean(data.genders == g) for g in np.unique(data.genders))),
    }


def plan_tasks(data: Dataset, settings: EvaluationSettings) -> list[FoldTask]:
    """Every fold fit of the whole evaluation; all methods of a repeat share its folds."""
    tasks = []
    for repeat in range(settings.repeats):
        seed = settings.seed + repeat
        plan = FoldPlan.make(data, settings, seed)
        for method in settings.methods:
            for kind, folds in (
                ("emotion", plan.emotion),
                ("leakage", plan.leakage),
                ("identification", plan.utterances),
                ("membership", plan.membership),
            ):
                tasks += [
                    FoldTask(kind, repeat, method, seed, train, test, tuple(settings.attackers))
                    for train, test in folds
                ]
    return tasks


def count_steps(data: Dataset, settings: EvaluationSettings) -> int:
    """How many fold fits the whole evaluation makes (for progress bars)."""
    return len(plan_tasks(data, settings))


def evaluate_methods(
    X: np.ndarray,
    manifest: pd.DataFrame,
    settings: EvaluationSettings = EvaluationSettings(),
    progress: Progress | None = None,
    checkpoints: str | Path | None = None,
) -> list[MethodResult]:
    """Run the protocol on features aligned with the manifest; one result per method.

    Fold fits run in ``settings.workers`` processes, each with one BLAS thread. With
    ``checkpoints`` (a folder), every finished fit is kept there and a rerun reuses it.
    """
    data = Dataset.from_manifest(X, manifest, settings.target)
    check_dataset(data)
    for method in settings.methods:
        make_method(method, settings.seed)  # fail fast on an unknown name
    make_panel(settings.attackers, settings.seed)
    tasks = plan_tasks(data, settings)
    report = progress or (lambda _: None)
    store = CheckpointStore(checkpoints) if checkpoints is not None else None
    digest = data_digest(data) if store else ""
    keys = [task_key(digest, t) for t in tasks] if store else []
    outputs: list[dict | None] = [store.load(k) for k in keys] if store else [None] * len(tasks)
    for task in (t for t, o in zip(tasks, outputs) if o is not None):
        report(f"{task.method}: {task.kind} (from checkpoint)")
    todo = [i for i, o in enumerate(outputs) if o is None]
    jobs = Parallel(n_jobs=settings.workers, return_as="generator_unordered")(
        delayed(_indexed)(i, data, tasks[i]) for i in todo
    )
    for i, output in jobs:
        outputs[i] = output
        if store:
            store.save(keys[i], output)
        report(f"{tasks[i].method}: {tasks[i].kind}")
    values = _collect(tasks, outputs, settings)
    chance = chance_levels(data)
    return [_summarise(method, values[method], chance) for method in settings.methods]


def _indexed(i: int, data: Dataset, task: FoldTask) -> tuple[int, dict]:
    return i, run_task(data, task)


def _collect(tasks: list[FoldTask], outputs: list[dict], settings: EvaluationSettings):
    """Pool each repeat's fold outputs into per-repeat scores: method -> metric -> attacker -> values."""
    values: dict = {m: defaultdict(lambda: defaultdict(list)) for m in settings.methods}
    for repeat in range(settings.repeats):
        for method in settings.methods:
            mine = [(t, o) for t, o in zip(tasks, outputs) if t.repeat == repeat and t.method == method]
            emotion = [o for t, o in mine if t.kind == "emotion"]
            values[method]["emotion_uar"]["svm"].append(
                uar(np.concatenate([o["truth"] for o in emotion]), np.concatenate([o["predicted"] for o in emotion]))
            )
            leakage = [o for t, o in mine if t.kind == "leakage"]
            for metric in leakage[0]["truth"]:
                truth = np.concatenate([o["truth"][metric] for o in leakage])
                for name in settings.attackers:
                    predicted = np.concatenate([o["predicted"][metric, name] for o in leakage])
                    values[method][metric][name].append(uar(truth, predicted))
            membership = [o for t, o in mine if t.kind == "membership"]
            for name in settings.attackers:
                values[method]["membership_auc"][name].append(
                    float(np.mean([auc for o in membership for auc in o["aucs"][name]]))
                )
            weak = [o["weak_gender"] for o in leakage if o["weak_gender"] is not None]
            if weak:
                values[method]["gender_acc_seed000"]["mlp"].append(sum(c for c, _ in weak) / sum(n for _, n in weak))
            for scorer in leakage[0]["trials"]:
                scores = np.concatenate([o["trials"][scorer][0] for o in leakage])
                same = np.concatenate([o["trials"][scorer][1] for o in leakage])
                values[method]["speaker_eer"][scorer].append(equal_error_rate(scores, same))
            identification = [o for t, o in mine if t.kind == "identification"]
            total = sum(o["n"] for o in identification)
            for name in settings.attackers:
                correct = sum(o["correct"][name] for o in identification)
                values[method]["speaker_id_acc"][name].append(correct / total)
    return values


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
