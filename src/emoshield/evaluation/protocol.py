"""The evaluation protocol of DESIGN.md, "Honest measurement": plan, run (in parallel, resumable), summarise.

For each repeat and method:
- emotion: leave-one-speaker-out (or k speaker folds); the method and an RBF SVM
  (inner speaker-grouped grid search) are fit on the training speakers, the
  held-out speakers are scored by UAR (``evaluation.emotion``);
- privacy: three speaker sets kept apart (``evaluation.plan``): the method is fit
  on the first; attackers learn from the second, which it never saw; they are
  scored on the third. One fit serves gender and language leakage
  (``evaluation.leakage``), identification and same-gender verification of
  unseen speakers (``evaluation.linkability``) and membership inference, learned
  and training-free (``evaluation.membership``).
Every metric is the strongest attacker's, with a speaker-level bootstrap interval
(``evaluation.summary``).
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from emoshield.backends import Compute, run_unordered
from emoshield.checkpoints import CheckpointStore
from emoshield.errors import ConfigError
from emoshield.evaluation import evidence as ev
from emoshield.evaluation.attackers import make_panel
from emoshield.evaluation.checkpoints import data_digest, task_key
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.fold import count_warnings, run_task
from emoshield.evaluation.plan import EvaluationSettings, FoldTask, Measurement, Plan, make_plan
from emoshield.evaluation.summary import (
    REFERENCE,
    Evaluation,
    MethodResult,
    add_differences,
    below_chance_notes,
    pool_by_repeat,
    summarise_method,
)
from emoshield.methods import make_method
from emoshield.methods.audio import anonymiser_of

__all__ = ["Dataset", "Evaluation", "EvaluationSettings", "Measurement", "MethodResult", "evaluate_methods",
           "plan_evaluation", "run_plan"]

Progress = Callable[[str], None]


def plan_evaluation(X: np.ndarray, manifest: pd.DataFrame, settings: EvaluationSettings,
                    public: Dataset | None = None, views: dict[str, np.ndarray] | None = None) -> tuple[Dataset, Plan]:
    """The data and every fold fit of the evaluation, checked before any work: the methods and attackers
    exist, the data can support the measurements, a cluster answers. ``public``: another corpus attackers
    learn gender from, through each fitted method (same features, none of the same speakers). ``views``:
    the features of the same utterances' anonymised audio, by anonymiser spec (audio-level methods)."""
    settings.compute.check()
    data = Dataset.from_manifest(X, manifest, settings.target)
    data.views = check_views(data, settings.methods, views or {}, public)
    if public is not None:
        check_public(data, public)
        data.public = public
    plan = make_plan(data, settings)
    if public is not None:
        plan.notes.append(f"gender attackers also learnt from {len(public.X)} utterances of {len(public.speaker_names)} "
                          "speakers of another corpus, passed through each fitted method ('on another corpus')")
    for method in settings.methods:
        make_method(method, settings.seed)  # fail fast on an unknown name
    make_panel(settings.attackers, settings.seed)
    return data, plan


def check_views(data: Dataset, methods: tuple[str, ...], views: dict[str, np.ndarray],
                public: Dataset | None) -> dict[str, np.ndarray]:
    """The anonymised features every audio-level method of ``methods`` needs, each row for row with ``data``."""
    for method in methods:
        anonymiser = anonymiser_of(make_method(method, 0))
        if anonymiser is None:
            continue
        if public is not None:
            raise ConfigError(f"{method}: an attackers' corpus with audio-level methods would need its audio "
                              "anonymised too, which is not built; drop attacker_corpus from this evaluation")
        shape = views[anonymiser.spec].shape if anonymiser.spec in views else None
        if shape != data.X.shape:
            raise ConfigError(f"{method}: needs features of the audio anonymised by {anonymiser.spec}, "
                              f"{data.X.shape[0]} x {data.X.shape[1]} like the original's; "
                              + ("none were given" if shape is None else f"got {shape[0]} x {shape[1]}"))
    return views


def check_public(data: Dataset, public: Dataset) -> None:
    """An attacker's corpus has the same features, both genders, and none of the evaluated speakers."""
    if public.X.shape[1] != data.X.shape[1]:
        raise ConfigError(f"the attackers' corpus has {public.X.shape[1]} features, the evaluated one "
                          f"{data.X.shape[1]}: extract both with the same feature set")
    shared = sorted(set(public.speaker_names) & set(data.speaker_names))
    if shared:
        raise ConfigError(f"the attackers' corpus shares {len(shared)} speaker(s) with the evaluated one "
                          f"({', '.join(shared[:3])}); attackers must never have heard the scored speakers")
    if len(np.unique(public.genders)) < 2:
        raise ConfigError("the attackers' corpus needs speakers of both genders")


