"""The privacy encoder trained by federation: each speaker's device trains it, FedAvg averages.

Seed 000 trains its adversarial autoencoder centrally, on everybody's features.
Here a client is one speaker. It standardises its own features (the speaker
front end, so no statistic of its voice leaves the device) and reads them on a
fixed scale, ``(z - Z_LOW) / Z_SPAN``, instead of a min-max fitted on
everybody. Every round each client trains the global network (encoder,
decoder, emotion head and adversary heads) on its own utterances for
``local_epochs`` with the central recipe's losses (``privacy.train``), and the
server averages the updates: weighted by utterances, or, under distributed DP,
uniformly, each clipped and noised on its client (``fl.dp``).

A client holds one speaker, so one gender and one language, and its adversary
heads see a single class. The heads are averaged like the rest: the average of
single-gender updates is what tells the genders apart (after one local step it
is the central gradient), and each client's encoder then pushes the frozen
global head towards uniform on its own code (``confusion``) or against its own
label (``reversal``). The adversary's strength follows the central schedule
over rounds. A speaker adversary would need every client to know the roster of
speakers, and the speaker-split schedule a second speaker on a device, so both
are refused.

The rounds run in process: the same FedAvg arithmetic as Flower's
(``fl.aggregate.weighted_mean``), so that the evaluation protocol can fit the
encoder in every fold without starting a Flower simulation each time
(docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from emoshield.errors import ConfigError
from emoshield.evaluation.labels import column
from emoshield.evaluation.plots import target_of
from emoshield.fl.aggregate import weighted_mean
from emoshield.fl.dp import epsilon_pair, noise_share, private_rng
from emoshield.methods import Chain, MethodEstimator, SpeakerNorm
from emoshield.privacy.encoder import AdversarialEncoder, build_encoder
from emoshield.privacy.methods import DEFENCE
from emoshield.privacy.model import AdversarialAutoencoder
from emoshield.privacy.train import Schedule, TrainSettings, reversal_strength, seeded, torch_threads, train

#: Per-speaker z-scores map to about [0, 1] through this fixed low end and span.
Z_LOW, Z_SPAN = -3.0, 6.0


class FederatedEncoder(MethodEstimator):
    """The evaluation method ``fl_adversarial``: an ``AdversarialEncoder`` trained by FedAvg, one client per speaker.

    ``rounds``, ``local_epochs``: FedAvg rounds, and epochs over its own utterances per client and round.
    ``noise``, ``clip``: distributed DP (0: none): each update clipped to ``clip`` and given its share
    of Gaussian noise ``noise * clip`` (drawn from the OS's entropy). ``fit`` trains ``encoder`` in place
    (as a Chain fits its steps): ``transform`` is the fitted encoder's.
    """

    def __init__(self, encoder: AdversarialEncoder, rounds: int = 30, local_epochs: int = 2,
                 noise: float = 0.0, clip: float = 1.0) -> None:
        self.encoder = encoder
        self.rounds = rounds
        self.local_epochs = local_epochs
        self.noise = noise
        self.clip = clip

    def check_params(self) -> None:
        settings = self.encoder._settings()
        if "speaker" in self.encoder.adversaries or settings.adversary_split or settings.head_reset:
            raise ConfigError("fl_adversarial: a device holds one speaker; a speaker adversary, adversary_split and "
                              "head_reset need the roster or several speakers on one client")
        if self.rounds < 1 or self.local_epochs < 1 or self.noise < 0 or self.clip <= 0:
            raise ConfigError(f"fl_adversarial: rounds and local_epochs >= 1, noise >= 0, clip > 0; got rounds={self.rounds}, "
                              f"local_epochs={self.local_epochs}, noise={self.noise}, clip={self.clip}")

    def fit(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> "FederatedEncoder":
        """Federated training on ``X`` (standardised per speaker), one client per ``attributes.speaker``."""
        self.check_params()
        if not isinstance(attributes, pd.DataFrame) or "speaker" not in attributes:
            raise ConfigError("fl_adversarial needs the speaker of every utterance: each speaker is a client")
        encoder = self.encoder
        scaled, targets, speakers = encoder.prepare(X, None, attributes, scale=(Z_LOW, Z_SPAN))
        with torch_threads(encoder.threads), seeded(encoder.seed):
            encoder.model_ = encoder.network()
            self.history_ = federate(encoder.model_, scaled, targets, speakers, encoder._settings(), self.rounds,
                                     self.local_epochs, self.noise, self.clip, encoder.seed)
        return self

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray:
        check_is_fitted(self)
        return self.encoder.transform(X)


def federate(
    model: AdversarialAutoencoder,
    X: np.ndarray,
    targets: dict[str, np.ndarray],
    speakers: np.ndarray,
    settings: TrainSettings,
    rounds: int,
    local_epochs: int,
    noise: float = 0.0,
    clip: float = 1.0,
    seed: int = 0,
) -> list[dict[str, float]]:
    """FedAvg of ``model`` over the speakers' clients; per round the clients' mean losses."""
    clients = [np.flatnonzero(speakers == s) for s in np.unique(speakers)]
    rng, noise_rng = np.random.default_rng(seed), private_rng() if noise else None
    names = list(model.state_dict())
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    history = []
    for r in range(rounds):
        strength = reversal_strength(settings.schedule, settings.alpha, r / max(rounds - 1, 1))
        local = replace(settings, epochs=local_epochs, schedule=Schedule.CONSTANT, alpha=strength)
        updates, weights, losses = [], [], []
        for rows in clients:
            model.load_state_dict(state)
            losses.append(train(model, X[rows], {k: t[rows] for k, t in targets.items()}, local, int(rng.integers(1 << 30)))[-1])
            after = model.state_dict()
            update = [(after[k] - state[k]).numpy() for k in names]
            updates.append(noise_share(update, noise, clip, len(clients), noise_rng) if noise else update)
            weights.append(1.0 if noise else float(len(rows)))
        mean = weighted_mean(updates, weights)
        state = {k: state[k] + torch.as_tensor(m) for k, m in zip(names, mean)}
        history.append({k: float(np.mean([loss[k] for loss in losses])) for k in losses[0]})
    model.load_state_dict(state)
    model.eval()
    return history


def federated_adversarial(seed: int, front_end: str = DEFENCE["front_end"], kl_weight: float = DEFENCE["kl_weight"],
                          rounds: int = 30, local_epochs: int = 2, noise: float = 0.0, clip: float = 1.0,
                          **params: Any) -> Chain:
    """The ``fl_adversarial`` method (``adversarial`` trained by FedAvg, the defence's defaults): the speaker
    front end on the device, then the federated encoder."""
    if front_end != "speaker":
        raise ConfigError(f"fl_adversarial reads per-speaker standardised features (front_end=speaker): a client "
                          f"cannot fit a min-max on everybody's; got front_end={front_end!r}")
    encoder = build_encoder(seed=seed, kl_weight=kl_weight, **params)
    return Chain(SpeakerNorm(), FederatedEncoder(encoder, rounds, local_epochs, noise, clip))


def federated_spec(rounds: int = 30, local_epochs: int = 2, noise: float = 0.0, clip: float = 1.0) -> str:
    """The method spec of the federated encoder with these settings (DP only when ``noise`` > 0)."""
    dp = f",noise={noise:g},clip={clip:g}" if noise else ""
    return f"fl_adversarial(rounds={rounds},local_epochs={local_epochs}{dp})"


#: (metric, what it is, the largest shortfall of the federated encoder the issue accepts, in points;
#: a shortfall is lower UAR or higher leakage than the central encoder's)
TARGETS = (("emotion_uar", 3.0, 1), ("gender_leakage", 5.0, -1))


def compare_with_central(results, spec: str, noise: float, rounds: int, clients: int, central: str = "adversarial") -> str:
    """Federated minus central encoder in points, against the targets; ε when the federation ran with DP."""
    by_method = {r.method: r for r in results}
    federated, reference = by_method[spec], by_method[central]
    lines = []
    for metric, allowed, better in TARGETS:
        label = column(metric, target_of(results)).replace("gender", "gender leakage")
        if metric in federated.metrics and metric in reference.metrics:
            gap = 100 * (federated.metrics[metric].mean - reference.metrics[metric].mean)
            met = better * gap >= -allowed
            lines.append(f"federated − central {label}: {gap:+.1f} points "
                         f"(target: no more than {allowed:g} points worse; {'met' if met else 'missed'})")
    if noise:
        released, server = epsilon_pair(noise, rounds, clients)
        lines.append(f"DP z = {noise:g}, {rounds} rounds, {clients} clients: ε {released:.2f} released, "
                     f"{server:.2f} against the server (δ = 1e-5)")
    return "\n".join(lines)
