"""Gender inference from FL updates on a real corpus, with and without defences.

    python benchmarks/fl_attack.py FEATURES MANIFEST OUT [--rounds 20] [--noise 1 4]

Runs the shadow-client attack (emoshield.fl.attack; per update and per client over all
rounds) for: per-speaker standardisation
(the FL default) and pooled standardisation (what a non-federated pipeline does), each
without DP and with distributed DP at the given noise multipliers. Prints its full
command and a table; writes OUT/attack.json.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from emoshield.features import drop_failed, read_features
from emoshield.fl.attack import ALL, run_attack
from emoshield.fl.data import prepare_samples
from emoshield.fl.dp import epsilon_after
from emoshield.fl.settings import settings_from
from emoshield.manifest import read_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("manifest")
    parser.add_argument("out", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--noise", type=float, nargs="*", default=[1.0, 4.0])
    parser.add_argument("--scaling", nargs="*", default=["speaker", "pooled"])
    parser.add_argument("--sketch", type=int, default=256, help="numbers per layer the attacker hashes an update to")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table, _ = drop_failed(read_manifest(args.manifest), args.features)
    frame = read_features(args.features)
    rows = []
    for scaling in args.scaling:
        samples = prepare_samples(frame, table, per_speaker=scaling == "speaker")
        for noise in [0.0, *args.noise]:
            dp = {"mode": "distributed", "noise": noise, "clip": 1.0} if noise else {"mode": "none"}
            settings = settings_from({"rounds": args.rounds, "dp": dp, "attack": {"enabled": True, "sketch": args.sketch}})
            started = time.perf_counter()
            summary = run_attack(samples, settings, args.out / f"{scaling}-z{noise}")
            best = max(summary["per_layer"].items(), key=lambda kv: kv[1]["accuracy"])
            private = summary["n_predictions"] // args.rounds
            rows.append({"scaling": scaling, "noise": noise, "clients": private,
                         "epsilon": epsilon_after(noise, args.rounds, private) if noise else None,
                         "all_layers": summary["per_layer"][ALL], "best_layer": [best[0], best[1]],
                         "per_client": summary["per_client"][ALL],
                         "chance": summary["chance"], "seconds": time.perf_counter() - started, "summary": summary})
            r = rows[-1]
            eps = "-" if r["epsilon"] is None else f"{r['epsilon']:.1f}"
            print(f"{scaling:8s} z={noise:<4} eps={eps:>6}  gender acc all layers {100 * r['all_layers']['accuracy']:.1f} "
                  f"(UAR {100 * r['all_layers']['uar']:.1f}), best layer {best[0]} {100 * best[1]['accuracy']:.1f}, "
                  f"per client over all rounds {100 * r['per_client']['accuracy']:.1f} of {r['per_client']['clients']}, "
                  f"chance {100 * r['chance']:.1f}, {r['seconds']:.0f} s", flush=True)
            (args.out / "attack.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
