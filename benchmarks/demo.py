"""How long the README's first command takes after the install: `emoshield demo`, timed as a user runs it.

    python benchmarks/demo.py [OUT] [-- extra demo options]

Runs `emoshield demo -o OUT` in a fresh process (so start-up counts), and prints the
wall time, the CPU seconds of the process and its children, and the stages the
demo recorded (corpus, features, evaluation; report.json ``timing_seconds``), with
the machine and the command. OUT is emptied first (default: a temporary folder),
and the feature cache is a fresh empty folder, as on a new machine.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    positional = args[:args.index("--")] if "--" in args else args
    out = Path(positional[0]) if positional else Path(tempfile.mkdtemp(prefix="emoshield-demo-"))
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "emoshield", "demo", "-o", str(out), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    cache = tempfile.mkdtemp(prefix="emoshield-cache-")  # a fresh machine's empty feature cache
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "EMOSHIELD_CACHE": cache})
    shutil.rmtree(cache, ignore_errors=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stages = json.loads((out / "report" / "report.json").read_text()).get("timing_seconds", {})
    print(done.stdout)
    print(f"{datetime.date.today()}, {os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}; "
          f"command: {shlex.join(['emoshield', *command[3:]])}")
    print(f"wall {wall:.0f} s, CPU {cpu:.0f} s; stages (wall): "
          + ", ".join(f"{stage} {seconds:.0f} s" for stage, seconds in stages.items()))


if __name__ == "__main__":
    main()
