"""The enrolment stores themselves, SQLite and a real redis-server: atomic updates across processes, the bound,
file modes, and the secret they were issued under."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from emoshield.serving.enrolment import Enrolment
from emoshield.serving.store import SQLITE_NAME, EnrolmentStore, StoreError, StoreFull
from emoshield.serving.stores import open_store

DIGEST = "0123456789abcdef"
ROWS = np.random.default_rng(0).normal(size=(600, 5))


@pytest.fixture(params=["sqlite", "redis"])
def spec(request, tmp_path) -> str:
    """The store's --enrolment-store spec: a SQLite file in tmp_path, or a fresh Redis database."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'state' / SQLITE_NAME}"
    return request.getfixturevalue("redis_url")


def _open(spec: str, capacity: int = 100) -> EnrolmentStore:
    return open_store(spec, Path("unused"), DIGEST, capacity)


def _add_rows(spec: str, rows: np.ndarray, barrier) -> None:
    """In another process: each row added to enrolment 'shared' by its own atomic update, starting together."""
    store = _open(spec)
    barrier.wait()
    for row in rows:
        store.update("shared", lambda e, row=row: e.update(row) is e)
    store.close()


def test_two_processes_updating_one_enrolment_lose_no_update(spec):
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(2) as pool:
        barrier = manager.Barrier(2)
        pool.starmap(_add_rows, [(spec, ROWS[0::2], barrier), (spec, ROWS[1::2], barrier)])
    stored = _open(spec).get("shared")
    assert stored is not None and stored.count == len(ROWS)
    np.testing.assert_allclose(stored.mean, ROWS.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(stored.m2 / stored.count, ROWS.var(axis=0), atol=1e-12)


def test_get_put_delete_and_an_update_that_changes_nothing_writes_nothing(spec):
    store = _open(spec)
    assert store.get("a") is None
    state, changed = store.update("a", lambda e: False)
    assert (state.count, changed, store.get("a"), store.count()) == (0, False, None, 0)
    store.put("a", Enrolment(DIGEST).update(ROWS[:3]))
    assert store.get("a").count == 3 and store.count() == 1
    assert store.delete("a") and store.get("a") is None and not store.delete("a")
    store.put("other-features", Enrolment("f" * 16).update(ROWS[:3]))  # statistics of another feature set
    assert _open(spec).get("other-features") is None  # start afresh


def test_a_full_store_keeps_recently_used_enrolments_and_replaces_idle_ones(spec):
    """Issue 29 item 6: 257 uploads under new ids reset a victim's enrolment (least recently used went first,
    however recently); now a new enrolment takes only the place of one idle for keep_seconds."""
    store = _open(spec, capacity=2)
    for key in ("victim", "b"):
        store.put(key, Enrolment(DIGEST).update(ROWS[:2]))
    with pytest.raises(StoreFull, match="2 enrolments"):
        store.put("flood", Enrolment(DIGEST).update(ROWS[:1]))
    assert store.get("victim").count == 2 and store.get("flood") is None
    store.keep_seconds = 0.0  # both are now idle long enough: the least recently used goes
    store.update("b", lambda e: e.update(ROWS[5]) is e)
    store.put("new", Enrolment(DIGEST).update(ROWS[:1]))
    assert store.get("victim") is None and store.get("b").count == 3 and store.count() == 2


def test_a_store_refuses_an_edge_with_another_secret(spec):
    _open(spec).bind_secret("a" * 32)
    _open(spec).bind_secret("a" * 32)  # the same secret: fine (another worker, a restart)
    with pytest.raises(StoreError, match="EMOSHIELD_ENROLMENT_SECRET"):
        _open(spec).bind_secret("b" * 32)


def test_the_sqlite_store_is_private_survives_reopening_and_holds_no_id(tmp_path):
    state = tmp_path / "state"
    store = open_store("", state, DIGEST)
    enrolment_id = "nonce-abc.mac-xyz-capability"
    store.put(enrolment_id, Enrolment(DIGEST).update(ROWS[:4]))
    store.close()
    assert state.stat().st_mode & 0o777 == 0o700
    files = list(state.iterdir())
    assert {f.name for f in files} >= {SQLITE_NAME} and {f.stat().st_mode & 0o777 for f in files} == {0o600}
    assert all(enrolment_id.encode() not in f.read_bytes() for f in files)  # only its SHA-256
    assert open_store("sqlite", state, DIGEST).get(enrolment_id).count == 4


def test_a_bad_store_spec_or_an_unreachable_redis_is_a_clear_error(tmp_path):
    from emoshield.errors import ConfigError
    from tests.serving.conftest import free_port

    with pytest.raises(ConfigError, match="redis://HOST:PORT/DB"):
        open_store("postgres://x", tmp_path, DIGEST)
    with pytest.raises(ConfigError, match="cannot reach Redis"):
        open_store(f"redis://127.0.0.1:{free_port()}/0", tmp_path, DIGEST)
    with pytest.raises(ConfigError, match="EMOSHIELD_REDIS_PASSWORD"):
        open_store("redis://:secret@127.0.0.1:1/0", tmp_path, DIGEST)
