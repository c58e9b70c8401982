"""``emoshield encoder export``: one ONNX graph from the device's features to the released code.

The graph holds the encoder's min-max scaling and its encoder layers (the mean
half of a variational latent); dropout is off. It is written only when ONNX
Runtime's output matches torch's within ``TOLERANCE`` on probe inputs.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from emoshield import __version__
from emoshield.errors import EmoshieldError
from emoshield.files import write_bytes_atomic
from emoshield.methods.statistics import Priors
from emoshield.privacy import load_encoder
from emoshield.privacy.io import encoder_info, load_priors
from emoshield.serving.wire import front_end_message, names_digest

#: Largest absolute difference allowed between ONNX Runtime and torch.
TOLERANCE = 1e-4
OPSET = 17


class _EdgeGraph(nn.Module):
    def __init__(self, encoder) -> None:
        super().__init__()
        self.register_buffer("minimum", torch.as_tensor(encoder.data_min_, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(encoder.data_scale_, dtype=torch.float32))
        self.layers = encoder.model_.encoder
        self.latent = encoder.model_.latent_size

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.layers((features - self.minimum) / self.scale)[:, : self.latent]


def export_encoder(folder: str | Path, output: str | Path, probes: int = 64, seed: int = 0) -> dict[str, str]:
    """Write the ONNX graph of the encoder saved in ``folder``; returns its metadata.

    EmoshieldError (and nothing written) when ONNX Runtime disagrees with torch.
    """
    # onnx and ONNX Runtime: the serve extra, only when exporting
    import onnx
    import onnxruntime as ort

    info = encoder_info(folder)
    encoder = load_encoder(folder)
    if "encoder_id" not in info:
        raise EmoshieldError(f"{folder}: saved without an encoder_id; fit it again with `emoshield encoder fit`")
    graph = _EdgeGraph(encoder).eval()
    names = info["feature_names"] or [f"f{i}" for i in range(info["n_features"])]
    meta = {
        "encoder_id": info["encoder_id"],
        "feature_set": str(info["feature_set"] or ""),
        "names_digest": names_digest(names),
        "n_features": str(info["n_features"]),
        "latent": str(graph.latent),
        "front_end": info.get("front_end", "minmax"),
        **_front_end_metadata(load_priors(folder)),
        "emoshield_version": __version__,
        "torch_version": torch.__version__,
        "onnxruntime_version": ort.__version__,
    }
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the TorchScript exporter announces its deprecation; its graph is checked below
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, (torch.zeros(1, info["n_features"]),), buffer, input_names=["features"], output_names=["code"],
            dynamic_axes={"features": {0: "batch"}, "code": {0: "batch"}}, opset_version=OPSET, dynamo=False,
        )
    model = onnx.load_from_string(buffer.getvalue())
    onnx.helper.set_model_props(model, meta)
    data = model.SerializeToString()
    rng = np.random.default_rng(seed)
    probe = (encoder.data_min_ + rng.uniform(-0.1, 1.1, (probes, info["n_features"])) * encoder.data_scale_).astype(np.float32)
    expected = encoder.transform(probe)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    got = session.run(None, {"features": probe})[0]
    worst = float(np.max(np.abs(got - expected)))
    if not worst <= TOLERANCE:
        raise EmoshieldError(f"ONNX Runtime differs from torch by {worst:.3g} (> {TOLERANCE:g}); nothing written")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(output, data)
    return {**meta, "max_difference": f"{worst:.3g}"}


def _front_end_metadata(priors: Priors) -> dict[str, str]:
    """The front end's priors and label model as graph metadata (none without either)."""
    if not (priors.used or priors.labels):
        return {}
    return {f"front_end_{key}": str(value) for key, value in front_end_message(priors).items() if key != "n_features"}


def describe(meta: dict[str, str]) -> str:
    return json.dumps(meta, indent=2)
