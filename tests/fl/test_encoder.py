"""The privacy encoder trained by federation (emoshield.fl.encoder), on the synthetic corpus."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from emoshield.backends import Compute
from emoshield.errors import ConfigError
from emoshield.features import read_features
from emoshield.fl.encoder import Z_LOW, Z_SPAN, federate
from emoshield.methods import make_method
from emoshield.privacy import build_encoder
from emoshield.privacy.train import Schedule, seeded, train


@pytest.fixture(scope="module")
def data(corpus, egemaps_path) -> tuple[np.ndarray, pd.DataFrame]:
    manifest = corpus[1]
    X = read_features(egemaps_path).loc[manifest["file"]].to_numpy(np.float32)
    attributes = manifest[["speaker", "gender", "language"]].astype(str).assign(label=manifest["emotion"].astype(str))
    return X, attributes.reset_index(drop=True)


def test_one_client_for_one_round_is_central_training(data):
    """FedAvg of a single client is that client's model: the local recipe is the central one."""
    X, attributes = data
    one = attributes["speaker"] == attributes["speaker"].iloc[0]
    encoder = build_encoder(seed=0, schedule="constant", epochs=2)
    scaled, targets, speakers = encoder.prepare(X[one], None, attributes[one].reset_index(drop=True))
    settings = encoder._settings()
    with seeded(0):
        federated = encoder.network()
        federate(federated, scaled, targets, speakers, settings, rounds=1, local_epochs=2, seed=5)
    with seeded(0):
        central = encoder.network()
        train(central, scaled, targets, replace(settings, schedule=Schedule.CONSTANT), int(np.random.default_rng(5).integers(1 << 30)))
    for (name, a), b in zip(federated.state_dict().items(), central.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name  # global + (local - global) rounds in float32


def test_the_federated_encoder_learns_over_rounds_and_reads_a_fixed_scale(data):
    X, attributes = data
    method = make_method("fl_adversarial(rounds=4, local_epochs=2)", seed=0).fit(X, attributes)
    codes = method.transform(X, attributes)
    encoder = method.steps[-1].encoder
    assert codes.shape == (len(X), encoder.model_.latent_size) and np.isfinite(codes).all()
    assert (encoder.data_min_ == Z_LOW).all() and (encoder.data_scale_ == Z_SPAN).all()  # nothing fitted on everybody
    history = method.steps[-1].history_
    assert len(history) == 4 and history[-1]["reconstruction"] < history[0]["reconstruction"]  # the rounds learn


def test_distributed_dp_noise_changes_the_model(data):
    X, attributes = data
    plain = make_method("fl_adversarial(rounds=2, local_epochs=1)", seed=0).fit(X, attributes)
    noisy = make_method("fl_adversarial(rounds=2, local_epochs=1, noise=1.0, clip=0.5)", seed=0).fit(X, attributes)
    assert not np.allclose(plain.transform(X, attributes), noisy.transform(X, attributes))


@pytest.mark.parametrize("spec, message", [
    ("fl_adversarial(adversaries=[speaker, gender])", "speaker adversary"),
    ("fl_adversarial(front_end=minmax)", "front_end=speaker"),
    ("fl_adversarial(rounds=0)", "rounds and local_epochs >= 1"),
    ("fl_adversarial(noise=1, clip=0)", "clip > 0"),
])
def test_settings_a_federation_cannot_honour_are_refused(spec, message):
    with pytest.raises(ConfigError, match=message):
        make_method(spec, seed=0)


@pytest.mark.slow
def test_the_command_compares_the_federated_encoder_with_the_central_one(tmp_path):
    """`emoshield fl encoder`, as a user runs it: both encoders through the evaluation protocol, ε under DP."""
    import json
    import subprocess
    import sys

    from emoshield.features import FeatureSet, extract_features, write_features
    from emoshield.synthetic import SyntheticSpec, generate_corpus

    manifest = generate_corpus(tmp_path / "corpus", SyntheticSpec(n_speakers=12, utterances_per_speaker=6, seed=1))
    frame = extract_features(manifest["file"].tolist(), FeatureSet.EGEMAPS, Compute(workers=1), cache_dir=False).frame
    features = write_features(frame, tmp_path / "egemaps.parquet")
    result = subprocess.run(
        [sys.executable, "-m", "emoshield", "fl", "encoder", str(features), str(tmp_path / "corpus/manifest.csv"),
         "--repeats", "1", "--rounds", "2", "--local-epochs", "1", "--noise", "1", "--attackers", "logreg,knn",
         "--workers", "1", "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out/report.json").read_text())
    spec = "fl_adversarial(rounds=2,local_epochs=1,noise=1,clip=1)"
    assert [r["method"] for r in report["results"]] == ["raw", "adversarial", spec]
    assert "federated − central valence UAR" in result.stdout and "federated − central gender leakage" in result.stdout
    assert "DP z = 1, 2 rounds, 11 clients: ε" in result.stdout


def test_the_gaps_to_the_central_encoder_are_judged_in_the_right_direction():
    from emoshield.evaluation.metrics import MetricSummary
    from emoshield.evaluation.summary import MethodResult
    from emoshield.fl.encoder import compare_with_central

    def result(method: str, uar: float, gender: float) -> MethodResult:
        return MethodResult(method, {"emotion_uar": MetricSummary(uar, 0.01, 3, 0.5),
                                     "gender_leakage": MetricSummary(gender, 0.01, 3, 0.5)})

    lower_uar_less_leakage = compare_with_central([result("adversarial", 0.80, 0.60), result("fl", 0.76, 0.55)], "fl", 0, 30, 9)
    assert "emotion UAR: -4.0 points" in lower_uar_less_leakage and "missed" in lower_uar_less_leakage.splitlines()[0]
    assert "gender leakage: -5.0 points" in lower_uar_less_leakage and "met" in lower_uar_less_leakage.splitlines()[1]
    more_leakage = compare_with_central([result("adversarial", 0.80, 0.60), result("fl", 0.79, 0.66)], "fl", 0, 30, 9)
    assert more_leakage.splitlines()[0].endswith("met)") and more_leakage.splitlines()[1].endswith("missed)")
