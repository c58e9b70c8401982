"""The FL report: report.json (the evaluation report's ``results`` layout), report.md, PNG plots."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from emoshield.evaluation.report import result_to_dict
from emoshield.evaluation.summary import MethodResult
from emoshield.files import write_text_atomic
from emoshield.fl.metrics import METRICS
from emoshield.fl.plots import plot_confusions, plot_rounds
from emoshield.fl.protocol import Experiment


def rounds_summary(experiment: Experiment) -> dict[str, Any]:
    """UAR per round (mean over folds), time per round, failures and ε."""
    curves = [o.curve for o in experiment.outcomes]
    rounds = sorted({r for c in curves for r in c})
    records = [r for o in experiment.outcomes for r in o.rounds]
    seconds = [r.seconds for r in records if r.round > 1]  # round 1 includes starting the client processes
    release = [o.epsilon for o in experiment.outcomes if o.epsilon is not None]
    server = [o.epsilon_server for o in experiment.outcomes if o.epsilon_server is not None]
    return {
        "uar_per_round": {str(r): float(np.mean([c[r] for c in curves if r in c])) for r in rounds},
        "seconds_per_round": float(np.mean(seconds)) if seconds else float(np.mean([r.seconds for r in records])),
        "failures": int(sum(r.failures for r in records)),
        "skipped_rounds": int(sum(not r.aggregated for r in records)),
        "epsilon_release": float(max(release)) if release else None,  # against whoever sees the model
        "epsilon_server": float(max(server)) if server else None,  # against the server, per client (None: unprotected)
        "delta": experiment.settings.dp.delta if release else None,
        "log": [[asdict(r) for r in o.rounds] for o in experiment.outcomes],
    }


def write_fl_report(out_dir: Path, experiment: Experiment, context: dict[str, Any]) -> Path:
    """report.json, report.md, confusion_<method>.png and uar_per_round.png in ``out_dir``."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = [
        {**result_to_dict(MethodResult(m.method, m.summary(), values={k: [s[k] for s in m.scores] for k in METRICS})),
         "confusion": m.confusion(len(experiment.classes)).tolist()}
        for m in experiment.methods
    ]
    rounds = rounds_summary(experiment)
    payload = {
        **context,
        "settings": experiment.settings.as_dict(),
        "classes": list(experiment.classes),
        "seconds": experiment.seconds,
        "peak_memory_mb": experiment.peak_memory_mb,
        "rounds": rounds,
        "attack": experiment.attack,
        "results": results,
    }
    write_text_atomic(out / "report.json", json.dumps(payload, indent=2) + "\n")
    write_text_atomic(out / "report.md", markdown(experiment, rounds, context))
    plot_confusions(experiment, out)
    plot_rounds(rounds["uar_per_round"], out / "uar_per_round.png")
    return out / "report.json"


def markdown_table(experiment: Experiment) -> str:
    """Methods as rows, the five metrics as columns (mean ± sd in %), and a chance row."""
    lines = ["| method | " + " | ".join(METRICS) + " |", "|---|" + "---|" * len(METRICS)]
    summaries = [(m.method, m.summary()) for m in experiment.methods]
    for method, summary in summaries:
        lines.append(f"| {method} | " + " | ".join(str(summary[k]) for k in METRICS) + " |")
    chance = summaries[0][1]
    lines.append("| chance | " + " | ".join(f"{100 * chance[k].chance:.1f}" for k in METRICS) + " |")
    return "\n".join(lines)


def markdown(experiment: Experiment, rounds: dict[str, Any], context: dict[str, Any]) -> str:
    s = experiment.settings
    data = context.get("data", {})
    privacy = "none" if rounds["epsilon_release"] is None else (
        f"{s.dp.mode.value}, at δ = {s.dp.delta:g}: ε = {rounds['epsilon_release']:.2f} for the released model, "
        + ("none against the server (it sees each clipped update before adding noise)" if rounds["epsilon_server"] is None
           else f"ε = {rounds['epsilon_server']:.2f} against the server (per client)"))
    lines = [
        "# emoshield federated learning",
        "",
        f"Data: {data.get('n_utterances', '?')} utterances, {data.get('n_speakers', '?')} speakers (clients), "
        f"features `{data.get('feature_set', '?')}`, target `{s.target}` ({len(experiment.classes)} classes). "
        f"Model `{s.model.value}`, strategy `{s.strategy.value}`, {s.rounds} rounds, {s.folds} speaker folds, "
        f"{s.repeats} repeat(s). Client-level DP: {privacy}.",
        "",
        "Values are % (mean ± sd over repeats). federated: held-out speakers never trained; "
        "centralized_loso: pooled training, leave-one-speaker-out (or speaker folds); "
        "centralized_70_30: speaker-dependent split (seed 003).",
        "",
        markdown_table(experiment),
        "",
        f"Time per round: {rounds['seconds_per_round']:.2f} s; failed client replies: {rounds['failures']}; "
        f"rounds without aggregation: {rounds['skipped_rounds']}; peak memory {experiment.peak_memory_mb:.0f} MB.",
        "",
    ]
    if experiment.attack:
        lines += ["## Gender inference from updates", "", attack_table(experiment.attack), ""]
    return "\n".join(lines)


def attack_table(attack: dict[str, Any]) -> str:
    """The view chosen on the tuning clients, then every layer at its sketch size and C, on the scored clients."""
    chosen = attack["chosen"]
    rows = [v for v in attack["views"] if v["sketch"] == chosen["sketch"] and v["c"] == chosen["c"]]
    decided = f"its first {chosen['first_rounds']} round(s)" if chosen["first_rounds"] else "all its rounds"
    update, client = attack["per_update"], attack["per_client"]
    lines = [f"Chosen on {len(attack['tuning_speakers'])} tuning clients: {chosen['layer']}, sketch {chosen['sketch']}, "
             f"C = {chosen['c']:g}, each client decided from {decided}. On the {client['n']} scored clients: "
             f"{100 * update['accuracy']:.1f}% per update, {client['correct']} of {client['n']} per client "
             f"(chance {100 * attack['chance']:.1f}%).", "",
             "Every layer at that sketch size and C, in % (per client from all rounds):", "",
             "| layer | tuning: per update | scored: per update | UAR | scored: per client | UAR |",
             "|---|---|---|---|---|---|"]
    for view in rows:
        t, s = view["tuning"], view["scored"]
        mark = "**" if view["layer"] == chosen["layer"] else ""
        lines.append(f"| {mark}{view['layer']}{mark} | {100 * t['per_update']['accuracy']:.1f} | "
                     f"{100 * s['per_update']['accuracy']:.1f} | {100 * s['per_update']['uar']:.1f} | "
                     f"{100 * s['per_client']['accuracy']:.1f} | {100 * s['per_client']['uar']:.1f} |")
    lines.append(f"| chance | | {100 * attack['chance']:.1f} | 50.0 | {100 * attack['chance']:.1f} | 50.0 |")
    return "\n".join(lines)
