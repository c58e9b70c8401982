"""Flower's Deployment Engine on loopback: a SuperLink and two SuperNodes as separate processes.

:func:`run_loopback` builds a tiny synthetic corpus (4 speakers: 2 train as
clients, 2 are held out), writes a Flower app folder (``pyproject.toml`` naming
emoshield's ServerApp and ClientApp), starts ``flower-superlink --insecure`` and
two ``flower-supernode --insecure`` on 127.0.0.1 (free ports), runs ``flwr run APP
loopback --stream``, and returns the round log the ServerApp wrote. Every process
is stopped at the end, and ``flwr run`` has a deadline (no hang). Used by
``tests/fl/test_deployment.py`` and ``benchmarks/fl_deployment.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent

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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Return once ``port`` accepts connections; RuntimeError if the process dies or time runs out."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with code {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def run_loopback(work: Path, rounds: int = 3, deadline: float = 120.0) -> dict:
    """One ``flwr run`` against a loopback SuperLink; the ServerApp's round log plus ``seconds``."""
    app = prepare(work, rounds)
    link_port = free_port()  # the SuperLink's one HTTP API (Flower 1.41: fleet, control and app APIs share it)
    env = {**os.environ, "FLWR_HOME": str(work / "flwr-home"), "PATH": f"{BIN}:{os.environ['PATH']}",
           "OMP_NUM_THREADS": "1"}
    home = work / "flwr-home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[superlink]\ndefault = "loopback"\n\n[superlink.loopback]\n'
        f'address = "127.0.0.1:{link_port}"\ninsecure = true\n')
    link = [str(BIN / "flower-superlink"), "--insecure", "--host=127.0.0.1", f"--port={link_port}"]
    processes = [start(link, work / "superlink.log", env)]
    try:
        wait_for_port(link_port, processes[0])
        for i in range(2):
            node_port = free_port()
            node = [str(BIN / "flower-supernode"), "--insecure", f"--superlink=127.0.0.1:{link_port}",
                    "--host=127.0.0.1", f"--port={node_port}", f"--node-config=partition-id={i} num-partitions=2"]
            processes.append(start(node, work / f"supernode{i}.log", env))
            wait_for_port(node_port, processes[-1])
        command = [str(BIN / "flwr"), "run", str(app), "loopback", "--stream"]
        started = time.perf_counter()
        try:
            subprocess.run(command, env=env, timeout=deadline, check=True,
                           stdout=(work / "flwr-run.log").open("w"), stderr=subprocess.STDOUT)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"`flwr run` failed ({exc}); last lines of {work / 'flwr-run.log'}:\n"
                               f"{_tail(work / 'flwr-run.log')}") from None
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


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
