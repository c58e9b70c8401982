"""A fitted encoder as a folder: ``config.json`` (plain JSON) and ``weights.pt`` (tensors only).

``weights.pt`` is a ``torch.save`` of a flat ``{name: tensor}`` dict and is read
with ``torch.load(weights_only=True)``, which refuses anything but tensors and
plain containers: loading a folder cannot run code. Neither file names the
training speakers (heads keep only their number of classes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from emoshield import __version__
from emoshield.errors import EmoshieldError
from emoshield.files import read_json_card
from emoshield.methods.statistics import LABEL_MODEL, Priors
from emoshield.privacy.encoder import AdversarialEncoder
from emoshield.privacy.model import EncoderConfig
from emoshield.privacy.train import Schedule, torch_threads

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.pt"
FORMAT = "emoshield.privacy.AdversarialEncoder"
_SCALING = ("data_min_", "data_scale_")


def save_encoder(encoder: AdversarialEncoder, folder: str | Path, front_end: str = "minmax",
                 priors: Priors = Priors()) -> Path:
    """Write a fitted encoder to ``folder`` (created if needed); returns the folder.

    ``front_end``: what its input is (``minmax``: features as extracted; ``speaker``: features
    standardised with their speaker's enrolment statistics first, shrunk toward ``priors``, which
    are saved too). ``config.json`` gains an ``encoder_id``, a content hash of the configuration
    and the weights.
    """
    check_is_fitted(encoder, "model_")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    params = encoder.get_params()
    params["config"] = asdict(params["config"] or EncoderConfig())
    params["adversaries"] = list(params["adversaries"])
    params["schedule"] = Schedule(params["schedule"]).value
    names = getattr(encoder, "feature_names_in_", None)
    meta = {
        "format": FORMAT,
        "emoshield_version": __version__,
        "params": params,
        "heads": encoder.heads_,
        "n_features": encoder.n_features_in_,
        "feature_names": None if names is None else [str(n) for n in names],
        "feature_set": encoder.feature_set_,
        "front_end": front_end,
        "front_end_priors": {"prior": float(priors.prior), "mean_prior": float(priors.mean_prior),
                             **({"labels": priors.labels} if priors.labels else {})},
        "history": encoder.history_,
    }
    tensors = {f"model.{k}": v.detach().clone() for k, v in encoder.model_.state_dict().items()}
    tensors |= {f"scaling.{a}": torch.as_tensor(getattr(encoder, a)) for a in _SCALING}
    if priors.used:
        tensors |= {"front.centre": torch.as_tensor(priors.centre), "front.variance": torch.as_tensor(priors.variance)}
    if priors.labels:
        tensors |= {f"front.{name}": torch.as_tensor(getattr(priors, name)) for name in LABEL_MODEL}
    meta["encoder_id"] = encoder_id(meta, tensors)
    torch.save(tensors, folder / WEIGHTS_FILE)
    (folder / CONFIG_FILE).write_text(json.dumps(meta, indent=2, default=_plain))
    return folder


def load_encoder(folder: str | Path) -> AdversarialEncoder:
    """Read a folder written by ``save_encoder``; EmoshieldError naming the file when it cannot."""
    folder = Path(folder)
    meta = _read_config(folder / CONFIG_FILE)
    params = dict(meta["params"])
    config = EncoderConfig(**params.pop("config"))
    encoder = AdversarialEncoder(config=config, **{**params, "adversaries": tuple(params["adversaries"])})
    tensors = _read_weights(folder / WEIGHTS_FILE)
    encoder.heads_ = {k: int(v) for k, v in meta["heads"].items()}
    encoder.n_features_in_ = int(meta["n_features"])
    if meta["feature_names"] is not None:
        encoder.feature_names_in_ = np.array(meta["feature_names"], dtype=object)
    encoder.feature_set_ = meta["feature_set"]
    encoder.history_ = meta.get("history", [])
    for name in _SCALING:
        setattr(encoder, name, tensors.pop(f"scaling.{name}").numpy())
    tensors = {k: v for k, v in tensors.items() if not k.startswith("front.")}
    with torch_threads(encoder.threads):
        model = encoder.network()
        state = {k.removeprefix("model."): v for k, v in tensors.items()}
        try:
            model.load_state_dict(state)
        except RuntimeError as exc:
            raise EmoshieldError(f"{folder / WEIGHTS_FILE}: weights do not match {CONFIG_FILE} ({exc})") from exc
    encoder.model_ = model.eval()
    return encoder


def encoder_id(meta: dict, tensors: dict[str, torch.Tensor]) -> str:
    """16 hex digits of a SHA-256 over what defines the encoder: parameters, features, front end, weights."""
    digest = hashlib.sha256()
    defining = {k: meta[k] for k in ("params", "heads", "n_features", "feature_names", "feature_set", "front_end")}
    if any(meta.get("front_end_priors", {}).get(key) for key in ("prior", "mean_prior", "labels")):
        defining["front_end_priors"] = meta["front_end_priors"]  # (encoders saved without priors keep their id)
    digest.update(json.dumps(defining, sort_keys=True, default=_plain).encode())
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(tensors[name].detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def load_priors(folder: str | Path) -> Priors:
    """The speaker front end's priors saved beside an encoder (none for one saved without)."""
    folder = Path(folder)
    weights = dict(_read_config(folder / CONFIG_FILE).get("front_end_priors") or {})
    prior, mean_prior = float(weights.get("prior", 0.0)), float(weights.get("mean_prior", 0.0))
    labels = int(weights.get("labels", 0))
    if not (prior or mean_prior or labels):
        return Priors()
    tensors = _read_weights(folder / WEIGHTS_FILE)
    needed = (["front.centre", "front.variance"] if prior or mean_prior else []) + (
        [f"front.{name}" for name in LABEL_MODEL] if labels else [])
    missing = [name for name in needed if name not in tensors]
    if missing:
        raise EmoshieldError(f"{folder / WEIGHTS_FILE}: a front end named in {CONFIG_FILE} but no {', '.join(missing)}")
    arrays = {name.removeprefix("front."): tensors[name].numpy().astype(np.float64) for name in needed}
    return Priors(prior, mean_prior, **arrays)


def encoder_info(folder: str | Path) -> dict:
    """The checked ``config.json`` of a saved encoder folder (``encoder_id``, ``front_end``, feature names...)."""
    return _read_config(Path(folder) / CONFIG_FILE)


def _read_config(path: Path) -> dict:
    meta = read_json_card(path, FORMAT, "encoder config", "not a saved encoder folder")
    saved = str(meta.get("emoshield_version", ""))
    if saved.split(".")[0] != __version__.split(".")[0]:
        raise EmoshieldError(f"{path}: saved by emoshield {saved or '?'}, this is {__version__} (major differs)")
    return meta


def _read_weights(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise EmoshieldError(f"{path}: no such file; the encoder folder has no weights")
    try:
        tensors = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a bad or unsafe file
        raise EmoshieldError(f"{path}: cannot read encoder weights ({exc})") from exc
    if not isinstance(tensors, dict) or not all(isinstance(v, torch.Tensor) for v in tensors.values()):
        raise EmoshieldError(f"{path}: not a flat dict of tensors")
    missing = [f"scaling.{a}" for a in _SCALING if f"scaling.{a}" not in tensors]
    if missing:
        raise EmoshieldError(f"{path}: missing {', '.join(missing)}")
    return tensors


def _plain(value):
    """JSON for numpy scalars given as parameters."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
