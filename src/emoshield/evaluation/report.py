"""The report every experiment writes: report.json, report.md and PNG plots."""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from emoshield.evaluation.metrics import MetricSummary
from emoshield.evaluation.protocol import MethodResult

#: Column order and headings of the Markdown table (seed 000, Table II shape).
COLUMNS: dict[str, str] = {
    "emotion_uar": "emotion UAR",
    "gender_leakage": "gender",
    "speaker_id_acc": "speaker ID acc",
    "speaker_eer": "speaker EER",
    "language_leakage": "language",
    "membership_auc": "membership AUC",
    "gender_acc_seed000": "gender, seed-000 attacker (acc)",
}


def result_to_dict(result: MethodResult) -> dict[str, Any]:
    """One entry of ``results``: method, metrics (mean, sd, n, chance), every attacker."""
    return {
        "method": result.method,
        "metrics": {k: v.as_dict() for k, v in result.metrics.items()},
        "strongest": dict(result.strongest),
        "attackers": {
            metric: {name: s.as_dict() for name, s in per.items()}
            for metric, per in result.attackers.items()
        },
        "values": {k: list(v) for k, v in result.values.items()},
    }


def markdown_table(results: Sequence[MethodResult]) -> str:
    """Methods as rows, metrics as columns (mean ± sd in %), and a chance row."""
    present = [m for m in COLUMNS if any(m in r.metrics for r in results)]
    lines = [
        "| method | " + " | ".join(COLUMNS[m] for m in present) + " |",
        "|---|" + "---|" * len(present),
    ]
    for r in results:
        cells = [_cell(r.metrics.get(m), r.strongest.get(m)) for m in present]
        lines.append(f"| {r.method} | " + " | ".join(cells) + " |")
    chance = [next(r.metrics[m].chance for r in results if m in r.metrics) for m in present]
    lines.append("| chance | " + " | ".join(f"{100 * c:.1f}" for c in chance) + " |")
    return "\n".join(lines)


def _cell(summary: MetricSummary | None, attacker: str | None) -> str:
    if summary is None:
        return "–"
    who = f" ({attacker})" if attacker and attacker != "svm" else ""
    return f"{summary}{who}"


def write_report(
    out_dir: str | Path,
    results: Sequence[MethodResult],
    context: dict[str, Any],
    plots: bool = True,
) -> Path:
    """Write report.json, report.md and plots into ``out_dir``; return the JSON path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "emoshield_version": _version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        **context,
        "results": [result_to_dict(r) for r in results],
    }
    write_text_atomic(out / "report.json", json.dumps(payload, indent=2) + "\n")
    write_text_atomic(out / "report.md", _markdown_document(results, context))
    if plots:
        from emoshield.evaluation.plots import plot_attackers, plot_frontier, plot_metrics

        plot_metrics(results, out / "metrics.png")
        plot_attackers(results, out / "attackers.png")
        plot_frontier(results, out / "frontier.png")
    return out / "report.json"


def _markdown_document(results: Sequence[MethodResult], context: dict[str, Any]) -> str:
    data = context.get("data", {})
    lines = [
        "# emoshield evaluation",
        "",
        f"Data: {data.get('n_utterances', '?')} utterances, {data.get('n_speakers', '?')} speakers, "
        f"features `{data.get('feature_set', '?')}` ({data.get('n_features', '?')}), "
        f"target `{context.get('settings', {}).get('target', '?')}`.",
        "",
        "Values are % (mean ± sd over repeats). Emotion: UAR, leave-one-speaker-out. "
        "Gender/language: UAR of the strongest attacker on held-out speakers (named in brackets "
        "when not the SVM). Speaker ID: closed-set accuracy on held-out utterances. "
        "Speaker EER: verification among unseen speakers (50 = no linkability). "
        "Membership AUC: can the panel tell training speakers from others (50 = no). "
        "Seed-000 attacker: one MLP trained on half of the test speakers' own utterances (accuracy).",
        "",
        markdown_table(results),
        "",
    ]
    return "\n".join(lines)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a partial file beside ``path``, then rename: never a half-written file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _version() -> str:
    from emoshield import __version__

    return __version__