def evaluate_methods(
    X: np.ndarray,
    manifest: pd.DataFrame,
    settings: EvaluationSettings = EvaluationSettings(),
    progress: Progress | None = None,
    checkpoints: str | Path | None = None,
    fresh: bool = False,
    public: Dataset | None = None,
    views: dict[str, np.ndarray] | None = None,
) -> Evaluation:
    """Run the protocol on features aligned with the manifest; one result per method (see :func:`run_plan`)."""
    data, plan = plan_evaluation(X, manifest, settings, public, views)
    return run_plan(data, plan, settings, progress, checkpoints, fresh)


def run_plan(
    data: Dataset,
    plan: Plan,
    settings: EvaluationSettings,
    progress: Progress | None = None,
    checkpoints: str | Path | None = None,
    fresh: bool = False,
) -> Evaluation:
    """Every fold fit of ``plan``, then each method's summary.

    Fold fits run in ``settings.compute.workers`` processes, each with one BLAS thread. With
    ``checkpoints`` (a folder), every finished fit is kept there and a rerun reuses it
    (``fresh``: fit everything again, overwriting).
    """
    outputs = _run(data, plan.tasks, settings.compute, progress or (lambda _: None), checkpoints, fresh)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        evaluation = summarise_outputs(data, plan.tasks, outputs, settings)
    evaluation.notes = plan.notes + evaluation.notes
    for task, output in zip(plan.tasks, outputs):
        stages = evaluation.seconds.setdefault(task.reported_as, {})
        for stage, seconds in output.get("seconds", {}).items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    evaluation.warnings = dict(
        sum((Counter(o["warnings"]) for o in outputs), Counter())
        + count_warnings(caught)
    )
    return evaluation


def summarise_outputs(data: Dataset, tasks: list[FoldTask], outputs: list[dict], settings: EvaluationSettings) -> Evaluation:
    """Each method's metrics from its tasks' evidence; differences from raw; notes."""
    pooled = pool_by_repeat([(t.reported_as, t.repeat, o["evidence"]) for t, o in zip(tasks, outputs)])
    weights = ev.bootstrap_weights(len(data.speaker_names), settings.bootstrap, settings.seed)
    summaries = {m: summarise_method(m, pooled[m], weights) for m in settings.methods}
    if REFERENCE in summaries:
        reference, reference_draws = summaries[REFERENCE]
        for method, (result, draws) in summaries.items():
            if method != REFERENCE:
                add_differences(result, draws, reference, reference_draws)
    results = [summaries[m][0] for m in settings.methods]
    notes = below_chance_notes(results)
    if Measurement.LINKABILITY in settings.metrics and not any("speaker_eer" in r.metrics for r in results):
        notes.append(
            "speaker_eer: not measured; no half of the unseen speakers of any fold held two speakers of one gender, "
            "and trials across genders would measure gender, not identity"
        )
    return Evaluation(results, notes, target=settings.target.value)


def _run(
    data: Dataset, tasks: list[FoldTask], compute: Compute, report: Progress, checkpoints: str | Path | None, fresh: bool
) -> list[dict]:
    """Every task's output, from its checkpoint when there is one, else fitted (in parallel) and kept."""
    store = CheckpointStore(checkpoints) if checkpoints is not None else None
    digest = data_digest(data) if store else ""
    keys = [task_key(digest, t) for t in tasks] if store else []
    outputs: list[dict | None] = [None] * len(tasks)
    if store and not fresh:
        outputs = [store.load(k) for k in keys]
        for task in (t for t, o in zip(tasks, outputs) if o is not None):
            report(f"{task.reported_as}: {task.kind} (from checkpoint)")
    todo = [i for i, o in enumerate(outputs) if o is None]
    for j, output in run_unordered(run_task, [tasks[i] for i in todo], compute, shared=data):
        i = todo[j]
        outputs[i] = output
        if store:
            store.save(keys[i], output)
        report(f"{tasks[i].reported_as}: {tasks[i].kind}")
    return outputs  # type: ignore[return-value]
