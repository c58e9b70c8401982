"""Loopback run of Flower's Deployment Engine: a SuperLink and two SuperNodes as separate processes.

    python benchmarks/fl_deployment.py [--rounds 3] [--keep DIR]

The run itself is ``emoshield.fl.loopback.run_loopback`` (also run by
tests/fl/test_deployment.py): a tiny synthetic corpus, 2 speakers as clients on
two SuperNodes, 2 held out, ``flwr run`` against the SuperLink. This script times
it and prints the round log. Prints its full command first.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

from emoshield.fl.loopback import run_loopback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds before `flwr run` is stopped")
    parser.add_argument("--keep", type=Path, default=None, help="keep logs here instead of a temporary folder")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=False)
        result = run_loopback(args.keep, args.rounds, args.deadline)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = run_loopback(Path(tmp), args.rounds, args.deadline)
    rounds = result["rounds"]
    print(f"rounds: {len(rounds)}, results per round: {[r['results'] for r in rounds]}, "
          f"held-out UAR per round: {[round(v, 3) for v in result['uar_per_round'].values()]}, "
          f"flwr run took {result['seconds']:.1f} s")


if __name__ == "__main__":
    main()
