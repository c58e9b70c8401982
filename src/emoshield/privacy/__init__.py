"""Privacy-enhanced representations: seed 000's adversarial autoencoder with gradient reversal, and LEACE.

``encoder`` (the scikit-learn face), ``model`` and ``train`` (the network and its
losses), ``grl`` (gradient reversal), ``leace`` (closed-form concept erasure),
``io`` (saving a fitted encoder); ``methods`` builds the defences the evaluation
compares, named in :data:`emoshield.methods.METHODS`.
"""

from emoshield.privacy.encoder import AdversarialEncoder, autoencoder, build_encoder
from emoshield.privacy.grl import GradientReversal, reverse_gradient
from emoshield.privacy.io import load_encoder, save_encoder
from emoshield.privacy.leace import LeaceEraser
from emoshield.privacy.methods import DEFENCE, FRONT_ENDS
from emoshield.privacy.model import ATTRIBUTES, DEFAULT_ADVERSARIES, AdversarialAutoencoder, EncoderConfig
from emoshield.privacy.train import AdversaryLoss, Schedule, TrainSettings, reversal_strength, train

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_ADVERSARIES",
    "DEFENCE",
    "FRONT_ENDS",
    "AdversarialAutoencoder",
    "AdversaryLoss",
    "AdversarialEncoder",
    "EncoderConfig",
    "GradientReversal",
    "LeaceEraser",
    "Schedule",
    "TrainSettings",
    "autoencoder",
    "build_encoder",
    "load_encoder",
    "reversal_strength",
    "reverse_gradient",
    "save_encoder",
    "train",
]
