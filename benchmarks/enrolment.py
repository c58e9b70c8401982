"""Privacy and utility against the enrolment a device has: k utterances per speaker, and their composition.

Usage (features and manifest from `emoshield features extract` / `corpus manifest`):
    python benchmarks/enrolment.py runs/data/emodb.parquet runs/data/emodb.csv OUT \
        --methods speaker_norm,adversarial --sizes all,2,5,10,20 --compositions neutral,one-valence --repeats 5

Each enrolment setting is one evaluation into OUT/<setting>/ (report.json, report.md, plots;
finished fold fits kept in its checkpoints, so a rerun resumes). ``raw`` does not read speaker
statistics, so it is evaluated once (OUT/raw) and shown beside every setting. ``all`` is the first
protocol (statistics from every released utterance of the speaker, the scored ones included).
Compositions other than random are run at k = 10. Writes OUT/enrolment.md (the table: UAR, gender,
speaker ID, same-gender EER, membership per method and setting) and OUT/enrolment.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import replace
from pathlib import Path

from emoshield.evaluation import EvaluationSettings
from emoshield.evaluation.enrolment import EnrolmentSettings
from emoshield.evaluation.report import markdown_table
from emoshield.features import read_features
from emoshield.manifest import read_manifest
from emoshield.reporting import evaluate_to_report

COLUMNS = ("emotion_uar", "gender_leakage", "speaker_id_acc", "speaker_eer", "membership_auc")


def settings_to_run(sizes: list[str], compositions: list[str], at: int) -> list[tuple[str, EnrolmentSettings]]:
    """(name, enrolment) per row: every size at random, every other composition at ``at`` utterances."""
    rows = [(f"k={size}" if size != "all" else "all", EnrolmentSettings.parse(size)) for size in sizes]
    rows += [(f"k={at} {c}", EnrolmentSettings.parse(at, c)) for c in compositions]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("features", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--methods", default="speaker_norm,adversarial")
    parser.add_argument("--sizes", default="all,2,5,10,20")
    parser.add_argument("--compositions", default="neutral,one-valence")
    parser.add_argument("--at", type=int, default=10, help="enrolment size of the composition rows")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--emotion-folds", type=int, default=None)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    frame, manifest = read_features(args.features), read_manifest(args.manifest)
    methods = tuple(m for m in args.methods.split(",") if m)
    common = EvaluationSettings.from_recipe(dict(repeats=args.repeats, emotion_folds=args.emotion_folds or 0,
                                                 workers=args.workers))
    runs = [("none", replace(common, methods=("raw",)))]
    runs += [(name, replace(common, methods=methods, enrolment=enrolment))
             for name, enrolment in settings_to_run(args.sizes.split(","), [c for c in args.compositions.split(",") if c], args.at)]
    rows, seconds = [], {}
    for name, settings in runs:
        start = time.perf_counter()
        results = evaluate_to_report(frame, manifest, args.features, settings, args.out / name.replace(" ", "-").replace("=", ""))
        seconds[name] = time.perf_counter() - start
        rows += [replace(result, method=f"{result.method}, enrolment {name}") for result in results]
    table = markdown_table(rows)
    machine = f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}"
    text = table + f"\n\n{machine}; seconds per setting: " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items())
    (args.out / "enrolment.md").write_text(text + "\n")
    summary = [{"method": r.method, **{c: r.metrics[c].as_dict() for c in COLUMNS if c in r.metrics}} for r in rows]
    (args.out / "enrolment.json").write_text(json.dumps({"rows": summary, "seconds": seconds, "machine": machine}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
