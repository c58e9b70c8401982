"""The attack study: train T, train the attackers of the scenario matrix, score every mode and layer, per fold.

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
- ``panel``: the tuned panel on time-pooled h_T, once per training corpus;
- ``eer``: speaker verification from the input and each layer (beyond seed 002).

The work runs as units (:mod:`emoshield.attacks.units`), ``compute.workers`` at a
time, each kept on disk; a fold's records are written to ``OUT/folds/fold-K.json``
with the settings when all its units are done, and a rerun under the same settings
reads them instead of fitting again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emoshield.attacks.data import StudyCorpus
from emoshield.attacks.models import Initial
from emoshield.attacks.scenarios import study_folds
from emoshield.attacks.settings import GENDER_MODES, INITIALISATIONS, KINDS, MODES, StudySettings
from emoshield.attacks.units import Inputs, StudyPlan, cnn_plans, fingerprint, run_unit
from emoshield.backends import Compute, run_unordered
from emoshield.files import write_text_atomic

__all__ = ["GENDER_MODES", "INITIALISATIONS", "KINDS", "MODES", "StudySettings", "finished_folds", "planned_steps",
           "run_study", "timed", "trained_architectures"]


@contextmanager
def timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    """Add the wall time of the block to ``seconds[stage]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


def trained_architectures(settings: StudySettings, has_other_corpus: bool) -> list[str]:
    """The architectures the study trains: T's and its CNN attackers' (an attacker of another family is never
    trained: it can neither splice nor probe a CNN's layer)."""
    return list(dict.fromkeys([settings.target_arch, *(p.arch for p in cnn_plans(settings, has_other_corpus))]))


def planned_steps(settings: StudySettings, has_other_corpus: bool, out: Path | None = None,
                  models: Path | None = None) -> int:
    """Units the study will run, for the progress bar; with ``out``, only those a rerun there still has to run."""
    plan = StudyPlan(settings, Path(out or "."), Path(models or out or "."), has_other_corpus)
    folds = [n for n in range(1, settings.folds + 1) if out is None or n not in finished_folds(out, settings)]
    units = plan.fits(folds) + plan.scoring(folds)
    return len(units if out is None else plan.pending(units))


def finished_folds(out: Path, settings: StudySettings) -> dict[int, dict[str, Any]]:
    """The folds written to ``out/folds`` under these settings, by number."""
    expected = fingerprint(settings)
    done = {}
    for number in range(1, settings.folds + 1):
        path = Path(out) / "folds" / f"fold-{number}.json"
        result = json.loads(path.read_text()) if path.exists() else None
        if result is not None and result.get("settings") == expected:
            done[number] = result
    return done


def run_study(
    target: StudyCorpus, other: StudyCorpus | None, settings: StudySettings, out: Path,
    advance: Callable[[], None] = lambda: None, initial: Initial | None = None, compute: Compute = Compute(),
    models: Path | None = None,
) -> list[dict[str, Any]]:
    """Every fold's records, reading finished folds from ``out/folds`` and finished units from where they are
    kept; ``models``: where splice attackers are kept (default ``out``; a defence sweep gives one for all
    strengths). ``advance`` moves once per unit run."""
    out = Path(out)
    plan = StudyPlan(settings, out, Path(models or out), other is not None)
    folds = study_folds(target.speakers, target.genders, settings.folds, settings.seed)
    results = finished_folds(out, settings)
    todo = [number for number in range(1, len(folds) + 1) if number not in results]
    inputs = Inputs(plan, folds, target, other, initial)
    for phase in (plan.fits(todo), plan.scoring(todo)):  # the second needs the first's T
        for _ in run_unordered(run_unit, plan.pending(phase), compute, shared=inputs):
            advance()
    (out / "folds").mkdir(parents=True, exist_ok=True)
    for number in todo:
        results[number] = {**plan.assemble(number, folds[number - 1]), "settings": fingerprint(settings)}
        write_text_atomic(out / "folds" / f"fold-{number}.json", json.dumps(results[number]))
    return [results[number] for number in sorted(results)]
