"""Enrolments in Redis, shared by edge replicas on several machines (``--enrolment-store redis://...``).

Each enrolment is one value under ``emoshield:enrolment:<SHA-256 of its id>``;
a sorted set ``emoshield:enrolments`` holds when each was last used. An update
is optimistic: WATCH the value, read, change, then MULTI/EXEC the write, which
Redis refuses (and the update runs again) when another replica wrote the same
enrolment meanwhile: no update is lost. The capacity is checked before a new
enrolment is written, so replicas racing to add one may pass it by as many as
are racing.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from emoshield.errors import ConfigError
from emoshield.serving.enrolment import Enrolment
from emoshield.serving.store import CAPACITY, KEEP_SECONDS, Change, EnrolmentStore, StoreError, store_key

#: The Redis password, never in the URL (the command line is visible to every user of the machine).
PASSWORD_ENV = "EMOSHIELD_REDIS_PASSWORD"
PREFIX = "emoshield"
#: Times an update is tried again when other replicas keep writing the same enrolment.
RETRIES = 100


class RedisStore(EnrolmentStore):
    """Enrolments in a Redis database (``redis://HOST:PORT/DB``, or ``rediss://`` for TLS)."""

    def __init__(self, url: str, names_digest: str, capacity: int = CAPACITY, keep_seconds: float = KEEP_SECONDS) -> None:
        super().__init__(names_digest, capacity, keep_seconds)
        # redis: only an edge given a Redis store needs it
        import redis

        parsed = urlparse(url)
        if parsed.password:
            raise ConfigError(f"--enrolment-store: put the Redis password in ${PASSWORD_ENV}, not in the URL "
                              "(the command line is visible to every user of the machine)")
        self.url = url
        self._errors = redis.RedisError
        self._conflict = redis.WatchError
        self.client = redis.Redis.from_url(url, password=os.environ.get(PASSWORD_ENV) or None, socket_timeout=5.0,
                                           socket_connect_timeout=5.0)
        try:
            self.client.ping()
        except redis.RedisError as exc:
            raise ConfigError(f"--enrolment-store {url}: cannot reach Redis ({exc})") from None
        self.used_set = f"{PREFIX}:enrolments"

    @property
    def where(self) -> str:
        return self.url

    def _key(self, enrolment_id: str) -> tuple[str, str]:
        hashed = store_key(enrolment_id)
        return hashed, _data_key(hashed)

    def _call(self, work):
        try:
            return work()
        except self._errors as exc:
            raise StoreError(f"the enrolment store {self.url}: {exc}") from None

    def _make_room(self) -> None:
        """Room for one more: the least recently used go if they have been idle long enough, else StoreFull."""
        held = self.client.zcard(self.used_set)
        if held < self.capacity:
            return
        excess = held - self.capacity + 1
        idle = self.client.zrangebyscore(self.used_set, "-inf", self.now() - self.keep_seconds, start=0, num=excess)
        if len(idle) < excess:
            raise self.full(held)
        pipe = self.client.pipeline()
        pipe.delete(*[_data_key(h.decode()) for h in idle])
        pipe.zrem(self.used_set, *idle)
        pipe.execute()

    def get(self, enrolment_id: str) -> Enrolment | None:
        return self.decode(self._call(lambda: self.client.get(self._key(enrolment_id)[1])))

    def delete(self, enrolment_id: str) -> bool:
        hashed, key = self._key(enrolment_id)

        def work() -> bool:
            pipe = self.client.pipeline()
            pipe.delete(key)
            pipe.zrem(self.used_set, hashed)
            return bool(pipe.execute()[0])

        return self._call(work)

    def update(self, enrolment_id: str, change: Change) -> tuple[Enrolment, bool]:
        hashed, key = self._key(enrolment_id)

        def work() -> tuple[Enrolment, bool]:
            with self.client.pipeline() as pipe:
                for _ in range(RETRIES):
                    try:
                        pipe.watch(key)
                        stored = pipe.get(key)
                        enrolment = self.decode(stored) or self.fresh()
                        if not change(enrolment):
                            pipe.unwatch()
                            return enrolment, False
                        if stored is None:
                            self._make_room()
                        pipe.multi()
                        pipe.set(key, enrolment.to_bytes())
                        pipe.zadd(self.used_set, {hashed: self.now()})
                        pipe.execute()
                        return enrolment, True
                    except self._conflict:
                        continue  # another replica wrote this enrolment first: read it again
            raise StoreError(f"the enrolment store {self.url}: enrolment updated by others {RETRIES} times in a row")

        return self._call(work)

    def count(self) -> int:
        return self._call(lambda: self.client.zcard(self.used_set))

    def _recorded_secret(self, fingerprint: str) -> str:
        key = f"{PREFIX}:secret"
        return self._call(lambda: (self.client.set(key, fingerprint, nx=True), self.client.get(key))[1].decode())

    def close(self) -> None:
        self.client.close()


def _data_key(hashed: str) -> str:
    """The Redis key of the enrolment whose id hashes to ``hashed``."""
    return f"{PREFIX}:enrolment:{hashed}"
