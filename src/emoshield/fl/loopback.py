"""Flower's Deployment Engine on loopback: a SuperLink and two SuperNodes as separate processes.

:func:`run_loopback` builds a tiny synthetic corpus (4 speakers: 2 train as
clients, 2 are held out), writes a Flower app folder (``pyproject.toml`` naming
emoshield's ServerApp and ClientApp), starts a ``flower-superlink`` and two
``flower-supernode`` on 127.0.0.1 (free ports), runs ``flwr run APP loopback
--stream``, and returns the round log the ServerApp wrote. Every process is
stopped at the end, and ``flwr run`` has a deadline (no hang). Used by
``tests/fl/test_deployment.py`` and ``benchmarks/fl_deployment.py``.

``secure=True`` runs it as a deployment should: TLS on every connection
(a CA and a certificate made here), SuperNode authentication (each SuperNode's
public key registered with ``flwr supernode register`` before it connects;
``intruders=True`` adds two SuperNodes that must be refused: one whose key was
never registered, one that trusts another certificate authority), and each SuperNode holding
only its own speaker's data, named in its node config: the server's train
config names neither the roster nor a data path.
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

from emoshield.backends import Compute
from emoshield.certificates import make_node_key, make_pki
from emoshield.features import FeatureSet, extract_features
from emoshield.fl.data import prepare_samples
from emoshield.synthetic import SyntheticSpec, generate_corpus

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
clientapp = "emoshield.fl.{client_app}"

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
node-data = {node_data}
{extra}"""


def prepare(work: Path, rounds: int, node_data: bool = False, run_config: dict | None = None,
            clients: int = 2) -> tuple[Path, list[tuple[str, Path]]]:
    """Synthetic corpus -> eGeMAPS -> prepared client data -> the app folder, and each client's speaker and data file."""

    manifest = generate_corpus(work / "corpus", SyntheticSpec(n_speakers=2 * ((clients + 3) // 2), utterances_per_speaker=8, seed=5))
    frame = extract_features(manifest["file"].tolist(), FeatureSet.EGEMAPS, Compute(workers=1), cache_dir=False).frame
    samples = prepare_samples(frame, manifest)
    speakers = sorted(set(samples.speakers.tolist()))
    data = samples.save(work / "client_data.npz")
    own = [(s, Path(samples.of_speakers([s]).save(work / f"client{i}.npz"))) for i, s in enumerate(speakers[:clients])]
    app = work / "app"
    app.mkdir()
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in (run_config or {}).items())
    (app / "pyproject.toml").write_text(APP_TOML.format(
        data=data, clients=",".join(speakers[:clients]), held_out=",".join(speakers[clients:]), rounds=rounds,
        out=work / "rounds.json", node_data=json.dumps(node_data), extra=extra,
        client_app=client_component(run_config or {})))
    (app / "loopback_app.py").write_text('"""Components live in the installed emoshield package."""\n')
    return app, own


def client_component(run_config: dict) -> str:
    """The ClientApp a run config needs: SecAgg+'s (its mod), central DP's (clipping) or the plain one."""
    if run_config.get("secagg"):
        return "secagg:client_app"
    return "client_app:dp_app" if run_config.get("dp-mode") == "central" else "client_app:app"


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


def run_loopback(work: Path, rounds: int = 3, deadline: float = 120.0, secure: bool = False, intruders: bool = False,
                 run_config: dict | None = None, clients: int = 2) -> dict:
    """One ``flwr run`` against a loopback SuperLink; the ServerApp's round log plus ``seconds``."""

    app, own_data = prepare(work, rounds, node_data=secure, run_config=run_config, clients=clients)
    link_port = free_port()  # the SuperLink's one HTTP API (Flower 1.41: fleet, control and app APIs share it)
    env = {**os.environ, "FLWR_HOME": str(work / "flwr-home"), "PATH": f"{BIN}:{os.environ['PATH']}",
           "OMP_NUM_THREADS": "1"}
    home = work / "flwr-home"
    home.mkdir()
    pki = make_pki(work / "pki") if secure else None
    stranger = make_pki(work / "other-pki") if secure and intruders else None  # an authority the SuperLink never used
    trust = f'root-certificates = "{pki.ca}"\n' if pki else "insecure = true\n"
    (home / "config.toml").write_text(
        f'[superlink]\ndefault = "loopback"\n\n[superlink.loopback]\naddress = "127.0.0.1:{link_port}"\n{trust}')
    link = [str(BIN / "flower-superlink"), "--host=127.0.0.1", f"--port={link_port}"]
    link += (["--ssl-ca-certfile", str(pki.ca), "--ssl-certfile", str(pki.cert), "--ssl-keyfile", str(pki.key),
              "--enable-supernode-auth"] if pki else ["--insecure"])
    processes = [start(link, work / "superlink.log", env)]
    try:
        wait_for_port(link_port, processes[0])
        for i in range(clients + (2 if intruders else 0)):  # then the intruders: one unregistered, one trusting another CA
            node_port = free_port()
            node = [str(BIN / "flower-supernode"), f"--superlink=127.0.0.1:{link_port}", "--host=127.0.0.1",
                    f"--port={node_port}", "--max-retries=3", "--max-wait-time=20"]
            if pki:
                key = work / f"node{i}.key"
                public = make_node_key(key)
                if i != clients:
                    _flwr(["supernode", "register", str(public), "loopback"], env, work / f"register{i}.log", 60)
                trusted = stranger.ca if i == clients + 1 and stranger else pki.ca
                node += ["--root-certificates", str(trusted), "--auth-supernode-private-key", str(key)]
                speaker, own_file = own_data[i % clients]
                node.append(f"--node-config=speaker='{speaker}' data-path='{own_file}'")
            else:
                node += ["--insecure", f"--node-config=partition-id={i} num-partitions={clients}"]
            processes.append(start(node, work / f"supernode{i}.log", env))
            wait_for_port(node_port, processes[-1])
        started = time.perf_counter()
        _flwr(["run", str(app), "loopback", "--stream"], env, work / "flwr-run.log", deadline)
        result = json.loads((work / "rounds.json").read_text())
        result["seconds"] = time.perf_counter() - started
        return result
    finally:
        stop(processes)


def _flwr(args: list[str], env: dict[str, str], log: Path, deadline: float) -> None:
    """``flwr ARGS`` with a deadline; RuntimeError with the end of its log when it fails."""
    try:
        subprocess.run([str(BIN / "flwr"), *args], env=env, timeout=deadline, check=True,
                       stdout=log.open("w"), stderr=subprocess.STDOUT)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"`flwr {args[0]}` failed ({exc}); last lines of {log}:\n{_tail(log)}") from None


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
