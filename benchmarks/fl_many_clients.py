"""Federated learning at scale on this machine: many simulated clients (speakers), time per round, peak memory.

    python benchmarks/fl_many_clients.py [--clients 100] [--rounds 30] [--utterances 6] [--model dnn] [--workers 2]

A synthetic corpus of ``clients + 10`` speakers (the embedded generator), eGeMAPS
functionals, per-speaker standardisation; ``clients`` speakers train federatedly
(every client every round, FedAvg), 10 held-out speakers score the global model
after each round. Flower's Simulation Engine on Ray with ``--workers`` client
actors. Memory is the peak of the summed resident memory of this process and
every process it started (Ray's GCS, raylet and workers), sampled every 0.5 s.
Prints a markdown section with the machine, the command and the results.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from emoshield.backends import Compute
from emoshield.features import extract_features
from emoshield.fl.data import prepare_samples
from emoshield.fl.protocol import federated_plan
from emoshield.fl.settings import settings_from
from emoshield.fl.simulation import simulate
from emoshield.synthetic import SyntheticSpec, generate_corpus

HELD_OUT = 10
PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants_rss(root: int) -> int:
    """Resident bytes of ``root`` and every process descended from it (read from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier += children
    return sum(rss.get(pid, 0) for pid in family)


class PeakMemory:
    """Samples ``descendants_rss`` of this process in a thread; ``peak`` in bytes."""

    def __init__(self, every: float = 0.5) -> None:
        self.every, self.peak = every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, descendants_rss(os.getpid()))
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--utterances", type=int, default=6, help="utterances per speaker")
    parser.add_argument("--model", default="dnn")
    parser.add_argument("--workers", type=int, default=2, help="Ray client actors")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fl-scale-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        speakers = args.clients + HELD_OUT
        manifest = generate_corpus(root / "corpus", SyntheticSpec(n_speakers=speakers, utterances_per_speaker=args.utterances, seed=7))
        frame = extract_features(manifest["file"].tolist(), "egemaps", Compute(workers=2), cache_dir=False).frame
        samples = prepare_samples(frame, manifest)
        prepared = time.perf_counter() - started
        names = np.unique(samples.speakers)
        genders = {s: samples.genders[samples.speakers == s][0] for s in names}
        held = [s for s in names if genders[s] == "female"][: HELD_OUT // 2] + [s for s in names if genders[s] == "male"][: HELD_OUT // 2]
        test = np.flatnonzero(np.isin(samples.speakers, held))
        train = np.flatnonzero(~np.isin(samples.speakers, held))
        settings = settings_from({"model": args.model, "rounds": args.rounds, "workers": args.workers, "hidden": 64})
        plan = federated_plan(samples, train, test, settings, str(samples.save(root / "d.npz")), 0)
        with PeakMemory() as memory:
            started = time.perf_counter()
            outcome = simulate(plan)
            wall = time.perf_counter() - started

    seconds = [r.seconds for r in outcome.rounds]
    answered = [r.results for r in outcome.rounds]
    print("## Federated learning at scale\n")
    print(f"{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}; {os.cpu_count()} cores "
          f"({platform.machine()}), Python {platform.python_version()}; command: "
          f"`python {shlex.join(['benchmarks/fl_many_clients.py', *sys.argv[1:]])}`\n")
    print(f"Synthetic corpus: {speakers} speakers x {args.utterances} utterances (built and eGeMAPS-extracted in "
          f"{prepared:.0f} s); {len(plan.clients)} clients train, {len(held)} held out; model `{args.model}` "
          f"(hidden 64), FedAvg, every client every round, {args.workers} Ray client actors.\n")
    print("| clients | rounds | wall (s) | first round (s) | later rounds, mean (s) | later rounds, max (s) "
          "| clients answering per round | peak memory, all processes (MiB) | held-out UAR, last round |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    later = seconds[1:] or seconds
    print(f"| {len(plan.clients)} | {len(outcome.rounds)} | {wall:.0f} | {seconds[0]:.1f} | {np.mean(later):.2f} | "
          f"{np.max(later):.2f} | {min(answered)}–{max(answered)} | {memory.peak / 2**20:.0f} | "
          f"{100 * outcome.curve[max(outcome.curve)]:.1f} |")


if __name__ == "__main__":
    main()
