"""The attack study, fold by fold: train T, train the attackers of the scenario matrix, score every mode and layer.

Per fold of the target corpus (gender-balanced speaker folds, each scored once):
T (``target_arch``, an emotion head; with ``defence`` > 0 also a gender head on the
first intercepted layer through gradient reversal) trains on the other speakers; every attacker
of the matrix trains on its scenario's speakers, generic (gender) or
application-aware (gender and its corpus's emotions); then, on the scored
utterances, for each intercepted layer:

- ``splice``: each CNN attacker decides with T's layer output in place of its own
  (an attacker of another family has no such layer and is skipped);
- ``probe``: each CNN attacker architecture from the layer on, trained on T's
  h_T of its own speakers' speech (the attacker queries the device with speech it owns);
- ``panel``: the tuned panel on time-pooled h_T, once per training corpus.

A fold's records are written to ``OUT/folds/fold-K.json`` when it ends, with the
settings, and a rerun with the same settings reads them instead of fitting again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emoshield.attacks.data import StudyCorpus
from emoshield.attacks.models import INPUTS, Initial, build_network, check_family
from emoshield.attacks.modes import panel, probe, splice
from emoshield.attacks.scenarios import StudyFold, attacker_speakers, scenario_matrix, study_folds
from emoshield.attacks.train import Defence, Trained, TrainSettings, fit
from emoshield.errors import ConfigError
from emoshield.evaluation.metrics import uar
from emoshield.files import write_text_atomic

MODES = ("splice", "probe", "panel")
KINDS = ("generic", "aware")
INITIALISATIONS = ("independent", "shared")


@dataclass(frozen=True)
class StudySettings:
    """What the study compares (defaults: seed 002's matrix at every shared layer)."""

    target_arch: str = "vgg"
    other_archs: tuple[str, ...] = ("vgg_deep", "resnet", "densenet")
    other_family: str = "lstm"
    scenarios: tuple[str, ...] = ("worst", "s1", "s2", "s3", "s4")
    modes: tuple[str, ...] = MODES
    kinds: tuple[str, ...] = KINDS
    layers: tuple[str, ...] = ("pool1", "pool2", "pool3", "pool4", "dense1", "dense2")
    panel: tuple[str, ...] = ("logreg", "svm", "mlp", "knn", "gboost")
    folds: int = 5
    initialisation: str = "independent"  # or "shared": every network starts from its architecture's pretrained blocks
    defence: float = 0.0  # > 0: T trains a gender head on the first of ``layers`` through gradient reversal this strong
    training: TrainSettings = field(default_factory=TrainSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("other_archs", "scenarios", "modes", "kinds", "layers", "panel"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if isinstance(self.training, dict):
            object.__setattr__(self, "training", TrainSettings(**self.training))
        if self.defence < 0:
            raise ConfigError(f"defence: a gradient reversal strength >= 0, got {self.defence}")
        if self.initialisation not in INITIALISATIONS:
            raise ConfigError(f"initialisation: {self.initialisation!r}; choose {' or '.join(INITIALISATIONS)}")
        for name, allowed in (("modes", MODES), ("kinds", KINDS)):
            unknown = sorted(set(getattr(self, name)) - set(allowed))
            if unknown:
                raise ConfigError(f"{name}: unknown {unknown}; choose from {', '.join(allowed)}")
        for arch in (self.target_arch, *self.other_archs, self.other_family):
            check_family(arch)
        target = build_network(self.target_arch, {"emotion": 2})
        for layer in self.layers:
            target.check_layer(layer)


@dataclass
class Record:
    """One attacker's guesses on one fold's scored utterances."""

    mode: str
    layer: str
    scenario: str
    attacker: str
    kind: str
    fold: int
    correct: list[bool]


def run_fold(
    number: int, fold: StudyFold, target: StudyCorpus, other: StudyCorpus | None, settings: StudySettings,
    advance: Callable[[], None] = lambda: None, initial: Initial | None = None,
) -> dict[str, Any]:
    """Everything one fold contributes: T's emotion UAR, attackers' raw accuracy, and the records."""
    seed = settings.seed * 1000 + number
    train, scored = target.rows(fold.training), target.rows(fold.scored)
    X = target.inputs(settings.target_arch)
    emotions, genders = target.codes("emotion"), target.codes("gender")
    defence = Defence(settings.layers[0], settings.defence) if settings.defence else None
    T = fit(build_network(settings.target_arch, {"emotion": int(emotions.max()) + 1}, initial, seed), X[train],
            {"emotion": emotions[train], "gender": genders[train]}, settings.training, seed,
            defence=defence)
    advance()
    truth = genders[scored]
    out: dict[str, Any] = {
        "fold": number, "scored_speakers": sorted(fold.scored),
        "target_uar": uar(emotions[scored], T.logits(X[scored])["emotion"].argmax(axis=1)),
        "raw_accuracy": {}, "records": [],
    }
    others = frozenset(other.speakers.tolist()) if other is not None else frozenset()
    plans = scenario_matrix(settings.target_arch, settings.other_archs, settings.other_family, settings.scenarios,
                            other is not None)

    def record(mode: str, layer: str, scenario: str, attacker: str, kind: str, guesses: np.ndarray) -> None:
        out["records"].append(asdict(Record(mode, layer, scenario, attacker, kind, number,
                                            (np.asarray(guesses) == truth).tolist())))

    for plan in plans:
        corpus = target if plan.corpus == "target" else other
        rows = corpus.rows(attacker_speakers(plan, fold, others))
        cnn = INPUTS[plan.arch] == INPUTS[settings.target_arch]  # only a CNN has T's shapes (planned_steps counts these)
        for kind in settings.kinds:
            targets = _attacker_targets(corpus, rows, kind)
            key = f"{plan.scenario.value}:{plan.arch}:{kind}"
            if "splice" in settings.modes and cnn:
                A = fit(build_network(plan.arch, {n: int(t.max()) + 1 for n, t in targets.items()}, initial, seed + 1),
                        corpus.inputs(plan.arch)[rows], targets, settings.training, seed + 1)
                advance()
                out["raw_accuracy"][key] = float(np.mean(A.logits(X[scored])["gender"].argmax(axis=1) == truth))
                for layer in settings.layers:
                    record("splice", layer, plan.scenario.value, plan.arch, kind, splice(T, A, X[scored], layer))
            if "probe" in settings.modes and cnn:
                for layer in settings.layers:
                    record("probe", layer, plan.scenario.value, plan.arch, kind,
                           probe(T, plan.arch, corpus.inputs(plan.arch)[rows], targets, X[scored], layer,
                                 settings.training, seed + 2, initial))
                    advance()
    if "panel" in settings.modes:
        _panel_records(T, fold, target, other, others, settings, X[scored], record, advance)
    return out


def _attacker_targets(corpus: StudyCorpus, rows: np.ndarray, kind: str) -> dict[str, np.ndarray]:
    targets = {"gender": corpus.codes("gender")[rows]}
    if kind == "aware":
        targets["emotion"] = corpus.codes("emotion")[rows]
    return targets


def _panel_records(T: Trained, fold: StudyFold, target: StudyCorpus, other: StudyCorpus | None, others: frozenset[str],
                   settings: StudySettings, X_scored: np.ndarray, record, advance) -> None:
    """The panel on h_T, trained on T's training speakers ('target data') and on the other corpus ('other corpus')."""
    sources = [("target data", target, fold.training)] + ([("other corpus", other, others)] if other is not None else [])
    for scenario, corpus, speakers in sources:
        rows = corpus.rows(speakers)
        for layer in settings.layers:
            guesses = panel(T, settings.panel, corpus.inputs(settings.target_arch)[rows], corpus.codes("gender")[rows],
                            corpus.speakers[rows], X_scored, layer, settings.seed)
            for name, guess in guesses.items():
                record("panel", layer, scenario, name, "generic", guess)
            advance()


def planned_steps(settings: StudySettings, has_other_corpus: bool) -> int:
    """Fits per fold as ``run_fold`` advances them (T; splice attackers and probes of the CNN attackers; a panel
    per layer and training corpus), for the progress bar."""
    plans = scenario_matrix(settings.target_arch, settings.other_archs, settings.other_family, settings.scenarios,
                            has_other_corpus)
    cnns = sum(INPUTS[p.arch] == INPUTS[settings.target_arch] for p in plans)
    per_kind = ("splice" in settings.modes) + len(settings.layers) * ("probe" in settings.modes)
    panels = (1 + has_other_corpus) * len(settings.layers) * ("panel" in settings.modes)
    return settings.folds * (1 + cnns * len(settings.kinds) * per_kind + panels)


def run_study(
    target: StudyCorpus, other: StudyCorpus | None, settings: StudySettings, out: Path,
    advance: Callable[[], None] = lambda: None, initial: Initial | None = None,
) -> list[dict[str, Any]]:
    """Every fold, reading finished folds from ``out/folds`` instead of fitting them again."""
    folder = Path(out) / "folds"
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint = json.loads(json.dumps(asdict(settings)))  # a fold written under other settings is fitted again
    results = []
    for number, fold in enumerate(study_folds(target.speakers, target.genders, settings.folds, settings.seed), start=1):
        path = folder / f"fold-{number}.json"
        done = json.loads(path.read_text()) if path.exists() else None
        if done is not None and done.get("settings") == fingerprint:
            results.append(done)
            continue
        results.append({**run_fold(number, fold, target, other, settings, advance, initial), "settings": fingerprint})
        write_text_atomic(path, json.dumps(results[-1]))
    return results
