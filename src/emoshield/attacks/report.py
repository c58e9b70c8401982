"""The study's numbers: leakage per (mode, layer, scenario, attacker, kind), and report.json / report.md / fig3_depth.png.

Leakage L is seed 002's: gender accuracy pooled over the scored utterances of
every fold (each speaker is scored in one fold), with the mean and sd over
folds, chance (the majority gender's share of the scored utterances), a 95%
interval from a speaker-level bootstrap, and L per emotion.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from emoshield.attacks.data import StudyCorpus
from emoshield.attacks.settings import GENDER_MODES
from emoshield.attacks.tables import by_facet, depth_table, facets, findings, table2, table3
from emoshield.figures import new_figure, save
from emoshield.files import write_text_atomic

KEY = ("mode", "layer", "scenario", "attacker", "kind")


def leakage(results: list[dict[str, Any]], target: StudyCorpus, bootstrap: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """One entry per attacker setting, pooled over folds."""
    scored = {r["fold"]: target.rows(frozenset(r["scored_speakers"])) for r in results}
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for result in results:
        for record in result["records"]:
            groups[tuple(record[k] for k in KEY)].append(record)
    rng = np.random.default_rng(seed)
    entries = []
    for key, records in groups.items():
        rows = np.concatenate([scored[r["fold"]] for r in records])
        correct = np.concatenate([np.asarray(r["correct"], dtype=bool) for r in records])
        per_fold = [float(np.mean(r["correct"])) for r in records]
        genders = target.genders[rows]
        entries.append({
            **dict(zip(KEY, key)),
            "accuracy": float(correct.mean()), "mean": float(np.mean(per_fold)), "sd": float(np.std(per_fold)),
            "n": int(len(correct)), "chance": float(max(np.mean(genders == g) for g in np.unique(genders))),
            "ci95": _speaker_interval(correct, target.speakers[rows], bootstrap, rng),
            "per_fold": per_fold,
            "per_emotion": {str(e): float(correct[target.emotions[rows] == e].mean()) for e in np.unique(target.emotions[rows])},
            "emotion_counts": {str(e): int(np.sum(target.emotions[rows] == e)) for e in np.unique(target.emotions[rows])},
            **{f"per_{facet}": {str(v): float(correct[values[rows] == v].mean()) for v in np.unique(values[rows]) if v}
               for facet, values in target.facets.items()},
        })
    return entries


def _speaker_interval(correct: np.ndarray, speakers: np.ndarray, draws: int, rng: np.random.Generator) -> list[float]:
    """95% interval of the pooled accuracy when speakers are resampled with replacement."""
    names, index = np.unique(speakers, return_inverse=True)
    hits, counts = np.bincount(index, weights=correct, minlength=len(names)), np.bincount(index, minlength=len(names))
    picks = rng.integers(len(names), size=(draws, len(names)))
    values = hits[picks].sum(axis=1) / counts[picks].sum(axis=1)
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def speaker_eer(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per layer: each scorer's EER (mean, sd and value per fold) and the strongest scorer (lowest mean)."""
    out = {}
    for layer in results[0]["speaker_eer"]:
        scorers = {}
        for name in results[0]["speaker_eer"][layer]:
            values = [r["speaker_eer"][layer][name] for r in results]
            scorers[name] = {"mean": float(np.mean(values)), "sd": float(np.std(values)), "per_fold": values}
        out[layer] = {"scorers": scorers, "strongest": min(scorers, key=lambda n: scorers[n]["mean"])}
    return out


def eer_table(eers: dict[str, dict[str, Any]]) -> str:
    names = list(next(iter(eers.values()))["scorers"])
    lines = ["| layer | " + " | ".join(names) + " | strongest |", "|---|" + "---|" * (len(names) + 1)]
    for layer, found in eers.items():
        cells = [f"{found['scorers'][n]['mean']:.3f} ± {found['scorers'][n]['sd']:.3f}" for n in names]
        lines.append(f"| {layer} | " + " | ".join(cells) + f" | {found['strongest']} |")
    return "\n".join(lines)


def timing(stages: dict[str, float], results: list[dict[str, Any]]) -> str:
    """One line: wall seconds per stage of this run, and seconds per kind of work summed over the folds (the other
    corpus's splice attackers, trained once for every fold, are not in the sums)."""
    fits: dict[str, float] = defaultdict(float)
    for result in results:
        for stage, seconds in result.get("seconds", {}).items():
            fits[stage] += seconds
    walls = ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in stages.items() if stage != "workers")
    summed = ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in fits.items())
    return (f"Time (wall, this run, {stages.get('workers', 1):g} worker process(es)): {walls}. "
            f"Fits summed over the folds (as written, including earlier runs): {summed}.")


