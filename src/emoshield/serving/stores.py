"""Which enrolment store a ``--enrolment-store`` spec names (``serving.store`` is the interface both implement)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from emoshield.errors import ConfigError
from emoshield.serving.store import CAPACITY, SQLITE_NAME, EnrolmentStore
from emoshield.serving.store_redis import RedisStore
from emoshield.serving.store_sqlite import SqliteStore


def open_store(spec: str, state_dir: Path, names_digest: str, capacity: int = CAPACITY) -> EnrolmentStore:
    """The store ``spec`` names: empty or ``sqlite`` (a file in ``state_dir``), ``sqlite:///PATH`` or
    ``redis://HOST:PORT/DB`` (``rediss://`` for TLS; its password from ``$EMOSHIELD_REDIS_PASSWORD``)."""
    parsed = urlparse(spec)
    if spec in ("", "sqlite"):
        return SqliteStore(Path(state_dir) / SQLITE_NAME, names_digest, capacity)
    if parsed.scheme == "sqlite" and parsed.path:
        return SqliteStore(Path(parsed.path), names_digest, capacity)
    if parsed.scheme in ("redis", "rediss"):
        return RedisStore(spec, names_digest, capacity)
    raise ConfigError(f"--enrolment-store {spec!r}: give sqlite (the default: a file in the state folder), "
                      "sqlite:///PATH or redis://HOST:PORT/DB")
