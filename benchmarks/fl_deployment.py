"""Loopback run of Flower's Deployment Engine: a SuperLink and two SuperNodes as separate processes.

    python benchmarks/fl_deployment.py [--rounds 3] [--keep DIR]

Builds a tiny synthetic corpus (4 speakers: 2 train as clients, 2 are held out),
writes a Flower app folder (pyproject.toml naming emoshield's ServerApp and
ClientApp), starts ``flower-superlink --insecure`` and two ``flower-supernode
--insecure`` processes on 127.0.0.1, then ``flwr run APP loopback --stream``, and
checks the round log the ServerApp wrote. Every process is stopped at the end,
and the whole run has a deadline (no hang). Prints its full command first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
LINK_PORT = 19090  # the SuperLink's one HTTP API (Flower 1.41: fleet, control and app APIs share it)

APP_TOML = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "emoshield-fl-loopback"
version = "1.0.0"
dependencies = []

[tool.hatch.build.targets.wheel]
packages = ["."]

[tool.flwr.app]
publisher = "emoshield"

[tool.flwr.app.components]
serverapp = "emoshield.fl.deployment:server_app"
clientapp = "emoshield.fl.client_app:app"

[tool.flwr.app.config]
data-path = "{data}"
clients = "{clients}"
held-out = "{held_out}"
model = "dnn"
rounds = {rounds}
hidden = 32
epochs = 5
lr = 0.1
batch-size = 8
round-timeout = 60.0
out = "{out}"
"""


def prepare(work: Path, rounds: int) -> Path:
    """Synthetic corpus -> eGeMAPS -> prepared client data -> the app folder."""
    from emoshield.features import FeatureSet, extract_features
    from emoshield.fl.data import prepare_samples
    from emoshield.synthetic import SyntheticSpec, generate_corpus

    manifest = generate_corpus(work / "corpus", SyntheticSpec(n_speakers=4, utterances_per_speaker=8, seed=5))
    frame = extract_features(manifest["file"].tolist(), FeatureSet.EGEMAPS, workers=1, cache_dir=False).frame
    samples = prepare_samples(frame, manifest)
    speakers = sorted(set(samples.speakers.tolist()))
    data = samples.save(work / "client_data.npz")
    app = work / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text(APP_TOML.format(
        data=data, clients=",".join(speakers[:2]), held_out=",".join(speakers[2:]), rounds=rounds,
        out=work / "rounds.json"))
    (app / "loopback_app.py").write_text('"""Components live in the installed emoshield package."""\n')
    return app


def start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)


def run(work: Path, rounds: int, deadline: float) -> dict:
    app = prepare(work, rounds)
    env = {**os.environ, "FLWR_HOME": str(work / "flwr-home"), "PATH": f"{BIN}:{os.environ['PATH']}",
           "OMP_NUM_THREADS": "1"}
    home = work / "flwr-home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[superlink]\ndefault = "loopback"\n\n[superlink.loopback]\n'
        f'address = "127.0.0.1:{LINK_PORT}"\ninsecure = true\n')
    link = [str(BIN / "flower-superlink"), "--insecure", "--host=127.0.0.1", f"--port={LINK_PORT}"]
    processes = [start(link, work / "superlink.log", env)]
    try:
        time.sleep(3)
        for i in range(2):
            node = [str(BIN / "flower-supernode"), "--insecure", f"--superlink=127.0.0.1:{LINK_PORT}",
                    "--host=127.0.0.1", f"--port={19094 + i}", f"--node-config=partition-id={i} num-partitions=2"]
            processes.append(start(node, work / f"supernode{i}.log", env))
        time.sleep(3)
        command = [str(BIN / "flwr"), "run", str(app), "loopback", "--stream"]
        started = time.perf_counter()
        subprocess.run(command, env=env, timeout=deadline, check=True, stdout=(work / "flwr-run.log").open("w"),
                       stderr=subprocess.STDOUT)
        result = json.loads((work / "rounds.json").read_text())
        result["seconds"] = time.perf_counter() - started
        return result
    finally:
        stop(processes)


def stop(processes: list[subprocess.Popen]) -> None:
    """Terminate each started process group (a SuperNode's helpers too), then kill what is left."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds before `flwr run` is stopped")
    parser.add_argument("--keep", type=Path, default=None, help="keep logs here instead of a temporary folder")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]), flush=True)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=False)
        result = run(args.keep, args.rounds, args.deadline)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = run(Path(tmp), args.rounds, args.deadline)
    rounds = result["rounds"]
    print(f"rounds: {len(rounds)}, results per round: {[r['results'] for r in rounds]}, "
          f"held-out UAR per round: {[round(v, 3) for v in result['uar_per_round'].values()]}, "
          f"flwr run took {result['seconds']:.1f} s")


if __name__ == "__main__":
    main()
