"""The edge's model at run time: the exported ONNX graph and its metadata (ONNX Runtime, no torch)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emoshield.errors import EmoshieldError
from emoshield.methods.statistics import LABEL_MODEL, Priors
from emoshield.serving.wire import front_end_from

#: Metadata every exported graph carries.
REQUIRED = ("encoder_id", "feature_set", "names_digest", "n_features", "latent", "front_end")


@dataclass
class EdgeModel:
    """An exported encoder: ``encode`` maps (n, n_features) float32 features to (n, latent) codes."""

    session: object
    encoder_id: str
    feature_set: str
    names_digest: str
    n_features: int
    latent: int
    front_end: str
    metadata: dict[str, str]
    priors: Priors = Priors()

    @property
    def small_metadata(self) -> dict[str, str]:
        """The metadata without the front end's arrays (statistics and label model: n_features numbers each)."""
        arrays = {f"front_end_{name}" for name in ("centre", "variance", *LABEL_MODEL)}
        return {k: v for k, v in self.metadata.items() if k not in arrays}

    @classmethod
    def load(cls, path: str | Path, threads: int = 1) -> "EdgeModel":
        # ONNX Runtime: the serve extra, loaded only by the edge service
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise EmoshieldError(f"{path}: no such file; export one with `emoshield encoder export`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ONNX Runtime raises its own types for a bad file
            raise EmoshieldError(f"{path}: not an ONNX model ({exc})") from exc
        meta = dict(session.get_modelmeta().custom_metadata_map)
        missing = [k for k in REQUIRED if k not in meta]
        if missing:
            raise EmoshieldError(f"{path}: not an emoshield edge encoder (metadata lacks {', '.join(missing)})")
        message = {k.removeprefix("front_end_"): v for k, v in meta.items() if k.startswith("front_end_")}
        priors = front_end_from({**message, "n_features": meta["n_features"]}, str(path))
        return cls(session, meta["encoder_id"], meta["feature_set"], meta["names_digest"], int(meta["n_features"]),
                   int(meta["latent"]), meta["front_end"], meta, priors)

    def encode(self, features: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"features": np.ascontiguousarray(features, dtype=np.float32)})[0]
