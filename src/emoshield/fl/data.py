"""Utterances as arrays a client trains on: functionals (n, d) or padded sequences (n, T, d).

Every speaker standardises its own features with its own statistics (per-client
standardisation): no statistic ever crosses from one speaker to another, so
held-out speakers cannot leak into training and a device needs nothing from the
server to normalise (docs/fl.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emoshield.features import align_features, align_sequences, pad_batch
from emoshield.fl.errors import FederatedError


@dataclass(frozen=True)
class Samples:
    """Inputs, their valid lengths (1 for functionals), integer labels, and who spoke each."""

    X: np.ndarray
    lengths: np.ndarray
    y: np.ndarray
    speakers: np.ndarray
    genders: np.ndarray
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.y)

    @property
    def sequential(self) -> bool:
        return self.X.ndim == 3

    @property
    def n_features(self) -> int:
        return int(self.X.shape[-1])

    def subset(self, positions: np.ndarray) -> "Samples":
        p = np.asarray(positions, dtype=np.int64)
        return Samples(self.X[p], self.lengths[p], self.y[p], self.speakers[p], self.genders[p], self.classes)

    def of_speakers(self, speakers: list[str] | np.ndarray) -> "Samples":
        return self.subset(np.flatnonzero(np.isin(self.speakers, np.asarray(speakers, dtype=str))))

    def save(self, path: str | Path) -> Path:
        """Plain arrays in an .npz (no pickle): what simulated clients read."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, X=self.X, lengths=self.lengths, y=self.y, speakers=self.speakers,
                 genders=self.genders, classes=np.asarray(self.classes, dtype=str))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Samples":
        path = Path(path)
        if not path.is_file():
            raise FederatedError(f"{path}: no prepared client data")
        with np.load(path, allow_pickle=False) as z:
            return cls(z["X"], z["lengths"], z["y"], z["speakers"], z["genders"], tuple(z["classes"].tolist()))


def prepare_samples(
    frame: pd.DataFrame, manifest: pd.DataFrame, target: str = "emotion", max_frames: int = 300,
    per_speaker: bool = True,
) -> Samples:
    """Align features with the manifest, drop rows without a label, standardise per speaker.

    ``per_speaker=False`` standardises with statistics pooled over every speaker in the
    file instead; only for studies where no speaker is held out (e.g. how much the
    per-speaker choice hides from the update attack), since it mixes speakers' statistics.
    """
    if target not in manifest.columns:
        raise FederatedError(f"manifest has no {target!r} column to learn")
    labelled = manifest[manifest[target].fillna("").astype(str) != ""].reset_index(drop=True)
    if labelled.empty:
        raise FederatedError(f"manifest has no utterance with a {target!r} label")
    speakers = np.asarray(labelled["speaker"].astype(str), dtype=str)
    groups = speakers if per_speaker else np.zeros(len(speakers), dtype=str)
    if isinstance(frame.index, pd.MultiIndex):
        sequences = [s[:max_frames] for s in align_sequences(frame, labelled)]
        sequences = _standardise_sequences(sequences, groups)
        X, lengths = pad_batch(sequences)
    else:
        X = _standardise_rows(align_features(frame, labelled).astype(np.float64), groups).astype(np.float32)
        lengths = np.ones(len(X), dtype=np.int64)
    classes = tuple(sorted(labelled[target].astype(str).unique()))
    y = np.searchsorted(np.asarray(classes), labelled[target].astype(str).to_numpy()).astype(np.int64)
    return Samples(X, lengths, y, speakers, np.asarray(labelled["gender"].astype(str), dtype=str), classes)


def _standardise_rows(X: np.ndarray, speakers: np.ndarray) -> np.ndarray:
    out = np.empty_like(X)
    for speaker in np.unique(speakers):
        rows = speakers == speaker
        mean, sd = X[rows].mean(axis=0), X[rows].std(axis=0)
        out[rows] = (X[rows] - mean) / np.where(sd > 1e-8, sd, 1.0)
    return out


def _standardise_sequences(sequences: list[np.ndarray], speakers: np.ndarray) -> list[np.ndarray]:
    out: list[np.ndarray] = list(sequences)
    for speaker in np.unique(speakers):
        idx = np.flatnonzero(speakers == speaker)
        frames = np.concatenate([sequences[i] for i in idx]).astype(np.float64)
        mean, sd = frames.mean(axis=0), frames.std(axis=0)
        sd = np.where(sd > 1e-8, sd, 1.0)
        for i in idx:
            out[i] = ((sequences[i] - mean) / sd).astype(np.float32)
    return out
