"""Defaults chosen without looking at the speakers they are scored on: selection on inner folds (nested).

A default picked by the very evaluation it is reported in is optimistic: the
choice has seen the scored speakers. Here the development corpus's speakers are
dealt into outer groups (the privacy protocol's speaker groups, the same in
every repeat). For each group, every candidate is evaluated by the whole
protocol on the other speakers only, and :func:`choose` applies the rule fixed
before any run. The outer evaluation then scores each group's speakers with the
candidate chosen without them: an emotion fold (one speaker held out) takes
the choice of the held-out speaker's group, a privacy fold that of its scored
group. Everything else is the protocol unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from emoshield.errors import ConfigError
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.enrolment import Composition, EnrolmentSettings
from emoshield.evaluation.plan import EvaluationSettings, Plan, asks_languages, make_plan, privacy_splits
from emoshield.evaluation.summary import REFERENCE, Evaluation, MethodResult
from emoshield.evaluation.verdict import SKEWED_UTILITY_MARGIN, missed
from emoshield.methods import make_method, reads_speaker_statistics

#: Runs one inner evaluation: (data, settings, name of the run) -> its results.
InnerRun = Callable[[Dataset, EvaluationSettings, str], Evaluation]
Splits = list[tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class NestedSelection:
    """The candidates (method specs) the default is chosen from, and the rule's options; no candidates:
    no nested selection. ``one_valence``: the rule also asks, of methods that read speaker statistics,
    a UAR within 5 points of raw under an enrolment of one valence (the defence issue's target)."""

    candidates: tuple[str, ...] = ()
    label: str = "chosen on inner folds"
    inner_repeats: int = 1
    one_valence: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "candidates", tuple(self.candidates))
        if self.candidates and len(self.candidates) < 2:
            raise ConfigError(f"nested selection chooses among 2+ candidates, got {list(self.candidates)}")
        if self.inner_repeats < 1:
            raise ConfigError(f"nested inner_repeats >= 1, got {self.inner_repeats}")


@dataclass(frozen=True)
class GroupChoice:
    """What the rule chose for one outer group, from the candidates' inner results (one row each)."""

    group: int
    speakers: tuple[str, ...]
    chosen: str
    rows: tuple[dict, ...]


def outer_splits(data: Dataset, settings: EvaluationSettings) -> Splits:
    """The privacy protocol's (fit, learn, test) sets of the first repeat: their test sets are the outer groups."""
    return privacy_splits(data, settings.privacy_folds, settings.seed, asks_languages(data, settings))[0]


def choose(results: Evaluation, skewed: Evaluation | None, candidates: Sequence[str]) -> tuple[str, list[dict]]:
    """The rule, fixed before any run: among the candidates that miss no target (docs/privacy.md) and,
    with ``skewed`` results, keep their UAR within 5 points of raw under that enrolment, the one with
    the highest UAR; when none meets every target, the fewest misses, then the highest UAR. Returns the
    choice and one row per candidate (its UAR, skewed UAR, metric means and misses)."""
    by_method = {r.method: r for r in results}
    reference = by_method.get(REFERENCE)
    skewed_by = {r.method: r for r in skewed} if skewed is not None else {}
    rows = []
    for spec in candidates:
        result = by_method[spec]
        misses = missed(result, reference)
        row = {"method": spec, "uar": _mean(result, "emotion_uar"), "raw_uar": _mean(reference, "emotion_uar"),
               "misses": misses,
               **{name: summary.mean for name, summary in result.metrics.items()}}
        if skewed is not None:  # a method that reads no speaker statistics is not run again: enrolment cannot move it
            under = skewed_by.get(spec, result)
            row["uar_one_valence"] = _mean(under, "emotion_uar")
            if "utility" in missed(under, reference, SKEWED_UTILITY_MARGIN):
                misses.append("utility with a one-valence enrolment")
        rows.append(row)
    best = min(rows, key=lambda row: (len(row["misses"]), -row["uar"]))
    return best["method"], rows


def select_per_group(data: Dataset, settings: EvaluationSettings, selection: NestedSelection, splits: Splits,
                     run: InnerRun) -> list[GroupChoice]:
    """For each outer group (each split's test set), the rule's choice from evaluations of every candidate
    (beside raw features) on the other speakers only."""
    inner = replace(settings, methods=(REFERENCE, *selection.candidates), repeats=selection.inner_repeats, bootstrap=0)
    reading = tuple(c for c in selection.candidates if reads_speaker_statistics(make_method(c, settings.seed)))
    skew = selection.one_valence and settings.enrolment.utterances is not None and bool(reading)
    choices = []
    for g, (_, _, test) in enumerate(splits):
        rest = data.subset(np.setdiff1d(np.arange(len(data.X)), test))
        results = run(rest, inner, f"group-{g + 1}")
        skewed = None
        if skew:
            one_valence = EnrolmentSettings(settings.enrolment.utterances, Composition.ONE_VALENCE)
            skewed = run(rest, replace(inner, methods=reading, enrolment=one_valence), f"group-{g + 1}-one-valence")
        chosen, rows = choose(results, skewed, selection.candidates)
        choices.append(GroupChoice(g, tuple(np.unique(data.speakers[test])), chosen, tuple(rows)))
    return choices


def outer_plan(data: Dataset, settings: EvaluationSettings, selection: NestedSelection, splits: Splits,
               choices: Sequence[GroupChoice]) -> Plan:
    """The evaluation of ``settings.methods`` and, named ``selection.label``, of each group's choice on the
    group's speakers; the privacy sets are ``splits`` in every repeat. Emotion folds must each score
    speakers of one group (leave one speaker out does)."""
    plan = make_plan(data, replace(settings, methods=(*settings.methods, selection.label)), splits)
    group_of = np.full(len(data.X), -1)
    for g, (_, _, test) in enumerate(splits):
        group_of[test] = g
    tasks = []
    for task in plan.tasks:
        if task.method == selection.label:
            groups = np.unique(group_of[task.test])
            if len(groups) != 1:
                raise ConfigError("nested selection: an emotion fold scores speakers of two outer groups; use "
                                  "leave one speaker out (emotion_folds: 0)")
            task = replace(task, method=choices[int(groups[0])].chosen, label=selection.label)
        tasks.append(task)
    return Plan(tasks, plan.notes)


def choices_table(choices: Sequence[GroupChoice]) -> str:
    """Markdown: per outer group, each candidate's inner UAR (beside raw features') and misses, the choice marked."""
    lines = ["| outer group (scored speakers) | candidate | inner UAR (raw) | inner UAR, one-valence enrolment "
             "| misses | chosen |", "|---|---|---|---|---|---|"]
    for choice in choices:
        for row in choice.rows:
            skewed = f"{100 * row['uar_one_valence']:.1f}" if "uar_one_valence" in row else "–"
            lines.append(f"| {choice.group + 1} ({', '.join(choice.speakers)}) | `{row['method']}` | "
                         f"{100 * row['uar']:.1f} ({100 * row['raw_uar']:.1f}) | {skewed} | "
                         f"{', '.join(row['misses']) or 'none'} | "
                         f"{'✓' if row['method'] == choice.chosen else ''} |")
    return "\n".join(lines)


def _mean(result: MethodResult | None, metric: str) -> float:
    summary = None if result is None else result.metrics.get(metric)
    return float("nan") if summary is None else summary.mean
