"""Where extraction time goes, piece by piece, on one core: what wraps the feature computation.

For ``--limit`` files of one feature set: the computation alone on signals already
in memory, then each step emoshield adds around it (loading and checking the
audio, hashing the file for the cache key, writing and reading a cache entry,
assembling the frame), and the start-up of a worker process pool (forkserver,
imports, one extractor per worker) beside the start of a thread pool.

    python benchmarks/extraction_overheads.py --limit 200 [--set compare2016]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from emoshield.audio import load_audio
from emoshield.features import extract as extract_module
from emoshield.features.cache import CacheEntry, FeatureCache, file_digest
from emoshield.features.registry import get_extractor
from extraction import list_files  # the sibling script (this folder is on sys.path)


def per_file(label: str, seconds: float, files: int, rows: list) -> None:
    rows.append((label, seconds, 1000 * seconds / files))
    print(f"{label}: {seconds:.2f} s", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--set", default="compare2016")
    args = parser.parse_args()
    files = list_files(args.folder, None, args.limit)
    rows: list[tuple[str, float, float]] = []

    start = time.perf_counter()
    extractor = get_extractor(args.set)
    per_file("extractor set-up (once)", time.perf_counter() - start, len(files), rows)
    start = time.perf_counter()
    audio = [load_audio(f, **extract_module.AUDIO_SETTINGS) for f in files]
    per_file("load and check the audio", time.perf_counter() - start, len(files), rows)
    start = time.perf_counter()
    values = [extractor(a) for a in audio]
    per_file("the feature computation alone", time.perf_counter() - start, len(files), rows)
    start = time.perf_counter()
    digests = [file_digest(f) for f in files]
    per_file("hash each file (cache key)", time.perf_counter() - start, len(files), rows)
    with tempfile.TemporaryDirectory() as folder:
        cache = FeatureCache(folder, extractor.name, {"bench": 1})
        entries = [CacheEntry(v, a.duration, a.notes) for v, a in zip(values, audio)]
        start = time.perf_counter()
        for digest, entry in zip(digests, entries):
            cache.store(digest, entry)
        per_file("write each cache entry", time.perf_counter() - start, len(files), rows)
        start = time.perf_counter()
        for digest in digests:
            cache.load(digest)
        per_file("read each cache entry", time.perf_counter() - start, len(files), rows)
    outcomes = [extract_module._Outcome(f, e) for f, e in zip(files, entries)]
    start = time.perf_counter()
    extract_module._result(extractor, outcomes)
    per_file("assemble the frame", time.perf_counter() - start, len(files), rows)

    start = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=extract_module._context(), initializer=extract_module._init_pool,
                             initargs=(args.set, None)) as pool:
        list(pool.map(extract_module._run_chunk, [[], []]))
    per_file("start 2 worker processes (forkserver, imports, extractors)", time.perf_counter() - start, len(files), rows)
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: get_extractor(args.set), range(2)))
    per_file("start 2 threads with an extractor each", time.perf_counter() - start, len(files), rows)

    print(f"{len(files)} files, {args.set}, one core; command: "
          f"`{shlex.join(['python', 'benchmarks/extraction_overheads.py', *sys.argv[1:]])}`\n")
    print("| step | total (s) | per file (ms) |\n|---|---:|---:|")
    for label, seconds, ms in rows:
        print(f"| {label} | {seconds:.2f} | {ms:.2f} |")


if __name__ == "__main__":
    main()
