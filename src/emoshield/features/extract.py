"""Batch extraction: many files, one feature set, parallel, cached, failures listed."""

from __future__ import annotations

import math
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from emoshield.audio import load_audio
from emoshield.backends import Backend, Compute, ray_cpus, run_unordered
from emoshield.errors import EmoshieldError, FeatureError
from emoshield.features.base import Extractor
from emoshield.features.cache import CacheEntry, FeatureCache, default_cache_dir, file_digest
from emoshield.features.registry import FeatureSet, feature_set_of, get_extractor

#: How every file is loaded before extraction (part of the cache key).
AUDIO_SETTINGS: dict[str, float] = {"target_rate": 16000, "max_seconds": 600.0, "min_seconds": 0.1}

#: ``None``: the default cache folder; ``False``: no cache; a path: that folder.
CacheOption = str | Path | Literal[False] | None


@dataclass
class Failure:
    """A file that gave no features, and why."""

    file: str
    reason: str


@dataclass
class ExtractionResult:
    """Features of the files that worked, the ones that did not, and what loading changed."""

    frame: pd.DataFrame
    failures: list[Failure]
    notes: list[tuple[str, str]]
    cached: int = 0  #: how many files were read from the cache


@dataclass
class _Outcome:
    file: str
    entry: CacheEntry | None
    reason: str = ""
    cached: bool = False


class _Worker:
    """One extractor and cache: turns a file into an outcome, never raising for a bad file."""

    def __init__(self, feature_set: FeatureSet, cache_root: Path | None, digests: dict[str, str] | None = None) -> None:
        self.extractor = get_extractor(feature_set)
        self.cache_root = cache_root
        self.digests = {} if digests is None else digests  # file -> content hash, computed once per run
        settings = {"extractor": self.extractor.settings, "audio": AUDIO_SETTINGS}
        self.cache = FeatureCache(cache_root, self.extractor.name, settings) if cache_root else None

    def lookup(self, file: str) -> _Outcome | None:
        """The file's cached features, a failure if it cannot be read, or None: it must be extracted."""
        if not self.cache:
            return None
        try:
            entry = self.cache.load(self._digest(file))
        except Exception as exc:
            return _Outcome(file, None, _reason(file, exc))
        return _Outcome(file, entry, cached=True) if entry is not None and self._fits(entry) else None

    def run(self, file: str) -> _Outcome:
        """Extract a file that :meth:`lookup` did not find, and cache what it gave."""
        try:
            audio = load_audio(file, **AUDIO_SETTINGS)
            entry = CacheEntry(self.extractor(audio), audio.duration, audio.notes)
            if self.cache:
                self.cache.store(self._digest(file), entry)
            return _Outcome(file, entry)
        except Exception as exc:  # one bad file must not stop the rest
            return _Outcome(file, None, _reason(file, exc))

    def _digest(self, file: str) -> str:
        if file not in self.digests:
            self.digests[file] = file_digest(file)
        return self.digests[file]

    def _fits(self, entry: CacheEntry) -> bool:
        return entry.values.ndim == 2 and entry.values.shape[1] == len(self.extractor.feature_names)


def _reason(file: str, exc: Exception) -> str:
    text = str(exc) if isinstance(exc, EmoshieldError) else f"{type(exc).__name__}: {exc}"
    for prefix in (f"{file}: ", f"{Path(file)}: "):
        text = text.removeprefix(prefix)
    return text


_POOL_WORKER: _Worker | None = None


def _init_pool(feature_set: str, cache_root: Path | None) -> None:
    global _POOL_WORKER
    _POOL_WORKER = _Worker(FeatureSet(feature_set), cache_root)


