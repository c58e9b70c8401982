"""How fast the McAdams anonymiser runs over a corpus, as ``emoshield anonymise`` runs it.

Anonymises every file of a corpus (default: EMO-DB's 535 files) with ``mcadams(alpha=0.8)`` and with
``mcadams(alpha=random)`` into a fresh temporary folder (no resume), in ``--workers`` processes, and prints the
wall time, the audio's duration, the real-time factor (processing seconds per second of audio, on the wall
clock) and the files per second, with the machine and the command.

    python benchmarks/anonymise.py [--corpus emodb --root ../shared/corpora/emodb] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import soundfile as sf

from emoshield.anonymise.batch import anonymise_files
from emoshield.anonymise.spec import parse_anonymiser
from emoshield.backends import Compute
from emoshield.corpora import load_corpus

SETTINGS = ("mcadams(alpha=0.8)", "mcadams(alpha=random)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="emodb")
    parser.add_argument("--root", default="../shared/corpora/emodb")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    files = load_corpus(args.corpus, args.root).manifest["file"].tolist()
    seconds = sum(sf.info(f).duration for f in files)
    print(f"# McAdams anonymisation of {args.corpus} ({len(files)} files, {seconds:.0f} s of audio; "
          f"{datetime.date.today()}, {platform.machine()}, {os.cpu_count()} CPUs, {args.workers} workers, "
          f"Python {platform.python_version()})\n")
    print("| anonymiser | wall s | real-time factor | files/s | failed |")
    print("|---|---|---|---|---|")
    for spec in SETTINGS:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            outcomes = anonymise_files(files, parse_anonymiser(spec), Path(folder), Compute(workers=args.workers))
            wall = time.perf_counter() - started
        failed = sum(bool(o.reason) for o in outcomes)
        print(f"| {spec} | {wall:.1f} | {wall / seconds:.4f} | {len(files) / wall:.1f} | {failed} |")
    print(f"\ncommand: python benchmarks/anonymise.py --corpus {args.corpus} --root {args.root} --workers {args.workers}")


if __name__ == "__main__":
    main()
