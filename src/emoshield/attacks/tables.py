"""The study's tables beside seed 002's numbers: Table 2 (leakage by scenario), Table 3 (by emotion), Table 4
(T on LLDs against T on spectrograms), and the paper's findings checked one by one."""

from __future__ import annotations

from typing import Any

import numpy as np

from emoshield.attacks.settings import KINDS

#: Seed 002, Table 2 (IEMOCAP; T = VGG16 at pool1): (scenario, architecture) -> (A_g, A_a).
PAPER_TABLE2 = {
    ("worst", "vgg"): (0.95, 0.95), ("s1", "vgg"): (0.82, 0.83),
    ("s2", "vgg_deep"): (0.78, 0.84), ("s2", "resnet"): (0.59, 0.55), ("s2", "densenet"): (0.53, 0.52),
    ("s3", "vgg_deep"): (0.73, 0.63), ("s3", "resnet"): (0.63, 0.58), ("s3", "densenet"): (0.51, 0.53),
    ("s4", "lstm"): (0.52, 0.52),
}
#: Seed 002, Table 3 (IEMOCAP): (kind, scenario) -> leakage for anger, happiness, neutral, sadness
#: (attacker VGG16 in S1, ResNet50 in S2 and S3).
PAPER_TABLE3 = {
    ("generic", "s1"): (0.66, 0.86, 0.87, 0.88), ("generic", "s2"): (0.50, 0.56, 0.63, 0.64),
    ("generic", "s3"): (0.63, 0.59, 0.65, 0.62), ("aware", "s1"): (0.69, 0.86, 0.87, 0.89),
    ("aware", "s2"): (0.45, 0.54, 0.61, 0.57), ("aware", "s3"): (0.59, 0.53, 0.62, 0.55),
}
PAPER_EMOTIONS = ("anger", "happiness", "neutral", "sadness")
#: Seed 002, Table 4 (IEMOCAP; A_a at pool1): (scenario, architecture) -> (T on LLDs, T on spectrograms).
PAPER_TABLE4 = {
    ("s2", "resnet"): (0.62, 0.55), ("s2", "densenet"): (0.58, 0.52), ("s3", "resnet"): (0.64, 0.58),
    ("s3", "densenet"): (0.51, 0.52), ("s4", "lstm"): (0.51, 0.52),
}
#: Table 3's attacker per scenario.
TABLE3_ATTACKERS = {"s1": "vgg", "s2": "resnet", "s3": "resnet"}


def table2(entries: list[dict[str, Any]], layer: str, mode: str = "splice") -> str:
    """Seed 002's Table 2 for one mode at one layer, the paper's numbers beside."""
    lines = ["| scenario | attacker | A_g | A_a | paper A_g | paper A_a |", "|---|---|---|---|---|---|"]
    index = {(e["scenario"], e["attacker"], e["kind"]): e for e in entries if e["mode"] == mode and e["layer"] == layer}
    for scenario, attacker in dict.fromkeys((s, a) for s, a, _ in index):
        cells = [_cell(index.get((scenario, attacker, kind))) for kind in KINDS]
        paper = PAPER_TABLE2.get((scenario, attacker))
        beside = [f"{p:.2f}" for p in paper] if paper else ["–", "–"]
        lines.append(f"| {scenario} | {attacker} | {cells[0]} | {cells[1]} | {beside[0]} | {beside[1]} |")
    chance = next((e["chance"] for e in index.values()), None)
    if chance is not None:
        lines.append(f"| chance | | {chance:.2f} | {chance:.2f} | 0.49 | 0.49 |")
    return "\n".join(lines)


def _cell(entry: dict[str, Any] | None) -> str:
    return "–" if entry is None else f"{entry['accuracy']:.2f} ± {entry['sd']:.2f}"


