"""ComParE 2016 extraction throughput: emoshield vs opensmile's own process_files.

Runs, in one process and on the same files: opensmile ``process_files`` with 1
and 2 workers, emoshield ``extract_features`` with 1 worker (no cache), with 2
workers filling a fresh temporary cache, and a rerun reading that cache; each
``--repeats`` times, keeping the best time (the machine may be shared). Prints
a Markdown report: machine, command, files/s and real-time factor (processing
time / audio duration; below 1 is faster than real time), and the largest
difference between emoshield's and opensmile's numbers.

    python benchmarks/extraction.py                      # EMO-DB, all files
    python benchmarks/extraction.py --folder DIR --limit 50
    python benchmarks/extraction.py --manifest manifest.csv
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import opensmile
import pandas as pd
import soundfile as sf

from emoshield import read_manifest
from emoshield.features import FeatureSet, extract_features

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "emodb" / "wav"


def list_files(folder: Path | None, manifest: Path | None, limit: int | None) -> list[str]:
    """WAV files of a folder (sorted) or of a manifest, at most ``limit``."""
    if manifest is not None:
        files = read_manifest(manifest)["file"].tolist()
    else:
        files = sorted(str(p) for p in Path(folder or DEFAULT_FOLDER).glob("*.wav"))
    if not files:
        sys.exit(f"no audio files found in {manifest or folder or DEFAULT_FOLDER}")
    return files[:limit] if limit else files


def best_of(repeats: int, run: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    """Shortest wall time of ``repeats`` runs, and the last run's frame."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        frame = run()
        best = min(best, time.perf_counter() - start)
    return best, frame


def opensmile_run(files: list[str], workers: int) -> pd.DataFrame:
    smile = opensmile.Smile(
        opensmile.FeatureSet.ComParE_2016, opensmile.FeatureLevel.Functionals, num_workers=workers
    )
    frame = smile.process_files(files)
    return frame.droplevel(["start", "end"])


def emoshield_run(files: list[str], workers: int, cache: Path | bool) -> pd.DataFrame:
    result = extract_features(files, FeatureSet.COMPARE2016, workers=workers, cache_dir=cache)
    if result.failures:
        first = result.failures[0]
        print(f"warning: {len(result.failures)} failure(s), e.g. {first}", file=sys.stderr)
    return result.frame


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def machine() -> list[str]:
    return [
        f"- CPUs: {os.cpu_count()} (`platform.processor()`: {platform.processor() or 'n/a'}; "
        f"{platform.machine()}, {platform.system()} {platform.release()})",
        f"- Python {platform.python_version()}, opensmile {opensmile.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="folder of *.wav (default: EMO-DB)")
    parser.add_argument("--manifest", type=Path, help="manifest CSV/Parquet instead")
    parser.add_argument("--limit", type=int, default=None, help="use the first N files only")
    parser.add_argument("--repeats", type=int, default=1, help="runs per row; best time kept")
    args = parser.parse_args(argv)
    files = list_files(args.folder, args.manifest, args.limit)
    audio_seconds = sum(sf.info(f).duration for f in files)
    header = machine()
    rows: list[tuple[str, float]] = []
    frames: dict[str, pd.DataFrame] = {}
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="emoshield-bench-") as folder:
        caches = itertools.count(1)
        cache = Path(folder) / "0"

        def fill() -> pd.DataFrame:
            nonlocal cache
            cache = Path(folder) / str(next(caches))  # a fresh, empty cache each time
            return emoshield_run(files, 2, cache)

        runs: list[tuple[str, Callable[[], pd.DataFrame]]] = [
            ("opensmile `process_files`, 1 worker", lambda: opensmile_run(files, 1)),
            ("opensmile `process_files`, 2 workers (threads)", lambda: opensmile_run(files, 2)),
            ("emoshield, 1 worker, no cache", lambda: emoshield_run(files, 1, False)),
            ("emoshield, 2 workers, filling an empty cache", fill),
            ("emoshield, 2 workers, cached rerun", lambda: emoshield_run(files, 2, cache)),
        ]
        for label, run in runs:
            seconds, frames[label] = best_of(args.repeats, run)
            rows.append((label, seconds))
            print(f"{label}: {seconds:.1f} s", file=sys.stderr)
    load_after = load_average()
    header.append(f"- load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}")
    reference = frames[runs[0][0]].loc[files].to_numpy(np.float64)
    ours = frames[runs[2][0]].loc[files].to_numpy(np.float64)
    scale = np.maximum(np.abs(reference), 1e-6)
    relative = float(np.max(np.abs(ours - reference) / scale))
    command = shlex.join(["python", "benchmarks/extraction.py", *sys.argv[1:]])
    print(f"ComParE 2016 functionals (6373) on {len(files)} files, "
          f"{audio_seconds:.1f} s of audio ({audio_seconds / len(files):.2f} s per file); "
          f"best of {args.repeats} run(s) per row.\n")
    print("\n".join(header))
    print(f"- command: `{command}`\n")
    print("| run | time (s) | files/s | real-time factor | vs opensmile 1 worker |")
    print("|---|---:|---:|---:|---:|")
    base = rows[0][1]
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} | {len(files) / seconds:.1f} | "
              f"{seconds / audio_seconds:.4f} | {base / seconds:.2f}× |")
    print(f"\nLargest relative difference, emoshield vs opensmile `process_files`: {relative:.2g}")


if __name__ == "__main__":
    main()
