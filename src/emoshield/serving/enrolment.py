"""A speaker's running feature statistics, kept where the speaker is (the device, or an edge session).

The defence's front end standardises each utterance with its own speaker's mean
and standard deviation (``speaker_norm``). A device learns them as its user
speaks: Welford's running mean and variance, updated with every utterance
before it is standardised, as the evaluation does with all of a speaker's
utterances. The statistics never leave the device in the features path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emoshield.errors import EmoshieldError
from emoshield.files import write_text_atomic
from emoshield.methods.speaker_norm import MIN_SPREAD

#: Utterances a speaker's statistics need before anything is standardised (as ``speaker_norm``).
MIN_ENROLMENT = 2


class EnrolmentError(EmoshieldError):
    """Too few utterances, or statistics of another feature set."""


@dataclass
class Enrolment:
    """Running mean and sum of squared deviations of one speaker's features."""

    names_digest: str
    count: int = 0
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    m2: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def update(self, X: np.ndarray) -> "Enrolment":
        """Add the rows of ``X`` (utterances x features)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if self.count == 0:
            self.mean, self.m2 = np.zeros(X.shape[1]), np.zeros(X.shape[1])
        elif X.shape[1] != len(self.mean):
            raise EnrolmentError(f"enrolment holds {len(self.mean)} features, the utterance has {X.shape[1]}")
        for row in X:
            self.count += 1
            delta = row - self.mean
            self.mean += delta / self.count
            self.m2 += delta * (row - self.mean)
        return self

    def standardise(self, X: np.ndarray, minimum: int = MIN_ENROLMENT) -> np.ndarray:
        """``X`` z-scored with these statistics (population spread, as ``speaker_norm``)."""
        if self.count < minimum:
            raise EnrolmentError(
                f"enrolling: {self.count} of {minimum} utterances of this speaker so far; "
                f"{minimum - self.count} more before the first decision"
            )
        spread = np.sqrt(self.m2 / self.count)
        return ((np.asarray(X, dtype=np.float64) - self.mean) / np.where(spread > MIN_SPREAD, spread, 1.0)).astype(np.float32)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"names_digest": self.names_digest, "count": self.count, "mean": self.mean.tolist(), "m2": self.m2.tolist()}
        write_text_atomic(path, json.dumps(data))
        return path

    @classmethod
    def load(cls, path: str | Path, names_digest: str) -> "Enrolment":
        """The statistics in ``path``, or a fresh enrolment when it does not exist."""
        path = Path(path)
        if not path.exists():
            return cls(names_digest)
        try:
            data = json.loads(path.read_text())
            enrolment = cls(str(data["names_digest"]), int(data["count"]), np.asarray(data["mean"], float), np.asarray(data["m2"], float))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EnrolmentError(f"{path}: not an enrolment profile ({exc})") from exc
        if enrolment.names_digest != names_digest:
            raise EnrolmentError(f"{path}: statistics of other features (digest {enrolment.names_digest}, expected {names_digest})")
        return enrolment
