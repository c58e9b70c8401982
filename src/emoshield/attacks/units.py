"""The attack study's work as units that a pool of processes takes in any order, each kept on disk when done.

A fold's work splits along what depends on what. T and the splice attackers are
fits that do not need each other (the first phase); a probe (trained on T's h_T)
and the fold's scoring (splice, panel and eer on the scored utterances) need T
(the second). Small units keep both cores busy to the end of each phase, where a
fold per process left one idle while the last fold ran alone.

Each unit keeps what it made under a tag of the settings it depends on, and a
rerun takes only the units whose work is missing: a study that adds a mode refits
no network, and a defence sweep (whose splice attackers never see T) trains them
once for every strength::

    OUT/targets/fold-K.pt            T of fold K
    MODELS/attackers/KEY.pt          a splice attacker trained on the other corpus (every fold's)
    MODELS/attackers/fold-K/KEY.pt   a splice attacker trained on fold K's training speakers
    OUT/parts/fold-K/*.json          a probe's records; the fold's scoring (score.json)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from emoshield.attacks.data import StudyCorpus
from emoshield.attacks.models import Initial, build_network, input_shape
from emoshield.attacks.modes import panel, probe, splice, time_pooled
from emoshield.attacks.scenarios import AttackerPlan, StudyFold, attacker_speakers, scenario_matrix
from emoshield.attacks.settings import StudySettings
from emoshield.attacks.train import Defence, Trained, fit, heads_of, load_trained, save_trained, saved_under
from emoshield.attacks.verification import layer_eer
from emoshield.evaluation.metrics import uar
from emoshield.files import write_text_atomic


@dataclass(frozen=True)
class Unit:
    """One piece of work: ``target`` (fit T), ``attacker`` (fit splice attacker ``key``; fold 0: on the other
    corpus, for every fold), ``probe`` (fit attacker ``key``'s probe at ``layer`` and score it), or ``score``
    (a fold's splice, panel and eer records)."""

    task: str
    fold: int
    key: str = ""
    layer: str = ""


def cnn_plans(settings: StudySettings, has_other_corpus: bool) -> list[AttackerPlan]:
    """The matrix's attackers that have T's shapes (a CNN), the only ones a splice or a probe can use."""
    plans = scenario_matrix(settings.target_arch, settings.other_archs, settings.other_family, settings.scenarios,
                            has_other_corpus)
    shape = input_shape(settings.target_arch, settings.features)
    return [p for p in plans if input_shape(p.arch, settings.features) == shape]


def attacker_key(plan: AttackerPlan, kind: str) -> str:
    return f"{plan.scenario.value}:{plan.arch}:{kind}"


def fingerprint(settings: StudySettings) -> Any:
    """The settings as plain JSON values: a fold written under other settings is assembled again."""
    return json.loads(json.dumps(asdict(settings)))


@dataclass(frozen=True)
class StudyPlan:
    """A study's units, where each keeps its work, and the settings each depends on."""

    settings: StudySettings
    out: Path
    models: Path  # where splice attackers are kept (a defence sweep shares them between strengths)
    has_other_corpus: bool

    @cached_property
    def attackers(self) -> dict[str, tuple[AttackerPlan, str]]:
        """Every CNN attacker of the matrix by key: its plan and kind."""
        return {attacker_key(p, kind): (p, kind) for p in cnn_plans(self.settings, self.has_other_corpus)
                for kind in self.settings.kinds}

    def fits(self, folds: list[int]) -> list[Unit]:
        """The first phase for ``folds``: T, and the splice attackers (the other corpus's once)."""
        units = [Unit("target", number) for number in folds]
        if "splice" in self.settings.modes and folds:
            for key, (plan, _) in self.attackers.items():
                units += [Unit("attacker", 0, key)] if plan.corpus == "other" else \
                    [Unit("attacker", number, key) for number in folds]
        return units

    def scoring(self, folds: list[int]) -> list[Unit]:
        """The second phase for ``folds``: each fold's scoring, then the probes, the earliest (longest) layers first."""
        units = [Unit("score", number) for number in folds]
        if "probe" in self.settings.modes:
            units += [Unit("probe", number, key, layer) for layer in self.settings.probed for number in folds
                      for key in self.attackers]
        return units

    def pending(self, units: list[Unit]) -> list[Unit]:
        return [unit for unit in units if not self.done(unit)]

    def done(self, unit: Unit) -> bool:
        if unit.task in ("target", "attacker"):
            return saved_under(self.network_path(unit), self.tag(unit))
        path = self.part_path(unit)
        return path.exists() and json.loads(path.read_text()).get("tag") == self.tag(unit)

    def tag(self, unit: Unit) -> Any:
        """What ``unit``'s work depends on (the fold and attacker are in its path)."""
        s = self.settings
        common = {"features": s.features, "initialisation": s.initialisation, "training": asdict(s.training),
                  "seed": s.seed}
        target = {**common, "arch": s.target_arch, "folds": s.folds,
                  "defence": [s.layers[0], s.defence] if s.defence else None}
        if unit.task == "target":
            return target
        if unit.task == "attacker":
            return {**common, "folds": s.folds if unit.fold else None}
        if unit.task == "probe":
            return {"target": target, "probe": common}
        return fingerprint(s)

    def network_path(self, unit: Unit) -> Path:
        if unit.task == "target":
            return self.out / "targets" / f"fold-{unit.fold}.pt"
        folder = self.models / "attackers" / (f"fold-{unit.fold}" if unit.fold else "")
        return folder / f"{unit.key.replace(':', '-')}.pt"

    def attacker_unit(self, key: str, fold: int) -> Unit:
        """The unit that fits splice attacker ``key`` used in ``fold``."""
        return Unit("attacker", fold if self.attackers[key][0].corpus == "target" else 0, key)

    def part_path(self, unit: Unit) -> Path:
        name = "score" if unit.task == "score" else f"probe-{unit.key.replace(':', '-')}-{unit.layer}"
        return self.out / "parts" / f"fold-{unit.fold}" / f"{name}.json"

    def load(self, unit: Unit) -> Trained:
        trained = load_trained(self.network_path(unit), self.tag(unit))
        if trained is None:
            raise RuntimeError(f"{self.network_path(unit)}: missing or fitted under other settings")
        return trained

    def assemble(self, number: int, fold: StudyFold) -> dict[str, Any]:
        """Fold ``number``'s result from its parts: records in the matrix's order (per attacker its splice
        layers, then its probes), then the panel's."""
        score = json.loads(self.part_path(Unit("score", number)).read_text())
        seconds = dict(score["seconds"])
        records = []
        for key in self.attackers:
            records += [r for r in score["splice"] if attacker_key_of(r) == key]
            for layer in (self.settings.probed if "probe" in self.settings.modes else ()):
                part = json.loads(self.part_path(Unit("probe", number, key, layer)).read_text())
                records += part["records"]
                seconds["probe"] = seconds.get("probe", 0.0) + part["seconds"]
        result = {"fold": number, "scored_speakers": sorted(fold.scored), "target_uar": score["target_uar"],
                  "raw_accuracy": score["raw_accuracy"], "records": records + score["panel"], "seconds": seconds}
        if "speaker_eer" in score:
            result["speaker_eer"] = score["speaker_eer"]
        return result


def attacker_key_of(record: dict[str, Any]) -> str:
    return f"{record['scenario']}:{record['attacker']}:{record['kind']}"


@dataclass(frozen=True)
class Inputs:
    """What every unit reads: the plan, the folds and the corpora."""

    plan: StudyPlan
    folds: list[StudyFold]
    target: StudyCorpus
    other: StudyCorpus | None
    initial: Initial | None

    @property
    def settings(self) -> StudySettings:
        return self.plan.settings

    def corpus(self, plan: AttackerPlan) -> StudyCorpus:
        return self.target if plan.corpus == "target" else self.other

    def attacker_rows(self, key: str, fold: int) -> np.ndarray:
        """The utterances attacker ``key`` trains on in ``fold`` (fold 0: all of the other corpus)."""
        plan, _ = self.plan.attackers[key]
        corpus = self.corpus(plan)
        if not fold:
            return np.arange(len(corpus.speakers))
        others = frozenset(self.other.speakers.tolist()) if self.other is not None else frozenset()
        return corpus.rows(attacker_speakers(plan, self.folds[fold - 1], others))

    def attacker_targets(self, key: str, rows: np.ndarray) -> dict[str, np.ndarray]:
        plan, kind = self.plan.attackers[key]
        corpus = self.corpus(plan)
        targets = {"gender": corpus.codes("gender")[rows]}
        if kind == "aware":
            targets["emotion"] = corpus.codes("emotion")[rows]
        return targets


def run_unit(inputs: Inputs, unit: Unit) -> None:
    """Do ``unit`` and keep its work (a network, or a part's records) where :class:`StudyPlan` looks for it."""
    RUNNERS[unit.task](inputs, unit)


def _seed(settings: StudySettings, fold: int) -> int:
    return settings.seed * 1000 + fold


def _fit_target(inputs: Inputs, unit: Unit) -> None:
    s, target = inputs.settings, inputs.target
    train = target.rows(inputs.folds[unit.fold - 1].training)
    X = target.inputs(s.target_arch, s.features)
    emotions, genders = target.codes("emotion"), target.codes("gender")
    seed = _seed(s, unit.fold)
    network = build_network(s.target_arch, {"emotion": int(emotions.max()) + 1}, inputs.initial, seed, s.features)
    T = fit(network, X[train], {"emotion": emotions[train], "gender": genders[train]}, s.training, seed,
            defence=Defence(s.layers[0], s.defence) if s.defence else None)
    _save(inputs.plan, unit, T)


def _fit_attacker(inputs: Inputs, unit: Unit) -> None:
    s = inputs.settings
    plan, _ = inputs.plan.attackers[unit.key]
    rows = inputs.attacker_rows(unit.key, unit.fold)
    targets = inputs.attacker_targets(unit.key, rows)
    seed = _seed(s, unit.fold) + 1
    network = build_network(plan.arch, heads_of(targets), inputs.initial, seed, s.features)
    _save(inputs.plan, unit, fit(network, inputs.corpus(plan).inputs(plan.arch, s.features)[rows], targets,
                                 s.training, seed))


def _save(plan: StudyPlan, unit: Unit, trained: Trained) -> None:
    path = plan.network_path(unit)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_trained(trained, path, plan.tag(unit))


def _probe(inputs: Inputs, unit: Unit) -> None:
    s, target = inputs.settings, inputs.target
    plan, kind = inputs.plan.attackers[unit.key]
    started = time.perf_counter()
    T = inputs.plan.load(Unit("target", unit.fold))
    rows = inputs.attacker_rows(unit.key, unit.fold)
    scored = target.rows(inputs.folds[unit.fold - 1].scored)
    guesses = probe(T, plan.arch, inputs.corpus(plan).inputs(plan.arch, s.features)[rows],
                    inputs.attacker_targets(unit.key, rows), target.inputs(s.target_arch, s.features)[scored],
                    unit.layer, s.training, _seed(s, unit.fold) + 2, inputs.initial)
    record = _record("probe", unit.layer, plan, kind, unit.fold, guesses == target.codes("gender")[scored])
    _write_part(inputs.plan, unit, {"records": [record], "seconds": time.perf_counter() - started})


def _score(inputs: Inputs, unit: Unit) -> None:
    """T's emotion UAR, each splice attacker's accuracy on raw speech and with h_T spliced in, the panel, eer."""
    s, target, number = inputs.settings, inputs.target, unit.fold
    fold = inputs.folds[number - 1]
    T = inputs.plan.load(Unit("target", number))
    X = target.inputs(s.target_arch, s.features)
    train, scored = target.rows(fold.training), target.rows(fold.scored)
    truth = target.codes("gender")[scored]
    part: dict[str, Any] = {"target_uar": uar(target.codes("emotion")[scored], T.logits(X[scored])["emotion"].argmax(axis=1)),
                            "raw_accuracy": {}, "splice": [], "panel": []}
    seconds = {"target": T.seconds}
    if "splice" in s.modes:
        seconds["splice"] = 0.0
        for key, (plan, kind) in inputs.plan.attackers.items():
            made = inputs.plan.attacker_unit(key, number)
            A = inputs.plan.load(made)
            started = time.perf_counter()
            part["raw_accuracy"][key] = float(np.mean(A.logits(X[scored])["gender"].argmax(axis=1) == truth))
            part["splice"] += [_record("splice", layer, plan, kind, number, splice(T, A, X[scored], layer) == truth)
                               for layer in s.layers]
            seconds["splice"] += time.perf_counter() - started + (A.seconds if made.fold else 0.0)
    if "panel" in s.modes:
        started = time.perf_counter()
        part["panel"] = _panel_records(inputs, T, fold, X[scored], truth, number)
        seconds["panel"] = time.perf_counter() - started
    if "eer" in s.modes:
        started = time.perf_counter()
        part["speaker_eer"] = _speaker_eer(T, X, train, scored, target, s.layers, _seed(s, number))
        seconds["eer"] = time.perf_counter() - started
    _write_part(inputs.plan, unit, {**part, "seconds": seconds})


def _panel_records(inputs: Inputs, T: Trained, fold: StudyFold, X_scored: np.ndarray, truth: np.ndarray,
                   number: int) -> list[dict[str, Any]]:
    """The panel on h_T, trained on T's training speakers ('target data') and on the other corpus ('other corpus')."""
    s, target, other = inputs.settings, inputs.target, inputs.other
    sources = [("target data", target, target.rows(fold.training))]
    if other is not None:
        sources.append(("other corpus", other, np.arange(len(other.speakers))))
    records = []
    for scenario, corpus, rows in sources:
        for layer in s.layers:
            guesses = panel(T, s.panel, corpus.inputs(s.target_arch, s.features)[rows], corpus.codes("gender")[rows],
                            corpus.speakers[rows], X_scored, layer, s.seed)
            records += [_as_record("panel", layer, scenario, name, "generic", number, guess == truth)
                        for name, guess in guesses.items()]
    return records


def _speaker_eer(T: Trained, X: np.ndarray, train: np.ndarray, scored: np.ndarray, target: StudyCorpus,
                 layers: tuple[str, ...], seed: int) -> dict[str, dict[str, float]]:
    """Each scorer's EER on the scored speakers' trials, per layer and on the input itself (``input``)."""
    eers = {}
    for layer in ("input", *layers):
        learn, trial = (X[train], X[scored]) if layer == "input" else (T.read(X[train], layer), T.read(X[scored], layer))
        eers[layer] = layer_eer(time_pooled(learn), target.speakers[train], time_pooled(trial), target.speakers[scored],
                                target.genders[scored], seed)
    return eers


@dataclass
class Record:
    """One attacker's guesses on one fold's scored utterances: whether each was right."""

    mode: str
    layer: str
    scenario: str
    attacker: str
    kind: str
    fold: int
    correct: list[bool]


def _record(mode: str, layer: str, plan: AttackerPlan, kind: str, fold: int, correct: np.ndarray) -> dict[str, Any]:
    return _as_record(mode, layer, plan.scenario.value, plan.arch, kind, fold, correct)


def _as_record(mode: str, layer: str, scenario: str, attacker: str, kind: str, fold: int,
               correct: np.ndarray) -> dict[str, Any]:
    return asdict(Record(mode, layer, scenario, attacker, kind, fold, np.asarray(correct, dtype=bool).tolist()))


def _write_part(plan: StudyPlan, unit: Unit, part: dict[str, Any]) -> None:
    path = plan.part_path(unit)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"tag": plan.tag(unit), **part}))


RUNNERS: dict[str, Callable[[Inputs, Unit], None]] = {
    "target": _fit_target, "attacker": _fit_attacker, "probe": _probe, "score": _score}
