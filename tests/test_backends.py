"""The Ray backend runs the same tasks as local processes, with identical results; bad backends fail clearly."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest
import soundfile as sf

from emoshield.backends import CONNECT_TIMEOUT, Backend, Compute, start_ray
from emoshield.errors import ConfigError, EmoshieldError
from emoshield.evaluation import EvaluationSettings, evaluate_methods
from emoshield.features import FeatureSet, extract_features
from tests.evaluation.gaussian import speaker_data
from tests.features.conftest import voice

#: Slow (a Ray instance, and the same work run twice); `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray():
    """A private Ray instance of 2 CPUs for this module, shut down after it."""
    import ray

    start_ray()  # the backend's own start: quiet, no dashboard
    assert ray.cluster_resources().get("CPU", 0) >= 1
    yield ray
    ray.shutdown()


def test_evaluation_on_ray_equals_the_local_processes(local_ray):
    X, manifest = speaker_data(2.0, 1.0, n_speakers=12, utterances=8)
    base = dict(methods=("raw", "speaker_norm"), repeats=1, attackers=("logreg", "knn"), bootstrap=100, emotion_folds=3)
    local = evaluate_methods(X, manifest, EvaluationSettings(**base, compute=Compute(workers=2)))
    on_ray = evaluate_methods(X, manifest, EvaluationSettings(**base, compute=Compute(backend="ray", workers=2)))
    assert [r.method for r in on_ray] == ["raw", "speaker_norm"]
    for a, b in zip(local, on_ray):
        assert a.metrics.keys() == b.metrics.keys() and len(a.metrics) >= 5
        for name in a.metrics:
            assert a.metrics[name] == b.metrics[name], (a.method, name)


def test_extraction_on_ray_equals_the_local_processes(local_ray, tmp_path):
    files = []
    for i in range(6):
        files.append(tmp_path / f"v{i}.wav")
        sf.write(files[-1], voice(0.6, seed=i), 16000, subtype="PCM_16")
    files.append(tmp_path / "missing.wav")
    progress = []
    on_ray = extract_features(files, FeatureSet.EGEMAPS, Compute(backend="ray"), cache_dir=tmp_path / "cache",
                              progress=lambda done, total: progress.append((done, total)))
    local = extract_features(files, FeatureSet.EGEMAPS, Compute(workers=2), cache_dir=False)
    assert on_ray.frame.shape == (6, 88) and [f.reason for f in on_ray.failures] == ["no such file"]
    np.testing.assert_array_equal(on_ray.frame.to_numpy(), local.frame.to_numpy())
    assert list(on_ray.frame.index) == list(local.frame.index)
    assert progress[-1] == (7, 7)
    cached = extract_features(files, FeatureSet.EGEMAPS, Compute(workers=1), cache_dir=tmp_path / "cache")
    assert cached.cached == 6  # the Ray workers filled the same cache


def test_an_unknown_backend_lists_the_choices():
    with pytest.raises(ConfigError, match="unknown backend 'spark'; choose one of local, ray"):
        Compute("spark")
    with pytest.raises(ConfigError, match="unknown backend 'spark'"):
        EvaluationSettings.from_recipe({"backend": "spark"})
    with pytest.raises(ConfigError, match="is for --backend ray"):
        Compute(Backend.LOCAL, address="10.0.0.1:6379")


def test_a_cluster_address_that_does_not_answer_fails_within_seconds():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(EmoshieldError, match=f"Ray cluster at 127.0.0.1:{port} does not answer"):
        start_ray(f"127.0.0.1:{port}")
    assert time.monotonic() - start < CONNECT_TIMEOUT + 2
    with pytest.raises(ConfigError, match="expected host:port"):
        start_ray("nonsense")
    X, manifest = speaker_data(2.0, 1.0)
    settings = EvaluationSettings(methods=("raw",), compute=Compute("ray", address=f"127.0.0.1:{port}"))
    with pytest.raises(EmoshieldError, match="does not answer"):  # before any fit, even one read from a checkpoint
        evaluate_methods(X, manifest, settings)
