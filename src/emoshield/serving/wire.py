"""What crosses the network: typed, versioned messages with base64 arrays, and nothing else.

Device -> edge: :class:`Features` (one utterance's functionals, their feature set
and a digest of the feature names). Edge -> cloud: :class:`Representation` (the
privacy-enhanced code, the id of the encoder that made it, a request id; no user
or device id). Cloud -> edge -> device: :class:`Decision`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import replace
from typing import Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from emoshield.errors import EmoshieldError
from emoshield.methods.statistics import LABEL_MODEL, Priors

#: The version of these messages; a service refuses any other.
SCHEMA_VERSION = 1
#: Floating-point types a code may travel in.
WIRE_DTYPES: dict[str, type[np.floating]] = {"float16": np.float16, "float32": np.float32}
#: Largest code and feature vector accepted.
MAX_LATENT = 4096
MAX_FEATURES = 16384
#: Most utterances in one request.
MAX_BATCH = 256
_ID = r"^[A-Za-z0-9_-]{1,64}$"


class WireError(EmoshieldError):
    """A message that parsed but does not hold what it claims (length, values, encoder)."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)

    schema_version: int

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"schema_version {value} is not supported; this service speaks {SCHEMA_VERSION}")
        return value


class Representation(_Message):
    """One utterance's code as the cloud receives it."""

    encoder_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    latent: int = Field(ge=1, le=MAX_LATENT)
    dtype: Literal["float16", "float32"]
    values: str = Field(max_length=(MAX_LATENT * 4 * 4) // 3 + 4)
    request_id: str = Field(pattern=_ID)

    def array(self) -> np.ndarray:
        """The code as float32; WireError when its length or values are wrong."""
        return decode_array(self.values, self.dtype, self.latent, f"representation {self.request_id}")


class RepresentationBatch(_Message):
    items: list[Representation] = Field(min_length=1, max_length=MAX_BATCH)


class Features(_Message):
    """One utterance's functionals as the device sends them to the edge."""

    feature_set: str = Field(max_length=64)
    names_digest: str = Field(pattern=r"^[0-9a-f]{16}$")
    n_features: int = Field(ge=1, le=MAX_FEATURES)
    dtype: Literal["float32"] = "float32"
    values: str = Field(max_length=(MAX_FEATURES * 4 * 4) // 3 + 4)
    standardised: bool = False  # standardised on the device with the speaker's own enrolment statistics
    request_id: str = Field(default_factory=lambda: uuid.uuid4().hex, pattern=_ID)

    def array(self) -> np.ndarray:
        return decode_array(self.values, self.dtype, self.n_features, f"utterance {self.request_id}")


class FeaturesBatch(_Message):
    items: list[Features] = Field(min_length=1, max_length=MAX_BATCH)


class Decision(BaseModel):
    """The cloud's answer for one utterance."""

    request_id: str
    label: str
    confidence: float
    probabilities: dict[str, float]


class Sent(BaseModel):
    """What one hop carried for one utterance: its size, shape and type."""

    bytes: int
    shape: list[int]
    dtype: str


class EdgeResult(BaseModel):
    """The edge's answer per utterance: the decision and exactly what went to the cloud."""

    decision: Decision
    to_cloud: Representation
    to_cloud_bytes: int
    from_device: Sent


def names_digest(names: Sequence[str]) -> str:
    """16 hex digits naming an ordered list of feature names (so a mismatched set is caught)."""
    return hashlib.sha256("\n".join(str(n) for n in names).encode()).hexdigest()[:16]


def encode_array(values: np.ndarray, dtype: str) -> str:
    """Base64 of ``values`` cast to ``dtype``, little-endian."""
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.dtype(WIRE_DTYPES[dtype]).newbyteorder("<")).tobytes()).decode()


def decode_array(text: str, dtype: str, length: int, where: str) -> np.ndarray:
    """The ``length`` values of ``dtype`` in base64 ``text``, as float32; WireError otherwise."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WireError(f"{where}: values are not valid base64") from None
    kind = np.dtype(WIRE_DTYPES[dtype]).newbyteorder("<")
    if len(raw) != length * kind.itemsize:
        raise WireError(f"{where}: values hold {len(raw) // kind.itemsize} {dtype} numbers, expected {length}")
    return check_finite(np.frombuffer(raw, dtype=kind).astype(np.float32), where)


def check_finite(values: np.ndarray, where: str) -> np.ndarray:
    """``values`` unchanged; WireError naming ``where`` when any is NaN or infinite."""
    bad = int(values.size - np.count_nonzero(np.isfinite(values)))
    if bad:
        raise WireError(f"{where}: {bad} value(s) are NaN or infinite")
    return values


def represent(code: np.ndarray, encoder_id: str, dtype: str, request_id: str) -> Representation:
    """The message carrying one utterance's ``code``."""
    return Representation(
        schema_version=SCHEMA_VERSION, encoder_id=encoder_id, latent=int(code.shape[-1]), dtype=dtype,
        values=encode_array(code, dtype), request_id=request_id,
    )


def features_message(values: np.ndarray, feature_set: str, names: Sequence[str], standardised: bool) -> Features:
    """The message carrying one utterance's functionals."""
    return Features(
        schema_version=SCHEMA_VERSION, feature_set=feature_set, names_digest=names_digest(names),
        n_features=int(values.shape[-1]), values=encode_array(values, "float32"), standardised=standardised,
    )


def front_end_message(priors: Priors) -> dict:
    """The front end's priors as JSON: weights, the training speakers' statistics and the label model
    (``labels`` > 0) as float32 base64."""
    message: dict = {"prior": 0.0, "mean_prior": 0.0, "centre": "", "variance": "", "n_features": 0, "labels": 0}
    if priors.used:
        message |= {"prior": priors.prior, "mean_prior": priors.mean_prior, "n_features": int(len(priors.centre)),
                    "centre": encode_array(priors.centre, "float32"),
                    "variance": encode_array(priors.variance, "float32")}
    if priors.labels:
        message |= {"labels": priors.labels, "n_features": int(priors.shifts.shape[1]),
                    **{name: encode_array(np.ravel(getattr(priors, name)), "float32") for name in LABEL_MODEL}}
    return message


def front_end_from(message: dict, where: str) -> Priors:
    """The priors a ``front_end_message`` (or an exported graph's metadata, by the same names) carries."""
    prior, mean_prior = float(message.get("prior", 0.0)), float(message.get("mean_prior", 0.0))
    labels = int(message.get("labels", 0) or 0)
    if not (prior or mean_prior or labels):
        return Priors()
    n = int(message["n_features"])

    def array(name: str, length: int) -> np.ndarray:
        return decode_array(message[name], "float32", length, f"{where}: {name}").astype(np.float64)

    priors = Priors(prior, mean_prior, array("centre", n), array("variance", n)) if prior or mean_prior else Priors()
    if labels:
        priors = replace(priors, shifts=array("shifts", labels * n).reshape(labels, n),
                         weights=array("weights", labels * n).reshape(labels, n), bias=array("bias", labels))
    return priors