def table3(entries: list[dict[str, Any]], layer: str, mode: str = "splice") -> str:
    """Leakage per emotion of Table 3's attackers (VGG in S1, ResNet in S2 and S3), the paper's four emotions beside."""
    chosen = [e for e in entries if e["mode"] == mode and e["layer"] == layer
              and TABLE3_ATTACKERS.get(e["scenario"]) == e["attacker"]]
    if not chosen:
        return "(no S1-S3 attacker of Table 3 in this study)"
    emotions = sorted({emotion for e in chosen for emotion in e["per_emotion"]})
    lines = ["| kind | scenario | attacker | " + " | ".join(emotions) + " | paper: " + ", ".join(PAPER_EMOTIONS) + " |",
             "|---|---|---|" + "---|" * len(emotions) + "---|"]
    for e in sorted(chosen, key=lambda e: (KINDS.index(e["kind"]), e["scenario"])):
        cells = [f"{e['per_emotion'][m]:.2f}" if m in e["per_emotion"] else "–" for m in emotions]
        paper = PAPER_TABLE3.get((e["kind"], e["scenario"]))
        lines.append(f"| {e['kind']} | {e['scenario']} | {e['attacker']} | " + " | ".join(cells) + " | "
                     + (", ".join(f"{p:.2f}" for p in paper) if paper else "–") + " |")
    return "\n".join(lines)


def table4(llds: list[dict[str, Any]], spectrograms: list[dict[str, Any]], layer: str, mode: str = "splice") -> str:
    """Seed 002's Table 4 for one mode at one layer: each application-aware attacker's leakage when T reads LLDs
    and when it reads spectrograms (two studies' ``leakage`` entries), the paper's numbers beside; empty when
    neither study has an application-aware attacker in ``mode`` (the panel's are generic)."""
    def index(entries: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(e["scenario"], e["attacker"]): e for e in entries
                if e["mode"] == mode and e["layer"] == layer and e["kind"] == "aware"}

    lld, mel = index(llds), index(spectrograms)
    if not lld and not mel:
        return ""
    lines = ["| scenario | attacker (A_a) | LLDs | spectrogram | paper LLDs | paper spectrogram |",
             "|---|---|---|---|---|---|"]
    for key in dict.fromkeys([*lld, *mel]):
        paper = PAPER_TABLE4.get(key)
        beside = [f"{p:.2f}" for p in paper] if paper else ["–", "–"]
        lines.append(f"| {key[0]} | {key[1]} | {_cell(lld.get(key))} | {_cell(mel.get(key))} | {beside[0]} | {beside[1]} |")
    return "\n".join(lines)


