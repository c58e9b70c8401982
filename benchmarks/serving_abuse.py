"""Good clients beside hostile ones: does the edge hold? (issue 29, the abuse benchmark)

On loopback only, against real ``emoshield serve cloud`` and ``emoshield serve
edge --accept-audio`` subprocesses built as ``benchmarks/serving.py`` builds
them (synthetic corpus, ComParE, the default encoder):

1. **Undisturbed**: good clients (``--concurrency``, default 4) send single
   utterances' features (``POST /v1/features``) for ``--seconds``.
2. **Hostile**: the same good clients for ``--seconds`` beside
   - 100 slow connections sending their headers a byte a second (slowloris),
   - unauthenticated 10 MiB bodies, 2 a second,
   - 1 MiB headers, 2 a second,
   - authenticated uploads declaring odd sample rates (1,000,003 Hz, 160,001 Hz, 96 kHz, 4 kHz), 2 a second,
   - enrolment flooding: new ids as fast as given, an upload under each one given,
   - tampering: uploads and deletions under forged or altered ids of the owners' enrolments, 2 a second.

Reported: the good clients' utterances/s and p99 both ways, the edge's peak RSS
(VmHWM, reset before each run), 5xx answers, what each hostile kind got back,
and whether any owner's enrolment (enrolled before the run) changed. Every
client stops at its deadline; every socket has a timeout. The services run
without a per-address rate limit (``--rate-limit 0``): every client here is
127.0.0.1, so a limit would throttle good and hostile alike.

    python benchmarks/serving_abuse.py [--seconds 60] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import io
import secrets
import select
import shlex
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

from emoshield.serving.edge_model import EdgeModel
from emoshield.serving.server import HEADER_SECONDS
from emoshield.serving.stores import open_store
from serving import (  # the sibling script (this folder is on sys.path): the load benchmark's system and load
    LoadResult,
    Pool,
    Service,
    build_default_system,
    client,
    closed_loop,
    features_messages,
    header,
    make_pool,
    met,
    mib,
    note,
    running_system,
    table,
)

#: Targets of the issue (2 cores).
KEEP_THROUGHPUT, P99_MS, PEAK_MIB = 0.5, 250.0, 1024.0
SLOW_CONNECTIONS = 100
BIG_BODY, BIG_HEADER = 10 * 2**20, 2**20
ODD_RATES = (1_000_003, 160_001, 96_000, 4_000)
#: Utterances that only enrol at the benchmark's edge, and the owners enrolled before the run.
ENROL, OWNERS = 3, 4
TIMEOUT = 10.0


@dataclass
class Tally:
    """What one hostile kind got back: answers by status (0: closed without one), and whether each was
    refused as expected."""

    kind: str
    expected: str
    answers: Counter = field(default_factory=Counter)
    refused: int = 0
    note: str = ""

    def record(self, status: int, refused: bool) -> None:
        self.answers[status] += 1
        self.refused += refused

    @property
    def attempts(self) -> int:
        return sum(self.answers.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.answers.items() if status >= 500)


def _status(answer: bytes) -> int:
    """The status of a raw HTTP answer (0 when there is none)."""
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and answer.startswith(b"HTTP/1.1 ") and parts[1].isdigit() else 0


def _connect(url: str) -> socket.socket:
    parsed = httpx.URL(url)
    if parsed.host not in ("127.0.0.1", "localhost"):
        raise RuntimeError(f"{url}: this benchmark talks to loopback only")
    return socket.create_connection((parsed.host, parsed.port), timeout=TIMEOUT)


def _paced(deadline: float, per_second: float, attempt: Callable[[], None]) -> None:
    """``attempt()`` ``per_second`` times a second until ``deadline``."""
    while time.monotonic() < deadline:
        started = time.monotonic()
        attempt()
        time.sleep(max(0.0, 1 / per_second - (time.monotonic() - started)))


def _send_until_answered(sock: socket.socket, head: bytes, chunk: bytes, total: int) -> int:
    """Send ``head`` then ``chunk`` until ``total`` bytes went or the server answers or closes; its status."""
    sent = 0
    try:
        sock.sendall(head)
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break
            sock.sendall(chunk)
            sent += len(chunk)
        sock.settimeout(TIMEOUT)
        return _status(sock.recv(64))
    except OSError:
        try:
            return _status(sock.recv(64))
        except OSError:
            return 0


def slowloris(url: str, deadline: float) -> Tally:
    """SLOW_CONNECTIONS connections each sending a header byte a second; one cut off is opened again."""
    tally = Tally("slow headers (100 connections, a byte a second)", "cut off (408 or closed)")
    opened: dict[socket.socket, float] = {}
    longest = 0.0

    def open_one() -> None:
        sock = _connect(url)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        opened[sock] = time.monotonic()

    for _ in range(SLOW_CONNECTIONS):
        open_one()
    while time.monotonic() < deadline:
        readable = select.select(list(opened), [], [], 0)[0]
        for sock in readable:
            try:
                status = _status(sock.recv(64))
            except OSError:
                status = 0
            longest = max(longest, time.monotonic() - opened.pop(sock))
            sock.close()
            tally.record(status, status in (0, 408))
            open_one()
        for sock in list(opened):
            try:
                sock.send(b"x")
            except OSError:
                pass  # closed by the server: select reports it next round
        time.sleep(1.0)
    young = 0
    for sock, since in opened.items():  # still open: fine while younger than the edge's header deadline
        age = time.monotonic() - since
        longest = max(longest, age)
        if age > HEADER_SECONDS + 2:
            tally.record(-1, False)  # -1: open past the deadline (not bounded)
        else:
            young += 1
        sock.close()
    tally.note = f"longest open {longest:.0f} s; {young} open at the end, younger than the {HEADER_SECONDS:g} s deadline"
    return tally


def big_bodies(url: str, deadline: float) -> Tally:
    """Unauthenticated 10 MiB bodies, 2 a second."""
    tally = Tally("unauthenticated 10 MiB bodies (2/s)", "401 before the body is read")
    head = (f"POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {BIG_BODY}\r\n\r\n").encode()

    def attempt() -> None:
        with _connect(url) as sock:
            status = _send_until_answered(sock, head, b"{" * 65536, BIG_BODY)
        tally.record(status, status == 401)

    _paced(deadline, 2.0, attempt)
    return tally


def big_headers(url: str, deadline: float) -> Tally:
    """1 MiB headers, 2 a second."""
    tally = Tally("1 MiB headers (2/s)", "refused as they arrive (4xx or closed)")

    def attempt() -> None:
        with _connect(url) as sock:
            status = _send_until_answered(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ", b"a" * 16384, BIG_HEADER)
        tally.record(status, status == 0 or 400 <= status < 500)

    _paced(deadline, 2.0, attempt)
    return tally


def odd_rate_wav(rate: int, seconds: float = 0.55) -> bytes:
    """A tone in a WAV file declaring ``rate`` (8-bit, so that high rates stay small)."""
    n = int(rate * seconds)
    buffer = io.BytesIO()
    sf.write(buffer, 0.3 * np.sin(np.arange(n) * 0.05), rate, format="WAV", subtype="PCM_U8")
    return buffer.getvalue()


def odd_rates(url: str, deadline: float) -> Tally:
    """Authenticated uploads declaring sample rates outside 8-48 kHz, 2 a second, under the client's own id."""
    tally = Tally("uploads at odd sample rates (2/s)", "422 naming the rate")
    files = [odd_rate_wav(rate) for rate in ODD_RATES]
    with client(url) as http:
        own = http.post("/v1/enrolments").json()["enrolment"]
        count = 0

        def attempt() -> None:
            nonlocal count
            reply = http.post("/v1/audio", content=files[count % len(files)],
                              headers={"content-type": "audio/wav", "x-enrolment": own})
            tally.record(reply.status_code, reply.status_code == 422 and "Hz" in reply.text)
            count += 1

        _paced(deadline, 2.0, attempt)
    return tally


