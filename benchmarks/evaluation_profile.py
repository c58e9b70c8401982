"""Where an evaluation's time goes: every fold task, timed stage by stage inside its worker.

    python benchmarks/evaluation_profile.py FEATURES MANIFEST [--methods raw,pca,ae,adversarial] [--repeats 1] [--workers 2]

Runs the tasks of the protocol exactly as ``emoshield evaluate`` plans them
(emotion folds; privacy splits, each one method fit serving leakage,
linkability and membership) and prints, per method and stage, the total and
mean seconds, then the wall time. Prints its full command first.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import defaultdict

from joblib import Parallel, delayed

from emoshield.evaluation.data import Dataset
from emoshield.evaluation.fold import run_task
from emoshield.evaluation.plan import EvaluationSettings, make_plan
from emoshield.features import align_features, drop_failed, read_features
from emoshield.manifest import read_manifest
from emoshield.types import Target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("manifest")
    parser.add_argument("--methods", default="raw,pca,ae,adversarial")
    parser.add_argument("--target", default="valence")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    manifest, _ = drop_failed(read_manifest(args.manifest), args.features)
    settings = EvaluationSettings(methods=tuple(args.methods.split(",")), target=Target(args.target), repeats=args.repeats)
    data = Dataset.from_manifest(align_features(read_features(args.features), manifest), manifest, settings.target)
    tasks = make_plan(data, settings).tasks
    started = time.perf_counter()
    outputs = Parallel(n_jobs=args.workers)(delayed(run_task)(data, task) for task in tasks)
    wall = time.perf_counter() - started
    totals: dict[tuple[str, str], list[float]] = defaultdict(list)
    for task, output in zip(tasks, outputs):
        for stage, seconds in output["seconds"].items():
            totals[task.method, stage].append(seconds)
    print("| method | stage | tasks | total (s) | per task (s) |\n|---|---|---|---|---|")
    for (method, stage), seconds in sorted(totals.items()):
        print(f"| {method} | {stage} | {len(seconds)} | {sum(seconds):.1f} | {sum(seconds) / len(seconds):.2f} |")
    print(f"{len(tasks)} tasks, wall {wall:.0f} s with {args.workers} workers", flush=True)


if __name__ == "__main__":
    main()