def depth_table(entries: list[dict[str, Any]], layers: list[str], mode: str, scenarios: tuple[str, ...]) -> str:
    """Seed 002's Fig. 3 as numbers: generic leakage per intercepted layer, a row per (scenario, attacker)."""
    at = {(e["scenario"], e["attacker"], e["layer"]): e["accuracy"] for e in entries
          if e["mode"] == mode and e["kind"] == "generic" and e["scenario"] in scenarios}
    rows = dict.fromkeys((s, a) for s, a, _ in at)
    lines = ["| scenario | attacker | " + " | ".join(layers) + " |", "|---|---|" + "---|" * len(layers)]
    for scenario, attacker in rows:
        cells = [f"{at[(scenario, attacker, layer)]:.2f}" if (scenario, attacker, layer) in at else "–" for layer in layers]
        lines.append(f"| {scenario} | {attacker} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def facets(entries: list[dict[str, Any]]) -> list[str]:
    """The facets leakage is broken down by besides emotion (``per_intensity`` -> ``intensity``)."""
    return [key.removeprefix("per_") for key in (entries[0] if entries else {})
            if key.startswith("per_") and key not in ("per_fold", "per_emotion")]


def by_facet(entries: list[dict[str, Any]], layer: str, facet: str, mode: str = "splice") -> str:
    """Leakage of every attacker of ``mode`` at ``layer`` broken down by a facet (e.g. RAVDESS's intensity)."""
    chosen = [e for e in entries if e["mode"] == mode and e["layer"] == layer and f"per_{facet}" in e]
    values = sorted({v for e in chosen for v in e[f"per_{facet}"]})
    lines = ["| scenario | attacker | kind | " + " | ".join(values) + " |", "|---|---|---|" + "---|" * len(values)]
    for e in chosen:
        cells = [f"{e[f'per_{facet}'][v]:.2f}" if v in e[f"per_{facet}"] else "–" for v in values]
        lines.append(f"| {e['scenario']} | {e['attacker']} | {e['kind']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def findings(entries: list[dict[str, Any]], layers: list[str], mode: str = "splice") -> str:
    """Seed 002's findings (issue 13's targets) checked on one mode: a line each, with the numbers; on the generic
    attackers, or on the application-aware ones in a study without generic attackers."""
    at = {(e["scenario"], e["attacker"], e["kind"], e["layer"]): e for e in entries if e["mode"] == mode}
    first, last = layers[0], layers[-1]
    kind = "generic" if any(k == "generic" for _, _, k, _ in at) else "aware"
    name = {"generic": "A_g", "aware": "A_a"}[kind]
    lines = []

    def check(claim: str, holds: bool | None, numbers: str) -> None:
        verdict = "not measured" if holds is None else ("holds" if holds else "does not hold")
        lines.append(f"- {claim}: **{verdict}** ({numbers})")

    def value(scenario: str, layer: str = first) -> float | None:
        found = [e["accuracy"] for (s, _, k, l), e in at.items() if s == scenario and k == kind and l == layer]
        return float(np.mean(found)) if found else None

    worst = [e["accuracy"] for (s, _, _, l), e in at.items() if s == "worst" and l == first]
    check("worst case >= 0.90", min(worst) >= 0.90 if worst else None,
          ", ".join(f"{v:.2f}" for v in worst) or "no worst-case attacker")
    worst_g, s1, s2 = value("worst"), value("s1"), value("s2")
    check("worst case > S1", None if worst_g is None or s1 is None else worst_g > s1, f"{name} {_fmt(worst_g)} vs {_fmt(s1)}")
    check("architecture mismatch (S2) hurts more than data mismatch (S1)", None if s1 is None or s2 is None else s2 < s1,
          f"{name}, mean over S2 attackers {_fmt(s2)} vs S1 {_fmt(s1)}")
    gaps = [abs(at[(s, a, "generic", first)]["accuracy"] - at[(s, a, "aware", first)]["accuracy"])
            for (s, a, k, l) in at if k == "generic" and l == first and (s, a, "aware", first) in at]
    check("|A_g - A_a| <= 0.05", max(gaps) <= 0.05 if gaps else None,
          f"largest gap {max(gaps):.2f} over {len(gaps)} attackers" if gaps else "needs both kinds")
    depth = [(a, at[(s, a, kind, first)], at[(s, a, kind, last)]) for (s, a, k, l) in at
             if s in ("s2", "target data") and k == kind and l == first and (s, a, kind, last) in at]
    drops = ", ".join(f"{a} {e1['accuracy']:.2f} -> {e2['accuracy']:.2f}" for a, e1, e2 in depth)
    if first == last:
        check("leakage falls with depth", None, f"one layer ({first}) studied")
    else:
        check(f"leakage falls with depth ({first} - {last} >= 0.05)",
              all(e1["accuracy"] - e2["accuracy"] >= 0.05 - 1e-9 for _, e1, e2 in depth) if depth else None,
              drops or "needs S2 (or the panel on target data) at two layers")
    above = [e for (s, _, k, l), e in at.items() if s in ("s2", "target data") and k == kind]
    check("every layer above chance", all(e["accuracy"] > e["chance"] for e in above) if above else None,
          f"lowest {min(e['accuracy'] for e in above):.2f}, chance {above[0]['chance']:.2f}" if above else "–")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
