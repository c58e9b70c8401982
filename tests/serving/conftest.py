"""A small system for the service tests: synthetic speakers, ComParE, the encoder and the cloud, made by the CLI.

Services run as real ``emoshield serve`` subprocesses on 127.0.0.1 (port 0,
found through ``--ready-file``); tokens go in through the environment.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

from emoshield.backends import Compute
from emoshield.features import extract_features, write_features
from emoshield.synthetic import SyntheticSpec, generate_corpus

DEVICE_TOKEN = "device-token-" + "d" * 24
CLOUD_TOKEN = "cloud-token-" + "c" * 24
TOKENS = {"EMOSHIELD_DEVICE_TOKEN": DEVICE_TOKEN, "EMOSHIELD_CLOUD_TOKEN": CLOUD_TOKEN}


def cli(*args: str, env: dict[str, str] | None = None, check: bool = True, timeout: float = 300,
        env_columns: int | None = None) -> subprocess.CompletedProcess:
    """``emoshield ARGS`` in a subprocess, as a user runs it (``env_columns``: the terminal's width)."""
    width = {"COLUMNS": str(env_columns)} if env_columns else {}
    done = subprocess.run([sys.executable, "-m", "emoshield", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {}), **width}, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"emoshield {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


@dataclass
class Artifacts:
    root: Path
    wavs: list[Path]
    features: Path
    manifest: Path
    encoder: Path
    onnx: Path
    cloud: Path


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Artifacts:
    """8 synthetic speakers x 6 utterances, their ComParE features, the default encoder, its ONNX and cloud."""
    root = tmp_path_factory.mktemp("system")
    manifest = generate_corpus(root / "corpus", SyntheticSpec(n_speakers=8, utterances_per_speaker=6, seed=3))
    wavs = [Path(f) for f in manifest["file"]]
    result = extract_features([str(w) for w in wavs], "compare2016", Compute(workers=2), cache_dir=root / "cache")
    features = write_features(result.frame, root / "features.parquet")
    table = root / "corpus" / "manifest.csv"
    cli("encoder", "fit", str(features), str(table), "-o", str(root / "enc"))
    cli("encoder", "export", str(root / "enc"), "-o", str(root / "edge.onnx"))
    cli("cloud", "fit", str(features), str(table), "--encoder", str(root / "enc"), "-o", str(root / "cloud"))
    return Artifacts(root, wavs, features, table, root / "enc", root / "edge.onnx", root / "cloud")


@dataclass
class Service:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(folder: Path, name: str, *args: str, env: dict[str, str] | None = None) -> Service:
    """``emoshield serve ARGS --port 0``, waiting for its ready file (AssertionError with its log if it dies)."""
    ready, log = folder / f"{name}.ready", folder / f"{name}.log"
    ready.unlink(missing_ok=True)
    if args[0] == "edge" and "--state-dir" not in args:  # its store and secret, never the user's home folder
        args = (*args, "--state-dir", str(folder / f"{name}-state"))
    process = subprocess.Popen([sys.executable, "-m", "emoshield", "serve", *args, "--port", "0", "--ready-file", str(ready)],
                               env={**os.environ, **TOKENS, **(env or {})}, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"{name} did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return Service(process, json.loads(ready.read_text())["url"], log)


@dataclass
class System:
    cloud: Service
    edge: Service
    audit: Path
    uploads: list[bytes] = field(default_factory=list)

    def stop(self) -> None:
        self.edge.stop()
        self.cloud.stop()


def start_system(artifacts: Artifacts, folder: Path, *edge_args: str, cloud_args: tuple[str, ...] = ()) -> System:
    audit = folder / "audit"
    cloud = start(folder, "cloud", "cloud", "--model", str(artifacts.cloud), "--audit-dir", str(audit), *cloud_args)
    edge = start(folder, "edge", "edge", "--encoder", str(artifacts.onnx), "--cloud-url", cloud.url, "--accept-audio",
                 "--min-enrolment", "2", *edge_args)
    return System(cloud, edge, audit)


@pytest.fixture(scope="module")
def system(artifacts: Artifacts, tmp_path_factory):
    """A cloud (with an audit folder) and an edge that accepts audio, as CLI subprocesses."""
    running = start_system(artifacts, tmp_path_factory.mktemp("services"))
    yield running
    running.stop()


def device(url: str, token: str = DEVICE_TOKEN, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=60, **kwargs)


def wav_bytes(seconds: float = 1.5, rate: int = 16000, channels: int = 1, seed: int = 0) -> bytes:
    """A synthetic voice (tests.features.conftest.voice) as a 16-bit WAV file."""
    from tests.features.conftest import voice

    signal = voice(seconds, rate, seed=seed)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([signal] * channels, axis=1), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def new_enrolment(client: httpx.Client) -> str:
    """An enrolment id the edge issues (``POST /v1/enrolments``)."""
    reply = client.post("/v1/enrolments")
    assert reply.status_code == 201, reply.text
    return reply.json()["enrolment"]


#: Debian's Chromium (installed by .ci/run); Playwright drives it, it downloads no browser.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


#: What the page's layout looks like after the sends: horizontal overflow, boxes that run past the result
#: box, the height of each row label in lines, the bars of the decision chart, the note before the first send.
LAYOUT = """() => {
    const result = document.getElementById('result').getBoundingClientRect();
    const outside = Array.from(document.querySelectorAll('#result *, #history *'))
        .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > result.right + 0.5)
        .map(el => el.tagName + ': ' + el.textContent.slice(0, 40));
    return {
        page_overflow: document.documentElement.scrollWidth - window.innerWidth,
        outside_result: outside,
        label_lines: Array.from(document.querySelectorAll('#sent td:first-child'), td => {
            const range = document.createRange();
            range.selectNodeContents(td);
            return new Set(Array.from(range.getClientRects(), r => Math.round(r.top))).size;  // line boxes
        }),
        bars: document.querySelectorAll('#chart rect').length,
        note: document.getElementById('enrol-note').textContent,
        enrolment: document.getElementById('enrolled-text').textContent,
    };
}"""


def wait_until(page, expression: str, seconds: float = 30) -> None:
    """Poll ``expression`` in the page until it is true (Playwright's wait_for_function evaluates its predicate
    with eval, which the page's Content-Security-Policy rightly forbids)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never satisfied: {expression}")
        page.wait_for_timeout(100)


def page_send(url: str, files: list[Path], token: str = DEVICE_TOKEN, microphone: Path | None = None,
              viewport: dict[str, int] | None = None) -> list[dict]:
    """Drive the edge's web page in headless Chromium: upload each file (or record ``microphone`` three times:
    two enrol, the third is decided).

    Returns, per send, what the page shows: status, emotion, confidence and the rows of what was sent; the
    last also has ``layout`` (``LAYOUT``) at ``viewport`` (Playwright's default 1280 x 720 without one).
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    args = list(CHROMIUM_ARGS)
    if microphone is not None:
        args += ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={microphone}"]
    shown = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page(viewport=viewport) if viewport else browser.new_page()
            page.goto(url + "/")
            page.fill("#token", token)
            page.dispatch_event("#token", "change")
            sends = [("record", None)] * 3 if microphone is not None else [("file", f) for f in files]
            for kind, file in sends:
                page.evaluate("document.getElementById('status').textContent = ''")
                if kind == "file":
                    page.set_input_files("#file", str(file))
                    page.click("#send-file")
                else:
                    page.click("#record")
                    wait_until(page, "document.getElementById('status').textContent.startsWith('Recording')")
                    page.wait_for_timeout(2500)
                    page.evaluate("document.getElementById('status').textContent = ''")
                    page.click("#stop")
                wait_until(page, "(() => { const s = document.getElementById('status').textContent; "
                                 "return s && !s.startsWith('Sending'); })()", seconds=60)
                shown.append(page.evaluate("""() => ({
                    status: document.getElementById('status').textContent,
                    emotion: document.getElementById('emotion').textContent,
                    confidence: document.getElementById('confidence').textContent,
                    sent: Array.from(document.querySelectorAll('#sent tr'), tr => Array.from(tr.cells, c => c.textContent)),
                })"""))
            if shown:
                shown[-1]["layout"] = page.evaluate(LAYOUT)
        finally:
            browser.close()
    return shown


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[str]:
    """A real redis-server (Debian's package; .ci/run installs it) on a free loopback port, nothing saved to disk;
    its URL without a database number. Stopped at the end of the session."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError("redis-server is missing: install Debian's redis-server package (.ci/run does: "
                             "apt-get install redis-server)")
    import redis

    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    log = folder / "redis.log"
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(folder), "--databases", "64"], stdout=log.open("w"), stderr=subprocess.STDOUT)
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"redis-server did not start on 127.0.0.1:{port}:\n{log.read_text()}") from None
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


_databases = itertools.count(1)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """A Redis database of its own (empty) for one test."""
    return f"{redis_server}/{next(_databases)}"


def upload(client: httpx.Client, data: bytes, enrolment: str) -> httpx.Response:
    """One audio file to the edge under an enrolment id."""
    return client.post("/v1/audio", content=data, headers={"x-enrolment": enrolment, "content-type": "audio/wav"})


def speaker_files(artifacts: Artifacts) -> list[bytes]:
    """The WAV files of the corpus's first speaker, in manifest order."""
    import pandas as pd

    manifest = pd.read_csv(artifacts.manifest)
    return [Path(f).read_bytes() for f in manifest.loc[manifest["speaker"] == manifest["speaker"].iloc[0], "file"]]
