"""The defence's frontier: what the strongest attacker falls to at each gradient-reversal strength, and at what cost.

A recipe with ``defences: [0, 0.5, 2]`` runs the study once per strength (T
trained with a gender head through gradient reversal at the first intercepted
layer; every attacker retrained on the defended T) into ``OUT/defence-S``. Per
strength, this module takes T's emotion UAR and, for each mode at the first and
the last intercepted layer (the first and last probed layer for ``probe``), the
strongest attacker of every scenario: the highest gender accuracy, whether the
attacker shares T's training data (seed 002's worst case) or learnt from the
other corpus (the panel on ``other corpus``, which a defence of T's data does
not see coming). ``defence.md`` tabulates them with the scenario that won, and
``defence_frontier.png`` plots UAR against leakage, one line per mode and layer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from emoshield.attacks.settings import StudySettings
from emoshield.figures import label_points, new_figure, save, wrapped
from emoshield.files import write_text_atomic


def frontier_row(strength: float, report: dict[str, Any]) -> dict[str, Any]:
    """T's UAR and the strongest leakage of any scenario per (mode, layer) of one defended study's report."""
    settings = StudySettings(**report["settings"])
    uars = report["target_uar"]
    row: dict[str, Any] = {"strength": strength, "uar": float(np.mean(uars)), "uar_sd": float(np.std(uars)),
                           "leakage": {}}
    for mode in settings.modes:
        layers = settings.probed if mode == "probe" else settings.layers
        for layer in dict.fromkeys((layers[0], layers[-1])):
            entries = [e for e in report["leakage"] if e["mode"] == mode and e["layer"] == layer]
            if entries:
                best = max(entries, key=lambda e: e["accuracy"])
                row["leakage"][f"{mode} {layer}"] = {key: best[key] for key in
                                                     ("accuracy", "ci95", "chance", "attacker", "kind", "scenario")}
    return row


def write_frontier(out: Path, rows: list[dict[str, Any]]) -> Path:
    """defence.json, defence.md and defence_frontier.png in ``out``; the path of defence.md."""
    out = Path(out)
    write_text_atomic(out / "defence.json", json.dumps(rows, indent=2) + "\n")
    columns = list(dict.fromkeys(key for row in rows for key in row["leakage"]))
    lines = ["# The defence: the strongest gender leakage and emotion UAR per gradient-reversal strength", "",
             "| strength | T's emotion UAR | " + " | ".join(f"{c} (strongest)" for c in columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for column in columns:
            entry = row["leakage"].get(column)
            cells.append("–" if entry is None else
                         f"{entry['accuracy']:.2f} [{entry['ci95'][0]:.2f}, {entry['ci95'][1]:.2f}] "
                         f"({entry['attacker']}, {entry['kind']}, {entry.get('scenario', 'worst')})")
        lines.append(f"| {row['strength']:g} | {row['uar']:.3f} ± {row['uar_sd']:.3f} | " + " | ".join(cells) + " |")
    chance = next((e["chance"] for row in rows for e in row["leakage"].values()), None)
    if chance is not None:
        lines += ["", f"Chance (the majority gender's share of the scored utterances): {chance:.2f}."]
    write_text_atomic(out / "defence.md", "\n".join(lines) + "\n")
    save(draw_frontier(rows, columns), out / "defence_frontier.png")
    return out / "defence.md"


def draw_frontier(rows: list[dict[str, Any]], columns: list[str]) -> Figure:
    """T's UAR against the strongest leakage per column (mode and layer), one point per defence strength."""
    figure, grid = new_figure(7.4, 4)
    axes = grid[0][0]
    labels: list[tuple[str, float, float]] = []
    for column in columns:
        points = [(row["leakage"][column]["accuracy"], row["uar"], row["strength"]) for row in rows if column in row["leakage"]]
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=column)
        labels += [(f"{strength:g}", x, y) for x, y, strength in points]
    chance = next((e["chance"] for row in rows for e in row["leakage"].values()), None)
    if chance is not None:
        axes.axvline(chance, linestyle="--", color="grey", label="chance")
    axes.set_xlabel("gender leakage of the strongest attacker, any scenario")
    axes.set_ylabel("T's emotion UAR")
    axes.set_title(wrapped("The defence: gradient reversal at the intercepted layer (labels: strength)", 48))
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    label_points(axes, labels)
    return figure
