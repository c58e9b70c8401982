"""Extraction throughput of every feature set: emoshield beside the plain call it wraps, in one run.

For each ``--sets`` entry, on the same files and in one process: the reference
with 1 and 2 workers (openSMILE's own ``process_files`` for compare2016, egemaps
and is09; for mfcc and logmel, a plain loop of ``soundfile.read`` and the
extractor's numpy computation, 1 worker only), then emoshield's
``extract_features`` with 1 worker (no cache), with 2 workers without a cache
and filling an empty one, and a rerun reading that cache. Each row is the best of ``--repeats``
runs. Prints a Markdown table per set with files/s, the real-time factor
(processing time / audio duration) and the ratios the speed issue names: 2
workers vs 1, emoshield vs the reference at 2 workers, and a cached rerun vs 1
worker. Ratios within one run are what to compare on a shared machine.

    python benchmarks/extraction.py --limit 200                     # EMO-DB, all five sets
    python benchmarks/extraction.py --sets compare2016 --repeats 2
    python benchmarks/extraction.py --manifest manifest.csv --sets mfcc,logmel
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

from emoshield.audio import Audio
from emoshield.backends import Compute
from emoshield.features import FeatureSet, extract_features
from emoshield.features.opensmile_sets import is09_config
from emoshield.features.registry import get_extractor
from emoshield.manifest import read_manifest

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "emodb" / "wav"

#: openSMILE's own configuration for each openSMILE set (the reference emoshield must keep up with).
OPENSMILE = {
    "compare2016": lambda: (opensmile.FeatureSet.ComParE_2016, opensmile.FeatureLevel.Functionals),
    "egemaps": lambda: (opensmile.FeatureSet.eGeMAPSv02, opensmile.FeatureLevel.Functionals),
    "is09": lambda: (str(is09_config()), "lld_all"),
}


def list_files(folder: Path | None, manifest: Path | None, limit: int | None) -> list[str]:
    """WAV files of a folder (sorted) or of a manifest, at most ``limit``."""
    if manifest is not None:
        files = read_manifest(manifest)["file"].tolist()
    else:
        files = sorted(str(p) for p in Path(folder or DEFAULT_FOLDER).glob("*.wav"))
    if not files:
        sys.exit(f"no audio files found in {manifest or folder or DEFAULT_FOLDER}")
    return files[:limit] if limit else files


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """Shortest wall time of ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def reference_runs(name: str, files: list[str]) -> list[tuple[str, Callable[[], object]]]:
    """The plain call emoshield wraps, with 1 and (for openSMILE) 2 workers."""
    if name in OPENSMILE:
        feature_set, level = OPENSMILE[name]()

        def smile(workers: int) -> object:
            return opensmile.Smile(feature_set, level, num_workers=workers).process_files(files)

        return [("openSMILE `process_files`, 1 worker", lambda: smile(1)),
                ("openSMILE `process_files`, 2 workers (threads)", lambda: smile(2))]
    extractor = get_extractor(name)

    def plain() -> object:
        for file in files:
            samples, rate = sf.read(file, dtype="float32")
            extractor._compute(Audio(samples, rate))
        return None

    return [("plain loop: `soundfile.read` + the numpy computation, 1 worker", plain)]


def measure(name: str, files: list[str], repeats: int) -> list[tuple[str, float]]:
    """Seconds per row for one feature set."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="emoshield-bench-") as folder:
        fills = iter(range(1_000_000))
        cache = Path(folder) / "none"

        def fill() -> object:
            nonlocal cache
            cache = Path(folder) / str(next(fills))  # a fresh, empty cache each time
            return extract_features(files, name, Compute(workers=2), cache_dir=cache)

        runs = reference_runs(name, files) + [
            ("emoshield, 1 worker, no cache", lambda: extract_features(files, name, Compute(workers=1), cache_dir=False)),
            ("emoshield, 2 workers, no cache", lambda: extract_features(files, name, Compute(workers=2), cache_dir=False)),
            ("emoshield, 2 workers, filling an empty cache", fill),
            ("emoshield, 2 workers, cached rerun", lambda: extract_features(files, name, Compute(workers=2), cache_dir=cache)),
        ]
        for label, run in runs:
            rows.append((label, best_of(repeats, run)))
            print(f"{name}: {label}: {rows[-1][1]:.2f} s", file=sys.stderr)
    return rows


def table(name: str, rows: list[tuple[str, float]], files: int, audio_seconds: float) -> str:
    times = dict(rows)
    one, two = times["emoshield, 1 worker, no cache"], times["emoshield, 2 workers, filling an empty cache"]
    reference_two = next((s for label, s in rows if "2 workers (threads)" in label), None)
    lines = [f"**{name}**", "", "| run | time (s) | files/s | real-time factor |", "|---|---:|---:|---:|"]
    lines += [f"| {label} | {s:.2f} | {files / s:.1f} | {s / audio_seconds:.4f} |" for label, s in rows]
    no_cache = times["emoshield, 2 workers, no cache"]
    lines += ["", f"2 workers vs 1: {one / two:.2f}× filling a cache, {one / no_cache:.2f}× without"
              + (f"; emoshield vs openSMILE at 2 workers: {reference_two / two:.2f}×" if reference_two else "")
              + f"; cached rerun vs 1 worker: {one / times['emoshield, 2 workers, cached rerun']:.1f}×", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="folder of *.wav (default: EMO-DB)")
    parser.add_argument("--manifest", type=Path, help="manifest CSV/Parquet instead")
    parser.add_argument("--limit", type=int, default=None, help="use the first N files only")
    parser.add_argument("--repeats", type=int, default=1, help="runs per row; best time kept")
    parser.add_argument("--sets", default=",".join(f.value for f in FeatureSet), help="comma-separated feature sets")
    args = parser.parse_args(argv)
    files = list_files(args.folder, args.manifest, args.limit)
    audio_seconds = sum(sf.info(f).duration for f in files)
    load_before = os.getloadavg()[0]
    tables = [table(name, measure(name, files, args.repeats), len(files), audio_seconds) for name in args.sets.split(",")]
    command = shlex.join(["python", "benchmarks/extraction.py", *sys.argv[1:]])
    print(f"{len(files)} files, {audio_seconds:.1f} s of audio; best of {args.repeats} run(s) per row; "
          f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}, "
          f"opensmile {opensmile.__version__}, numpy {np.__version__}, pandas {pd.__version__}; "
          f"load average before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f}; command: `{command}`\n")
    print("\n".join(tables))


if __name__ == "__main__":
    main()
