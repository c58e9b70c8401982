"""Privacy-enhanced representations: seed 000's adversarial autoencoder with gradient reversal.

Importing this package registers the evaluation methods ``ae`` (plain
autoencoder) and ``adversarial`` (autoencoder against speaker, gender and
language adversaries, with an emotion head), so that
``emoshield evaluate --methods raw,pca,ae,adversarial`` compares them.
"""

from __future__ import annotations

from emoshield.evaluation.methods import register_method
from emoshield.privacy.encoder import AdversarialEncoder, autoencoder
from emoshield.privacy.grl import GradientReversal, reverse_gradient
from emoshield.privacy.io import load_encoder, save_encoder
from emoshield.privacy.model import ATTRIBUTES, AdversarialAutoencoder, EncoderConfig
from emoshield.privacy.train import Schedule, TrainSettings, reversal_strength, train

__all__ = [
    "ATTRIBUTES",
    "AdversarialAutoencoder",
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


register_method("ae", _autoencoder)
register_method("adversarial", _adversarial)
