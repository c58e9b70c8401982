"""A tiny synthetic corpus with eGeMAPS functionals and MFCC sequences, built once per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emoshield.backends import Compute
from emoshield.features import FeatureSet, extract_features, write_features
from emoshield.fl.data import Samples, prepare_samples
from emoshield.synthetic import SyntheticSpec, generate_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """6 speakers (3 female, 3 male) x 8 utterances, 4 emotions; manifest.csv in the folder."""
    root = tmp_path_factory.mktemp("fl-corpus")
    manifest = generate_corpus(root, SyntheticSpec(n_speakers=6, utterances_per_speaker=8, seed=3))
    return root, manifest


def _features(corpus: tuple[Path, pd.DataFrame], feature_set: FeatureSet) -> Path:
    root, manifest = corpus
    result = extract_features(manifest["file"].tolist(), feature_set, Compute(workers=1), cache_dir=False)
    return write_features(result.frame, root / f"{feature_set.value}.parquet")


@pytest.fixture(scope="session")
def egemaps_path(corpus: tuple[Path, pd.DataFrame]) -> Path:
    return _features(corpus, FeatureSet.EGEMAPS)


@pytest.fixture(scope="session")
def mfcc_path(corpus: tuple[Path, pd.DataFrame]) -> Path:
    return _features(corpus, FeatureSet.MFCC)


@pytest.fixture(scope="session")
def functionals(corpus: tuple[Path, pd.DataFrame], egemaps_path: Path) -> Samples:
    from emoshield.features import read_features

    return prepare_samples(read_features(egemaps_path), corpus[1])


def toy_samples(n_speakers: int = 4, per_speaker: int = 12, n_features: int = 6, seed: int = 0) -> Samples:
    """Separable toy data: the class shifts feature 0; speakers alternate gender."""
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(2), n_speakers * per_speaker // 2)
    X = rng.normal(size=(len(y), n_features)).astype(np.float32)
    X[:, 0] += 3.0 * (2 * y - 1)
    speakers = np.repeat([f"s{i}" for i in range(n_speakers)], per_speaker)
    genders = np.repeat(["female" if i % 2 else "male" for i in range(n_speakers)], per_speaker)
    return Samples(X, np.ones(len(y), dtype=np.int64), y.astype(np.int64), speakers, genders, ("neg", "pos"))


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """Tests share the machine: one intra-op thread."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
