"""A speaker's statistics from an enrolment, and standardising with them: one estimator for the evaluation
and for the device (numpy only, so the device's start-up stays light).

An enrolment of ``count`` utterances gives a mean and a variance per feature. A
few utterances estimate a spread badly (a feature that barely moved in them is
blown up) and leave the mean off by about 1/√count standard deviations; priors
shrink both toward the training speakers' typical statistics, as if the
enrolment held ``prior`` (``mean_prior``) more utterances of them.

An enrolment whose utterances are mostly of one emotion (a user who was angry
all week) has a mean shifted along that emotion: standardising with it removes
the emotion with the voice. With a label model (``shifts``, ``weights``,
``bias``), each enrolment utterance first has its expected label's shift taken
out (``Priors.neutralise``), so a speaker's statistics describe the voice, not
the mood it was heard in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A feature whose spread is below this is treated as constant (divided by 1).
MIN_SPREAD = 1e-8
#: The label model's arrays (``Priors`` fields; each labels x features but ``bias``: labels).
LABEL_MODEL = ("shifts", "weights", "bias")


@dataclass(frozen=True)
class Priors:
    """The training speakers' statistics and how much an enrolment leans on them (0: not at all)."""

    prior: float = 0.0  # utterances of the typical within-speaker variance mixed into an enrolment's
    mean_prior: float = 0.0  # utterances of the training speakers' average mixed into an enrolment's mean
    centre: np.ndarray | None = None  # the training speakers' average
    variance: np.ndarray | None = None  # their typical within-speaker variance
    shifts: np.ndarray | None = None  # labels x features: each label's mean minus the average of the labels'
    weights: np.ndarray | None = None  # labels x features: a linear label model on the raw features
    bias: np.ndarray | None = None  # labels

    @property
    def used(self) -> bool:
        return bool(self.prior or self.mean_prior)

    @property
    def labels(self) -> int:
        """How many labels the label model knows (0: no label model)."""
        return 0 if self.shifts is None else len(self.shifts)

    def neutralise(self, X: np.ndarray) -> np.ndarray:
        """Enrolment utterances with their expected label's shift taken out (as they are without a label
        model)."""
        if self.shifts is None or self.weights is None or self.bias is None:
            return X
        logits = np.asarray(X, dtype=np.float64) @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return X - probabilities @ self.shifts


def standardise(X: np.ndarray, mean: np.ndarray, variance: np.ndarray, count: int, priors: Priors = Priors(),
                scale: bool = True) -> np.ndarray:
    """``X`` z-scored with an enrolment's ``mean`` and ``variance`` (population) over ``count`` utterances,
    shrunk toward ``priors``."""
    if priors.used:
        if priors.centre is None or priors.variance is None:
            raise ValueError("priors without the training speakers' statistics")
        mean = (count * mean + priors.mean_prior * priors.centre) / (count + priors.mean_prior)
        variance = (count * variance + priors.prior * priors.variance) / (count + priors.prior)
    centred = np.asarray(X, dtype=np.float64) - mean
    if scale:
        spread = np.sqrt(variance)
        centred = centred / np.where(spread > MIN_SPREAD, spread, 1.0)
    return centred
