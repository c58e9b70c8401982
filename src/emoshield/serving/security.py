"""Bearer tokens, body size limits and rate limits for the services.

Tokens come from an environment variable or a file, never from the command
line (where ``ps`` shows them); a service keeps only their SHA-256 and compares
digests in constant time. Limits answer 413 and 429 (with ``Retry-After``)
before the request reaches a handler.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from emoshield.errors import ConfigError
from emoshield.files import private_folder

#: Environment variables holding the two tokens.
DEVICE_TOKEN_ENV = "EMOSHIELD_DEVICE_TOKEN"  # device -> edge
CLOUD_TOKEN_ENV = "EMOSHIELD_CLOUD_TOKEN"  # edge -> cloud
#: A token shorter than this is refused: it could be guessed.
MIN_TOKEN_LENGTH = 16
#: The edge's secret for enrolment ids, shared by replicas (else one is drawn at start).
ENROLMENT_SECRET_ENV = "EMOSHIELD_ENROLMENT_SECRET"
#: The file in the edge's state folder holding its secret when the environment gives none.
SECRET_FILE = "enrolment.secret"
#: Seconds a request's whole body may take to arrive.
BODY_SECONDS = 20.0


def read_token(env: str, file: Path | None) -> str:
    """The token in ``file`` (first line) or else in the environment variable ``env``; ConfigError if neither."""
    if file is not None:
        try:
            token = Path(file).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{file}: cannot read the token ({exc.strerror})") from None
        where = str(file)
    else:
        token, where = os.environ.get(env, "").strip(), f"${env}"
        if not token:
            raise ConfigError(f"no token: set {env} or give a token file (tokens are never taken from the command line)")
    if len(token) < MIN_TOKEN_LENGTH:
        raise ConfigError(f"{where}: the token is {len(token)} characters; use {MIN_TOKEN_LENGTH} or more")
    return token


class TokenCheck:
    """Holds a token's SHA-256 and tells whether an ``Authorization`` header carries it."""

    def __init__(self, token: str) -> None:
        self._digest = hashlib.sha256(token.encode()).digest()

    def allows(self, authorization: str | None) -> bool:
        scheme, _, given = (authorization or "").partition(" ")
        offered = hashlib.sha256(given.strip().encode()).digest()
        return hmac.compare_digest(offered, self._digest) and scheme.lower() == "bearer"


@dataclass
class RateLimit:
    """A token bucket per client: ``rate`` requests per second, bursts up to ``burst``."""

    rate: float
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _swept: float = 0.0

    def wait(self, client: str) -> float:
        """0 when ``client`` may go on (a token is taken), else seconds until it may."""
        now = time.monotonic()
        with self._lock:
            self._forget_idle(now)
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        """Drop clients whose bucket has refilled (they are as if new), at most once a second."""
        if now - self._swept < 1.0:
            return
        self._swept = now
        full = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}


class EnrolmentIds:
    """Enrolment ids the edge issues: a random part and its HMAC under the edge's secret, so that an id is a
    capability (whoever holds it owns that enrolment) and an id the edge did not issue is refused.

    The secret comes from ``EMOSHIELD_ENROLMENT_SECRET`` (replicas on several machines share it), else from
    a file in the edge's state folder, drawn on its first start (0600): the worker processes of one machine
    share it, and ids outlive a restart as the enrolments in the store do.
    """

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    @classmethod
    def load(cls, state_dir: Path) -> "EnrolmentIds":
        """The ids of the shared secret (``$EMOSHIELD_ENROLMENT_SECRET``), else of ``state_dir``'s."""
        shared = os.environ.get(ENROLMENT_SECRET_ENV, "").strip()
        if shared:
            if len(shared) < MIN_TOKEN_LENGTH:
                raise ConfigError(f"${ENROLMENT_SECRET_ENV} is {len(shared)} characters; use {MIN_TOKEN_LENGTH} or more")
            return cls(shared.encode())
        return cls(_state_secret(Path(state_dir) / SECRET_FILE))

    def fingerprint(self) -> str:
        """A digest of the secret that tells secrets apart and gives nothing of them (what a store records)."""
        return hmac.new(self._secret, b"emoshield enrolment store", hashlib.sha256).hexdigest()[:32]

    def _mac(self, nonce: str) -> str:
        digest = hmac.new(self._secret, nonce.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:22]

    def issue(self) -> str:
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(nonce)}"

    def issued(self, enrolment: str) -> bool:
        nonce, _, mac = enrolment.partition(".")
        return bool(nonce) and len(enrolment) <= 64 and hmac.compare_digest(mac.encode(), self._mac(nonce).encode())


def _state_secret(path: Path) -> bytes:
    """The secret in ``path``, drawn and written (0600, in a 0700 folder) when there is none; processes
    starting at once all read the one that was written first."""
    try:
        private_folder(path.parent)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(32))
        for _ in range(100):  # another process may have created it and not yet written it
            secret = path.read_text().strip()
            if secret:
                return secret.encode()
            time.sleep(0.01)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read or create the edge's enrolment secret ({exc.strerror})") from None
    raise ConfigError(f"{path}: the edge's enrolment secret file is empty; delete it (every enrolment id is then refused)")


def tls_client_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """What a client here trusts: the system's CAs (or ``ca_file``'s), TLS 1.2 or later, names checked."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _problem(status: int, message: str, headers: dict[str, str] | None = None) -> tuple[int, list, bytes]:
    body = json.dumps({"detail": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return status, raw, body


class Guard:
    """ASGI middleware: the bearer token, a body size limit per path prefix and a rate limit per client address.

    A request to ``/v1/`` without the token is answered 401 before anything else: its body is
    never read and it takes nothing from the rate limit. A body declared larger than its limit
    is refused before it is read; a body sent without a length (chunked) is counted as it
    arrives and refused once over. Bodies are read here whole (they are at most a few MB) and
    handed to the app; a body that has not arrived within ``body_seconds`` is answered 408 (a
    client that trickles its body holds no worker for long).
    """

    def __init__(self, app, limits: dict[str, int], default_limit: int, rate: RateLimit | None,
                 token: TokenCheck | None = None, body_seconds: float = BODY_SECONDS) -> None:
        self.app = app
        self.limits = limits
        self.default_limit = default_limit
        self.rate = rate
        self.token = token
        self.body_seconds = body_seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if self.token is not None and path.startswith("/v1/"):
            authorization = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
            if not self.token.allows(authorization):
                return await _respond(send, *_problem(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}))
        if self.rate is not None and path.startswith("/v1/"):
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.rate.wait(client)
            if wait > 0:
                return await _respond(send, *_problem(429, "rate limit exceeded; retry later", {"Retry-After": str(max(1, round(wait + 0.5)))}))
        limit = next((v for k, v in self.limits.items() if path.startswith(k)), self.default_limit)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                return await _respond(send, *_problem(400, "Content-Length is not a number"))
            if too_large:
                return await _respond(send, *_problem(413, f"body of {int(declared)} bytes is over the limit of {limit} bytes"))
        body = bytearray()
        deadline = time.monotonic() + self.body_seconds
        while True:  # the bodies here are small: read them whole, then hand them on
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                return await _respond(send, *_problem(408, f"the body did not arrive within {self.body_seconds:g} s"))
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                return await _respond(send, *_problem(413, f"body is over the limit of {limit} bytes"))
            if not message.get("more_body", False):
                break
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _respond(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
