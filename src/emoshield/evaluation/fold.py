"""One fold task run end to end: fit the method once, release every speaker set, measure."""

from __future__ import annotations

import time
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator

import sklearn
from threadpoolctl import threadpool_limits

from emoshield.evaluation import emotion, leakage, linkability, membership
from emoshield.evaluation.data import Dataset, Released
from emoshield.evaluation.plan import FoldTask, Measurement
from emoshield.methods import Method
from emoshield.methods.audio import anonymiser_of


def run_task(data: Dataset, task: FoldTask) -> dict:
    """The task's evidence per metric, the seconds each stage took, and the warnings its fits raised.

    Warnings are counted for the report, never printed over the progress bar. scikit-learn's per-call
    checks of parameters and finiteness are off inside a task: its inputs are the releases, checked once
    each (``Dataset.release``), and a task makes thousands of small fits.
    """
    seconds: dict[str, float] = {}
    quiet_sklearn = sklearn.config_context(assume_finite=True, skip_parameter_validation=True)
    with threadpool_limits(limits=1), quiet_sklearn, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if task.kind == "emotion":
            with _timed(seconds, "emotion"):
                evidence = emotion.measure(data, task)
        else:
            evidence = _privacy(data, task, seconds)
    return {"evidence": evidence, "seconds": seconds, "warnings": dict(count_warnings(caught))}


def count_warnings(caught: list[warnings.WarningMessage]) -> Counter:
    """``Category: first line of the message`` -> how often."""
    return Counter(f"{w.category.__name__}: {str(w.message).splitlines()[0][:200]}" for w in caught)


def _privacy(data: Dataset, task: FoldTask, seconds: dict[str, float]) -> dict:
    with _timed(seconds, "method"):
        model = data.fit_method(task.method, task.seed, task.fit)
        released = replace(_release(data, model, task), public=data.release_public(model, task.enrolment, task.seed))
        if anonymiser_of(model) is not None:  # lazy-informed attackers learn from original speech
            released = replace(released, original=_release(data, model, task, original=True))
    evidence: dict = {}
    for measurement, module in ((Measurement.LEAKAGE, leakage), (Measurement.LINKABILITY, linkability),
                                (Measurement.MEMBERSHIP, membership)):
        if measurement in task.measurements:
            with _timed(seconds, measurement.value):
                evidence.update(module.measure(data, task, released))
    return evidence


def _release(data: Dataset, model: Method, task: FoldTask, original: bool = False) -> Released:
    """What the fitted ``model`` releases for the task's three speaker sets (``original``: from original speech)."""
    return Released(*(data.release(model, index, task.enrolment, task.seed, original)
                      for index in (task.fit, task.learn, task.test)))


@contextmanager
def _timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - start