def flood(url: str, deadline: float, wav: bytes) -> Tally:
    """New enrolment ids as fast as the edge gives them (20 a second asked), an upload under each given."""
    tally = Tally("enrolment flooding (20 ids/s asked, an upload each)", "429 past 20 ids, then 1 per 10 s")
    with client(url) as http:
        def attempt() -> None:
            reply = http.post("/v1/enrolments")
            tally.record(reply.status_code, reply.status_code in (201, 429))
            if reply.status_code == 201:
                upload = http.post("/v1/audio", content=wav, headers={"content-type": "audio/wav",
                                                                      "x-enrolment": reply.json()["enrolment"]})
                tally.record(upload.status_code, upload.status_code == 200)

        _paced(deadline, 20.0, attempt)
    issued = tally.answers[201]
    tally.note = f"{issued} ids issued"
    return tally


def tamper(url: str, deadline: float, owners: list[str], wav: bytes) -> Tally:
    """Uploads and deletions under forged ids and owners' ids with one character changed, 2 a second."""
    tally = Tally("tampering with owners' enrolments (2/s)", "403")
    with client(url) as http:
        count = 0

        def attempt() -> None:
            nonlocal count
            owner = owners[count % len(owners)]
            forged = [owner[:-1] + ("A" if owner[-1] != "A" else "B"), secrets.token_urlsafe(12) + "." + owner.split(".")[1],
                      owner.split(".")[0]]
            target = forged[count % len(forged)]
            if count % 2:
                reply = http.delete(f"/v1/enrolments/{target}")
            else:
                reply = http.post("/v1/audio", content=wav, headers={"content-type": "audio/wav", "x-enrolment": target})
            tally.record(reply.status_code, reply.status_code == 403)
            count += 1

        _paced(deadline, 2.0, attempt)
    return tally


