"""The FL protocol: federated training on speaker folds (held-out speakers never train),
beside the centralised leave-one-speaker-out and speaker-dependent 70:30 baselines."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from emoshield.corpora.splits import speaker_folds
from emoshield.evaluation.metrics import MetricSummary
from emoshield.fl.centralised import fit_predict, speaker_dependent_split, speaker_independent_folds
from emoshield.fl.checkpoint import FoldStore, experiment_key
from emoshield.fl.data import Samples
from emoshield.fl.metrics import classification_scores, summarise_scores
from emoshield.fl.partition import partition_by_speaker
from emoshield.fl.plan import FederatedOutcome, FederatedPlan, check_budget
from emoshield.fl.settings import FlSettings

FEDERATED, LOSO, DEPENDENT = "federated", "centralized_loso", "centralized_70_30"
Advance = Callable[..., None]


@dataclass
class MethodRuns:
    """One method's predictions per repeat, scored, and its summed confusion matrix."""

    method: str
    scores: list[dict[str, float]] = field(default_factory=list)
    truths: list[np.ndarray] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)

    def add(self, truth: np.ndarray, predicted: np.ndarray) -> None:
        self.truths.append(truth)
        self.predictions.append(predicted)
        self.scores.append(classification_scores(truth, predicted))

    def summary(self) -> dict[str, MetricSummary]:
        return summarise_scores(self.scores, np.concatenate(self.truths))

    def confusion(self, n_classes: int) -> np.ndarray:
        matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
        for truth, predicted in zip(self.truths, self.predictions):
            np.add.at(matrix, (truth, predicted), 1)
        return matrix


@dataclass
class Experiment:
    """Everything the report needs."""

    settings: FlSettings
    classes: tuple[str, ...]
    methods: list[MethodRuns]
    outcomes: list[FederatedOutcome]
    seconds: dict[str, float]
    peak_memory_mb: float
    attack: dict | None = None


def federated_plan(samples: Samples, train: np.ndarray, test: np.ndarray, settings: FlSettings,
                   data_path: str, seed: int) -> FederatedPlan:
    """Training speakers become clients (checked), the test speakers are held out."""
    clients = sorted(np.unique(samples.speakers[train]).tolist())
    partition_by_speaker(samples, clients)
    largest = int(max(np.count_nonzero(samples.speakers == c) for c in clients))
    plan = FederatedPlan(settings, data_path, clients, samples.subset(test), samples.n_features, len(samples.classes), seed,
                         largest_client=largest)
    check_budget(plan)
    return plan


def run_federated(samples: Samples, settings: FlSettings, data_path: str, store: FoldStore,
                  advance: Advance) -> tuple[MethodRuns, list[FederatedOutcome]]:
    """Each repeat: every speaker fold is held out once while the others train federatedly."""
    # Flower and Ray: only when a federated fold runs (baselines and reports need neither)
    from emoshield.fl.simulation import one_ray_instance

    runs, outcomes = MethodRuns(FEDERATED), []
    with one_ray_instance():  # Ray starts once per run, not once per fold
        for repeat in range(settings.repeats):
            _run_repeat(samples, settings, data_path, store, advance, settings.seed + repeat, runs, outcomes)
    return runs, outcomes


def _run_repeat(samples: Samples, settings: FlSettings, data_path: str, store: FoldStore, advance: Advance, seed: int,
                runs: MethodRuns, outcomes: list[FederatedOutcome]) -> None:
    """One repeat: every speaker fold held out once; finished folds come from ``store``."""
    # Flower and Ray: only when a federated fold runs (baselines and reports need neither)
    from emoshield.fl.simulation import simulate

    predicted = np.full(len(samples), -1, dtype=np.int64)
    folds = speaker_folds(samples.speakers, settings.folds, seed, stratify=samples.genders)
    for index, (train, test) in enumerate(folds):
        name = f"federated-seed{seed}-fold{index}"
        outcome = store.outcome(name)
        if outcome is None:
            outcome = simulate(federated_plan(samples, train, test, settings, data_path, seed))
            store.save_outcome(name, outcome)
            advance("federated")
        else:
            advance("federated (from checkpoint)")
        predicted[test] = outcome.predictions
        outcomes.append(outcome)
    runs.add(samples.y, predicted)


def run_centralised(samples: Samples, settings: FlSettings, store: FoldStore, advance: Advance) -> list[MethodRuns]:
    """Leave-one-speaker-out (or speaker folds) and the speaker-dependent 70:30 split."""

    def fit(name: str, train: np.ndarray, test: np.ndarray, seed: int) -> np.ndarray:
        stored = store.predictions(name)
        if stored is not None:
            advance(f"{name.split('-')[0]} (from checkpoint)")
            return stored
        predicted = fit_predict(samples.subset(train), samples.subset(test), settings, seed)
        store.save_predictions(name, predicted)
        advance(name.split("-")[0])
        return predicted

    loso, dependent = MethodRuns(LOSO), MethodRuns(DEPENDENT)
    for repeat in range(settings.repeats):
        seed = settings.seed + repeat
        predicted = np.full(len(samples), -1, dtype=np.int64)
        for index, (train, test) in enumerate(speaker_independent_folds(samples, settings, seed)):
            predicted[test] = fit(f"centralised-seed{seed}-fold{index}", train, test, seed)
        loso.add(samples.y, predicted)
        train, test = speaker_dependent_split(samples, seed)
        dependent.add(samples.y[test], fit(f"70:30-seed{seed}", train, test, seed))
    return [loso, dependent]


def planned_steps(samples: Samples, settings: FlSettings) -> int:
    central = len(speaker_independent_folds(samples, settings, settings.seed)) + 1 if settings.baselines else 0
    return settings.repeats * (settings.folds + central)


def run_experiment(samples: Samples, settings: FlSettings, out_dir: Path, advance: Advance) -> Experiment:
    """Federated training and (unless switched off) both centralised baselines; finished folds
    are kept under ``out_dir/checkpoints`` and reused when the same run starts again."""
    data_path = str(samples.save(Path(out_dir) / "client_data.npz").resolve())
    store = FoldStore(out_dir, experiment_key(samples, settings))
    started = time.perf_counter()
    federated, outcomes = run_federated(samples, settings, data_path, store, advance)
    seconds = {"federated": time.perf_counter() - started}
    methods = [federated]
    if settings.baselines:
        started = time.perf_counter()
        methods += run_centralised(samples, settings, store, advance)
        seconds["centralised"] = time.perf_counter() - started
    return Experiment(settings, samples.classes, methods, outcomes, seconds, peak_memory_mb())


def peak_memory_mb() -> float:
    """Peak resident memory of this process and of its finished children (Ray workers), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return float(max(own, children)) / 1024.0
