"""Gaussian speaker data whose leakage is known by construction (shared by the evaluation tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def speaker_data(
    gender_strength: float,
    speaker_strength: float,
    seed: int = 0,
    n_speakers: int = 8,
    utterances: int = 16,
    n_features: int = 12,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Speakers alternate gender, the first half speak ``en``; valence on feature 0, gender on feature 1."""
    rng = np.random.default_rng(seed)
    rows, X = [], []
    for s in range(n_speakers):
        gender = "female" if s % 2 else "male"
        language = "en" if s < n_speakers // 2 else "it"
        offset = rng.normal(size=n_features) * speaker_strength
        for u in range(utterances):
            valence = "positive" if u % 2 else "negative"
            x = rng.normal(size=n_features) + offset
            x[0] += 3.0 if valence == "positive" else -3.0
            x[1] += gender_strength if gender == "female" else -gender_strength
            X.append(x)
            rows.append(
                dict(file=f"/x/{s}_{u}.wav", corpus="t", speaker=f"t:{s}", gender=gender, language=language,
                     emotion="happiness" if valence == "positive" else "anger", valence=valence)
            )
    return np.array(X), pd.DataFrame(rows)


def imbalanced_speakers(seed: int = 0, n_speakers: int = 12, n_features: int = 40):
    """Utterances per speaker from 2 to 80 and a skewed class mix per speaker (most speak mostly one class).

    Returns features, binary labels and speaker ids: the shape of corpora on which
    per-fold UAR made model selection unstable.
    """
    rng = np.random.default_rng(seed)
    X, y, speakers = [], [], []
    for s in range(n_speakers):
        count = int(rng.integers(2, 81))
        share = rng.dirichlet([0.1, 0.1])[1]
        offset = rng.normal(size=n_features) * 1.5
        for _ in range(count):
            label = int(rng.random() < share)
            x = rng.normal(size=n_features) + offset
            x[:5] += 0.8 * (2 * label - 1)
            X.append(x)
            y.append(str(label))
            speakers.append(f"s{s}")
    return np.array(X), np.array(y), np.array(speakers)
