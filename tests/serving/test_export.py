"""The model lifecycle: encoder_id, the ONNX graph checked against torch, the cloud card, an edge without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from emoshield.errors import EmoshieldError
from emoshield.privacy import load_encoder
from emoshield.privacy.io import encoder_info
from emoshield.serving import export
from emoshield.serving.edge_model import EdgeModel
from tests.serving.conftest import cli


def test_onnx_graph_matches_torch_and_carries_metadata(artifacts):
    model = EdgeModel.load(artifacts.onnx)
    info = encoder_info(artifacts.encoder)
    assert model.encoder_id == info["encoder_id"] and model.front_end == "speaker" and model.latent == 32
    assert model.n_features == 6373 and model.feature_set == "compare2016"
    assert {"torch_version", "onnxruntime_version", "emoshield_version"} <= set(model.metadata)
    encoder = load_encoder(artifacts.encoder)
    X = (encoder.data_min_ + np.random.default_rng(0).uniform(0, 1, (5, 6373)) * encoder.data_scale_).astype(np.float32)
    np.testing.assert_allclose(model.encode(X), encoder.transform(X), atol=1e-4)


def test_export_refuses_to_write_when_runtimes_disagree(artifacts, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "TOLERANCE", 0.0)
    monkeypatch.setattr(export._EdgeGraph, "forward", lambda self, x: self.layers((x - self.minimum) / self.scale)[:, : self.latent] + 1e-3)
    with pytest.raises(EmoshieldError, match="differs from torch"):
        export.export_encoder(artifacts.encoder, tmp_path / "edge.onnx")
    assert not (tmp_path / "edge.onnx").exists()


def test_encoder_id_is_a_content_hash(artifacts, tmp_path):
    again = cli("encoder", "fit", str(artifacts.features), str(artifacts.manifest), "-o", str(tmp_path / "same"))
    other = cli("encoder", "fit", str(artifacts.features), str(artifacts.manifest), "-o", str(tmp_path / "other"), "--seed", "1")
    ids = [encoder_info(p)["encoder_id"] for p in (artifacts.encoder, tmp_path / "same", tmp_path / "other")]
    assert ids[0] == ids[1] != ids[2], (again.stderr, other.stderr)


def test_a_cloud_holds_classifiers_for_several_encoders(artifacts, tmp_path):
    cli("encoder", "fit", str(artifacts.features), str(artifacts.manifest), "-o", str(tmp_path / "new"), "--method", "adversarial(latent=16)")
    cloud = tmp_path / "cloud"
    for encoder in (artifacts.encoder, tmp_path / "new"):
        cli("cloud", "fit", str(artifacts.features), str(artifacts.manifest), "--encoder", str(encoder), "-o", str(cloud))
    card = json.loads((cloud / "cloud.json").read_text())
    assert set(card["encoders"]) == {encoder_info(artifacts.encoder)["encoder_id"], encoder_info(tmp_path / "new")["encoder_id"]}
    assert {e["latent"] for e in card["encoders"].values()} == {32, 16}


def test_fit_refuses_a_method_that_is_not_an_encoder(artifacts, tmp_path):
    done = cli("encoder", "fit", str(artifacts.features), str(artifacts.manifest), "-o", str(tmp_path / "x"), "--method", "pca", check=False)
    assert done.returncode == 1 and "not a deployable encoder" in done.stderr


def test_the_edge_runs_without_torch(artifacts):
    code = (
        "import sys; from emoshield.serving.edge import EdgeSettings, create_edge_app;"
        "from emoshield.serving.edge_model import EdgeModel;"
        f"m = EdgeModel.load({str(artifacts.onnx)!r});"
        "create_edge_app(EdgeSettings(m, 'http://127.0.0.1:1', 'd' * 20, 'c' * 20));"
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr
