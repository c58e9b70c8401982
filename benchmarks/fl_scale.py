"""Scale: every speaker of a corpus is a client (RAVDESS: 24) for N rounds in one Flower simulation.

    python benchmarks/fl_scale.py FEATURES MANIFEST OUT [--rounds 50] [--model dnn] [--workers 1]

Each client trains on 70 % of its utterances; the server evaluates the global model
after every round on the other 30 % of every speaker (speaker-dependent, seed 003's
split, since no speaker is left to hold out). Prints its full command; writes OUT/scale.json
with wall time, time per round, peak memory and UAR per round.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

from emoshield.features import drop_failed, read_features
from emoshield.fl.centralised import speaker_dependent_split
from emoshield.fl.data import prepare_samples
from emoshield.fl.plan import FederatedPlan
from emoshield.fl.protocol import peak_memory_mb
from emoshield.fl.settings import settings_from
from emoshield.fl.simulation import simulate
from emoshield.manifest import read_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("manifest")
    parser.add_argument("out", type=Path)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--model", default="dnn")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table, _ = drop_failed(read_manifest(args.manifest), args.features)
    samples = prepare_samples(read_features(args.features), table)
    train, test = speaker_dependent_split(samples, seed=0)
    clients = sorted(set(samples.speakers.tolist()))
    data_path = str(samples.subset(train).save(args.out / "client_data.npz").resolve())
    settings = settings_from({"model": args.model, "rounds": args.rounds, "workers": args.workers})
    plan = FederatedPlan(settings, data_path, clients, samples.subset(test), samples.n_features, len(samples.classes))
    started = time.perf_counter()
    outcome = simulate(plan)
    wall = time.perf_counter() - started
    seconds = [r.seconds for r in outcome.rounds]
    result = {
        "clients": len(clients), "rounds": args.rounds, "model": args.model, "wall_seconds": wall,
        "seconds_per_round": sum(seconds[1:]) / max(len(seconds) - 1, 1), "first_round_seconds": seconds[0],
        "peak_memory_mb": peak_memory_mb(), "final_uar": outcome.curve[args.rounds],
        "uar_per_round": outcome.curve, "log": [asdict(r) for r in outcome.rounds],
    }
    (args.out / "scale.json").write_text(json.dumps(result, indent=2))
    print(f"{len(clients)} clients x {args.rounds} rounds: {wall:.0f} s wall, {result['seconds_per_round']:.2f} s/round "
          f"(first round {seconds[0]:.1f} s), peak memory {result['peak_memory_mb']:.0f} MB, "
          f"final UAR (held-out 30 %) {100 * result['final_uar']:.1f}")


if __name__ == "__main__":
    main()
