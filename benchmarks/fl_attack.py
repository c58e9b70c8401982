"""Gender inference from FL updates on a real corpus, with and without defences.

    python benchmarks/fl_attack.py FEATURES MANIFEST OUT [--rounds 15] [--noise 4] [--folds 4]

Runs the shadow-client attack (emoshield.fl.attack) once per rotation of the
gender-balanced speaker groups: each rotation federates a scored group and a
tuning group (the attacker chooses its view, i.e. sketch size, layer and C, on
the tuning clients) and gives the other groups to the attacker as public shadow
speakers; over the rotations every speaker is scored exactly once. Settings:
without DP and with distributed DP at each ``--noise`` multiplier; per-speaker
standardisation (the system's default) unless ``--scaling`` says otherwise.
Prints its full command, a line per rotation and a table pooled over rotations
(per client: one decision per distinct speaker, 95% Wilson interval); writes
OUT/attack.json after every rotation and skips rotations it already holds.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from pathlib import Path

from emoshield.features import drop_failed, read_features
from emoshield.files import write_text_atomic
from emoshield.fl.attack import run_attack
from emoshield.fl.data import prepare_samples
from emoshield.fl.dp import epsilon_pair
from emoshield.fl.settings import settings_from
from emoshield.manifest import read_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("manifest")
    parser.add_argument("out", type=Path)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--noise", type=float, nargs="*", default=[4.0])
    parser.add_argument("--scaling", nargs="*", default=["speaker"], choices=["speaker", "pooled"])
    parser.add_argument("--folds", type=int, default=4, help="gender-balanced speaker groups (rotations)")
    parser.add_argument("--seed", type=int, default=0, help="speaker groups and training")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    ledger = args.out / "attack.json"
    rows = json.loads(ledger.read_text()) if ledger.exists() else []
    done = {(r["scaling"], r["noise"], r["rotation"]) for r in rows}
    table, _ = drop_failed(read_manifest(args.manifest), args.features)
    frame = read_features(args.features)
    for scaling in args.scaling:
        samples = prepare_samples(frame, table, per_speaker=scaling == "speaker")
        for noise in [0.0, *args.noise]:
            for rotation in range(args.folds):
                if (scaling, noise, rotation) not in done:
                    rows.append(attack_once(samples, args, scaling, noise, rotation))
                    write_text_atomic(ledger, json.dumps(rows, indent=2))
    print(pooled_table(rows, args.rounds), flush=True)


def attack_once(samples, args: argparse.Namespace, scaling: str, noise: float, rotation: int) -> dict:
    """One attacked federated training; prints and returns its row."""
    dp = {"mode": "distributed", "noise": noise, "clip": 1.0} if noise else {"mode": "none"}
    settings = settings_from({"rounds": args.rounds, "seed": args.seed, "dp": dp,
                              "attack": {"enabled": True, "folds": args.folds, "rotation": rotation}})
    started = time.perf_counter()
    summary = run_attack(samples, settings, args.out / f"{scaling}-z{noise}-r{rotation}")
    clients = len(summary["tuning_speakers"]) + len(summary["scored_speakers"])
    row = {"scaling": scaling, "noise": noise, "rotation": rotation, "clients": clients,
           **dict(zip(("epsilon", "epsilon_server"), epsilon_pair(noise, args.rounds, clients) if noise else (None, None))),
           "seconds": time.perf_counter() - started, "summary": summary}
    chosen, update, client = summary["chosen"], summary["per_update"], summary["per_client"]
    print(f"{scaling:8s} z={noise:<4} rotation {rotation}: chose {view_name(chosen)}; "
          f"scored per update {100 * update['accuracy']:.1f} ({update['n']}), per client {client['correct']}/{client['n']}, "
          f"chance {100 * summary['chance']:.1f}, {row['seconds']:.0f} s", flush=True)
    return row


def pooled_table(rows: list[dict], rounds: int) -> str:
    """Per (scaling, noise): scored decisions pooled over rotations, each speaker once, with a 95% Wilson interval."""
    lines = ["| standardisation | DP | ε released / against the server | per update | per client: correct / speakers | "
             "95% interval | views chosen |", "|---|---|---|---|---|---|---|"]
    for scaling, noise in dict.fromkeys((r["scaling"], r["noise"]) for r in rows):
        group = [r for r in rows if r["scaling"] == scaling and r["noise"] == noise]
        decisions = [d for r in group for d in r["summary"]["decisions"]]
        speakers = {d["speaker"] for d in decisions}
        if len(speakers) != len(decisions):
            raise ValueError(f"{scaling} z={noise}: a speaker was scored twice; intervals need distinct speakers")
        correct = sum(d["gender"] == d["guess"] for d in decisions)
        updates = sum(r["summary"]["per_update"]["correct"] for r in group)
        n_updates = sum(r["summary"]["per_update"]["n"] for r in group)
        low, high = wilson(correct, len(decisions))
        eps = "–" if not noise else f"{group[0]['epsilon']:.1f} / {group[0]['epsilon_server']:.1f}"
        views = "; ".join(view_name(r["summary"]["chosen"]) for r in group)
        lines.append(f"| {scaling} | {'none' if not noise else f'distributed, z = {noise:g}'} | {eps} | "
                     f"{100 * updates / n_updates:.1f} | {correct} / {len(decisions)} ({100 * correct / len(decisions):.1f}) | "
                     f"{100 * low:.0f}–{100 * high:.0f} | {views} |")
    lines.append(f"\n{rounds} rounds; ε with δ = 1e-5, every client every round.")
    return "\n".join(lines)


def view_name(chosen: dict) -> str:
    rounds = f"first {chosen['first_rounds']} rounds" if chosen["first_rounds"] else "all rounds"
    return f"{chosen['layer']} @ {chosen['sketch']}, C={chosen['c']:g}, {rounds}"


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


if __name__ == "__main__":
    main()
