"""What each method kept and what it hid, in one plain sentence, against the defence's targets.

The targets are the defence issue's (docs/privacy.md): utility within 3 points of
raw features, gender leakage of the strongest attacker at most 60% (per utterance and by speaker), speaker
identification at most twice chance, same-gender verification EER at least 40%,
membership AUC at most 60%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emoshield.evaluation.summary import REFERENCE, MethodResult


@dataclass(frozen=True)
class Target:
    """One privacy target: the metric, what it is called, and whether a value meets it."""

    metric: str
    words: str
    bound: float  # at most (``ceiling``) or at least this, in [0, 1]; for ``chance_times``, a multiple of chance
    ceiling: bool = True
    chance_times: bool = False

    def met(self, value: float, chance: float) -> bool:
        limit = self.bound * chance if self.chance_times else self.bound
        return value <= limit if self.ceiling else value >= limit

    def limit(self, chance: float) -> str:
        if self.chance_times:
            return f"≤ {self.bound:g} × chance ({100 * self.bound * chance:.0f})"
        return f"{'≤' if self.ceiling else '≥'} {100 * self.bound:.0f}"


#: Utility may fall this much (in points of UAR) below raw features.
UTILITY_MARGIN = 0.03
#: ... and this much when the enrolment is neutral-only or of one valence (the defence issue's targets).
SKEWED_UTILITY_MARGIN = 0.05
TARGETS = (
    Target("gender_leakage", "gender", 0.60),
    Target("gender_by_speaker", "gender by speaker", 0.60),
    Target("gender_leakage_uar_fit", "gender from the fits behind the UAR", 0.60),
    Target("speaker_id_acc", "speaker identity", 2.0, chance_times=True),
    Target("speaker_eer", "voice linkage (same-gender EER)", 0.40, ceiling=False),
    Target("membership_auc", "who trained the method (membership AUC)", 0.60),
)


def sentence(result: MethodResult, reference: MethodResult | None, target: str) -> str:
    """``adversarial kept valence (76 vs 78 raw) and hid gender (54, ≤ 60), ...; it did not hide ...``."""
    parts = []
    if "emotion_uar" in result.metrics:
        uar = result.metrics["emotion_uar"].mean
        if reference is not None and "emotion_uar" in reference.metrics:
            base = reference.metrics["emotion_uar"].mean
            verb = "kept" if uar >= base - UTILITY_MARGIN else f"lost {100 * (base - uar):.0f} points of"
            parts.append(f"{verb} {target} (UAR {100 * uar:.0f} vs {100 * base:.0f} on raw features)")
        else:
            parts.append(f"recognised {target} at UAR {100 * uar:.0f}")
    hidden, shown = [], []
    for goal in TARGETS:
        if goal.metric in result.metrics:
            summary = result.metrics[goal.metric]
            text = f"{goal.words} ({100 * summary.mean:.0f}, target {goal.limit(summary.chance)})"
            (hidden if goal.met(summary.mean, summary.chance) else shown).append(text)
    words = f"{result.method}: " + (", ".join(parts) if parts else "")
    if hidden:
        words += ("; " if parts else "") + "hid " + _listed(hidden, "and")
    if shown:
        words += ("; " if parts or hidden else "") + "did not hide " + _listed(shown, "or")
    return words + "."


def missed(result: MethodResult, reference: MethodResult | None, margin: float = UTILITY_MARGIN) -> list[str]:
    """The targets ``result`` misses, in words: utility (UAR below the reference's by more than ``margin``)
    and every privacy target it was measured on."""
    misses = []
    if reference is not None and "emotion_uar" in result.metrics and "emotion_uar" in reference.metrics:
        if result.metrics["emotion_uar"].mean < reference.metrics["emotion_uar"].mean - margin:
            misses.append("utility")
    for goal in TARGETS:
        summary = result.metrics.get(goal.metric)
        if summary is not None and not goal.met(summary.mean, summary.chance):
            misses.append(goal.words)
    return misses


def sentences(results: Sequence[MethodResult], target: str) -> list[str]:
    """One sentence per method but the reference (raw features), judged against it."""
    reference = next((r for r in results if r.method == REFERENCE), None)
    return [sentence(r, reference, target) for r in results if r.method != REFERENCE]


def _listed(items: list[str], conjunction: str) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
