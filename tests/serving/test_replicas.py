"""One enrolment through several edge processes (issue 29 item 7): two edges sharing a real redis-server or one
SQLite file, an edge restarted, an edge of two workers. The statistics equal those of a single edge."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from emoshield.serving.enrolment import Enrolment
from emoshield.serving.security import EnrolmentIds
from emoshield.serving.stores import open_store
from tests.serving.conftest import TOKENS, Service, cli, device, new_enrolment, speaker_files, start, upload

#: Utterances that only enrol (--min-enrolment).
ENROL = 3
SECRET = {"EMOSHIELD_ENROLMENT_SECRET": "replicas-share-this-secret-" + "s" * 16}


def _edge_args(artifacts, cloud: Service, *extra: str) -> tuple[str, ...]:
    return ("edge", "--encoder", str(artifacts.onnx), "--cloud-url", cloud.url, "--accept-audio", "--min-enrolment",
            str(ENROL), *extra)


def _stored(spec: str, state_dir: Path, digest: str, enrolment_id: str) -> Enrolment:
    enrolment = open_store(spec, state_dir, digest).get(enrolment_id)
    assert enrolment is not None, (spec, state_dir)
    return enrolment


@pytest.mark.parametrize("kind", ["redis", "sqlite"])
def test_one_enrolment_through_two_edge_processes_is_that_of_a_single_edge(kind, artifacts, tmp_path, request):
    """Enrol through edge A, go on through edge B (the decision comes out on B), restart B and go on: the
    decisions and the statistics are those of one edge that saw the same utterances."""
    cloud = start(tmp_path, "cloud", "cloud", "--model", str(artifacts.cloud))
    if kind == "redis":  # replicas on different machines: each its own folder, the store and the secret shared
        spec, env = request.getfixturevalue("redis_url"), SECRET
        a_args = _edge_args(artifacts, cloud, "--enrolment-store", spec, "--state-dir", str(tmp_path / "a-state"))
        b_args = _edge_args(artifacts, cloud, "--enrolment-store", spec, "--state-dir", str(tmp_path / "b-state"))
    else:  # two processes of one machine: one state folder (its SQLite file and its secret)
        spec, env = "sqlite", {}
        a_args = b_args = _edge_args(artifacts, cloud, "--state-dir", str(tmp_path / "shared-state"))
    single = start(tmp_path, "single", *_edge_args(artifacts, cloud))
    edges = {"a": start(tmp_path, "a", *a_args, env=env), "b": start(tmp_path, "b", *b_args, env=env)}
    files = speaker_files(artifacts)
    try:
        with device(edges["a"].url) as a, device(edges["b"].url) as b, device(single.url) as alone:
            digest = a.get("/v1/info").json()["names_digest"]
            shared, own = new_enrolment(a), new_enrolment(alone)
            replies = [upload(edge, data, shared) for edge, data in zip((a, a, b, b, b), files)]
            reference = [upload(alone, data, own) for data in files[:5]]
        edges["b"].stop()
        edges["b"] = start(tmp_path, "b-again", *b_args, env=env)
        with device(edges["b"].url) as b, device(single.url) as alone:
            replies.append(upload(b, files[5], shared))
            reference.append(upload(alone, files[5], own))
    finally:
        for service in (*edges.values(), single, cloud):
            service.stop()
    assert [r.status_code for r in replies + reference] == [200] * 12, [r.text for r in replies if r.status_code != 200]
    assert [r.json()["enrolment"]["count"] for r in replies] == [1, 2, 3, 4, 5, 6]
    assert [r.json()["result"] is None for r in replies] == [True] * ENROL + [False] * (6 - ENROL)
    for mine, theirs in zip(replies[ENROL:], reference[ENROL:]):  # decided on B with the statistics A began
        got, want = mine.json()["result"]["decision"], theirs.json()["result"]["decision"]
        assert got["label"] == want["label"] and got["probabilities"] == pytest.approx(want["probabilities"], abs=1e-6)
    together = _stored(spec, tmp_path / "shared-state", digest, shared)
    one = _stored("sqlite", tmp_path / "single-state", digest, own)
    assert together.count == one.count == 6
    np.testing.assert_allclose(together.mean, one.mean, rtol=1e-12)
    np.testing.assert_allclose(together.m2, one.m2, rtol=1e-12)


def _workers(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor ``pid`` runs (its multiprocessing children but the tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_an_edge_of_two_workers_keeps_one_enrolment(artifacts, tmp_path):
    """`serve edge --workers 2`: two processes on one port share the SQLite store; uploads from many
    connections at once, to either worker, all count."""
    cloud = start(tmp_path, "cloud", "cloud", "--model", str(artifacts.cloud), "--workers", "2")
    edge = start(tmp_path, "workers", *_edge_args(artifacts, cloud, "--workers", "2", "--max-extractions", "4"))
    files = speaker_files(artifacts)
    try:
        assert len(_workers(edge.process.pid)) == 2 and len(_workers(cloud.process.pid)) == 2
        assert f"serving on {edge.url} (2 worker processes, plain HTTP" in edge.log.read_text()
        with device(edge.url) as client:
            digest, shared = client.get("/v1/info").json()["names_digest"], new_enrolment(client)

        def send(i: int) -> int:
            with device(edge.url) as client:  # a connection of its own: either worker may take it
                return upload(client, files[i % len(files)], shared).status_code

        first = [send(i) for i in range(ENROL)]
        with ThreadPoolExecutor(4) as pool:
            rest = list(pool.map(send, range(ENROL, 12)))
    finally:
        edge.stop()
        cloud.stop()
    assert first + rest == [200] * 12
    assert _stored("sqlite", tmp_path / "workers-state", digest, shared).count == 12


def test_edges_sharing_a_store_must_share_the_secret(artifacts, redis_url, tmp_path):
    """Ids issued under one secret are refused under another: an edge (of one or more workers) pointed at a
    store whose enrolments another secret issued stops at once and says why."""
    from emoshield.serving.edge_model import EdgeModel

    digest = EdgeModel.load(artifacts.onnx).names_digest
    open_store(redis_url, tmp_path, digest).bind_secret(EnrolmentIds(SECRET["EMOSHIELD_ENROLMENT_SECRET"].encode()).fingerprint())
    other = {**TOKENS, "EMOSHIELD_ENROLMENT_SECRET": "another-secret-altogether-" + "o" * 16}
    for workers in ("1", "2"):
        done = cli("serve", "edge", "--encoder", str(artifacts.onnx), "--cloud-url", "http://127.0.0.1:9", "--accept-audio",
                   "--enrolment-store", redis_url, "--state-dir", str(tmp_path / "state"), "--workers", workers,
                   "--port", "0", env=other, check=False, timeout=120)
        assert done.returncode == 1 and "another secret" in done.stderr and "EMOSHIELD_ENROLMENT_SECRET" in done.stderr, done.stderr
