"""FL benchmarks on a real corpus: each run is one `emoshield fl run`; a summary table at the end.

    python benchmarks/fl_suite.py SUITE FUNCTIONALS MFCC MANIFEST OUT [--rounds N] [--folds K]

Suites: ``models`` (dnn on functionals, cnn and lstm on MFCC: federated vs centralised),
``dp`` (ε vs UAR for noise multipliers ``--noise``, default 0.5-4, distributed DP, clip ``--clip``;
the model as ``--extra '--model linear'``), ``attack`` (gender
inference from updates without DP, with distributed DP at two noise levels).
Prints the full command of every run; writes OUT/summary.json and OUT/summary.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

EMOSHIELD = str(Path(sys.executable).parent / "emoshield")


def runs(suite: str, functionals: str, mfcc: str, noises: list[float], clip: float) -> dict[str, list[str]]:
    """Run name -> the options after ``emoshield fl run FEATURES MANIFEST``."""
    if suite == "models":
        return {"dnn": [functionals, "--model", "dnn"], "cnn": [mfcc, "--model", "cnn"], "lstm": [mfcc, "--model", "lstm"]}
    if suite == "dp":
        return {f"dp-z{z}": [functionals, "--dp", "distributed", "--noise", str(z), "--clip", str(clip), "--no-baselines"]
                for z in noises} | {"no-dp": [functionals, "--no-baselines"]}
    if suite == "attack":
        base = [functionals, "--attack", "--no-baselines", "--folds", "2"]
        return {"attack-no-dp": base, "attack-dp-z1": [*base, "--dp", "distributed", "--noise", "1.0", "--clip", "1.0"],
                "attack-dp-z4": [*base, "--dp", "distributed", "--noise", "4.0", "--clip", "1.0"]}
    raise SystemExit(f"unknown suite {suite!r}: models, dp or attack")


def summarise(name: str, report: dict, seconds: float) -> dict:
    results = {r["method"]: r["metrics"]["uar"]["mean"] for r in report["results"]}
    spread = {r["method"]: r["metrics"]["uar"].get("sd") for r in report["results"]}
    rounds = report["rounds"]
    attack = report.get("attack") or {}
    return {
        "run": name, "uar": results, "uar_sd": spread, "epsilon": rounds["epsilon_release"],
        "epsilon_server": rounds["epsilon_server"], "seconds_per_round": rounds["seconds_per_round"],
        "wall_seconds": seconds, "peak_memory_mb": report["peak_memory_mb"],
        "final_round_uar": list(rounds["uar_per_round"].values())[-1],
        "attack_per_update": attack.get("per_update", {}).get("accuracy"),
        "attack_per_client": attack.get("per_client", {}).get("accuracy"),
        "attack_chosen": attack.get("chosen"),
        "attack_chance": attack.get("chance"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("suite", "functionals", "mfcc", "manifest", "out"):
        parser.add_argument(name)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated run names of the suite (default: all)")
    parser.add_argument("--extra", default="", help="more options for every run, e.g. '--central-folds 6'")
    parser.add_argument("--noise", type=float, nargs="*", default=[0.5, 1.0, 2.0, 4.0], help="dp suite: multipliers z")
    parser.add_argument("--clip", type=float, default=1.0, help="dp suite: clipping norm C of each update")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = []
    chosen = runs(args.suite, args.functionals, args.mfcc, args.noise, args.clip)
    wanted = [name for name in args.only.split(",") if name] or list(chosen)
    for name, options in ((n, chosen[n]) for n in wanted):
        features, rest = options[0], options[1:]
        folds = [] if "--folds" in rest else ["--folds", str(args.folds)]
        command = [EMOSHIELD, "fl", "run", features, args.manifest, "--rounds", str(args.rounds), *folds, *rest,
                   *shlex.split(args.extra), "-o", str(out / name)]
        print("run:", shlex.join(command), flush=True)
        started = time.perf_counter()
        with (out / f"{name}.log").open("w") as log:
            subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)
        report = json.loads((out / name / "report.json").read_text())
        summary.append(summarise(name, report, time.perf_counter() - started))
        print(json.dumps(summary[-1]), flush=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        (out / "summary.md").write_text(markdown(summary))


def markdown(summary: list[dict]) -> str:
    """One row per run: UAR per method (± sd over repeats), ε, time per round, memory, attack accuracy (all in %)."""
    def pct(row: dict, method: str) -> str:
        value, sd = row["uar"].get(method), row.get("uar_sd", {}).get(method)
        return "–" if value is None else f"{100 * value:.1f}" + (f" ± {100 * sd:.1f}" if sd else "")

    def share(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.1f}"

    lines = ["| run | federated | centralized LOSO | centralized 70:30 | ε (model / server) | s/round | peak MB "
             "| gender per update | gender per client |", "|---|---|---|---|---|---|---|---|---|"]
    for row in summary:
        epsilon = "–" if row["epsilon"] is None else f"{row['epsilon']:.1f} / " + (
            "none" if row.get("epsilon_server") is None else f"{row['epsilon_server']:.1f}")
        lines.append(f"| {row['run']} | {pct(row, 'federated')} | {pct(row, 'centralized_loso')} | "
                     f"{pct(row, 'centralized_70_30')} | {epsilon} | {row['seconds_per_round']:.2f} | "
                     f"{row['peak_memory_mb']:.0f} | {share(row.get('attack_per_update'))} | "
                     f"{share(row.get('attack_per_client'))} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
