"""Running a service under uvicorn: one process, or N worker processes on one socket, with bounded clients.

Bounds on what a client may hold: the request line and headers may hold
``MAX_HEADER_BYTES`` (h11), must all arrive within ``header_seconds`` of the
connection (or of their first byte on a kept-alive connection; ``HeadDeadline``),
an idle kept-alive connection is closed after ``KEEP_ALIVE_SECONDS``, and at most
``MAX_CONCURRENT`` connections and requests are in flight (503 beyond). The body's
deadline is the Guard's (``security.Guard``).

With ``workers`` > 1 the parent binds the socket, builds the app once to check
its settings (a bad one fails here, not in a loop of dying workers), then
uvicorn's supervisor runs the workers; each builds its own app from the same
picklable ``build`` and reports when it accepts connections. The ready file is
written once every worker does.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from emoshield.errors import EmoshieldError
from emoshield.files import write_text_atomic
from emoshield.progress import console

#: The most a request's line and headers may hold (a bearer token and a few headers need ~1 KiB).
MAX_HEADER_BYTES = 32 * 1024
#: Connections and requests in flight; beyond, uvicorn answers 503 (memory stays bounded).
MAX_CONCURRENT = 512
#: Seconds a kept-alive connection may stay idle between requests.
KEEP_ALIVE_SECONDS = 5
#: Seconds a request's line and headers may take to arrive.
HEADER_SECONDS = 10.0
#: What a client that was too slow with its headers is told before the connection closes.
HEAD_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
#: An ASGI app's builder; it must pickle (a module-level function, or functools.partial of one) for workers.
Build = Callable[[], Any]


def head_deadline(seconds: float) -> type:
    """uvicorn's h11 protocol with a deadline for the request line and headers (uvicorn has none: a client
    sending one header byte a second kept its connection for ever). The clock starts when the connection
    opens, and on a kept-alive connection at the next request's first byte; it stops once the headers are in."""
    # uvicorn, h11: the serve extra, only when a service starts
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadDeadline(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_timer = self.loop.call_later(seconds, self._head_too_slow)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
            if waiting and self._head_timer is None:
                self._head_timer = self.loop.call_later(seconds, self._head_too_slow)
            elif not waiting:
                self._stop_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.write(HEAD_TIMEOUT)
                self.transport.close()

    return HeadDeadline


def _config(app: Any, log_level: str, certfile: Path | None, keyfile: Path | None, trusted_proxies: str,
            header_seconds: float, workers: int = 1):
    """uvicorn's settings for a service; TLS 1.2 or later."""
    # uvicorn: the serve extra, only when a service starts
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, ssl_certfile=certfile, ssl_keyfile=keyfile, workers=workers,
                            server_header=False, date_header=False, timeout_keep_alive=KEEP_ALIVE_SECONDS,
                            http=head_deadline(header_seconds), h11_max_incomplete_event_size=MAX_HEADER_BYTES,
                            access_log=False, limit_concurrency=MAX_CONCURRENT,
                            proxy_headers=bool(trusted_proxies), forwarded_allow_ips=trusted_proxies or None)
    return config


def _server(build: Build, settings: dict[str, Any]):
    """A uvicorn server for a freshly built app (in this process)."""
    # uvicorn: the serve extra, only when a service starts
    import uvicorn

    config = _config(build(), **settings)
    config.load()
    if config.ssl is not None:
        config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2
    return uvicorn.Server(config)


def _when_started(server, then: Callable[[], None]) -> None:
    """Call ``then`` (in a thread) once ``server`` accepts connections."""
    def wait() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if server.started:
            then()

    threading.Thread(target=wait, daemon=True).start()


def _worker(build: Build, settings: dict[str, Any], started: Path, sockets: list[socket.socket] | None) -> None:
    """One worker process: build the app, serve the inherited socket, say so in ``started`` once it accepts."""
    server = _server(build, settings)
    _when_started(server, lambda: (started / str(os.getpid())).touch())
    server.run(sockets=sockets)


def serve(build: Build, host: str, port: int, ready_file: Path | None, certfile: Path | None = None,
          keyfile: Path | None = None, log_level: str = "info", trusted_proxies: str = "", workers: int = 1,
          header_seconds: float = HEADER_SECONDS) -> None:
    """Run the app ``build`` makes in ``workers`` processes; once they accept connections, write
    ``{"url", "port", "pid"}`` to ``ready_file``.

    ``X-Forwarded-For`` is believed only from ``trusted_proxies`` (comma-separated addresses; none by
    default: a client could name any address and pass the rate limit).
    """
    if (certfile is None) != (keyfile is None):
        raise EmoshieldError("TLS needs both --ssl-certfile and --ssl-keyfile")
    if workers < 1:
        raise EmoshieldError(f"--workers must be 1 or more, got {workers}")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise EmoshieldError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    bound = sock.getsockname()[1]
    url = f"{'https' if certfile else 'http'}://{host if ':' not in host else f'[{host}]'}:{bound}"
    settings = dict(log_level=log_level, certfile=certfile, keyfile=keyfile, trusted_proxies=trusted_proxies,
                    header_seconds=header_seconds)

    def announce() -> None:
        processes = f"{workers} worker processes, " if workers > 1 else ""
        console.print(f"serving on {url} ({processes}{'TLS' if certfile else 'plain HTTP, no TLS'}); stop with Ctrl-C",
                      highlight=False, soft_wrap=True)
        if ready_file is not None:
            write_text_atomic(Path(ready_file), json.dumps({"url": url, "port": bound, "pid": os.getpid()}))

    if workers == 1:
        server = _server(build, settings)
        _when_started(server, announce)
        server.run(sockets=[sock])
        return
    # uvicorn: the serve extra, only when a service starts
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    build()  # the settings checked once here, where an error stops the command
    with tempfile.TemporaryDirectory(prefix="emoshield-workers-") as started:
        def all_started() -> None:
            while len(os.listdir(started)) < workers:
                time.sleep(0.05)
            announce()

        threading.Thread(target=all_started, daemon=True).start()
        # what the supervisor itself reads (the worker count, logging); it travels to each worker, so nothing
        # that does not pickle: the workers make their own settings
        supervisor = uvicorn.Config("emoshield.serving:app", workers=workers, log_level=log_level)
        sock.set_inheritable(True)
        sock.listen(2048)
        Multiprocess(supervisor, target=functools.partial(_worker, build, settings, Path(started)), sockets=[sock]).run()
