"""A corpus of the attack study: fixed-size crops of its log-mel spectrograms and IS09 LLDs, with labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from emoshield.attacks.crops import crops
from emoshield.attacks.models import INPUTS, input_shape
from emoshield.errors import ConfigError, FeatureError
from emoshield.features import drop_failed, read_features
from emoshield.features.store import align_sequences

#: Manifest columns leakage is also broken down by, when a corpus has two values or more.
FACETS = ("spontaneity", "intensity")


@dataclass
class StudyCorpus:
    """Per utterance: a log-mel crop (1 × bands × frames), an LLD crop (frames × 32, optional), speaker, gender, emotion."""

    name: str
    spectrograms: np.ndarray
    llds: np.ndarray | None
    speakers: np.ndarray
    genders: np.ndarray
    emotions: np.ndarray
    #: Other ways to break leakage down, where the corpus has them: spontaneity (IEMOCAP), intensity (RAVDESS).
    facets: dict[str, np.ndarray] = field(default_factory=dict)

    def rows(self, speakers: frozenset[str]) -> np.ndarray:
        return np.flatnonzero(np.isin(self.speakers, sorted(speakers)))

    def inputs(self, family: str, features: str = "logmel") -> np.ndarray:
        """The crops a network of ``family`` reads: log-mel or LLD images for a CNN, LLD sequences for the LSTM."""
        shape = input_shape(family, features)
        if shape == INPUTS["lstm"] or features == "lld":
            if self.llds is None:
                raise ConfigError(f"{self.name}: the {family} network reads IS09 LLDs; give the corpus an lld feature file")
            return self.llds if shape == INPUTS["lstm"] else self.llds.transpose(0, 2, 1)[:, None]
        return self.spectrograms

    def codes(self, column: str) -> np.ndarray:
        """Integer codes of ``gender`` or ``emotion`` (sorted label order)."""
        return np.unique(getattr(self, f"{column}s"), return_inverse=True)[1]


def load_study_corpus(name: str, manifest: pd.DataFrame, logmel: Path, lld: Path | None) -> StudyCorpus:
    """A manifest and its frame-level features as crops of the shapes the networks read."""

    table, _ = drop_failed(manifest, logmel)
    if lld is not None:
        table, _ = drop_failed(table, lld)
    bands, frames = INPUTS["vgg"][1], INPUTS["vgg"][2]
    mel = align_sequences(read_features(logmel), table)
    if mel[0].shape[1] != bands:
        raise FeatureError(f"{logmel}: {mel[0].shape[1]} mel bands per frame; the networks read {bands} (features set logmel)")
    spectrograms = crops(mel, frames).transpose(0, 2, 1)[:, None]
    llds = None
    if lld is not None:
        frame = read_features(lld)
        energy = [i for i, c in enumerate(frame.columns) if "energy" in str(c).lower()]
        column = energy[0] if energy else 0
        llds = crops(align_sequences(frame, table), INPUTS["lstm"][0], lambda s: s[:, column])
    facets = {column: table[column].fillna("").to_numpy(dtype=str) for column in FACETS if column in table}
    facets = {column: values for column, values in facets.items() if len(set(values) - {""}) > 1}
    return StudyCorpus(name, spectrograms, llds, table["speaker"].to_numpy(dtype=str),
                       table["gender"].to_numpy(dtype=str), table["emotion"].to_numpy(dtype=str), facets)