def write_report(out: Path, results: list[dict[str, Any]], entries: list[dict[str, Any]], context: dict[str, Any]) -> Path:
    """report.json, report.md (Table 2 per mode at the first layer, T's UAR) and fig3_depth.png."""
    out = Path(out)
    layers = context["settings"]["layers"]
    payload = {**context, "target_uar": [r["target_uar"] for r in results],
               "raw_accuracy": [r["raw_accuracy"] for r in results], "leakage": entries}
    if all("speaker_eer" in r for r in results):
        payload["speaker_eer"] = speaker_eer(results)
    write_text_atomic(out / "report.json", json.dumps(payload, indent=2) + "\n")
    uars = payload["target_uar"]
    lines = ["# Gender inference from intermediate layers (seed 002)", "",
             f"T ({context['settings']['target_arch']}) emotion UAR over folds: {np.mean(uars):.3f} ± {np.std(uars):.3f}", ""]
    modes = [mode for mode in context["settings"]["modes"] if mode in GENDER_MODES]
    for mode in modes:
        lines += [f"## Table 2, {mode}, at {layers[0]}", "", table2(entries, layers[0], mode), "",
                  f"Seed 002's findings, {mode}:", "", findings(entries, layers, mode), ""]
    lines += [f"## Table 3: leakage per emotion, splice, at {layers[0]}", "", table3(entries, layers[0]), ""]
    for mode in modes:
        lines += [f"## Fig. 3 as numbers: {mode}, leakage by depth (A_g)", "",
                  depth_table(entries, layers, mode, ("worst", "s2", "target data")), ""]
    for facet in facets(entries):
        lines += [f"## Leakage by {facet}, splice, at {layers[0]}", "", by_facet(entries, layers[0], facet), ""]
    if "speaker_eer" in payload:
        lines += ["## Speaker verification from each layer (EER; 0.5 = unlinkable, lower = more linkable)", "",
                  eer_table(payload["speaker_eer"]), ""]
    if "seconds" in context:
        lines += [timing(context["seconds"], results), ""]
    if "s4" in context["settings"]["scenarios"]:
        lines += ["S4's attacker is of another family: splice and probe need its shapes at the intercepted layer, "
                  "which an LSTM does not share with a CNN, so S4 has no splice or probe row; the panel trained on "
                  "the other corpus is the attacker that needs no architecture.", ""]
    write_text_atomic(out / "report.md", "\n".join(lines))
    plot_depth(entries, layers, out / "fig3_depth.png")
    return out / "report.json"


def plot_depth(entries: list[dict[str, Any]], layers: list[str], path: Path, mode: str = "splice", scenario: str = "s2") -> None:
    """Seed 002's Fig. 3 (:func:`draw_depth`) into ``path``."""
    save(draw_depth(entries, layers, mode, scenario), path)


def draw_depth(entries: list[dict[str, Any]], layers: list[str], mode: str = "splice", scenario: str = "s2") -> Figure:
    """Seed 002's Fig. 3: leakage ± sd per intercepted layer, one line per attacker, chance dashed (the study's
    first scenario of ``mode`` when it has no ``scenario``)."""
    scenarios = [e["scenario"] for e in entries if e["mode"] == mode]
    scenario = scenario if scenario in scenarios or not scenarios else scenarios[0]
    chosen = [e for e in entries if e["mode"] == mode and e["scenario"] == scenario and e["kind"] == "generic"]
    figure, grid = new_figure(7, 3.5)
    axes = grid[0][0]
    for attacker in dict.fromkeys(e["attacker"] for e in chosen):
        by_layer = {e["layer"]: e for e in chosen if e["attacker"] == attacker}
        xs = [i for i, layer in enumerate(layers) if layer in by_layer]
        ys = [by_layer[layers[i]]["accuracy"] for i in xs]
        axes.errorbar(xs, ys, yerr=[by_layer[layers[i]]["sd"] for i in xs], marker="o", capsize=3, label=attacker)
    if chosen:
        axes.axhline(chosen[0]["chance"], linestyle="--", color="grey", label="chance")
    axes.set_xticks(range(len(layers)), layers)
    axes.set_ylabel("gender leakage L")
    axes.set_title(f"{mode}, {scenario}: leakage by depth")
    if chosen:
        axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure
