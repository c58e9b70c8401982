"""ComParE 2016 extraction throughput: emoshield vs opensmile's own process_files.

Runs, in one process and on the same files: opensmile ``process_files`` with 1
and 2 workers, emoshield ``extract_features`` with 1 worker (no cache), with 2
workers filling a fresh temporary cache, and a rerun reading that cache. Prints
a Markdown report: machine, command, files/s and real-time factor (processing
time / audio duration; below 1 is faster than real time), and the largest
difference between emoshield's and opensmile's numbers.

    python benchmarks/extraction.py                      # EMO-DB, all files
    python benchmarks/extraction.py --folder DIR --limit 50
    python benchmarks/extraction.py --manifest manifest.csv
"""

from __future__ import annotations

import argparse
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


def timed(run: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    start = time.perf_counter()
    frame = run()
    return time.perf_counter() - start, frame


def opensmile_run(files: list[str], workers: int) -> pd.DataFrame:
    smile = opensmile.Smile(
        opensmile.FeatureSet.ComParE_2016, opensmile.FeatureLevel.Functionals, num_workers=workers
    )
    frame = smile.process_files(files)
    return frame.droplevel(["start", "end"])


def emoshield_run(files: list[str], workers: int, cache: Path | bool) -> pd.DataFrame:
    result = extract_features(files, FeatureSet.COMPARE2016, workers=workers, cache_dir=cache)
    if result.failures:
        print(f"warning: {len(result.failures)} failure(s), e.g. {result.failures[0]}", file=sys.stderr)
    return result.frame


def machine() -> list[str]:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        f"- CPUs: {os.cpu_count()} (`platform.processor()`: {platform.processor() or 'n/a'}; "
        f"{platform.machine()}, {platform.system()} {platform.release()})",
        f"- Python {platform.python_version()}, opensmile {opensmile.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}",
        f"- load average (1 min) at start: {load:.2f}",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=None, help="folder of *.wav (default EMO-DB)")
    parser.add_argument("--manifest", type=Path, default=None, help="manifest CSV/Parquet instead")
    parser.add_argument("--limit", type=int, default=None, help="use the first N files only")
    args = parser.parse_args(argv)
    files = list_files(args.folder, args.manifest, args.limit)
    audio_seconds = sum(sf.info(f).duration for f in files)
    header = machine()
    rows: list[tuple[str, float]] = []
    frames: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory(prefix="emoshield-bench-") as cache:
        runs: list[tuple[str, Callable[[], pd.DataFrame]]] = [
            ("opensmile `process_files`, 1 worker", lambda: opensmile_run(files, 1)),
            ("opensmile `process_files`, 2 workers (threads)", lambda: opensmile_run(files, 2)),
            ("emoshield, 1 worker, no cache", lambda: emoshield_run(files, 1, False)),
            ("emoshield, 2 workers, filling an empty cache", lambda: emoshield_run(files, 2, Path(cache))),
            ("emoshield, 2 workers, cached rerun", lambda: emoshield_run(files, 2, Path(cache))),
        ]
        for label, run in runs:
            seconds, frames[label] = timed(run)
            rows.append((label, seconds))
            print(f"{label}: {seconds:.1f} s", file=sys.stderr)
    reference = frames[runs[0][0]].loc[files].to_numpy(np.float64)
    ours = frames[runs[2][0]].loc[files].to_numpy(np.float64)
    scale = np.maximum(np.abs(reference), 1e-6)
    relative = float(np.max(np.abs(ours - reference) / scale))
    command = "python " + " ".join(shlex.quote(a) for a in ["benchmarks/extraction.py", *sys.argv[1:]])
    print(f"ComParE 2016 functionals (6373) on {len(files)} files, "
          f"{audio_seconds:.1f} s of audio ({audio_seconds / len(files):.2f} s per file).\n")
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
