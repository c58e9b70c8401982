"""Where an edge keeps the enrolments of the speakers it is sent audio for: one interface, two stores.

SQLite (the default: one file in the edge's state folder, WAL mode, 0600 in a
0700 folder) serves one machine's worker processes; Redis
(``--enrolment-store redis://host:port/db``) serves replicas on several
machines. Either way an update is one atomic read-modify-write, so two
processes enrolling the same speaker at once lose neither utterance.

A store never holds an enrolment id (a capability: whoever has it owns the
enrolment), only its SHA-256. It holds at most ``capacity`` enrolments: a new one
takes the place of the least recently used, but never of one used within
``keep_seconds`` (then the new one is refused, ``StoreFull``), so that a flood of
new enrolments cannot push out the people using the edge.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from typing import Callable

from emoshield.errors import ConfigError, EmoshieldError
from emoshield.serving.enrolment import Enrolment, EnrolmentError

#: Enrolments a store holds by default (ComParE: about 100 KB each).
CAPACITY = 4096
#: An enrolment used within this many seconds is never pushed out by a new one.
KEEP_SECONDS = 24 * 3600.0
#: The SQLite file's name in the edge's state folder.
SQLITE_NAME = "enrolments.sqlite"
#: A change to an enrolment: mutates it in place, returns whether it changed (only then is it written).
Change = Callable[[Enrolment], bool]


class StoreError(EmoshieldError):
    """The store cannot be reached, or holds enrolments issued under another secret."""


class StoreFull(StoreError):
    """Every enrolment the store may hold was used recently: a new one cannot be taken now."""


def store_key(enrolment_id: str) -> str:
    """What a store keys an enrolment by: the SHA-256 of its id, never the id."""
    return hashlib.sha256(enrolment_id.encode()).hexdigest()


class EnrolmentStore(ABC):
    """Enrolments by id, of one feature set (``names_digest``): get, put, delete, and an atomic update."""

    def __init__(self, names_digest: str, capacity: int = CAPACITY, keep_seconds: float = KEEP_SECONDS) -> None:
        if capacity < 1:
            raise ConfigError(f"an enrolment store must hold 1 or more enrolments, got {capacity}")
        self.names_digest = names_digest
        self.capacity = capacity
        self.keep_seconds = keep_seconds

    @property
    @abstractmethod
    def where(self) -> str:
        """The store's location, for messages (a file, or a Redis URL without its password)."""

    @abstractmethod
    def get(self, enrolment_id: str) -> Enrolment | None:
        """The enrolment, or None when the store holds none (or one of another feature set)."""

    def put(self, enrolment_id: str, enrolment: Enrolment) -> None:
        """Write ``enrolment`` under the id (StoreFull when it is new and there is no room): an update that
        replaces what is stored."""

        def replace(current: Enrolment) -> bool:
            current.names_digest, current.count = enrolment.names_digest, enrolment.count
            current.mean, current.m2 = enrolment.mean.copy(), enrolment.m2.copy()
            return True

        self.update(enrolment_id, replace)

    @abstractmethod
    def delete(self, enrolment_id: str) -> bool:
        """Forget the enrolment; whether there was one."""

    @abstractmethod
    def update(self, enrolment_id: str, change: Change) -> tuple[Enrolment, bool]:
        """Atomically read the enrolment (a fresh one when absent), apply ``change`` and write it back if it
        changed; the enrolment after, and whether it changed. ``change`` may run again when another process
        wrote the same enrolment meanwhile, so it must only mutate its argument."""

    @abstractmethod
    def count(self) -> int:
        """Enrolments held."""

    @abstractmethod
    def _recorded_secret(self, fingerprint: str) -> str:
        """Record ``fingerprint`` if none is recorded yet; the recorded one."""

    def bind_secret(self, fingerprint: str) -> None:
        """Check that the store's enrolments were issued under the secret whose fingerprint is given (the first
        edge to use a store records it): StoreError otherwise, since the ids it holds would all be refused."""
        if self._recorded_secret(fingerprint) != fingerprint:
            raise StoreError(f"the enrolment store {self.where} holds enrolments issued under another secret: give "
                             "every edge process and replica that shares it the same $EMOSHIELD_ENROLMENT_SECRET "
                             "(or the same state folder), or give this edge a store of its own")

    def close(self) -> None:
        """Release connections."""

    def fresh(self) -> Enrolment:
        return Enrolment(self.names_digest)

    def decode(self, data: bytes | None) -> Enrolment | None:
        """A stored enrolment, or None when absent or of another feature set (it starts afresh)."""
        if data is None:
            return None
        try:
            enrolment = Enrolment.from_bytes(bytes(data))
        except EnrolmentError as exc:
            raise StoreError(f"the enrolment store {self.where}: {exc}") from None
        return enrolment if enrolment.names_digest == self.names_digest else None

    def full(self, used: int) -> StoreFull:
        return StoreFull(f"the edge holds {used} enrolments, its most, each used within the last "
                         f"{self.keep_seconds / 3600:g} h; no new enrolment until one has been idle that long")

    @staticmethod
    def now() -> float:
        return time.time()
