"""The model lifecycle's fits: the privacy encoder on all the speakers given, then the cloud's classifier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from emoshield.errors import ConfigError
from emoshield.evaluation.data import Dataset
from emoshield.features import align_features, drop_failed
from emoshield.methods import Chain, SpeakerNorm, make_method
from emoshield.privacy import AdversarialEncoder
from emoshield.types import Target

#: Encoder methods that can be deployed: one encoder, optionally behind the speaker front end.
DEPLOYABLE = ("ae", "ae_emotion", "adversarial", "adversarial_ali")


def training_data(frame: pd.DataFrame, manifest: pd.DataFrame, features_path: Path, target: Target) -> tuple[pd.DataFrame, Dataset]:
    """Features as a named frame in manifest order, and the per-utterance attributes."""
    manifest, _ = drop_failed(manifest, features_path)
    X = align_features(frame, manifest)
    named = pd.DataFrame(X, columns=[str(c) for c in frame.columns])
    named.attrs["feature_set"] = frame.attrs.get("feature_set")
    return named, Dataset.from_manifest(X, manifest, target)


def fit_encoder(features: pd.DataFrame, data: Dataset, method: str, seed: int = 0):
    """The encoder of ``method`` fit on every utterance, and its front end (``minmax`` or ``speaker``)."""

    model = make_method(method, seed)
    steps = model.steps if isinstance(model, Chain) else (model,)
    *front, encoder = steps
    if not isinstance(encoder, AdversarialEncoder) or not all(isinstance(s, SpeakerNorm) for s in front) or len(front) > 1:
        raise ConfigError(f"--method {method!r} is not a deployable encoder; use one of {', '.join(DEPLOYABLE)} (with parameters)")
    attributes = data.attributes(np.arange(len(data.X)))
    X = features
    if front:
        X = pd.DataFrame(front[0].transform(features.to_numpy(), attributes), columns=features.columns)
        X.attrs = dict(features.attrs)
    encoder.fit(X, attributes)
    return encoder, ("speaker" if front else "minmax")


def device_view(features: pd.DataFrame, data: Dataset, front_end: str) -> np.ndarray:
    """What the device sends for training utterances: standardised per speaker for the speaker front end."""
    X = features.to_numpy(dtype=np.float32)
    if front_end == "speaker":
        return SpeakerNorm().transform(X, data.attributes(np.arange(len(X)))).astype(np.float32)
    return X
