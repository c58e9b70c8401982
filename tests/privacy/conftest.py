"""Synthetic Gaussian utterances where gender and emotion are known linear directions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emoshield.privacy import EncoderConfig
from emoshield.privacy.train import torch_threads

#: Small enough that a fit takes a fraction of a second.
TINY = EncoderConfig(hidden=(32,), latent=8, head_hidden=(32,), dropout=0.1, head_dropout=0.1)


def make_utterances(
    n_speakers: int = 12,
    per_speaker: int = 20,
    n_features: int = 30,
    gender_strength: float = 2.0,
    emotion_strength: float = 2.0,
    seed: int = 0,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Features and attributes; speakers alternate gender, the first half speak ``de``, the rest ``it``."""
    rng = np.random.default_rng(seed)
    directions, _ = np.linalg.qr(rng.normal(size=(n_features, 2)))
    gender_dir, emotion_dir = directions.T
    X, rows = [], []
    for s in range(n_speakers):
        gender = "female" if s % 2 else "male"
        offset = rng.normal(size=n_features) * 0.3
        for u in range(per_speaker):
            label = "positive" if u % 2 else "negative"
            x = rng.normal(size=n_features) + offset
            x += gender_strength * (1 if gender == "female" else -1) * gender_dir
            x += emotion_strength * (1 if label == "positive" else -1) * emotion_dir
            X.append(x)
            language = "de" if s < n_speakers // 2 else "it"
            rows.append({"speaker": f"s{s:02d}", "gender": gender, "language": language, "label": label})
    return np.array(X) * 5.0 + 10.0, pd.DataFrame(rows)


@pytest.fixture(scope="session")
def utterances() -> tuple[np.ndarray, pd.DataFrame]:
    return make_utterances()


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """Tests share the machine: one intra-op thread, as in the evaluation's workers."""
    with torch_threads(1):
        yield
