"""What the edge encoder costs on the CPU: seconds per fit (one evaluation fold) and per utterance.

Usage (after ``python benchmarks/baseline_table.py emodb`` made runs/baseline-emodb):
    python benchmarks/encoder_cost.py [--run runs/baseline-emodb] [--threads 1]

Fit: the 8 training speakers of one EMO-DB fold (speakers 03 and 08 held out), as the
evaluation does per fold. Inference: the held-out utterances, as one batch and one at a
time (an edge device encodes each utterance as it comes), features already extracted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from emoshield import __version__
from emoshield.features import align_features, read_features
from emoshield.manifest import read_manifest
from emoshield.privacy import AdversarialEncoder, EncoderConfig, autoencoder

CASES: dict[str, Callable[[int], AdversarialEncoder]] = {
    "adversarial (default)": lambda threads: AdversarialEncoder(threads=threads),
    "ae (default)": lambda threads: autoencoder(threads=threads),
    "seed000 network, 2 epochs": lambda threads: AdversarialEncoder(
        config=EncoderConfig.ali(), epochs=2, threads=threads
    ),
}


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The fastest of ``repeats`` wall-clock timings of ``work()`` (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", default="runs/baseline-emodb", help="folder with manifest.csv and features.parquet")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    manifest = read_manifest(f"{args.run}/manifest.csv")
    X = align_features(read_features(f"{args.run}/features.parquet"), manifest)
    held_out = manifest["speaker"].isin(["emodb:03", "emodb:08"]).to_numpy()
    attributes = manifest[["speaker", "gender", "language"]].assign(label=manifest["valence"]).reset_index(drop=True)
    train, test = X[~held_out], X[held_out].astype(np.float32)
    print(f"emoshield {__version__}, {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{args.threads} thread(s); fit on {len(train)} x {X.shape[1]}, inference on {len(test)} utterances\n")
    print("| encoder | epochs | fit (s) | s/epoch | batch inference (ms/utt) | one at a time (ms/utt) |")
    print("|---|---|---|---|---|---|")
    with threadpool_limits(args.threads):
        for name, make in CASES.items():
            encoder = make(args.threads)
            fit = best_of(1 if "seed000" in name else 2, lambda: encoder.fit(train, attributes[~held_out]))
            batch = best_of(5, lambda: encoder.transform(test)) / len(test)
            single = best_of(3, lambda: [encoder.transform(row[None, :]) for row in test]) / len(test)
            print(f"| {name} | {encoder.epochs} | {fit:.1f} | {fit / encoder.epochs:.2f} | {1e3 * batch:.3f} | "
                  f"{1e3 * single:.3f} |", flush=True)
    print(f"\nCommand: python benchmarks/encoder_cost.py --run {args.run} --threads {args.threads}", file=sys.stdout)


if __name__ == "__main__":
    main()
