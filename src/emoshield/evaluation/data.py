"""The data an evaluation runs on: features aligned with the manifest columns the protocol needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from emoshield.errors import ManifestError
from emoshield.methods import Method, make_method
from emoshield.types import Target


@dataclass
class Dataset:
    """Features with, per utterance, the target label (``""`` = none), speaker, gender and language."""

    X: np.ndarray
    labels: np.ndarray
    speakers: np.ndarray
    genders: np.ndarray
    languages: np.ndarray

    @classmethod
    def from_manifest(cls, X: np.ndarray, manifest: pd.DataFrame, target: Target) -> "Dataset":
        if len(X) != len(manifest):
            raise ManifestError(f"{len(X)} feature rows for {len(manifest)} manifest rows")
        return cls(
            X=np.asarray(X, dtype=np.float64),
            labels=manifest[target.value].to_numpy(dtype=str),
            speakers=manifest["speaker"].to_numpy(dtype=str),
            genders=manifest["gender"].to_numpy(dtype=str),
            languages=manifest["language"].to_numpy(dtype=str),
        )

    def __post_init__(self) -> None:
        self.speaker_names, self.speaker_index = np.unique(self.speakers, return_inverse=True)

    def attributes(self, index: np.ndarray) -> pd.DataFrame:
        """What a method may use at fit time for the utterances ``index``."""
        return pd.DataFrame(
            {
                "speaker": self.speakers[index],
                "gender": self.genders[index],
                "language": self.languages[index],
                "label": self.labels[index],
            }
        )

    def fit_method(self, spec: str, seed: int, index: np.ndarray) -> Method:
        """The method ``spec`` fit on the utterances ``index`` (features and attributes)."""
        return make_method(spec, seed).fit(self.X[index], self.attributes(index))

    def release(self, model: Method, index: np.ndarray) -> np.ndarray:
        """What the fitted ``model`` releases for the utterances ``index`` (their attributes go along)."""
        return model.transform(self.X[index], self.attributes(index))

    @property
    def has_languages(self) -> bool:
        return len(np.unique(self.languages)) >= 2

    def speakers_per(self, attribute: np.ndarray) -> dict[str, int]:
        """How many speakers each value of a per-utterance attribute (gender, language) has."""
        return {str(v): len(np.unique(self.speakers[attribute == v])) for v in np.unique(attribute)}


@dataclass(frozen=True)
class Released:
    """What a fitted method releases for each speaker set of a privacy task."""

    fit: np.ndarray  # the method's own training speakers
    learn: np.ndarray  # the attackers' speakers (never seen by the method)
    test: np.ndarray  # the scored speakers (never seen by the method or the attackers)
