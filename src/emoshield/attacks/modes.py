"""How an attacker uses an intercepted representation h_T: splice, probe, or panel.

- ``splice`` (seed 002's reading): the attacker is a gender model trained on
  speech; h_T replaces its own activation at the intercepted layer and its
  later layers decide. It needs the attacker's shapes at that layer to be T's.
- ``probe`` (an adaptive attacker): the attacker's architecture from the layer
  onwards, trained on T's own h_T of the attacker's speakers.
- ``panel``: the evaluation's tuned attacker panel (logistic regression, SVM,
  MLP, k-NN, gradient boosting) on h_T averaged over time.

Each returns the gender guesses (class indices) for the scored utterances.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from emoshield.attacks.models import Initial, build_network
from emoshield.attacks.train import FitSettings, TimePooled, Trained, fit, heads_of
from emoshield.evaluation.attackers import AttackerView, make_panel

GENDER = "gender"


def splice(target: Trained, attacker: Trained, X: np.ndarray, layer: str) -> np.ndarray:
    """``attacker``'s gender guesses with T's ``layer`` output in place of its own."""
    return attacker.logits(target.read(X, layer), start=layer)[GENDER].argmax(axis=1)


def probe(
    target: Trained,
    arch: str,
    X_train: np.ndarray,
    targets: Mapping[str, np.ndarray],
    X_scored: np.ndarray,
    layer: str,
    settings: FitSettings = FitSettings(),
    seed: int = 0,
    initial: Initial | None = None,
) -> np.ndarray:
    """``arch``'s layers after ``layer`` (and a head per target) trained on T's h_T of the attacker's utterances."""
    network = build_network(arch, heads_of(targets), initial, seed, target.network.features)
    trained = fit(network, target.read(X_train, layer), targets, settings, seed, start=layer)
    return trained.logits(target.read(X_scored, layer), start=layer)[GENDER].argmax(axis=1)


def time_pooled(h: np.ndarray) -> np.ndarray:
    """One vector per utterance: a (C, bands, frames) map or a (frames, d) sequence averaged over its frames."""
    return TimePooled()(torch.as_tensor(h)).numpy()


def panel(
    target: Trained,
    names: Sequence[str],
    X_train: np.ndarray,
    genders: np.ndarray,
    speakers: np.ndarray,
    X_scored: np.ndarray,
    layer: str,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Each panel attacker's gender guesses, tuned on speaker-grouped inner folds of the attacker's utterances."""

    train, scored = time_pooled(target.read(X_train, layer)), time_pooled(target.read(X_scored, layer))
    view = AttackerView().fit(train)
    train, scored = view.transform(train), view.transform(scored)
    return {name: np.asarray(attacker.fit(train, genders, speakers).predict(scored))
            for name, attacker in make_panel(names, seed).items()}
