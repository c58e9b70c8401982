"""A speaker's running feature statistics, kept where the speaker is (the device, or an edge session).

The defence's front end standardises each utterance with its speaker's mean and
standard deviation (``speaker_norm``), estimated as the evaluation estimates them
(``methods.statistics``; docs/evaluation.md, "Enrolment"): from *earlier*
utterances only, never the one being standardised, shrunk toward the training
speakers' statistics by the encoder's priors. A device learns them as its user
speaks: Welford's running mean and variance over the utterances it enrolled
first, then over every utterance that got a decision. The first
``MIN_ENROLMENT`` utterances only enrol. The statistics never leave the device
in the features path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emoshield.errors import EmoshieldError
from emoshield.files import private_folder, write_text_atomic
from emoshield.methods.statistics import Priors, standardise

#: Utterances a speaker's statistics need before the first decision: the enrolment the evaluation
#: measures by default (``evaluation.enrolment.EnrolmentSettings``).
MIN_ENROLMENT = 10


class EnrolmentError(EmoshieldError):
    """Too few utterances, or statistics of another feature set."""


@dataclass
class Enrolment:
    """Running mean and sum of squared deviations of one speaker's features."""

    names_digest: str
    count: int = 0
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    m2: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def update(self, X: np.ndarray, priors: Priors = Priors()) -> "Enrolment":
        """Add the rows of ``X`` (utterances x features), each with its expected label's shift taken out when
        ``priors`` has a label model (``methods.statistics``)."""
        X = priors.neutralise(np.atleast_2d(np.asarray(X, dtype=np.float64)))
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

    def standardise(self, X: np.ndarray, priors: Priors = Priors(), minimum: int = MIN_ENROLMENT) -> np.ndarray:
        """``X`` z-scored with the statistics of the utterances enrolled so far (not ``X``'s own), shrunk
        toward ``priors``; EnrolmentError while fewer than ``minimum`` are enrolled."""
        if self.count < minimum:
            raise EnrolmentError(
                f"enrolling: {self.count} of {minimum} utterances of this speaker so far; "
                f"{minimum - self.count} more before the first decision"
            )
        return standardise(X, self.mean, self.m2 / self.count, self.count, priors).astype(np.float32)

    def progress(self, minimum: int = MIN_ENROLMENT) -> dict[str, int]:
        """``{"count", "needed", "of"}``: utterances enrolled, still needed, and needed in all."""
        return {"count": self.count, "needed": max(0, minimum - self.count), "of": minimum}

    def to_bytes(self) -> bytes:
        """A compact form for a store: a JSON header line, then the mean and m2 as little-endian float64."""
        head = json.dumps({"names_digest": self.names_digest, "count": self.count, "n": len(self.mean)})
        return head.encode() + b"\n" + self.mean.astype("<f8").tobytes() + self.m2.astype("<f8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Enrolment":
        """The enrolment ``to_bytes`` wrote; EnrolmentError when ``data`` is not one."""
        head, _, arrays = data.partition(b"\n")
        try:
            meta = json.loads(head)
            n = int(meta["n"])
            values = np.frombuffer(arrays, dtype="<f8")
            if len(values) != 2 * n:
                raise ValueError(f"{len(values)} values for {n} features")
            return cls(str(meta["names_digest"]), int(meta["count"]), values[:n].copy(), values[n:].copy())
        except (ValueError, KeyError, TypeError) as exc:
            raise EnrolmentError(f"not a stored enrolment ({exc})") from None

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        private_folder(path.parent)
        data = {"names_digest": self.names_digest, "count": self.count, "mean": self.mean.tolist(), "m2": self.m2.tolist()}
        write_text_atomic(path, json.dumps(data), private=True)  # a voice's statistics: the owner's only
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
