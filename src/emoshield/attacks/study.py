"""The attack study, fold by fold: train T, train the attackers of the scenario matrix, score every mode and layer.

Per fold of the target corpus (gender-balanced speaker folds, each scored once):
T (``target_arch``, an emotion head; with ``defence`` > 0 also a gender head on the
first intercepted layer through gradient reversal) trains on the other speakers; every attacker
of the matrix trains on its scenario's speakers, generic (gender) or
application-aware (gender and its corpus's emotions); then, on the scored
utterances, for each intercepted layer:

- ``splice``: each CNN attacker decides with T's layer output in place of its own
  (an attacker of another family has no such layer and is skipped);
- ``probe`` (at ``probe_layers``): each CNN attacker architecture from the layer on, trained on T's
  h_T of its own speakers' speech (the attacker queries the device with speech it owns);
- ``panel``: the tuned panel on time-pooled h_T, once per training corpus.

The splice attackers trained on the other corpus do not depend on the fold: they
are trained once, first, and kept in ``OUT/attackers``. A fold's records are
written to ``OUT/folds/fold-K.json`` when it ends, with the settings, and a rerun
with the same settings reads them instead of fitting again; folds run in
parallel processes when asked.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from emoshield.attacks.data import StudyCorpus
from emoshield.attacks.models import Initial, build_network, check_family, input_shape
from emoshield.attacks.modes import panel, probe, splice, time_pooled
from emoshield.attacks.scenarios import AttackerPlan, StudyFold, attacker_speakers, scenario_matrix, study_folds
from emoshield.attacks.verification import layer_eer
from emoshield.attacks.train import Defence, Trained, TrainSettings, fit, heads_of, load_trained, save_trained
from emoshield.backends import Compute, run_unordered
from emoshield.errors import ConfigError
from emoshield.evaluation.metrics import uar
from emoshield.files import write_text_atomic

#: The modes that infer gender; ``eer`` links speakers instead (speaker verification, beyond seed 002).
GENDER_MODES = ("splice", "probe", "panel")
MODES = (*GENDER_MODES, "eer")
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
    probe_layers: tuple[str, ...] = ()  # the layers probes train on (empty: every one of ``layers``); a probe is a fit
    panel: tuple[str, ...] = ("logreg", "svm", "mlp", "knn", "gboost")
    folds: int = 5
    features: str = "logmel"  # what T and the CNN attackers read: logmel, or lld (IS09 LLDs as an image; Table 4)
    initialisation: str = "independent"  # or "shared": every network starts from its architecture's pretrained blocks
    defence: float = 0.0  # > 0: T trains a gender head on the first of ``layers`` through gradient reversal this strong
    training: TrainSettings = field(default_factory=TrainSettings)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("other_archs", "scenarios", "modes", "kinds", "layers", "probe_layers", "panel"):
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
        target = build_network(self.target_arch, {"emotion": 2}, features=self.features)
        for layer in (*self.layers, *self.probe_layers):
            target.check_layer(layer)

    @property
    def probed(self) -> tuple[str, ...]:
        """The layers probes train on."""
        return self.probe_layers or self.layers


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
    shared: Mapping[str, Trained] | None = None,
) -> dict[str, Any]:
    """Everything one fold contributes: T's emotion UAR, attackers' raw accuracy, and the records.

    ``shared``: the splice attackers trained on the other corpus (:func:`other_corpus_attackers`), which do not
    depend on the fold; those missing are trained here.
    """
    seed = settings.seed * 1000 + number
    train, scored = target.rows(fold.training), target.rows(fold.scored)
    X = target.inputs(settings.target_arch, settings.features)
    emotions, genders = target.codes("emotion"), target.codes("gender")
    defence = Defence(settings.layers[0], settings.defence) if settings.defence else None
    seconds: dict[str, float] = {}
    with timed(seconds, "target"):
        T = fit(build_network(settings.target_arch, {"emotion": int(emotions.max()) + 1}, initial, seed, settings.features),
                X[train], {"emotion": emotions[train], "gender": genders[train]}, settings.training, seed, defence=defence)
    advance()
    truth = genders[scored]
    out: dict[str, Any] = {
        "fold": number, "scored_speakers": sorted(fold.scored),
        "target_uar": uar(emotions[scored], T.logits(X[scored])["emotion"].argmax(axis=1)),
        "raw_accuracy": {}, "records": [], "seconds": seconds,
    }
    others = frozenset(other.speakers.tolist()) if other is not None else frozenset()
    shared = shared or {}

    def record(mode: str, layer: str, scenario: str, attacker: str, kind: str, guesses: np.ndarray) -> None:
        out["records"].append(asdict(Record(mode, layer, scenario, attacker, kind, number,
                                            (np.asarray(guesses) == truth).tolist())))

    for plan in _cnn_plans(settings, other is not None):
        corpus = target if plan.corpus == "target" else other
        rows = corpus.rows(attacker_speakers(plan, fold, others))
        for kind in settings.kinds:
            targets = _attacker_targets(corpus, rows, kind)
            key = _attacker_key(plan, kind)
            X_attacker = corpus.inputs(plan.arch, settings.features)[rows]
            if "splice" in settings.modes:
                with timed(seconds, "splice"):
                    A = shared.get(key)
                    if A is None:
                        A = _fit_attacker(plan.arch, X_attacker, targets, settings, initial, seed + 1)
                        advance()
                    out["raw_accuracy"][key] = float(np.mean(A.logits(X[scored])["gender"].argmax(axis=1) == truth))
                    for layer in settings.layers:
                        record("splice", layer, plan.scenario.value, plan.arch, kind, splice(T, A, X[scored], layer))
            if "probe" in settings.modes:
                for layer in settings.probed:
                    with timed(seconds, "probe"):
                        guesses = probe(T, plan.arch, X_attacker, targets, X[scored], layer, settings.training, seed + 2,
                                        initial)
                    record("probe", layer, plan.scenario.value, plan.arch, kind, guesses)
                    advance()
    if "panel" in settings.modes:
        with timed(seconds, "panel"):
            _panel_records(T, fold, target, other, others, settings, X[scored], record, advance)
    if "eer" in settings.modes:
        with timed(seconds, "eer"):
            out["speaker_eer"] = _speaker_eer(T, X, train, scored, target, settings, seed, advance)
    return out


def _speaker_eer(T: Trained, X: np.ndarray, train: np.ndarray, scored: np.ndarray, target: StudyCorpus,
                 settings: StudySettings, seed: int, advance: Callable[[], None]) -> dict[str, dict[str, float]]:
    """Each scorer's EER on the scored speakers' trials, per layer and on the input itself (``input``)."""
    eers = {}
    for layer in ("input", *settings.layers):
        learn, trial = (time_pooled(X[train]), time_pooled(X[scored])) if layer == "input" else \
            (time_pooled(T.read(X[train], layer)), time_pooled(T.read(X[scored], layer)))
        eers[layer] = layer_eer(learn, target.speakers[train], trial, target.speakers[scored], target.genders[scored], seed)
        advance()
    return eers


@contextmanager
def timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    """Add the wall time of the block to ``seconds[stage]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


