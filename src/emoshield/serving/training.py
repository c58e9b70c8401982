"""The model lifecycle's fits: the privacy encoder on all the speakers given, then the cloud's classifier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from emoshield.errors import ConfigError
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.enrolment import EnrolmentSettings
from emoshield.features import align_features, drop_failed
from emoshield.methods import Method, SpeakerNorm, make_method
from emoshield.privacy import AdversarialEncoder
from emoshield.privacy.io import encoder_info, load_priors
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


def fit_encoder(features: pd.DataFrame, data: Dataset, method: str, seed: int = 0) -> tuple[Method, SpeakerNorm | None]:
    """The encoder of ``method`` fit on every utterance, and its fitted speaker front end (None: min-max)."""
    model = make_method(method, seed)
    *front, encoder = getattr(model, "steps", (model,))
    if not isinstance(encoder, AdversarialEncoder) or not all(isinstance(s, SpeakerNorm) for s in front) or len(front) > 1:
        raise ConfigError(f"--method {method!r} is not a deployable encoder; use one of {', '.join(DEPLOYABLE)} (with parameters)")
    model.fit(features.to_numpy(), data.attributes(np.arange(len(data.X))))
    encoder.feature_names_in_ = np.array([str(c) for c in features.columns], dtype=object)
    encoder.feature_set_ = features.attrs.get("feature_set")
    return encoder, (front[0] if front else None)


def saved_front_end(folder: Path) -> SpeakerNorm | None:
    """The speaker front end saved beside an encoder (None for one that reads features as extracted)."""
    if encoder_info(folder).get("front_end", "minmax") != "speaker":
        return None
    return SpeakerNorm.with_priors(load_priors(folder))


def device_view(features: pd.DataFrame, data: Dataset, front: SpeakerNorm | None) -> np.ndarray:
    """What devices send for the training utterances: each standardised as a device would (the evaluation's
    enrolment, ``evaluation.enrolment``) for the speaker front end, as extracted otherwise."""
    X = features.to_numpy(dtype=np.float32)
    if front is None:
        return X
    return data.release(front, np.arange(len(X)), EnrolmentSettings()).astype(np.float32)
