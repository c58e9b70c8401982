"""Privacy-enhanced representations: seed 000's adversarial autoencoder with gradient reversal.

Importing this package registers, in ``emoshield.methods``, ``ae`` (seed 000's
plain autoencoder), ``ae_emotion`` (the same with the emotion head: the
ablation of the adversaries), ``adversarial`` (emotion head and gender and
language adversaries) and ``adversarial_leace`` (the adversarial code, then
LEACE of gender and language on it) and ``adversarial_seed000`` (the paper's
objective: latent 512, reversal against speaker, gender and language), so that ``emoshield evaluate
--methods raw,pca,ae,ae_emotion,adversarial,adversarial_leace`` compares them.
Each takes encoder parameters in its spec, e.g. ``adversarial(latent=64, alpha=2)``,
and a ``front_end``: ``minmax`` (the encoder's own min-max scaling, fit on its
training speakers) or ``speaker`` (each speaker's features standardised with
that speaker's own statistics first, as ``speaker_norm``; the device's part).
``fl_adversarial`` is ``adversarial`` trained by federation, each speaker a client
(``emoshield.fl.encoder``). ``adversarial``, ``ae_emotion``, ``adversarial_leace`` and ``fl_adversarial`` default to the
defence chosen on EMO-DB (:data:`DEFENCE`: the speaker front end and a
variational latent); ``ae`` and ``adversarial_seed000`` stay the paper's.
"""

from __future__ import annotations

from typing import Any, Callable

from emoshield.errors import ConfigError
from emoshield.methods import Chain, Method, MethodFactory, SpeakerNorm, register_method
from emoshield.privacy.encoder import AdversarialEncoder, autoencoder, build_encoder
from emoshield.privacy.grl import GradientReversal, reverse_gradient
from emoshield.privacy.io import load_encoder, save_encoder
from emoshield.privacy.leace import LeaceEraser
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
    "build_encoder",
    "load_encoder",
    "reversal_strength",
    "reverse_gradient",
    "save_encoder",
    "train",
]


#: What an encoder method reads: its own min-max scaling, or per-speaker standardisation first.
FRONT_ENDS = ("minmax", "speaker")


def _front(front_end: str, method: Method) -> Method:
    if front_end not in FRONT_ENDS:
        raise ConfigError(f"front_end must be one of {', '.join(FRONT_ENDS)}, got {front_end!r}")
    return Chain(SpeakerNorm(), method) if front_end == "speaker" else method


#: The defence's defaults, chosen on the development corpus (EMO-DB) by the rule in docs/privacy.md
#: and applied unchanged to the others: per-speaker standardisation on the device, then the
#: encoder with a variational latent. ``ae`` stays seed 000's baseline (its own min-max scaling).
DEFENCE = {"front_end": "speaker", "kl_weight": 0.1}


def _defence(build: Callable[..., Method]) -> MethodFactory:
    """A factory for ``build(seed, front_end, **params)`` with the defence's defaults underneath."""

    def factory(seed: int, **params: Any) -> Method:
        return build(seed, **{**DEFENCE, **params})

    return factory


def _adversarial(seed: int, front_end: str = "minmax", **params) -> Method:
    return _front(front_end, build_encoder(seed=seed, **params))


def _autoencoder(seed: int, front_end: str = "minmax", **params) -> Method:
    return _front(front_end, autoencoder(seed=seed, **params))


def _emotion_autoencoder(seed: int, front_end: str = "minmax", **params) -> Method:
    return _front(front_end, build_encoder(alpha=0.0, seed=seed, **params))


def _adversarial_leace(seed: int, front_end: str = "minmax", **params) -> Method:
    """Gender and language only: erasing speakers would take n_speakers - 1 of the code's dimensions."""
    return _front(front_end, Chain(build_encoder(seed=seed, **params), LeaceEraser(("gender", "language"))))


def _adversarial_seed000(seed: int, front_end: str = "minmax", **params) -> Method:
    """Seed 000's objective: latent 512, reversal against speaker, gender and language, head dropout 0.5.

    Hidden layers and training stay this project's (128; 30 epochs at lr 1e-3): the paper's
    2000/1000 network at lr 1e-5 takes about 9 minutes per fit here; ``hidden=[2000,1000]``,
    ``lr=1e-5``, ``epochs=100`` in the spec restore it.
    """
    paper = {"latent": 512, "head_hidden": (400, 400), "head_dropout": 0.5, "adversaries": ATTRIBUTES, "adversary_loss": "reversal"}
    return _front(front_end, build_encoder(seed=seed, **{**paper, **params}))


register_method("ae", _autoencoder)
register_method("ae_emotion", _defence(_emotion_autoencoder))
register_method("adversarial", _defence(_adversarial))
register_method("adversarial_leace", _defence(_adversarial_leace))
register_method("adversarial_seed000", _adversarial_seed000)


def _federated_adversarial(seed: int, **params) -> Method:
    """The adversarial encoder trained by FedAvg, one client per speaker (emoshield.fl.encoder)."""
    from emoshield.fl.encoder import federated_encoder

    return federated_encoder(seed, **params)


register_method("fl_adversarial", _defence(_federated_adversarial))
