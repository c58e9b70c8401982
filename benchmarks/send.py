"""How long `emoshield send` takes for one file, as a user runs it: a fresh process, start-up included.

On a synthetic corpus (8 speakers x 6 utterances, ComParE 2016) with the default
encoder and cloud built through the CLI, a cloud and an edge (``--accept-audio``)
run on loopback. A device profile is enrolled first (10 files in one call), then
each timed call sends one file in a fresh ``python -m emoshield send`` process:

- ``features``: openSMILE on the device, standardised with the profile, features sent;
- ``audio``: ``--upload-audio``, the edge extracts (the thin-device path; the edge's
  own enrolment of the same user is made first).

Prints, per path, the median and the range of the wall time and the CPU seconds of
the process (user + system), with the machine and the command.

    python benchmarks/send.py [--calls 7]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from serving import TOKENS, build_default_system, note, running_system


def timed_send(edge: str, files: list[Path], profile: Path, *options: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``emoshield send`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "emoshield", "send", *map(str, files), "--edge", edge,
                           "--profile", str(profile), *options],
                          capture_output=True, text=True, env={**os.environ, **TOKENS})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"send failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=7, help="timed single-file sends per path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="emoshield-send-") as folder:
        root = Path(folder)
        corpus, encoder, _ = build_default_system(root)
        wavs = [Path(f) for f in corpus.manifest["file"]]
        rows = []
        with running_system(root, encoder, root / "cloud", root / "audit", "--accept-audio") as (edge, _):
            for path, options in (("features", ()), ("audio", ("--upload-audio",))):
                profile = root / f"{path}-profile.json"
                note(f"{path}: enrolling, then {args.calls} single-file sends")
                timed_send(edge.url, wavs[:10], profile, *options)
                times = [timed_send(edge.url, [wavs[10 + i % 30]], profile, *options) for i in range(args.calls)]
                walls, cpus = [w for w, _ in times], [c for _, c in times]
                rows.append((path, statistics.median(walls), min(walls), max(walls), statistics.median(cpus)))
    print(f"# emoshield send, one file, a fresh process ({datetime.date.today()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()})")
    print(f"# command: python benchmarks/send.py --calls {args.calls}")
    print("| path | wall, median (s) | wall, range (s) | CPU, median (s) |")
    print("|---|---|---|---|")
    for path, median, low, high, cpu in rows:
        print(f"| {path} | {median:.2f} | {low:.2f}-{high:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
