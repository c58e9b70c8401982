"""What the served system costs: bytes per utterance, encode latency, and a closed-loop load test with a leak check.

On a synthetic corpus (8 speakers x 6 utterances, ComParE 2016), with models
built through the CLI as a user builds them (``encoder fit``, ``encoder
export``, ``cloud fit``), in one temporary folder:

1. Bytes per utterance at each hop: the WAV file, the ComParE vector (raw and as
   the device's JSON ``Features`` message) and the code (float16, raw and as the
   edge's JSON ``Representation`` message).
2. Encode latency per utterance, batch of 1, one thread: the encoder's torch
   ``transform`` vs the exported ONNX graph in ONNX Runtime (``EdgeModel``), for
   the default encoder and a seed-000-size one (2000/1000 hidden, latent 512,
   fitted for 2 epochs just for the timing). Median of ``--calls`` calls.
3. A closed-loop load test on loopback against real ``emoshield serve cloud`` and
   ``emoshield serve edge`` subprocesses (no rate limit): N client threads send
   ``POST /v1/features`` for ``--seconds``, single utterances or batches; every
   10th request is a bad input (wrong names_digest or NaN values) that must get
   a 4xx. Good utterances/s, p50/p99 latency of good requests, 5xx, bad inputs
   answered 4xx or not, and the peak RSS of each service during the run.
4. A leak check: every body the cloud recorded (``--audit-dir``) must parse as a
   ``RepresentationBatch`` whose items each decode to exactly ``latent`` values.

    python benchmarks/serving.py [--seconds 60] [--concurrency 1,4,16] [--batch 64]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import torch
from pydantic import ValidationError

from emoshield.backends import Compute
from emoshield.features import align_features, extract_features, write_features
from emoshield.methods import SpeakerNorm
from emoshield.privacy import load_encoder
from emoshield.serving.edge_model import EdgeModel
from emoshield.serving.wire import (
    MAX_BATCH,
    SCHEMA_VERSION,
    Features,
    FeaturesBatch,
    RepresentationBatch,
    WireError,
    encode_array,
    features_message,
    names_digest,
    represent,
)
from emoshield.synthetic import SyntheticSpec, generate_corpus

#: The encoders timed, by the name the tables use; the first is the one served.
ENCODERS = {"default": "adversarial", "seed-000 size": "adversarial_ali(hidden=[2000,1000], epochs=2)"}
#: ONNX Runtime encode targets (ms per utterance), by encoder.
ENCODE_TARGET_MS = {"default": 0.25, "seed-000 size": 2.0}
CODE_TARGET_BYTES = 1024
SINGLES_TARGET = (4, 150.0, 50.0)  # at this concurrency: utterances/s at least, p99 ms at most
BATCH_TARGET = 1000.0  # utterances/s with batches
#: Every BAD_EVERY-th request of a client is a bad input.
BAD_EVERY = 10
JSON = {"content-type": "application/json"}
TOKENS = {"EMOSHIELD_DEVICE_TOKEN": secrets.token_urlsafe(24), "EMOSHIELD_CLOUD_TOKEN": secrets.token_urlsafe(24)}


def note(message: str) -> None:
    """Progress on stderr (the tables go to stdout)."""
    print(message, file=sys.stderr, flush=True)


# --- the system: corpus, features, encoders, cloud ------------------------------------------------------------


def cli(*args: str) -> None:
    """``emoshield ARGS`` in a subprocess, as a user runs it; RuntimeError with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "emoshield", *args], capture_output=True, text=True,
                          env={**os.environ, **TOKENS})
    if done.returncode != 0:
        raise RuntimeError(f"emoshield {shlex.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@dataclass
class Corpus:
    """The utterances and their ComParE features, raw and standardised per speaker (manifest order)."""

    manifest: pd.DataFrame
    table: Path
    features: Path
    names: list[str]
    raw: np.ndarray
    standardised: np.ndarray

    def device_view(self, front_end: str) -> np.ndarray:
        """What a device sends an encoder with this front end."""
        return self.standardised if front_end == "speaker" else self.raw


def build_corpus(root: Path) -> Corpus:
    """8 synthetic speakers x 6 utterances and their ComParE features (written for the CLI's fits)."""
    manifest = generate_corpus(root / "corpus", SyntheticSpec(n_speakers=8, utterances_per_speaker=6))
    frame = extract_features(manifest["file"].tolist(), "compare2016", Compute(workers=2), cache_dir=False).frame
    raw = align_features(frame, manifest).astype(np.float32)
    standardised = SpeakerNorm().transform(raw, manifest[["speaker"]]).astype(np.float32)
    return Corpus(manifest, root / "corpus" / "manifest.csv", write_features(frame, root / "features.parquet"),
                  [str(c) for c in frame.columns], raw, standardised)


@dataclass
class Encoder:
    """A fitted encoder's folder and its exported ONNX graph."""

    name: str
    folder: Path
    onnx: Path


def build_encoder(root: Path, corpus: Corpus, name: str, method: str) -> Encoder:
    """``encoder fit`` then ``encoder export``."""
    slug = name.replace(" ", "-")
    folder, onnx = root / f"encoder-{slug}", root / f"{slug}.onnx"
    cli("encoder", "fit", str(corpus.features), str(corpus.table), "-o", str(folder), "--method", method)
    cli("encoder", "export", str(folder), "-o", str(onnx))
    return Encoder(name, folder, onnx)


def build_default_system(root: Path) -> tuple[Corpus, Encoder, Path]:
    """The synthetic corpus, the default encoder (``adversarial``) and a cloud fit on its codes (``root/cloud``)."""
    note("corpus, ComParE features, encoder, cloud")
    corpus = build_corpus(root)
    encoder = build_encoder(root, corpus, "default", "adversarial")
    cli("cloud", "fit", str(corpus.features), str(corpus.table), "--encoder", str(encoder.folder), "-o", str(root / "cloud"))
    return corpus, encoder, root / "cloud"


# --- 1. bytes per utterance -----------------------------------------------------------------------------------


def features_messages(corpus: Corpus, model: EdgeModel) -> list[Features]:
    """The device's message for each utterance, as the edge's encoder wants it."""
    speaker = model.front_end == "speaker"
    return [features_message(x, model.feature_set, corpus.names, speaker) for x in corpus.device_view(model.front_end)]


def bytes_rows(corpus: Corpus, models: dict[str, EdgeModel]) -> tuple[list[tuple[str, float, str]], dict[str, float]]:
    """(what, bytes per utterance, target) for each hop, and the mean ``Representation`` message size per encoder."""
    served = next(iter(models.values()))
    messages = features_messages(corpus, served)
    rows = [
        (f"WAV file (mean of {len(corpus.manifest)})", float(np.mean([Path(f).stat().st_size for f in corpus.manifest["file"]])), ""),
        (f"ComParE vector, {served.n_features} float32 (raw)", float(served.n_features * 4), ""),
        ("ComParE `Features` message (JSON, device -> edge)", float(np.mean([len(m.model_dump_json()) for m in messages])), ""),
    ]
    wire: dict[str, float] = {}
    for name, model in models.items():
        codes = model.encode(corpus.device_view(model.front_end))
        wire[name] = float(np.mean([len(represent(c, model.encoder_id, "float16", uuid.uuid4().hex).model_dump_json()) for c in codes]))
        for what, size in ((f"{model.latent} float16 (raw)", float(model.latent * 2)),
                           ("`Representation` message (JSON, edge -> cloud)", wire[name])):
            rows.append((f"code, {name} encoder: {what}", size, f"<= {CODE_TARGET_BYTES}: {met(size <= CODE_TARGET_BYTES)}"))
    return rows, wire


# --- 2. encode latency ----------------------------------------------------------------------------------------


def median_ms(encode: Callable[[np.ndarray], object], rows: np.ndarray, calls: int, warmup: int = 20) -> float:
    """Median wall time (ms) of ``encode`` on one utterance at a time, cycling through ``rows``."""
    for i in range(warmup):
        encode(rows[i % len(rows)][None])
    times = np.empty(calls)
    for i in range(calls):
        x = rows[i % len(rows)][None]
        start = time.perf_counter()
        encode(x)
        times[i] = time.perf_counter() - start
    return 1e3 * float(np.median(times))


def latency_rows(corpus: Corpus, encoders: list[Encoder], models: dict[str, EdgeModel], calls: int) -> list[tuple[str, int, float, float]]:
    """(encoder, latent, torch ms, ONNX Runtime ms) per encoder, one thread each."""
    torch.set_num_threads(1)
    rows = []
    for encoder in encoders:
        model = models[encoder.name]
        inputs = corpus.device_view(model.front_end)
        network = load_encoder(encoder.folder)
        network.threads = 1
        rows.append((encoder.name, model.latent, median_ms(network.transform, inputs, calls), median_ms(model.encode, inputs, calls)))
    return rows


# --- 3. the services and the load -----------------------------------------------------------------------------


@dataclass
class Service:
    """A running ``emoshield serve`` subprocess."""

    name: str
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def reset_peak(self) -> bool:
        """Reset the kernel's peak RSS (VmHWM) of the process; False where the kernel does not allow it."""
        try:
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def peak_mib(self) -> float | None:
        """The process's peak resident set (VmHWM, MiB); psutil has no peak on Linux, so /proc is read."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
        return None if kib is None else kib / 1024


def start_service(stack: ExitStack, folder: Path, name: str, *args: str) -> Service:
    """``emoshield serve NAME ARGS --port 0``, stopped when ``stack`` closes; RuntimeError with its log if it dies."""
    ready, log = folder / f"{name}.ready", folder / f"{name}.log"
    ready.unlink(missing_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "emoshield", "serve", name, *args, "--port", "0",
                                    "--ready-file", str(ready)], env={**os.environ, **TOKENS}, stdout=out, stderr=subprocess.STDOUT)
    service = Service(name, process, "", log)
    stack.callback(service.stop)
    deadline = time.monotonic() + 90
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the {name} service did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    service.url = json.loads(ready.read_text())["url"]
    return service


@contextmanager
def running_system(folder: Path, encoder: Encoder, cloud: Path, audit: Path, *edge_args: str) -> Iterator[tuple[Service, Service]]:
    """A cloud recording every body in ``audit`` and an edge in front of it, both without rate limits; stopped on exit."""
    with ExitStack() as stack:
        cloud_service = start_service(stack, folder, "cloud", "--model", str(cloud), "--audit-dir", str(audit), "--rate-limit", "0")
        edge = start_service(stack, folder, "edge", "--encoder", str(encoder.onnx), "--cloud-url", cloud_service.url,
                             "--rate-limit", "0", *edge_args)
        yield edge, cloud_service


def audio_load(folder: Path, encoder: Encoder, cloud: Path, wavs: list[Path], concurrency: int, seconds: float) -> dict:
    """Uploads of whole WAV files to an edge that extracts ComParE itself (``--accept-audio``), closed loop.

    Each client thread is one speaker's device with its own enrolment (its first upload only enrols).
    """
    data = [w.read_bytes() for w in wavs]
    times: list[list[float]] = [[] for _ in range(concurrency)]
    decided = [0] * concurrency
    with running_system(folder, encoder, cloud, folder / "audio-audit", "--accept-audio") as (edge, _):
        def work(w: int, deadline: float) -> None:
            with client(edge.url) as http:
                issued = http.post("/v1/enrolments")  # each device's own enrolment id, issued by the edge
                headers = {"content-type": "audio/wav", "x-enrolment": issued.json()["enrolment"]}
                i = w
                while time.perf_counter() < deadline:
                    start = time.perf_counter()
                    reply = http.post("/v1/audio", content=data[i % len(data)], headers=headers)
                    if reply.status_code != 200:
                        raise RuntimeError(f"audio upload answered {reply.status_code}: {reply.text[:300]}")
                    times[w].append(time.perf_counter() - start)
                    decided[w] += reply.json()["result"] is not None
                    i += 1

        start = time.perf_counter()
        threads = [threading.Thread(target=work, args=(w, start + seconds)) for w in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - start
    latencies = np.array([t for ts in times for t in ts]) * 1000
    return {"concurrency": concurrency, "uploads": len(latencies), "rate": sum(decided) / wall,
            "p50": float(np.percentile(latencies, 50)), "p99": float(np.percentile(latencies, 99))}


@dataclass(frozen=True)
class Body:
    """One prepared request body."""

    content: bytes
    utterances: int
    bad: bool


#: The bad inputs, each a way to spoil one utterance's message.
SPOILERS: dict[str, Callable[[Features], Features]] = {
    "wrong names_digest": lambda m: m.model_copy(update={"names_digest": "0" * 16}),
    "NaN values": lambda m: m.model_copy(update={"values": encode_array(np.where(np.arange(m.n_features) % 97 == 0, np.nan, m.array()), "float32")}),
}


@dataclass(frozen=True)
class Pool:
    """The bodies of one request kind; ``pick(i)`` is a client's i-th request (every BAD_EVERY-th is bad)."""

    kind: str
    good: list[Body]
    bad: list[Body]

    def pick(self, i: int) -> Body:
        if i % BAD_EVERY == BAD_EVERY - 1:
            return self.bad[(i // BAD_EVERY) % len(self.bad)]
        return self.good[i % len(self.good)]


def make_pool(messages: list[Features], per_request: int) -> Pool:
    """Good bodies of ``per_request`` utterances (a bare ``Features`` for one, else a batch), and one bad body per spoiler.

    Up to MAX_BATCH utterances' worth of distinct good bodies are prepared, cycling through the corpus.
    """
    def body(items: list[Features], bad: bool) -> Body:
        message = items[0] if per_request == 1 else FeaturesBatch(schema_version=SCHEMA_VERSION, items=items)
        return Body(message.model_dump_json().encode(), len(items), bad)

    n = len(messages)
    groups = [[messages[(g * per_request + j) % n] for j in range(per_request)] for g in range(max(1, min(n, MAX_BATCH // per_request)))]
    bad = [body(groups[k % len(groups)][:-1] + [spoil(groups[k % len(groups)][-1])], True) for k, spoil in enumerate(SPOILERS.values())]
    kind = "single" if per_request == 1 else f"batch of {per_request}"
    return Pool(kind, [body(group, False) for group in groups], bad)


@dataclass(frozen=True)
class Outcome:
    """One request as the client saw it."""

    seconds: float
    status: int  # 0: no answer (transport error)
    utterances: int
    bad: bool


def client(url: str) -> httpx.Client:
    """A device's connection to the edge."""
    return httpx.Client(base_url=url, headers={"authorization": f"Bearer {TOKENS['EMOSHIELD_DEVICE_TOKEN']}"}, timeout=60)


def post(http: httpx.Client, body: Body) -> Outcome:
    """Send one body; its status (0 when no answer came) and client-side latency."""
    start = time.perf_counter()
    try:
        status = http.post("/v1/features", content=body.content, headers=JSON).status_code
    except httpx.HTTPError:
        status = 0
    return Outcome(time.perf_counter() - start, status, body.utterances, body.bad)


def warm_up(url: str, pools: Sequence[Pool]) -> int:
    """Send each good body once (each must be answered 200 with a result per utterance); the good utterances sent."""
    sent = 0
    with client(url) as http:
        for pool in pools:
            for body in pool.good:
                reply = http.post("/v1/features", content=body.content, headers=JSON)
                if reply.status_code != 200 or len(reply.json()["results"]) != body.utterances:
                    raise RuntimeError(f"warm-up {pool.kind}: the edge answered {reply.status_code}: {reply.text[:500]}")
                sent += body.utterances
    return sent


@dataclass
class LoadResult:
    """One load configuration: every request's outcome and the services' peak memory."""

    concurrency: int
    kind: str
    seconds: float
    outcomes: list[Outcome]
    edge_mib: float | None
    cloud_mib: float | None

    def _good(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.bad and o.status == 200]

    @property
    def utterances(self) -> int:
        """Good utterances answered 200."""
        return sum(o.utterances for o in self._good())

    @property
    def rate(self) -> float:
        return self.utterances / self.seconds

    def percentile_ms(self, q: float) -> float:
        times = [o.seconds for o in self._good()]
        return 1e3 * float(np.percentile(times, q)) if times else float("nan")

    @property
    def server_errors(self) -> int:
        return sum(o.status >= 500 for o in self.outcomes)

    @property
    def bad_refused(self) -> int:
        return sum(o.bad and 400 <= o.status < 500 for o in self.outcomes)

    @property
    def bad_other(self) -> int:
        return sum(o.bad and not 400 <= o.status < 500 for o in self.outcomes)

    @property
    def good_failed(self) -> int:
        return sum(not o.bad and o.status != 200 for o in self.outcomes)


def closed_loop(edge: Service, cloud: Service, pool: Pool, concurrency: int, seconds: float) -> LoadResult:
    """``concurrency`` client threads, each sending its next request as soon as the last is answered, for ``seconds``."""
    clients = [client(edge.url) for _ in range(concurrency)]
    lists: list[list[Outcome]] = [[] for _ in range(concurrency)]

    def work(w: int, deadline: float) -> None:
        i = w  # clients start at different points of the schedule, so bad inputs are spread out
        while time.perf_counter() < deadline:
            lists[w].append(post(clients[w], pool.pick(i)))
            i += 1

    for service in (edge, cloud):
        service.reset_peak()
    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(w, start + seconds)) for w in range(concurrency)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for http in clients:
            http.close()
    wall = time.perf_counter() - start
    return LoadResult(concurrency, pool.kind, wall, [o for outcomes in lists for o in outcomes], edge.peak_mib(), cloud.peak_mib())


# --- 4. leak check --------------------------------------------------------------------------------------------


@dataclass
class Audit:
    """What the cloud recorded: bodies, representations in the good ones, bad bodies."""

    bodies: int
    items: int
    leaks: int


def audit(folder: Path, latent: int) -> Audit:
    """Every recorded body must be a ``RepresentationBatch`` whose items each decode to exactly ``latent`` values."""
    bodies = items = leaks = 0
    for path in sorted(folder.glob("*.json")):
        bodies += 1
        try:
            batch = RepresentationBatch.model_validate_json(path.read_bytes())
            if any(item.latent != latent or item.array().shape != (latent,) for item in batch.items):
                raise WireError("wrong latent")
        except (ValidationError, WireError):
            leaks += 1
        else:
            items += len(batch.items)
    return Audit(bodies, items, leaks)


# --- report ---------------------------------------------------------------------------------------------------


def met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def header(command: str) -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), platform.processor())
    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    return (f"{when}; {os.cpu_count()} cores ({cpu}, {platform.machine()}), Python {platform.python_version()}, "
            f"torch {torch.__version__}; command: `{command}`")


def table(columns: Sequence[str], rows: Sequence[Sequence[object]], align: str) -> str:
    """A Markdown table; ``align`` has an ``l`` or ``r`` per column."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def mib(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def targets(latency: list[tuple[str, int, float, float]], code_bytes: float, loads: list[LoadResult], batch: int,
            checked: Audit) -> list[tuple[str, str, str]]:
    """(target, result, met) for every target of the brief."""
    rows = [(f"code <= {CODE_TARGET_BYTES} B/utterance (default encoder, JSON message)", f"{code_bytes:.0f} B", met(code_bytes <= CODE_TARGET_BYTES))]
    rows += [(f"ONNX encode <= {ENCODE_TARGET_MS[name]} ms ({name})", f"{onnx:.3f} ms", met(onnx <= ENCODE_TARGET_MS[name]))
             for name, _, _, onnx in latency]
    concurrency, rate, p99 = SINGLES_TARGET
    singles = next((r for r in loads if r.kind == "single" and r.concurrency == concurrency), None)
    rows.append((f">= {rate:.0f} utt/s, p99 <= {p99:.0f} ms (singles, concurrency {concurrency})",
                 "not run" if singles is None else f"{singles.rate:.0f} utt/s, p99 {singles.percentile_ms(99):.1f} ms",
                 "-" if singles is None else met(singles.rate >= rate and singles.percentile_ms(99) <= p99)))
    batches = max((r for r in loads if r.kind != "single"), key=lambda r: r.rate, default=None)
    rows.append((f">= {BATCH_TARGET:.0f} utt/s (batches of {batch}, best concurrency)",
                 "not run" if batches is None else f"{batches.rate:.0f} utt/s (concurrency {batches.concurrency})",
                 "-" if batches is None else met(batches.rate >= BATCH_TARGET)))
    errors = sum(r.server_errors for r in loads)
    rows.append(("zero 5xx", str(errors), met(errors == 0)))
    rows.append(("zero leaks", f"leaks: {checked.leaks}", met(checked.leaks == 0)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each load configuration")
    parser.add_argument("--concurrency", default="1,4,16", help="client threads, comma-separated")
    parser.add_argument("--batch", type=int, default=64, help="utterances per request in the batch runs")
    parser.add_argument("--calls", type=int, default=200, help="timed encode calls per encoder and runtime")
    args = parser.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    if not 2 <= args.batch <= MAX_BATCH or min(concurrencies) < 1:
        parser.error(f"--batch must be 2..{MAX_BATCH} and every concurrency 1 or more")
    command = shlex.join(["python", sys.argv[0], *sys.argv[1:]])

    with tempfile.TemporaryDirectory(prefix="emoshield-serving-") as tmp:
        root = Path(tmp)
        note("corpus and ComParE features")
        corpus = build_corpus(root)
        encoders = []
        for name, method in ENCODERS.items():
            note(f"encoder {name}: {method}")
            encoders.append(build_encoder(root, corpus, name, method))
        served = encoders[0]
        note("cloud classifier")
        cli("cloud", "fit", str(corpus.features), str(corpus.table), "--encoder", str(served.folder), "-o", str(root / "cloud"))
        models = {e.name: EdgeModel.load(e.onnx, threads=1) for e in encoders}
        if models[served.name].names_digest != names_digest(corpus.names):
            raise RuntimeError("the exported encoder's feature names do not match the corpus features")

        sizes, wire_bytes = bytes_rows(corpus, models)
        note("encode latency")
        latency = latency_rows(corpus, encoders, models, args.calls)

        messages = features_messages(corpus, models[served.name])
        pools = [make_pool(messages, 1), make_pool(messages, args.batch)]
        audit_dir, loads = root / "audit", []
        with running_system(root, served, root / "cloud", audit_dir) as (edge, cloud):
            info = httpx.get(f"{edge.url}/v1/info").json()
            if info["names_digest"] != names_digest(corpus.names):
                raise RuntimeError(f"the edge reads other features (digest {info['names_digest']})")
            warmed = warm_up(edge.url, pools)
            peaks_reset = edge.reset_peak()
            for concurrency in concurrencies:
                for pool in pools:
                    note(f"load: concurrency {concurrency}, {pool.kind}, {args.seconds:g} s")
                    loads.append(closed_loop(edge, cloud, pool, concurrency, args.seconds))
        checked = audit(audit_dir, int(info["latent"]))
        audio = []
        for concurrency in (1, 2):
            note(f"audio uploads: concurrency {concurrency}, {args.seconds / 2:g} s")
            audio.append(audio_load(root, served, root / "cloud", [Path(f) for f in corpus.manifest["file"]], concurrency, args.seconds / 2))

    print("## Serving: bytes, encode latency, load and leaks\n")
    print(header(command) + "\n")
    print(f"Synthetic corpus: {len(corpus.manifest)} utterances of {corpus.manifest['speaker'].nunique()} speakers, "
          f"ComParE 2016; served encoder `{ENCODERS[served.name]}` (front end {info['front_end']}, latent {info['latent']}, "
          f"wire {info['wire_dtype']}).\n")
    print("### Bytes per utterance\n")
    print(table(("what", "bytes", "target"), [(what, f"{size:.0f}", target) for what, size, target in sizes], "lrl") + "\n")
    print(f"### Encode latency (batch of 1, one thread, median of {args.calls} calls)\n")
    print(table(("encoder", "latent", "torch (ms/utt)", "ONNX Runtime (ms/utt)", "torch / ONNX", "target (ONNX)"),
                [(name, latent, f"{t:.3f}", f"{o:.3f}", f"{t / o:.1f}", f"<= {ENCODE_TARGET_MS[name]} ms: {met(o <= ENCODE_TARGET_MS[name])}")
                 for name, latent, t, o in latency], "lrrrrl") + "\n")
    print(f"### Closed-loop load ({args.seconds:g} s per row, loopback, every {BAD_EVERY}th request a bad input)\n")
    print(table(("concurrency", "request", "requests", "utt/s (good)", "p50 (ms)", "p99 (ms)", "5xx", "bad -> 4xx",
                 "bad -> other", "good not 200", "edge peak RSS (MiB)", "cloud peak RSS (MiB)"),
                [(r.concurrency, r.kind, len(r.outcomes), f"{r.rate:.0f}", f"{r.percentile_ms(50):.1f}", f"{r.percentile_ms(99):.1f}",
                  r.server_errors, r.bad_refused, r.bad_other, r.good_failed, mib(r.edge_mib), mib(r.cloud_mib)) for r in loads], "rlrrrrrrrrrr"))
    print(f"\nLatency: good requests answered 200, client side. Bad inputs: {', '.join(SPOILERS)} (one spoiled utterance per body). "
          + ("Peak RSS: VmHWM, reset before each row." if peaks_reset else "Peak RSS: VmHWM since the service started (the kernel did not allow a reset).") + "\n")
    print("### The audio path (reported, not targeted: bound by openSMILE at the edge)\n")
    print(table(("concurrency", "uploads", "decided utt/s", "p50 (ms)", "p99 (ms)"),
                [(a["concurrency"], a["uploads"], f"{a['rate']:.1f}", f"{a['p50']:.0f}", f"{a['p99']:.0f}") for a in audio], "rrrrr"))
    print("\nWhole WAV files (mean 65 KB, about 2 s) to an edge started with --accept-audio, which extracts ComParE "
          f"and standardises with each device's enrolment; {args.seconds / 2:g} s per row.\n")
    answered = warmed + sum(r.utterances for r in loads)
    print("### Leak check (the cloud's audit folder)\n")
    print(f"{checked.bodies} bodies, {checked.items} representations of {info['latent']} values; "
          f"good utterances answered 200: {answered} ({'equal' if answered == checked.items else '**differs**'}); leaks: {checked.leaks}\n")
    print("### Targets\n")
    print(table(("target", "result", "met"), targets(latency, wire_bytes[served.name], loads, args.batch, checked), "lll"))


if __name__ == "__main__":
    main()
