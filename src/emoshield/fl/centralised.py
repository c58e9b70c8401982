"""Centralised baselines of seed 003 with the same models and training code as the clients."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.model_selection import train_test_split

from emoshield.corpora.splits import Fold, leave_one_speaker_out, speaker_folds
from emoshield.fl.data import Samples
from emoshield.fl.local import lean_torch, predict, train_local
from emoshield.fl.models import build_model
from emoshield.fl.settings import FlSettings


def fit_predict(train: Samples, test: Samples, settings: FlSettings, seed: int) -> np.ndarray:
    """Train one model on pooled ``train`` for ``central_epochs`` and predict ``test``."""
    config = replace(settings.local, epochs=settings.central_epochs, proximal_mu=0.0)
    with lean_torch(seed):
        model = build_model(settings.model, train.n_features, len(train.classes), settings.hidden)
        train_local(model, train, config, seed)
        return predict(model, test)


def speaker_independent_folds(samples: Samples, settings: FlSettings, seed: int) -> list[Fold]:
    """Leave-one-speaker-out, or ``central_folds`` gender-stratified speaker folds."""
    if settings.central_folds <= 0:
        return leave_one_speaker_out(samples.speakers)
    return speaker_folds(samples.speakers, settings.central_folds, seed, stratify=samples.genders)


def speaker_dependent_split(samples: Samples, seed: int) -> Fold:
    """Seed 003's speaker-dependent 70:30 split, stratified by speaker (every speaker in both parts)."""
    positions = np.arange(len(samples))
    train, test = train_test_split(positions, test_size=0.3, random_state=seed, stratify=samples.speakers)
    return np.sort(train), np.sort(test)