def _cnn_plans(settings: StudySettings, has_other_corpus: bool) -> list[AttackerPlan]:
    """The matrix's attackers that have T's shapes (a CNN), the only ones a splice or a probe can use."""
    plans = scenario_matrix(settings.target_arch, settings.other_archs, settings.other_family, settings.scenarios,
                            has_other_corpus)
    return [p for p in plans if input_shape(p.arch, settings.features) == input_shape(settings.target_arch, settings.features)]


def trained_architectures(settings: StudySettings, has_other_corpus: bool) -> list[str]:
    """The architectures the study trains: T's and its CNN attackers' (an attacker of another family is never
    trained: it can neither splice nor probe a CNN's layer)."""
    return list(dict.fromkeys([settings.target_arch, *(p.arch for p in _cnn_plans(settings, has_other_corpus))]))


def _attacker_key(plan: AttackerPlan, kind: str) -> str:
    return f"{plan.scenario.value}:{plan.arch}:{kind}"


def _fit_attacker(arch: str, X: np.ndarray, targets: Mapping[str, np.ndarray], settings: StudySettings,
                  initial: Initial | None, seed: int) -> Trained:
    return fit(build_network(arch, heads_of(targets), initial, seed, settings.features), X, targets, settings.training, seed)


def other_corpus_attackers(
    other: StudyCorpus | None, settings: StudySettings, folder: Path, initial: Initial | None = None,
    advance: Callable[[], None] = lambda: None, compute: Compute = Compute(),
) -> dict[str, Trained]:
    """The splice attackers trained on the other corpus (S1, S3): the same in every fold, so each is trained once
    (``compute.workers`` at a time) and kept in ``folder`` (read back, not refitted, by a rerun under the same
    settings)."""
    if other is None or "splice" not in settings.modes:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    tag = _fingerprint(settings)
    plans = {_attacker_key(plan, kind): (plan.arch, kind)
             for plan in _cnn_plans(settings, True) if plan.corpus == "other" for kind in settings.kinds}
    out = {key: load_trained(_attacker_path(folder, key), tag) for key in plans}
    missing = [key for key, trained in out.items() if trained is None]
    for i, trained in run_unordered(_fit_other_corpus_attacker, [plans[key] for key in missing], compute,
                                    shared=(other, settings, initial)):
        out[missing[i]] = trained
        save_trained(trained, _attacker_path(folder, missing[i]), tag)
        advance()
    return out


