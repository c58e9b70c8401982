"""Speaker verification on speakers the scorer never saw: trials, scorers, EER.

VoicePrivacy convention: an EER of 50% is perfect privacy, 0% full linkability.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emoshield.methods.gram_pca import GramPca

MAX_TRIALS_PER_FOLD = 200_000


def trial_pairs(n: int, rng: np.random.Generator, limit: int = MAX_TRIALS_PER_FOLD) -> tuple[np.ndarray, np.ndarray]:
    """All unordered pairs of n utterances, subsampled to ``limit``."""
    i, j = np.triu_indices(n, k=1)
    if len(i) > limit:
        keep = rng.choice(len(i), size=limit, replace=False)
        i, j = i[keep], j[keep]
    return i, j


def _cosine_matrix(embedding: np.ndarray) -> np.ndarray:
    """Cosine similarity of every pair of rows (n x n: cheap, unlike n^2 row copies)."""
    unit = embedding / np.maximum(np.linalg.norm(embedding, axis=1, keepdims=True), 1e-12)
    return unit @ unit.T


def _standardised(train: np.ndarray, speakers: np.ndarray, seed: int):
    return StandardScaler().fit(train)


def _pca_lda(train: np.ndarray, speakers: np.ndarray) -> list:
    """PCA to at most 200 dimensions, then LDA between the training speakers."""
    n_pca = max(1, min(200, train.shape[0] - len(np.unique(speakers)), train.shape[1]))
    return [GramPca(n_components=n_pca), LinearDiscriminantAnalysis()]


def _lda(train: np.ndarray, speakers: np.ndarray, seed: int):
    return make_pipeline(StandardScaler(), *_pca_lda(train, speakers)).fit(train, speakers)


def _lda_unscaled(train: np.ndarray, speakers: np.ndarray, seed: int):
    """As ``lda`` without standardising: keeps the representation's own scale (e.g. PCA variances)."""
    return make_pipeline(*_pca_lda(train, speakers)).fit(train, speakers)


#: Each scorer learns an embedding on training speakers; trials are cosine scores.
SCORERS: dict[str, Callable] = {"cosine": _standardised, "lda": _lda, "lda_unscaled": _lda_unscaled}


def verification_scores(
    train: np.ndarray,
    train_speakers: np.ndarray,
    test: np.ndarray,
    test_speakers: np.ndarray,
    seed: int,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each scorer: (scores, same-speaker flags) of trials among the test utterances."""
    i, j = trial_pairs(len(test), np.random.default_rng(seed))
    same = test_speakers[i] == test_speakers[j]
    result = {}
    for name, learn in SCORERS.items():
        embedding = learn(train, train_speakers, seed).transform(test)
        result[name] = (_cosine_matrix(embedding)[i, j], same)
    return result