def enrol_owners(url: str, wavs: list[bytes]) -> list[str]:
    """OWNERS speakers enrolled through the audio path (ENROL utterances and one decided), before the runs."""
    owners = []
    with client(url) as http:
        for k in range(OWNERS):
            owner = http.post("/v1/enrolments").json()["enrolment"]
            for data in wavs[k * (ENROL + 1):(k + 1) * (ENROL + 1)]:
                reply = http.post("/v1/audio", content=data, headers={"content-type": "audio/wav", "x-enrolment": owner})
                if reply.status_code != 200:
                    raise RuntimeError(f"enrolling owner {k}: the edge answered {reply.status_code}: {reply.text[:300]}")
            owners.append(owner)
    return owners


def snapshot(state_dir: Path, digest: str, owners: list[str]) -> list[tuple[int, bytes]]:
    """Each owner's stored statistics (count, bytes), read from the edge's SQLite store."""
    store = open_store("sqlite", state_dir, digest)
    try:
        states = [store.get(owner) for owner in owners]
        return [(s.count, s.to_bytes()) if s is not None else (0, b"") for s in states]
    finally:
        store.close()


def hostile_run(edge: Service, cloud: Service, pool: Pool, concurrency: int, seconds: float, owners: list[str],
                wav: bytes) -> tuple[LoadResult, list[Tally]]:
    """The good clients' closed loop while every hostile kind runs in its own thread, all until the deadline."""
    deadline = time.monotonic() + seconds
    kinds: list[tuple[Callable[..., Tally], tuple]] = [
        (slowloris, ()), (big_bodies, ()), (big_headers, ()), (odd_rates, ()), (flood, (wav,)), (tamper, (owners, wav))]
    tallies: list[Tally | None] = [None] * len(kinds)
    failures: list[str] = []

    def run(i: int, kind: Callable[..., Tally], extra: tuple) -> None:
        try:
            tallies[i] = kind(edge.url, deadline, *extra)
        except Exception as exc:  # a hostile client's own failure is reported, never hidden
            failures.append(f"{kind.__name__}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i, kind, extra), daemon=True) for i, (kind, extra) in enumerate(kinds)]
    for thread in threads:
        thread.start()
    good = closed_loop(edge, cloud, pool, concurrency, seconds)
    for thread in threads:
        thread.join(seconds + 2 * TIMEOUT)
    if failures or any(t is None for t in tallies):
        raise RuntimeError("hostile clients failed: " + "; ".join(failures or ["a client did not stop"]))
    return good, [t for t in tallies if t is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each run (undisturbed, hostile)")
    parser.add_argument("--concurrency", type=int, default=4, help="good client threads")
    args = parser.parse_args()
    if args.seconds <= 0 or args.concurrency < 1:
        parser.error("--seconds must be positive and --concurrency 1 or more")
    command = shlex.join(["python", sys.argv[0], *sys.argv[1:]])

    with tempfile.TemporaryDirectory(prefix="emoshield-abuse-") as tmp:
        root = Path(tmp)
        corpus, served, _ = build_default_system(root)
        model = EdgeModel.load(served.onnx)
        singles = make_pool(features_messages(corpus, model), 1)
        good = Pool("single", singles.good, singles.good)  # every pick a good body: no bad inputs here
        wavs = [Path(f).read_bytes() for f in corpus.manifest["file"]]
        state = root / "edge-state"
        with running_system(root, served, root / "cloud", root / "audit", "--accept-audio", "--state-dir", str(state),
                            "--min-enrolment", str(ENROL)) as (edge, cloud):
            owners = enrol_owners(edge.url, wavs)
            before = snapshot(state, model.names_digest, owners)
            note(f"undisturbed: {args.concurrency} good clients, {args.seconds:g} s")
            calm = closed_loop(edge, cloud, good, args.concurrency, args.seconds)
            note(f"hostile: the same good clients beside 6 hostile kinds, {args.seconds:g} s")
            stormy, tallies = hostile_run(edge, cloud, good, args.concurrency, args.seconds, owners, wavs[-1])
            with httpx.Client(base_url=edge.url, timeout=TIMEOUT) as probe:
                alive = probe.get("/healthz").status_code == 200
        after = snapshot(state, model.names_digest, owners)

    changed = sum(b != a for b, a in zip(before, after))
    errors = calm.server_errors + stormy.server_errors + sum(t.server_errors for t in tallies)
    unrefused = sum(t.attempts - t.refused for t in tallies)
    kept = stormy.rate / calm.rate if calm.rate else 0.0
    peak = max((r.edge_mib for r in (calm, stormy) if r.edge_mib is not None), default=None)
    print("## Serving under abuse\n")
    print(header(command) + "\n")
    print(f"Good clients: {args.concurrency} threads of single-utterance `POST /v1/features` (ComParE, the default "
          f"encoder); {args.seconds:g} s per run, loopback, no per-address rate limit (every client is 127.0.0.1).\n")
    print(table(("run", "good requests", "utt/s", "p50 (ms)", "p99 (ms)", "5xx", "not 200", "edge peak RSS (MiB)"),
                [(name, len(r.outcomes), f"{r.rate:.0f}", f"{r.percentile_ms(50):.1f}", f"{r.percentile_ms(99):.1f}",
                  r.server_errors, r.good_failed, mib(r.edge_mib)) for name, r in (("undisturbed", calm), ("hostile", stormy))],
                "lrrrrrrr") + "\n")
    print(table(("hostile client", "attempts", "expected", "as expected", "answers (status: n; 0 = closed, -1 = open past the deadline)", "note"),
                [(t.kind, t.attempts, t.expected, t.refused, ", ".join(f"{s}: {n}" for s, n in sorted(t.answers.items())), t.note)
                 for t in tallies], "lrlrll") + "\n")
    print(f"Owners' enrolments (enrolled before the runs, untouched by their owners since): {changed} of {OWNERS} "
          f"changed; the edge answered /healthz after the run: {alive}.\n")
    print(table(("target", "result", "met"), [
        (f"good throughput >= {KEEP_THROUGHPUT:.0%} of undisturbed", f"{kept:.0%} ({stormy.rate:.0f} of {calm.rate:.0f} utt/s)",
         met(kept >= KEEP_THROUGHPUT)),
        (f"good p99 <= {P99_MS:.0f} ms beside hostile clients", f"{stormy.percentile_ms(99):.1f} ms",
         met(stormy.percentile_ms(99) <= P99_MS)),
        (f"edge peak RSS <= {PEAK_MIB:.0f} MiB", f"{mib(peak)} MiB", met(peak is not None and peak <= PEAK_MIB)),
        ("zero 5xx", str(errors), met(errors == 0)),
        ("every hostile request refused or bounded", f"{unrefused} not as expected", met(unrefused == 0)),
        ("no enrolment changed by anyone but its owner", f"{changed} changed", met(changed == 0)),
    ], "lll"))


if __name__ == "__main__":
    main()