def _fit_other_corpus_attacker(context: tuple, plan: tuple[str, str]) -> Trained:
    other, settings, initial = context
    arch, kind = plan
    rows = np.arange(len(other.speakers))
    return _fit_attacker(arch, other.inputs(arch, settings.features), _attacker_targets(other, rows, kind), settings,
                         initial, settings.seed * 1000 + 1)


def _attacker_path(folder: Path, key: str) -> Path:
    return folder / f"{key.replace(':', '-')}.pt"


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
            guesses = panel(T, settings.panel, corpus.inputs(settings.target_arch, settings.features)[rows], corpus.codes("gender")[rows],
                            corpus.speakers[rows], X_scored, layer, settings.seed)
            for name, guess in guesses.items():
                record("panel", layer, scenario, name, "generic", guess)
            advance()


def fold_steps(settings: StudySettings, has_other_corpus: bool) -> int:
    """Fits one fold advances (T; splice attackers on T's speakers; probes; a panel per layer and training corpus)."""
    plans = _cnn_plans(settings, has_other_corpus)
    own = sum(p.corpus == "target" for p in plans) * ("splice" in settings.modes)
    probes = len(plans) * len(settings.probed) * ("probe" in settings.modes)
    panels = (1 + has_other_corpus) * len(settings.layers) * ("panel" in settings.modes)
    eers = (1 + len(settings.layers)) * ("eer" in settings.modes)
    return 1 + len(settings.kinds) * (own + probes) + panels + eers


def planned_steps(settings: StudySettings, has_other_corpus: bool, out: Path | None = None) -> int:
    """Fits the study will make, for the progress bar: the other corpus's splice attackers once, then every fold;
    with ``out``, only those a rerun there still has to make."""
    keys = [_attacker_key(p, kind) for p in _cnn_plans(settings, has_other_corpus) if p.corpus == "other"
            for kind in settings.kinds] if "splice" in settings.modes else []
    folds = settings.folds
    if out is not None:
        tag = _fingerprint(settings)
        keys = [key for key in keys if load_trained(_attacker_path(Path(out) / "attackers", key), tag) is None]
        folds -= len(finished_folds(out, settings))
    return len(keys) + folds * fold_steps(settings, has_other_corpus)


def finished_folds(out: Path, settings: StudySettings) -> dict[int, dict[str, Any]]:
    """The folds written to ``out/folds`` under these settings, by number."""
    fingerprint = _fingerprint(settings)
    done = {}
    for number in range(1, settings.folds + 1):
        path = Path(out) / "folds" / f"fold-{number}.json"
        result = json.loads(path.read_text()) if path.exists() else None
        if result is not None and result.get("settings") == fingerprint:
            done[number] = result
    return done


def _fingerprint(settings: StudySettings) -> Any:
    """The settings as plain JSON values: a fold or attacker fitted under other settings is fitted again."""
    return json.loads(json.dumps(asdict(settings)))


def run_study(
    target: StudyCorpus, other: StudyCorpus | None, settings: StudySettings, out: Path,
    advance: Callable[[], None] = lambda: None, initial: Initial | None = None, compute: Compute = Compute(),
) -> list[dict[str, Any]]:
    """Every fold (``compute.workers`` at once), reading finished folds from ``out/folds`` instead of fitting them
    again; the other corpus's splice attackers first, kept in ``out/attackers``."""
    folder = Path(out) / "folds"
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(settings)
    folds = study_folds(target.speakers, target.genders, settings.folds, settings.seed)
    shared = other_corpus_attackers(other, settings, Path(out) / "attackers", initial, advance, compute)
    results = finished_folds(out, settings)
    todo = [number for number in range(1, len(folds) + 1) if number not in results]
    context = (folds, target, other, settings, initial, shared)
    if compute.workers == 1:  # in this process, the bar moving with every fit
        finished = ((number, run_fold(number, folds[number - 1], target, other, settings, advance, initial, shared))
                    for number in todo)
    else:  # a fold per process, the bar moving as each ends
        finished = ((todo[i], result) for i, result in run_unordered(_run_fold_task, todo, compute, shared=context))
    for number, result in finished:
        results[number] = {**result, "settings": fingerprint}
        write_text_atomic(folder / f"fold-{number}.json", json.dumps(results[number]))
        if compute.workers > 1:
            for _ in range(fold_steps(settings, other is not None)):
                advance()
    return [results[number] for number in sorted(results)]


def _run_fold_task(context: tuple, number: int) -> dict[str, Any]:
    folds, target, other, settings, initial, shared = context
    return run_fold(number, folds[number - 1], target, other, settings, initial=initial, shared=shared)
