"""Privacy-enhanced representations: seed 000's adversarial autoencoder with gradient reversal.

Importing this package registers the evaluation methods ``ae`` (seed 000's
plain autoencoder), ``ae_emotion`` (the same with the emotion head: the
ablation of the adversaries) and ``adversarial`` (emotion head and gender and
language adversaries), so that ``emoshield evaluate --methods
raw,pca,ae,ae_emotion,adversarial`` compares them.
"""

from __future__ import annotations

from emoshield.evaluation.methods import register_method
from emoshield.privacy.encoder import AdversarialEncoder, autoencoder
from emoshield.privacy.grl import GradientReversal, reverse_gradient
from emoshield.privacy.io import load_encoder, save_encoder
from emoshield.privacy.model import ATTRIBUTES, DEFAULT_ADVERSARIES, AdversarialAutoencoder, EncoderConfig
from emoshield.privacy.train import AdversaryLoss, Schedule, TrainSettings, reversal_strength, train

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_ADVERSARIES",
    "AdversarialAutoencoder",
    "AdversaryLoss",
    "AdversarialEncoder",
    "EncoderConfig",
    "GradientReversal",
    "Schedule",
    "TrainSettings",
    "autoencoder",
    "load_encoder",
    "reversal_strength",
    "reverse_gradient",
    "save_encoder",
    "train",
]


def _adversarial(seed: int) -> AdversarialEncoder:
    return AdversarialEncoder(seed=seed)


def _autoencoder(seed: int) -> AdversarialEncoder:
    return autoencoder(seed=seed)


def _emotion_autoencoder(seed: int) -> AdversarialEncoder:
    return AdversarialEncoder(alpha=0.0, seed=seed)


register_method("ae", _autoencoder)
register_method("ae_emotion", _emotion_autoencoder)
register_method("adversarial", _adversarial)
