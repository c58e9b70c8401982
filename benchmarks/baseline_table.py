"""Seed 000 Table II baseline rows (raw ComParE, PCA) on real corpora, with timings.

Usage (from the project root, with ../shared beside it):
    python benchmarks/baseline_table.py emodb
    python benchmarks/baseline_table.py ravdess
    python benchmarks/baseline_table.py emodb+ravdess     # two languages: de vs en
Writes runs/baseline-<name>/ (manifest, features, report.*) and prints a Markdown block for BENCHMARKS.md.
With --resume, finished fold fits are kept in OUT/checkpoints and reused by a rerun; the evaluation
time then counts only the fits this run made, and the report says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

from emoshield import __version__
from emoshield.backends import Compute
from emoshield.corpora import load_corpus
from emoshield.evaluation import EvaluationSettings, evaluate_methods, write_report
from emoshield.evaluation.report import markdown_table
from emoshield.features import align_features, extract_features, write_features
from emoshield.manifest import write_manifest

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpora", help="emodb, ravdess, or several joined by '+'")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--methods", default="raw,pca")
    parser.add_argument("--emotion-folds", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--resume", action="store_true", help="keep fold fits in OUT/checkpoints and reuse them")
    args = parser.parse_args()

    names = args.corpora.split("+")
    out = args.out or Path("runs") / f"baseline-{args.corpora}"
    manifest = pd.concat([load_corpus(n, CORPORA / n).manifest for n in names], ignore_index=True)
    write_manifest(manifest, out / "manifest.csv")

    start = time.perf_counter()
    extraction = extract_features(manifest["file"].tolist(), "compare2016", Compute(workers=os.cpu_count()))
    extract_seconds = time.perf_counter() - start
    write_features(extraction.frame, out / "features.parquet")
    if extraction.failures:
        sys.exit(f"{len(extraction.failures)} files failed extraction, first: {extraction.failures[0]}")
    X = align_features(extraction.frame, manifest)

    settings = EvaluationSettings(
        methods=tuple(args.methods.split(",")),
        repeats=args.repeats,
        emotion_folds=args.emotion_folds,
        workers=os.cpu_count() or 1,
    )
    start = time.perf_counter()
    results = evaluate_methods(X, manifest, settings, checkpoints=out / "checkpoints" if args.resume else None)
    evaluate_seconds = time.perf_counter() - start
    context = {
        "data": {
            "corpora": names,
            "feature_set": "compare2016",
            "n_features": int(X.shape[1]),
            "n_utterances": len(manifest),
            "n_speakers": int(manifest["speaker"].nunique()),
        },
        "settings": settings.describe(),
        "timing_seconds": {"extract": extract_seconds, "evaluate": evaluate_seconds},
        "resumable": args.resume,  # True: the evaluate time may exclude fits read from checkpoints
    }
    write_report(out, results, context)
    print(f"### {args.corpora}: {len(manifest)} utterances, {manifest['speaker'].nunique()} speakers\n")
    print(markdown_table(results))
    print("\nFit seconds per method and stage (summed over fold tasks, inside the workers):\n")
    stages = sorted({stage for per in results.seconds.values() for stage in per})
    print("| method | " + " | ".join(stages) + " |\n|---|" + "---|" * len(stages))
    for method, per in results.seconds.items():
        print(f"| {method} | " + " | ".join(f"{per.get(stage, 0):.0f}" for stage in stages) + " |")
    print(
        f"\nemoshield {__version__}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"extraction {extract_seconds:.0f} s ({extraction.cached} of {len(manifest)} from cache), "
        f"evaluation {evaluate_seconds:.0f} s for {len(settings.methods)} methods x {args.repeats} repeats"
        + (" (this run's fits only: --resume)" if args.resume else "") + ".\n"
        f"Command: python benchmarks/baseline_table.py {args.corpora} --methods {args.methods} "
        f"--repeats {args.repeats}" + (f" --emotion-folds {args.emotion_folds}" if args.emotion_folds else "")
    )


if __name__ == "__main__":
    main()
