"""From the folds' evidence to each method's metrics: strongest attacker, repeats, speaker-level intervals.

Per repeat, each metric's evidence is pooled over that repeat's folds and
scored for every attacker. The strongest attacker (highest mean over repeats;
lowest for EER) is the metric. Its 95% interval comes from a speaker-level
bootstrap: speakers are resampled with replacement, the same draws for every
repeat and every method, so the interval of a method's difference from raw is
paired by speaker.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from emoshield.evaluation import evidence as ev
from emoshield.evaluation.labels import SEEN
from emoshield.evaluation.metrics import MetricSummary, summarise

#: Metrics read from another metric's evidence: the attackers that learnt from the method's own speakers.
DERIVED = {"gender_leakage_seen": "gender_leakage", "language_leakage_seen": "language_leakage"}
#: The headline baseline every other method is compared with, speaker by speaker.
REFERENCE = "raw"


@dataclass(frozen=True)
class Difference:
    """A method's metric minus the reference method's, with a paired speaker-level 95% interval."""

    mean: float
    ci95: tuple[float, float] | None

    def as_dict(self) -> dict:
        return {"mean": self.mean, **({"ci95": list(self.ci95)} if self.ci95 else {})}


@dataclass
class MethodResult:
    """One method's metrics over repeats, with every attacker's score kept."""

    method: str
    metrics: dict[str, MetricSummary]
    attackers: dict[str, dict[str, MetricSummary]] = field(default_factory=dict)
    strongest: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)
    differences: dict[str, Difference] = field(default_factory=dict)
    details: dict[str, dict] = field(default_factory=dict)


@dataclass
class Evaluation(Sequence):
    """The results (one per method, in order), notes on what could not be measured, fitting warnings,
    and the seconds each method spent per stage (summed over its fold tasks, inside the workers)."""

    results: list[MethodResult]
    notes: list[str] = field(default_factory=list)
    warnings: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    target: str = "emotion"  # what the utility metric recognises: emotion categories, or valence

    def __getitem__(self, i):
        return self.results[i]

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[MethodResult]:
        return iter(self.results)


def pool_by_repeat(outputs: Sequence[tuple[str, int, dict]]) -> dict[str, dict[str, list[ev.Evidence]]]:
    """(method, repeat, task evidence) -> method -> metric -> one pooled evidence per repeat."""
    pieces: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for method, repeat, evidence in outputs:
        for metric, piece in evidence.items():
            pieces[method][metric][repeat].append(piece)
    pooled: dict = {}
    for method, metrics in pieces.items():
        pooled[method] = {}
        for metric, by_repeat in metrics.items():
            pooled[method][metric] = [ev.pool(by_repeat[r]) for r in sorted(by_repeat)]
        for derived, source in DERIVED.items():
            if source in pooled[method]:
                pooled[method][derived] = [ev.subset(e, lambda name: name.startswith(SEEN))
                                           for e in pooled[method][source]]
    return pooled


def summarise_method(method: str, evidence: dict[str, list[ev.Evidence]], weights: np.ndarray) -> tuple[MethodResult, dict]:
    """The method's result, and each metric's bootstrap values (for paired differences)."""
    result = MethodResult(method=method, metrics={})
    draws: dict[str, np.ndarray] = {}
    for metric, repeats in evidence.items():
        names = list(repeats[0]["by"])
        values = {name: [float(ev.score(e, name)[0]) for e in repeats] for name in names}
        chance = float(np.mean([ev.chance(e) for e in repeats]))
        summaries = {name: summarise(v, chance) for name, v in values.items()}
        strongest = _strongest(summaries, lower=repeats[0]["kind"] in ev.LOWER_IS_STRONGER_KINDS)
        draws[metric] = np.mean([ev.score(e, strongest, weights) for e in repeats], axis=0) if len(weights) else np.array([])
        result.metrics[metric] = summarise(values[strongest], chance, _interval(draws[metric]))
        result.attackers[metric] = summaries
        result.strongest[metric] = strongest
        result.values[metric] = values[strongest]
        if repeats[0]["kind"] == "eer":
            counts = [ev.trial_counts(e) for e in repeats]
            result.details[metric] = {"trials": {k: int(np.mean([c[k] for c in counts])) for k in counts[0]}}
    return result, draws


def add_differences(result: MethodResult, draws: dict, reference: MethodResult, reference_draws: dict) -> None:
    """Each metric's difference from the reference method, with a paired interval."""
    for metric, summary in result.metrics.items():
        if metric in reference.metrics:
            paired = draws[metric] - reference_draws[metric] if len(draws[metric]) else np.array([])
            result.differences[metric] = Difference(summary.mean - reference.metrics[metric].mean, _interval(paired))


def below_chance_notes(results: Sequence[MethodResult]) -> list[str]:
    """A leakage below chance is noise or a confound, not privacy: say where it happened."""
    notes = []
    for r in results:
        for metric, summary in r.metrics.items():
            if metric.endswith("leakage") and summary.ci95 is not None and summary.ci95[1] < summary.chance:
                notes.append(
                    f"{r.method}: {metric} is below chance ({100 * summary.mean:.1f} < {100 * summary.chance:.1f}, "
                    "whole interval): the attackers are reliably wrong, which is not privacy (an attacker could flip them)"
                )
    return notes


def _strongest(summaries: dict[str, MetricSummary], lower: bool) -> str:
    """The attacker with the highest mean (lowest, when lower is stronger); an undefined mean never wins."""
    sign = -1.0 if lower else 1.0
    return max(summaries, key=lambda name: -np.inf if np.isnan(summaries[name].mean) else sign * summaries[name].mean)


def _interval(values: np.ndarray) -> tuple[float, float] | None:
    values = values[~np.isnan(values)] if len(values) else values
    if len(values) < 2:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)