def _context() -> multiprocessing.context.BaseContext:
    """forkserver (no fork of a threaded parent; imports paid once), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _run_chunk(files: list[str]) -> list[_Outcome]:
    assert _POOL_WORKER is not None, "pool initializer did not run"
    return [_POOL_WORKER.run(f) for f in files]


def _run_chunk_anywhere(setup: tuple[str, Path | None], files: list[str]) -> list[_Outcome]:
    """A chunk on a worker that may not have run the pool initializer (a Ray worker): set up once per process."""
    feature_set, cache_root = setup
    worker = _POOL_WORKER
    if worker is None or worker.extractor.name != feature_set or worker.cache_root != cache_root:
        _init_pool(feature_set, cache_root)
    return _run_chunk(files)


def extract_features(
    files: Sequence[str | Path],
    feature_set: FeatureSet | str,
    compute: Compute = Compute(workers=None),
    cache_dir: CacheOption = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExtractionResult:
    """Extract ``feature_set`` from every file (duplicates once), in input order.

    ``compute``: ``workers`` processes or threads here (default: one per core; 1, or a
    single file, runs in this process), or Ray tasks (on the cluster at its ``address``,
    or a local instance; the cache folder must then be storage every node shares).
    ``cache_dir``: None for :func:`default_cache_dir`, False for no cache.
    ``progress(done, total)`` is called as files finish. Failed files are listed in
    the result; FeatureError only if none succeeds.
    """
    chosen = feature_set_of(feature_set)
    paths = list(dict.fromkeys(str(f) for f in files))
    if not paths:
        raise FeatureError("no audio files given")
    count = compute.workers
    root = None if cache_dir is False else Path(cache_dir or default_cache_dir())
    report = progress or (lambda done, total: None)
    compute.check()
    here = _Worker(chosen, root)
    outcomes: dict[str, _Outcome] = {}

    def finished(batch: list[_Outcome]) -> None:
        outcomes.update((o.file, o) for o in batch)
        report(len(outcomes), len(paths))

    # Cache hits (and unreadable files) never reach a worker: a cached rerun costs a hash and a read per file.
    known = [o for o in map(here.lookup, paths) if o is not None]
    if known:
        finished(known)
    todo = [p for p in paths if p not in outcomes]
    if not todo:
        pass
    elif compute.backend is Backend.RAY:
        _run_chunks(todo, chosen, root, compute, finished)
    elif count == 1 or len(todo) == 1:
        for path in todo:
            finished([here.run(path)])
    elif here.extractor.native:
        _run_threads(todo, chosen, here, count, finished)
    else:
        _run_pool(todo, chosen, root, count, finished)
    return _result(here.extractor, [outcomes[p] for p in paths])


def _run_threads(
    paths: list[str], chosen: FeatureSet, here: _Worker, workers: int, finished: Callable[[list[_Outcome]], None]
) -> None:
    """Threads, one extractor each (the first thread uses ``here``'s), sharing the run's file hashes: for
    extractors whose work runs in native code that releases the GIL; no process start, no pickled results."""
    spare = [here]
    local = threading.local()
    lock = threading.Lock()

    def run(file: str) -> _Outcome:
        if not hasattr(local, "worker"):
            with lock:
                local.worker = spare.pop() if spare else None
            if local.worker is None:
                local.worker = _Worker(chosen, here.cache_root, here.digests)
        return local.worker.run(file)

    with ThreadPoolExecutor(max_workers=min(workers, len(paths))) as pool:
        for future in as_completed([pool.submit(run, path) for path in paths]):
            finished([future.result()])


def _run_pool(
    paths: list[str], chosen: FeatureSet, root: Path | None, workers: int, finished: Callable[[list[_Outcome]], None]
) -> None:
    """Worker processes (forkserver), one extractor each, fed chunks of files."""
    chunks = _chunks(paths, workers)
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=_context(),
        initializer=_init_pool,
        initargs=(chosen.value, root),
    )
    try:
        pending = [pool.submit(_run_chunk, chunk) for chunk in chunks]
        while pending:
            done, waiting = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                finished(future.result())
            pending = list(waiting)
    except BrokenProcessPool as exc:
        raise FeatureError(f"feature worker processes died ({exc})") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_chunks(
    paths: list[str], chosen: FeatureSet, root: Path | None, compute: Compute, finished: Callable[[list[_Outcome]], None]
) -> None:
    """The files in chunks through :func:`emoshield.backends.run_unordered` (the Ray backend), sized by the cluster's CPUs."""
    chunks = _chunks(paths, ray_cpus(compute.address))
    for _, outcomes in run_unordered(_run_chunk_anywhere, chunks, compute, shared=(chosen.value, root)):
        finished(outcomes)


def _chunks(paths: list[str], workers: int) -> list[list[str]]:
    """About four chunks per worker, of 1 to 8 files: few round trips, an even finish."""
    size = max(1, min(8, math.ceil(len(paths) / (workers * 4))))
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def _result(extractor: Extractor, outcomes: list[_Outcome]) -> ExtractionResult:
    good = [(o.file, o.entry) for o in outcomes if o.entry is not None]
    failures = [Failure(o.file, o.reason) for o in outcomes if o.entry is None]
    if not good:
        first = failures[0]
        raise FeatureError(
            f"all {len(failures)} file(s) failed {extractor.name} extraction; "
            f"first: {first.file}: {first.reason}"
        )
    notes = [(file, note) for file, entry in good for note in entry.notes]
    cached = sum(o.cached for o in outcomes)
    return ExtractionResult(_frame(extractor, good), failures, notes, cached)


def _frame(extractor: Extractor, good: list[tuple[str, CacheEntry]]) -> pd.DataFrame:
    files = [file for file, _ in good]
    values = np.vstack([entry.values for _, entry in good])
    if extractor.frame_level:
        times = [extractor.frame_times(len(entry.values), entry.duration) for _, entry in good]
        index = pd.MultiIndex.from_arrays(
            [
                np.repeat(files, [len(starts) for starts, _ in times]),
                np.concatenate([starts for starts, _ in times]),
                np.concatenate([ends for _, ends in times]),
            ],
            names=["file", "start", "end"],
        )
    else:
        index = pd.Index(files, name="file")
    frame = pd.DataFrame(values, index=index, columns=extractor.feature_names)
    frame.attrs["feature_set"] = extractor.name
    return frame
