"""Speaker verification scorers: embeddings learnt on some speakers, cosine trials among others.

Nothing can be downloaded, so there is no pretrained ASV system: each scorer
learns its embedding on speakers the trials do not involve (standardised
features; or PCA + LDA between speakers, with and without standardising) and
scores a trial by the cosine of the two utterances' embeddings. The lowest EER
of the scorers is reported (VoicePrivacy convention: 50% = unlinkable).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emoshield.methods.gram_pca import GramPca


def cosine_matrix(embedding: np.ndarray) -> np.ndarray:
    """Cosine similarity of every pair of rows (n x n: cheap, unlike n^2 row copies)."""
    unit = embedding / np.maximum(np.linalg.norm(embedding, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


def _pca_lda(train: np.ndarray, speakers: np.ndarray) -> list:
    """PCA to at most 200 dimensions, then LDA between the training speakers."""
    n_pca = max(1, min(200, train.shape[0] - len(np.unique(speakers)), train.shape[1]))
    return [GramPca(n_components=n_pca), LinearDiscriminantAnalysis()]


def _standardised(train: np.ndarray, speakers: np.ndarray):
    return StandardScaler().fit(train)


def _lda(train: np.ndarray, speakers: np.ndarray):
    return make_pipeline(StandardScaler(), *_pca_lda(train, speakers)).fit(train, speakers)


def _lda_unscaled(train: np.ndarray, speakers: np.ndarray):
    """As ``lda`` without standardising: keeps the representation's own scale (e.g. PCA variances)."""
    return make_pipeline(*_pca_lda(train, speakers)).fit(train, speakers)


#: Each scorer learns an embedding (``.transform``) from utterances and their speakers.
SCORERS: dict[str, Callable] = {"cosine": _standardised, "lda": _lda, "lda_unscaled": _lda_unscaled}
