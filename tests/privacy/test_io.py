"""Save and load a fitted encoder: round trip, and what load refuses."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from emoshield.errors import EmoshieldError, FeatureError
from emoshield.privacy import ATTRIBUTES, AdversarialEncoder, load_encoder, save_encoder

from .conftest import TINY


@pytest.fixture(scope="module")
def fitted(utterances):
    X, attributes = utterances
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.attrs["feature_set"] = "toy"
    return AdversarialEncoder(config=TINY, epochs=3, seed=2, adversaries=ATTRIBUTES).fit(frame, attributes), frame


def test_round_trip_gives_the_same_code(fitted, tmp_path):
    encoder, frame = fitted
    loaded = load_encoder(save_encoder(encoder, tmp_path / "enc"))
    assert np.array_equal(loaded.transform(frame), encoder.transform(frame))
    assert loaded.get_params() == encoder.get_params()
    assert loaded.heads_ == encoder.heads_ and loaded.feature_set_ == "toy"
    assert list(loaded.feature_names_in_) == list(frame.columns)


def test_saved_folder_names_no_training_speaker(fitted, tmp_path):
    encoder, _ = fitted
    save_encoder(encoder, tmp_path)
    config = (tmp_path / "config.json").read_text()
    assert "s03" not in config and json.loads(config)["heads"]["speaker"] == 12


def test_loaded_encoder_refuses_other_feature_names(fitted, tmp_path):
    encoder, frame = fitted
    loaded = load_encoder(save_encoder(encoder, tmp_path))
    with pytest.raises(FeatureError, match="feature 0 is 'pitch'"):
        loaded.transform(frame.rename(columns={"f0": "pitch"}))
    with pytest.raises(FeatureError):
        loaded.check_features(["f0"])


@pytest.mark.parametrize("missing", ["config.json", "weights.pt"])
def test_missing_file_is_named(fitted, tmp_path, missing):
    save_encoder(fitted[0], tmp_path)
    (tmp_path / missing).unlink()
    with pytest.raises(EmoshieldError, match=missing):
        load_encoder(tmp_path)


def test_other_major_version_is_refused(fitted, tmp_path):
    save_encoder(fitted[0], tmp_path)
    meta = json.loads((tmp_path / "config.json").read_text())
    meta["emoshield_version"] = "99.0.0"
    (tmp_path / "config.json").write_text(json.dumps(meta))
    with pytest.raises(EmoshieldError, match="99.0.0"):
        load_encoder(tmp_path)


class _Payload:
    """Something a pickle could construct: must never be loaded."""


def test_weights_that_are_not_plain_tensors_are_refused(fitted, tmp_path):
    save_encoder(fitted[0], tmp_path)
    torch.save({"scaling.data_min_": _Payload()}, tmp_path / "weights.pt")
    with pytest.raises(EmoshieldError, match="weights.pt"):
        load_encoder(tmp_path)


def test_weights_that_do_not_fit_the_config_are_refused(fitted, tmp_path):
    save_encoder(fitted[0], tmp_path)
    tensors = torch.load(tmp_path / "weights.pt", weights_only=True)
    tensors["model.encoder.0.weight"] = torch.zeros(3, 3)
    torch.save(tensors, tmp_path / "weights.pt")
    with pytest.raises(EmoshieldError, match="do not match"):
        load_encoder(tmp_path)
