"""What the Ray backend costs on one machine: the same work local and on Ray, side by side in one run.

Two jobs, each run by both backends with 2 CPUs: feature extraction (no cache)
and an evaluation (fold fits, no checkpoints). Ray runs on a private local
instance started once before the timings (its start is reported apart). The
ratio Ray / local is the overhead a cluster has to beat; results are checked
equal.

    python benchmarks/ray_backend.py FEATURES MANIFEST [--methods raw,speaker_norm] [--repeats 1] [--files 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time

import numpy as np

from emoshield.backends import Compute, start_ray
from emoshield.evaluation import EvaluationSettings, evaluate_methods
from emoshield.features import align_features, extract_features, read_features
from emoshield.manifest import read_manifest


def timed(work):
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("manifest")
    parser.add_argument("--methods", default="raw,speaker_norm")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--files", type=int, default=100, help="files for the extraction job")
    parser.add_argument("--set", default="compare2016", help="feature set for the extraction job")
    args = parser.parse_args()

    manifest = read_manifest(args.manifest)
    X = align_features(read_features(args.features), manifest)
    files = manifest["file"].tolist()[: args.files]
    start_seconds, _ = timed(start_ray)
    rows = []
    for backend in ("local", "ray"):
        seconds, extracted = timed(lambda: extract_features(files, args.set, Compute(backend=backend, workers=2), cache_dir=False))
        rows.append(("extraction", backend, seconds, extracted.frame.to_numpy()))
    settings = dict(methods=tuple(args.methods.split(",")), repeats=args.repeats, workers=2)
    for backend in ("local", "ray"):
        seconds, results = timed(lambda: evaluate_methods(X, manifest, EvaluationSettings(**settings, backend=backend)))
        rows.append(("evaluation", backend, seconds, [r.metrics for r in results]))

    command = shlex.join(["python", "benchmarks/ray_backend.py", *sys.argv[1:]])
    print(f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}; "
          f"Ray start (once, not in the rows): {start_seconds:.1f} s; command: `{command}`\n")
    print("| job | local (s) | Ray (s) | Ray / local | identical |")
    print("|---|---:|---:|---:|---|")
    for job in ("extraction", "evaluation"):
        (_, _, local, a), (_, _, ray, b) = [r for r in rows if r[0] == job]
        same = np.array_equal(a, b) if job == "extraction" else a == b
        what = f"{len(files)} files, {args.set}" if job == "extraction" else f"{args.methods}, {args.repeats} repeat(s)"
        print(f"| {job} ({what}) | {local:.1f} | {ray:.1f} | {ray / local:.2f} | {'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
