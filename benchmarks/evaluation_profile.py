"""Where an evaluation's time goes: every fold task of one repeat, timed inside its worker.

    python benchmarks/evaluation_profile.py FEATURES MANIFEST [--methods raw,pca,ae,adversarial] [--workers 2]

Runs the tasks of the Table II protocol (emotion, leakage, identification and
membership folds of each method) exactly as ``emoshield evaluate`` plans them,
and prints, per method and kind of task, how many tasks ran and their total and
mean seconds. Prints its full command first.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import defaultdict

from joblib import Parallel, delayed

from emoshield.evaluation.protocol import Dataset, EvaluationSettings, FoldTask, plan_tasks, run_task
from emoshield.features import align_features, drop_failed, read_features
from emoshield.manifest import read_manifest
from emoshield.types import Target


def timed(data: Dataset, task: FoldTask) -> tuple[str, str, float]:
    started = time.perf_counter()
    run_task(data, task)
    return task.method, task.kind, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("manifest")
    parser.add_argument("--methods", default="raw,pca,ae,adversarial")
    parser.add_argument("--target", default="valence")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    manifest, _ = drop_failed(read_manifest(args.manifest), args.features)
    settings = EvaluationSettings(methods=tuple(args.methods.split(",")), target=Target(args.target), repeats=1)
    data = Dataset.from_manifest(align_features(read_features(args.features), manifest), manifest, settings.target)
    started = time.perf_counter()
    timings = Parallel(n_jobs=args.workers)(delayed(timed)(data, task) for task in plan_tasks(data, settings))
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for method, kind, seconds in timings:
        totals[method, kind].append(seconds)
    print("| method | task | n | total (s) | per task (s) |\n|---|---|---|---|---|")
    for (method, kind), seconds in sorted(totals.items()):
        print(f"| {method} | {kind} | {len(seconds)} | {sum(seconds):.1f} | {sum(seconds) / len(seconds):.2f} |")
    print(f"wall {time.perf_counter() - started:.0f} s with {args.workers} workers", flush=True)


if __name__ == "__main__":
    main()
