"""Per-speaker normalisation on the device: each speaker's features standardised with their own statistics.

A personal device knows whose voice it holds and can keep statistics of that
voice from utterances it heard earlier (its enrolment; the evaluation says
which, ``evaluation.enrolment``). Standardising every feature with the speaker's
own mean and standard deviation removes what is constant in a voice (pitch
level, vocal tract length, microphone) before anything leaves the device. It
learns nothing from other speakers, so it has no training set whose members
could be told apart.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted, validate_data

from emoshield.errors import ConfigError, ManifestError
from emoshield.methods.protocol import MethodEstimator
from emoshield.methods.statistics import MIN_SPREAD, Priors, standardise

#: Attribute columns of an enrolment plan (``evaluation.enrolment``): the enrolment that standardises a
#: row, and the enrolment a row belongs to (-1: none).
ENROLMENT, MEMBER_OF = "enrolment", "enrols"


class SpeakerNorm(MethodEstimator):
    """The evaluation method ``speaker_norm``: z-scores within each speaker.

    ``min_utterances``: the fewest utterances a speaker's statistics may come from
    (2 or more). ``scale``: divide by the speaker's standard deviation, not only
    subtract the mean. ``prior``: a few enrolment utterances estimate a spread badly
    (a feature that barely moved in them is blown up); with ``prior`` > 0 each
    enrolment's variance is shrunk toward the training speakers' typical
    within-speaker variance, as if it held ``prior`` more utterances of that spread;
    ``mean_prior`` does the same for the mean, toward the training speakers' average.
    ``emotion_aware``: a linear label model fit on the training speakers takes each
    enrolment utterance's expected label shift out before its statistics, so an
    emotionally skewed enrolment does not centre the emotion away (``statistics``).
    Without priors it learns nothing in ``fit`` (scikit-learn's ``requires_fit`` is
    False): ``transform`` works unfitted, as on a device.
    """

    def __init__(self, seed: int = 0, min_utterances: int = 2, scale: bool = True, prior: float = 0.0,
                 mean_prior: float = 0.0, emotion_aware: bool = False) -> None:
        self.seed = seed
        self.min_utterances = min_utterances
        self.scale = scale
        self.prior = prior
        self.mean_prior = mean_prior
        self.emotion_aware = emotion_aware

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def check_params(self) -> None:
        if not isinstance(self.min_utterances, int) or self.min_utterances < 2:
            raise ConfigError(f"speaker_norm: min_utterances must be an integer >= 2, got {self.min_utterances!r}")
        if self.prior < 0 or self.mean_prior < 0:
            raise ConfigError(f"speaker_norm: prior and mean_prior are numbers of utterances >= 0, got "
                              f"{self.prior!r}, {self.mean_prior!r}")

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "SpeakerNorm":
        X = validate_data(self, X, dtype=np.float64)  # records n_features_in_
        if isinstance(attributes, pd.DataFrame) and "speaker" in attributes and len(attributes) == len(X):
            if self.emotion_aware:
                self.shifts_, self.weights_, self.bias_ = label_model(X, attributes, self.seed)
            neutral = self.priors_of_labels.neutralise(X)
            speakers = attributes["speaker"].to_numpy(dtype=str)
            rows = [speakers == s for s in np.unique(speakers)]
            self.centre_ = np.mean([neutral[r].mean(axis=0) for r in rows], axis=0)  # the training speakers' average
            self.variance_ = np.mean([neutral[r].var(axis=0) for r in rows], axis=0)  # typical within-speaker variance
        elif self.emotion_aware:
            raise ConfigError("speaker_norm(emotion_aware=true) learns its label model in fit: it needs the speaker "
                              "and label of every training utterance")
        self.transform(X, attributes)  # checks the enrolment of every training speaker
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        """Each row z-scored with its enrolment's statistics (attribute columns ``enrolment`` and ``enrols``,
        see ``evaluation.enrolment``), or, without them, with the statistics of every row of its speaker."""
        self.check_params()
        if not isinstance(attributes, pd.DataFrame) or "speaker" not in attributes:
            raise ConfigError("speaker_norm needs the speaker of every utterance (attributes with a 'speaker' column)")
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_min_samples=0)
        speakers = attributes["speaker"].to_numpy(dtype=str)
        if len(speakers) != len(X):
            raise ConfigError(f"speaker_norm: {len(speakers)} speakers for {len(X)} feature rows")
        if ENROLMENT in attributes:
            groups = attributes[ENROLMENT].to_numpy(dtype=np.int64)
            members = attributes[MEMBER_OF].to_numpy(dtype=np.int64)
            pairs = [(groups == g, members == g if g >= 0 else np.zeros(len(X), bool), g) for g in np.unique(groups)]
        else:
            pairs = [(speakers == s, speakers == s, s) for s in np.unique(speakers)]
        out = np.empty_like(X)
        for rows, enrolment, name in pairs:
            speaker = speakers[rows][0]
            if enrolment.sum() < self.min_utterances or (speakers[enrolment] != speaker).any():
                raise ManifestError(
                    f"speaker_norm: speaker {speaker} has {int(enrolment.sum())} utterance(s) to take statistics from "
                    f"({'its enrolment ' + str(name) if ENROLMENT in attributes else 'all of its rows'}); they need "
                    f"min_utterances={self.min_utterances} or more of its own (min_utterances can be 2 or more)"
                )
            out[rows] = self._standardise(X[rows], X[enrolment])
        return out

    @classmethod
    def with_priors(cls, priors: Priors) -> "SpeakerNorm":
        """A front end that leans on ``priors`` (saved with an encoder), as if fitted."""
        front = cls(prior=priors.prior, mean_prior=priors.mean_prior, emotion_aware=bool(priors.labels))
        if priors.used:
            front.centre_, front.variance_ = priors.centre, priors.variance
        if priors.labels:
            front.shifts_, front.weights_, front.bias_ = priors.shifts, priors.weights, priors.bias
        return front

    @property
    def priors_of_labels(self) -> Priors:
        """The label model alone (none unless ``emotion_aware``; fitted)."""
        if not self.emotion_aware:
            return Priors()
        check_is_fitted(self, ("shifts_", "weights_", "bias_"))
        return Priors(shifts=self.shifts_, weights=self.weights_, bias=self.bias_)

    @property
    def priors(self) -> Priors:
        """What an enrolment leans on: the priors, the training speakers' statistics and the label model
        (fitted)."""
        labels = self.priors_of_labels
        if not (self.prior or self.mean_prior):
            return labels
        check_is_fitted(self, ("centre_", "variance_"))
        return replace(labels, prior=self.prior, mean_prior=self.mean_prior, centre=self.centre_,
                       variance=self.variance_)

    def _standardise(self, X: np.ndarray, enrolment: np.ndarray) -> np.ndarray:
        priors = self.priors
        enrolment = priors.neutralise(enrolment)
        return standardise(X, enrolment.mean(axis=0), enrolment.var(axis=0), len(enrolment), priors, self.scale)


def label_model(X: np.ndarray, attributes: pd.DataFrame, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each label's shift (its mean minus the labels' average), and a linear model of the labels on the raw
    features (logistic regression on standardised features, folded into weights and bias on raw ones)."""
    labels = attributes["label"].to_numpy(dtype=str) if "label" in attributes else np.full(len(X), "")
    known = labels != ""
    classes = np.unique(labels[known])
    if len(classes) < 2:
        raise ConfigError("speaker_norm(emotion_aware=true) needs training utterances of two labels or more")
    means = np.vstack([X[labels == c].mean(axis=0) for c in classes])
    shifts = means - means.mean(axis=0)
    centre, spread = X[known].mean(axis=0), X[known].std(axis=0)
    spread = np.where(spread > MIN_SPREAD, spread, 1.0)
    model = LogisticRegression(C=0.01, max_iter=500, random_state=seed).fit((X[known] - centre) / spread, labels[known])
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # one logit for the second label: softmax over (0, z)
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.r_[0.0, intercept]
    weights = coef / spread
    return shifts, weights, intercept - weights @ centre


def reads_speaker_statistics(method: object) -> bool:
    """Whether ``method`` (or a step of it) standardises with speaker statistics, so that what it releases
    depends on the enrolment."""
    return isinstance(method, SpeakerNorm) or any(reads_speaker_statistics(s) for s in getattr(method, "steps", ()))
