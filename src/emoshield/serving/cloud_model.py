"""The cloud's emotion classifiers, one per accepted encoder, as ONNX files listed in ``cloud.json``.

``fit_cloud`` encodes the training features with the encoder, casts the codes
through the wire dtype (the cloud learns from what it will receive), picks the
RBF SVM's C and gamma on speaker-grouped inner folds (as the evaluation's
emotion model does) and writes the refitted SVM with skl2onnx. A cloud folder
holds a classifier per encoder id, so a new encoder rolls out cloud first, then edge.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import SVC

from emoshield.errors import EmoshieldError
from emoshield.evaluation.selection import inner_folds
from emoshield.evaluation.svm import RbfSvmGrid
from emoshield.files import read_json_card, write_bytes_atomic, write_text_atomic
from emoshield.serving.wire import WIRE_DTYPES

CLOUD_FILE = "cloud.json"
#: Largest difference in class probability allowed between ONNX Runtime and scikit-learn.
TOLERANCE = 1e-4
OPSETS = {"": 17, "ai.onnx.ml": 3}
FORMAT = "emoshield.cloud"


@dataclass
class Classifier:
    """One encoder's classifier: codes (n, latent) -> labels and probabilities."""

    session: object
    labels: list[str]
    latent: int
    dtype: str

    def classify(self, codes: np.ndarray) -> np.ndarray:
        """Class probabilities (n, classes)."""
        return self.session.run(["probabilities"], {"code": np.ascontiguousarray(codes, dtype=np.float32)})[0]


def fit_cloud(codes: np.ndarray, labels: np.ndarray, speakers: np.ndarray, encoder_id: str, folder: str | Path,
              dtype: str = "float16", seed: int = 0) -> dict:
    """Fit and write the classifier for ``encoder_id`` into ``folder``; returns its entry in cloud.json."""
    # skl2onnx: the serve extra, only when a classifier is exported
    from skl2onnx import to_onnx


    labelled = labels != ""
    X = codes[labelled].astype(WIRE_DTYPES[dtype]).astype(np.float32)
    y, groups = labels[labelled], speakers[labelled]
    if len(np.unique(y)) < 2:
        raise EmoshieldError("the cloud classifier needs 2+ emotion classes among the labelled utterances")
    grid = RbfSvmGrid(random_state=seed).fit(X, y, groups)
    svc = SVC(kernel="rbf", C=grid.C_, gamma=grid.gamma_, class_weight="balanced")
    folds = inner_folds(y, groups, seed=seed)  # calibrated on held-out speakers' decisions, as selected
    svm = CalibratedClassifierCV(svc, method="sigmoid", cv=folds, ensemble=False).fit(X, y)
    with warnings.catch_warnings():  # the converter reads SVC attributes that scikit-learn marks deprecated
        warnings.simplefilter("ignore", FutureWarning)
        onnx_model = _rename_input(to_onnx(svm, X[:1], options={id(svm): {"zipmap": False}}, target_opset=OPSETS), "code")
    _check_parity(onnx_model, svm, X)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{encoder_id}.onnx"
    write_bytes_atomic(folder / name, onnx_model.SerializeToString())
    entry = {"model": name, "labels": [str(c) for c in svm.classes_], "latent": int(X.shape[1]), "dtype": dtype,
             "selection": {"C": grid.C_, "gamma": grid.gamma_, "inner_uar": grid.best_score_},
             "n_utterances": int(len(y)), "n_speakers": int(len(np.unique(groups)))}
    card = _read(folder) if (folder / CLOUD_FILE).exists() else {"format": FORMAT, "encoders": {}}
    card["encoders"][encoder_id] = entry
    write_text_atomic(folder / CLOUD_FILE, json.dumps(card, indent=2))
    return entry


def _check_parity(onnx_model, svm, X: np.ndarray) -> None:
    """EmoshieldError unless ONNX Runtime's probabilities match scikit-learn's within ``TOLERANCE``."""
    # ONNX Runtime: the serve extra, only where a classifier runs
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    worst = float(np.max(np.abs(session.run(["probabilities"], {"code": X})[0] - svm.predict_proba(X))))
    if not worst <= TOLERANCE:
        raise EmoshieldError(f"the classifier's ONNX graph differs from scikit-learn by {worst:.3g} (> {TOLERANCE:g}); nothing written")


def _rename_input(model, name: str):
    old = model.graph.input[0].name
    model.graph.input[0].name = name
    for node in model.graph.node:
        node.input[:] = [name if i == old else i for i in node.input]
    return model


def _read(folder: Path) -> dict:
    return read_json_card(folder / CLOUD_FILE, FORMAT, "cloud card", "make one with `emoshield cloud fit`")


def load_cloud(folder: str | Path, threads: int = 1) -> dict[str, Classifier]:
    """Every classifier of a cloud folder, by the encoder id it accepts."""
    # ONNX Runtime: the serve extra, only where a classifier runs
    import onnxruntime as ort

    folder = Path(folder)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    classifiers = {}
    for encoder_id, entry in _read(folder)["encoders"].items():
        try:
            session = ort.InferenceSession(str(folder / entry["model"]), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise EmoshieldError(f"{folder / entry['model']}: cannot load ({exc})") from exc
        classifiers[encoder_id] = Classifier(session, list(entry["labels"]), int(entry["latent"]), str(entry["dtype"]))
    if not classifiers:
        raise EmoshieldError(f"{folder / CLOUD_FILE}: lists no encoder")
    return classifiers
