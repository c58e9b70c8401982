"""The default enrolment store: one SQLite file (WAL mode) that an edge's worker processes share.

An update is a ``BEGIN IMMEDIATE`` transaction (SQLite's write lock, across
processes): read, change, write, commit. The file and its WAL are 0600 in a
0700 folder; it survives a restart.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from emoshield.errors import ConfigError
from emoshield.files import private_folder
from emoshield.serving.enrolment import Enrolment
from emoshield.serving.store import CAPACITY, KEEP_SECONDS, Change, EnrolmentStore, StoreError, store_key

#: How long a process waits for another's write lock (seconds).
BUSY_SECONDS = 30.0
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS enrolments (key TEXT PRIMARY KEY, data BLOB NOT NULL, used REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS enrolments_used ON enrolments (used)",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


class SqliteStore(EnrolmentStore):
    """Enrolments in a SQLite file; one connection per process, used by one thread at a time."""

    def __init__(self, path: Path, names_digest: str, capacity: int = CAPACITY, keep_seconds: float = KEEP_SECONDS) -> None:
        super().__init__(names_digest, capacity, keep_seconds)
        self.path = Path(path)
        try:
            private_folder(self.path.parent)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # 0600 before SQLite writes a byte
            os.close(descriptor)
            os.chmod(self.path, 0o600)  # its WAL and shared-memory files take the database's mode
            self._db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for statement in SCHEMA:
                self._db.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{self.path}: cannot open the enrolment store ({exc})") from None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return str(self.path)

    def _transaction(self, work):
        """``work(db)`` inside one write transaction (all or nothing), this process's threads one at a time."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(self._db)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                raise StoreError(f"the enrolment store {self.path}: {exc}") from None

    def _write(self, db: sqlite3.Connection, key: str, enrolment: Enrolment, new: bool) -> None:
        if new:
            self._make_room(db)
        db.execute("INSERT INTO enrolments (key, data, used) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                   "data = excluded.data, used = excluded.used", (key, enrolment.to_bytes(), self.now()))

    def _make_room(self, db: sqlite3.Connection) -> None:
        """Room for one more: the least recently used go if they have been idle long enough, else StoreFull."""
        held = db.execute("SELECT COUNT(*) FROM enrolments").fetchone()[0]
        if held < self.capacity:
            return
        idle = db.execute("SELECT key FROM enrolments WHERE used < ? ORDER BY used LIMIT ?",
                          (self.now() - self.keep_seconds, held - self.capacity + 1)).fetchall()
        if len(idle) < held - self.capacity + 1:
            raise self.full(held)
        db.executemany("DELETE FROM enrolments WHERE key = ?", idle)

    def _read(self, db: sqlite3.Connection, key: str) -> bytes | None:
        row = db.execute("SELECT data FROM enrolments WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def get(self, enrolment_id: str) -> Enrolment | None:
        with self._lock:
            return self.decode(self._read(self._db, store_key(enrolment_id)))

    def delete(self, enrolment_id: str) -> bool:
        key = store_key(enrolment_id)
        return self._transaction(lambda db: db.execute("DELETE FROM enrolments WHERE key = ?", (key,)).rowcount > 0)

    def update(self, enrolment_id: str, change: Change) -> tuple[Enrolment, bool]:
        key = store_key(enrolment_id)

        def work(db: sqlite3.Connection) -> tuple[Enrolment, bool]:
            stored = self._read(db, key)
            enrolment = self.decode(stored) or self.fresh()
            changed = change(enrolment)
            if changed:
                self._write(db, key, enrolment, stored is None)
            return enrolment, changed

        return self._transaction(work)

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM enrolments").fetchone()[0]

    def _recorded_secret(self, fingerprint: str) -> str:
        def work(db: sqlite3.Connection) -> str:
            db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('secret', ?)", (fingerprint,))
            return db.execute("SELECT value FROM meta WHERE name = 'secret'").fetchone()[0]

        return self._transaction(work)

    def close(self) -> None:
        with self._lock:
            self._db.close()
