"""An encoder trained behind the enrolments a device really has.

A device standardises each utterance with statistics of a few earlier utterances
of its user (``evaluation.enrolment``). An encoder trained on speakers
standardised with all of their utterances meets, at run time, features offset by
the enrolment's error (about 1/√k standard deviations in every feature: a
fingerprint of the enrolment, and, when the enrolment is emotionally skewed, a
shift along the emotion) and spreads estimated from few utterances.

:class:`EnrolledEncoder` trains the encoder on what it will meet: each training
speaker's utterances are standardised ``copies`` times, each time with a fresh
random enrolment of between ``sizes[0]`` and ``sizes[1]`` of the speaker's own
utterances (a share ``skewed`` of them of one label only: the skewed history),
and the encoder learns from every copy. Its adversaries see the offsets, so it
learns to hide them with the rest of the speaker.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from emoshield.errors import ConfigError
from emoshield.methods.baselines import Chain
from emoshield.methods.protocol import Method, MethodEstimator
from emoshield.methods.speaker_norm import ENROLMENT, MEMBER_OF, SpeakerNorm


class EnrolledEncoder(MethodEstimator):
    """The speaker front end, then an encoder trained behind simulated enrolments.

    ``front``: the speaker front end (a :class:`SpeakerNorm`); ``encoder``: the encoder it feeds;
    ``copies``: simulated enrolments per training speaker; ``sizes``: the fewest and most
    utterances an enrolment holds; ``skewed``: the share of enrolments drawn from one label
    only; ``seed``: the draws.
    """

    def __init__(self, front: SpeakerNorm, encoder: Method, copies: int = 4, sizes: tuple[int, int] = (5, 20),
                 skewed: float = 0.25, seed: int = 0) -> None:
        self.front = front
        self.encoder = encoder
        self.copies = copies
        self.sizes = sizes
        self.skewed = skewed
        self.seed = seed

    def check_params(self) -> None:
        low, high = self.sizes
        if self.copies < 1 or not 2 <= low <= high or not 0 <= self.skewed <= 1:
            raise ConfigError(f"enrolled training: copies >= 1, 2 <= sizes[0] <= sizes[1], 0 <= skewed <= 1; got "
                              f"copies={self.copies}, sizes={self.sizes}, skewed={self.skewed}")

    @property
    def steps(self) -> tuple[Method, Method]:
        """The front end and the encoder, in order (``reads_speaker_statistics`` looks here)."""
        return self.front, self.encoder

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "EnrolledEncoder":
        self.check_params()
        if not isinstance(attributes, pd.DataFrame) or "speaker" not in attributes:
            raise ConfigError("enrolled training needs the speaker of every utterance")
        self.front.fit(X, attributes)
        rows, plan = simulated_enrolments(attributes, self.copies, self.sizes, self.skewed, self.seed)
        copies = attributes.iloc[rows].reset_index(drop=True).assign(**plan)
        self.encoder.fit(self.front.transform(np.asarray(X)[rows], copies), copies.drop(columns=list(plan)))
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        return self.encoder.transform(self.front.transform(X, attributes), attributes)


def simulated_enrolments(attributes: pd.DataFrame, copies: int, sizes: tuple[int, int], skewed: float,
                         seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows of ``copies`` copies of every speaker's utterances, and the enrolment columns that standardise
    each copy with its own random enrolment (``ENROLMENT``: the enrolment of a row; ``MEMBER_OF``: the
    enrolment a row belongs to). A speaker with too few utterances for ``sizes[0]`` enrols with all of them."""
    rng = np.random.default_rng(seed)
    speakers = attributes["speaker"].to_numpy(dtype=str)
    labels = attributes["label"].to_numpy(dtype=str) if "label" in attributes else np.full(len(speakers), "")
    rows, standardised_by, member_of = [], [], []
    enrolment = 0
    for _ in range(copies):
        for speaker in np.unique(speakers):
            own = np.flatnonzero(speakers == speaker)
            pool = own
            present = [v for v in np.unique(labels[own]) if v]
            if present and rng.random() < skewed:
                one = labels[own] == present[rng.integers(len(present))]
                pool = own[one] if one.sum() >= 2 else own
            k = min(int(rng.integers(sizes[0], sizes[1] + 1)), len(pool))
            chosen = set(rng.choice(pool, size=k, replace=False).tolist())
            rows += own.tolist()
            standardised_by += [enrolment] * len(own)
            member_of += [enrolment if r in chosen else -1 for r in own]
            enrolment += 1
    return np.asarray(rows), {ENROLMENT: np.asarray(standardised_by), MEMBER_OF: np.asarray(member_of)}


def enrolled(front: SpeakerNorm, encoder: Method, copies: int, **options: Any) -> Method:
    """The encoder behind ``front``, trained behind ``copies`` simulated enrolments (0: on speakers
    standardised with all of their utterances, as a plain chain)."""
    return EnrolledEncoder(front, encoder, copies, **options) if copies else Chain(front, encoder)
