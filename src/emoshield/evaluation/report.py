"""The report every experiment writes: report.json, report.md and PNG plots."""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from emoshield import __version__
from emoshield.evaluation.labels import COLUMNS, attacker, column
from emoshield.evaluation.metrics import MetricSummary
from emoshield.evaluation.plots import plot_attackers, plot_frontier, plot_metrics, target_of
from emoshield.evaluation.summary import REFERENCE, Evaluation, MethodResult
from emoshield.evaluation.verdict import sentences
from emoshield.files import write_text_atomic


def result_to_dict(result: MethodResult) -> dict[str, Any]:
    """One entry of ``results``: method, metrics (mean, sd, n, chance, ci95), every attacker, differences."""
    entry = {
        "method": result.method,
        "metrics": {k: {**v.as_dict(), **result.details.get(k, {})} for k, v in result.metrics.items()},
        "strongest": dict(result.strongest),
        "attackers": {
            metric: {name: s.as_dict() for name, s in per.items()}
            for metric, per in result.attackers.items()
        },
        "values": {k: list(v) for k, v in result.values.items()},
    }
    if result.differences:
        entry[f"difference_from_{REFERENCE}"] = {k: d.as_dict() for k, d in result.differences.items()}
    return entry


def markdown_table(results: Sequence[MethodResult]) -> str:
    """Methods as rows, metrics as columns (mean [95% interval], or mean ± sd without one, in %), and a chance row."""
    present = [m for m in COLUMNS if any(m in r.metrics for r in results)]
    target = target_of(results)
    lines = [
        "| method | " + " | ".join(column(m, target) for m in present) + " |",
        "|---|" + "---|" * len(present),
    ]
    for r in results:
        cells = [_cell(r.metrics.get(m), r.strongest.get(m)) for m in present]
        lines.append(f"| {r.method} | " + " | ".join(cells) + " |")
    chance = [next(r.metrics[m].chance for r in results if m in r.metrics) for m in present]
    lines.append("| chance | " + " | ".join(f"{100 * c:.1f}" for c in chance) + " |")
    return "\n".join(lines)


def differences_table(results: Sequence[MethodResult]) -> str:
    """Each method minus the reference method (raw), in points, with the paired speaker-level 95% interval."""
    shown = [r for r in results if r.differences]
    present = [m for m in COLUMNS if any(m in r.differences for r in shown)]
    if not shown:
        return ""
    target = target_of(results)
    lines = [
        f"| method − {REFERENCE} | " + " | ".join(column(m, target) for m in present) + " |",
        "|---|" + "---|" * len(present),
    ]
    for r in shown:
        cells = []
        for m in present:
            d = r.differences.get(m)
            cells.append("–" if d is None else f"{100 * d.mean:+.1f}" + (_interval(d.ci95) if d.ci95 else ""))
        lines.append(f"| {r.method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(summary: MetricSummary | None, strongest: str | None) -> str:
    if summary is None:
        return "–"
    who = f" ({attacker(strongest)})" if strongest and strongest != "svm" else ""
    value = f"{100 * summary.mean:.1f}{_interval(summary.ci95)}" if summary.ci95 else str(summary)
    return value + who


def _interval(ci95: tuple[float, float]) -> str:
    return f" [{100 * ci95[0]:.1f}, {100 * ci95[1]:.1f}]"


def write_report(
    out_dir: str | Path,
    results: Evaluation | Sequence[MethodResult],
    context: dict[str, Any],
    plots: bool = True,
) -> Path:
    """Write report.json, report.md and plots into ``out_dir``; return the JSON path.

    An :class:`Evaluation` also brings its notes (what could not be measured, and why)
    and the warnings its fits raised.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    notes = list(getattr(results, "notes", []))
    warnings = dict(getattr(results, "warnings", {}))
    seconds = dict(getattr(results, "seconds", {}))
    payload = {
        "emoshield_version": _version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        **context,
        "notes": notes,
        "warnings": warnings,
        "fit_seconds": seconds,  # per method and stage, summed over fold tasks (read back from checkpoints too)
        "results": [result_to_dict(r) for r in results],
    }
    write_text_atomic(out / "report.json", json.dumps(payload, indent=2) + "\n")
    write_text_atomic(out / "report.md", _markdown_document(list(results), context, notes, warnings))
    if plots:
        plot_metrics(results, out / "metrics.png")
        plot_attackers(results, out / "attackers.png")
        plot_frontier(results, out / "frontier.png")
        plot_frontier(results, out / "frontier_eer.png", leakage="speaker_eer")
    return out / "report.json"


def _markdown_document(
    results: Sequence[MethodResult], context: dict[str, Any], notes: Sequence[str], warnings: dict[str, int]
) -> str:
    data = context.get("data", {})
    lines = [
        "# emoshield evaluation",
        "",
        f"Data: {data.get('n_utterances', '?')} utterances, {data.get('n_speakers', '?')} speakers, "
        f"features `{data.get('feature_set', '?')}` ({data.get('n_features', '?')}), "
        f"target `{context.get('settings', {}).get('target', '?')}`.",
        "",
        *_enrolment_lines(context.get("settings", {}).get("enrolment")),
        "Values are % (mean over repeats [speaker-level bootstrap 95% interval]; sd over repeats in report.json); "
        f"the strongest attacker is named in brackets when not the SVM. Utility: {target_of(results)} UAR, "
        "speaker-independent. Privacy: the method is fit on one set of speakers, attackers learn from a second set "
        "it never saw, and are scored on a third. Gender/language: UAR of the strongest attacker; the headline is "
        "the stronger of attackers that learn from unseen speakers and attackers that learn from the method's own "
        "speakers (\"on the method's speakers\", also shown alone). Speaker ID: closed-set accuracy among unseen "
        "speakers (enrolment on some of their utterances). Speaker EER: same-gender verification trials among "
        "unseen speakers (50 = unlinkable). Membership AUC: can an attacker, learned or training-free, tell the "
        "method's training speakers from others (50 = cannot; folded, so below 50 never counts as privacy). Ali et "
        "al.'s attacker (seed 000): one MLP trained on half of the scored speakers' own utterances (accuracy).",
        "",
        markdown_table(results),
        "",
    ]
    trials = [f"{r.method} {t['target']} / {t['non_target']}"
              for r in results for t in [r.details.get("speaker_eer", {}).get("trials")] if t]
    if trials:
        lines += ["Verification trials per repeat (target / same-gender non-target): " + "; ".join(trials) + ".", ""]
    differences = differences_table(results)
    if differences:
        lines += [f"Differences from `{REFERENCE}` (points, paired by speaker):", "", differences, ""]
    verdicts = sentences(results, target_of(results))
    if verdicts:
        lines += ["In words, against the defence's targets (docs/privacy.md):", "", *[f"- {v}" for v in verdicts], ""]
    if notes:
        lines += ["Notes:", "", *[f"- {note}" for note in notes], ""]
    if warnings:
        lines += ["Warnings raised while fitting (counted, not printed):", "",
                  *[f"- {count}× {message}" for message, count in sorted(warnings.items(), key=lambda kv: -kv[1])], ""]
    return "\n".join(lines)


def _enrolment_lines(enrolment: dict | None) -> list[str]:
    """What a speaker-statistics method (``speaker_norm``, the speaker front end) standardised with."""
    if not enrolment:
        return []
    how = (" Each speaker has two cross-fitted enrolments, so every utterance is released once (docs/evaluation.md)."
           if enrolment.get("utterances") is not None else "")
    return [f"Speaker statistics (enrolment): {enrolment['meaning']}.{how}", ""]


def _version() -> str:
    return __version__
