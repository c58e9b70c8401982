"""Gender inference from FL updates on a real corpus, with and without defences.

    python benchmarks/fl_attack.py FEATURES MANIFEST OUT [--rounds 20] [--noise 1 4]

Runs the shadow-client attack (emoshield.fl.attack; per update and per client over all
rounds) for: per-speaker standardisation
(the FL default) and pooled standardisation (what a non-federated pipeline does), each
without DP and with distributed DP at the given noise multipliers. Prints its full
command, a line per run and a table pooled over ``--seeds`` (per-client decisions with
a 95% Wilson interval: with 12 private clients per run one seed says little); writes
OUT/attack.json.
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
from emoshield.fl.attack import ALL, run_attack
from emoshield.fl.data import prepare_samples
from emoshield.fl.dp import PrivacyLedger
from emoshield.fl.settings import AttackConfig, settings_from
from emoshield.manifest import read_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("manifest")
    parser.add_argument("out", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--noise", type=float, nargs="*", default=[1.0, 4.0])
    parser.add_argument("--scaling", nargs="*", default=["speaker", "pooled"])
    parser.add_argument("--sketch", type=int, default=AttackConfig().sketch,
                        help="numbers per layer the attacker hashes an update to")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0],
                        help="public/private splits and training seeds; per-client results pool over them")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table, _ = drop_failed(read_manifest(args.manifest), args.features)
    frame = read_features(args.features)
    rows = []
    for scaling in args.scaling:
        samples = prepare_samples(frame, table, per_speaker=scaling == "speaker")
        for noise in [0.0, *args.noise]:
            for seed in args.seeds:
                rows.append(attack_once(samples, args, scaling, noise, seed))
                (args.out / "attack.json").write_text(json.dumps(rows, indent=2))
    print(pooled_table(rows), flush=True)


def epsilons(noise: float, rounds: int, clients: int) -> tuple[float | None, float | None]:
    """ε for the released model and against the server (distributed DP, no SecAgg+), every client every round."""
    if not noise:
        return None, None
    ledger = PrivacyLedger(noise, clients, clients, 1e-5, secagg=False)
    for _ in range(rounds):
        ledger.compose(clients)
    return ledger.release, ledger.server


def attack_once(samples, args: argparse.Namespace, scaling: str, noise: float, seed: int) -> dict:
    """One attacked federated training; prints and returns its row."""
    dp = {"mode": "distributed", "noise": noise, "clip": 1.0} if noise else {"mode": "none"}
    settings = settings_from({"rounds": args.rounds, "seed": seed, "dp": dp,
                              "attack": {"enabled": True, "sketch": args.sketch}})
    started = time.perf_counter()
    summary = run_attack(samples, settings, args.out / f"{scaling}-z{noise}-s{seed}")
    best = max(summary["per_layer"].items(), key=lambda kv: kv[1]["accuracy"])
    private = summary["n_predictions"] // args.rounds
    row = {"scaling": scaling, "noise": noise, "seed": seed, "clients": private,
           **dict(zip(("epsilon", "epsilon_server"), epsilons(noise, args.rounds, private))),
           "all_layers": summary["per_layer"][ALL], "best_layer": [best[0], best[1]],
           "per_client": summary["per_client"][ALL],
           "chance": summary["chance"], "seconds": time.perf_counter() - started, "summary": summary}
    eps = "-" if row["epsilon"] is None else f"{row['epsilon']:.1f} (server {row['epsilon_server']:.1f})"
    print(f"{scaling:8s} z={noise:<4} seed={seed} eps={eps:>6}  gender acc all layers "
          f"{100 * row['all_layers']['accuracy']:.1f} (UAR {100 * row['all_layers']['uar']:.1f}), best layer "
          f"{best[0]} {100 * best[1]['accuracy']:.1f}, per client over all rounds "
          f"{100 * row['per_client']['accuracy']:.1f} of {row['per_client']['clients']}, "
          f"chance {100 * row['chance']:.1f}, {row['seconds']:.0f} s", flush=True)
    return row


def pooled_table(rows: list[dict]) -> str:
    """Per (scaling, noise): per-update accuracy (mean over seeds), per-client accuracy pooled, 95% Wilson interval."""
    lines = ["| standardisation | z | seeds | per update (all layers) | per client: correct / clients | 95% interval |",
             "|---|---|---|---|---|---|"]
    for scaling, noise in dict.fromkeys((r["scaling"], r["noise"]) for r in rows):
        group = [r for r in rows if r["scaling"] == scaling and r["noise"] == noise]
        clients = sum(r["per_client"]["clients"] for r in group)
        correct = round(sum(r["per_client"]["accuracy"] * r["per_client"]["clients"] for r in group))
        low, high = wilson(correct, clients)
        per_update = sum(r["all_layers"]["accuracy"] for r in group) / len(group)
        lines.append(f"| {scaling} | {noise:g} | {len(group)} | {100 * per_update:.1f} | {correct} / {clients} "
                     f"({100 * correct / clients:.1f}) | {100 * low:.0f}–{100 * high:.0f} |")
    return "\n".join(lines)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


if __name__ == "__main__":
    main()
