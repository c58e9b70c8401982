"""Client-level differential privacy: clipping, Gaussian noise shares, and ε from an RDP accountant.

ε comes from Flower's ``RdpAccountant`` (a wrapper of Google's ``dp-accounting``
RDP accountant for the sampled Gaussian mechanism); nothing here computes ε by
its own formula. Accounting is without amplification by client sampling (the
only mode Flower's fixed-clipping wrappers accept): a conservative bound.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from emoshield.fl.aggregate import global_norm


def accountant(population: int, delta: float):
    """A fresh Flower RDP accountant for ``population`` clients (add-or-remove-one neighbours)."""
    from flwr.serverapp import NeighboringRelation, PrivacyConfig, RdpAccountant, SamplingMethod

    config = PrivacyConfig(
        target_delta=delta,
        population_size=population,
        neighboring_relation=NeighboringRelation.ADD_OR_REMOVE_ONE,
        sampling_method=SamplingMethod.NO_AMPLIFICATION,
    )
    return RdpAccountant(config)


def compose_round(account, noise: float, sampled: int) -> float:
    """Compose one noisy aggregate of ``sampled`` clients; return ε so far."""
    from flwr.serverapp import GaussianPrivacyEvent

    account.compose(GaussianPrivacyEvent(noise, sampled, account.config.population_size))
    return float(account.get_privacy_spent().epsilon)


def epsilon_after(noise: float, rounds: int, clients: int, delta: float = 1e-5) -> float:
    """ε after ``rounds`` releases with noise multiplier ``noise`` (all ``clients`` every round)."""
    account = accountant(clients, delta)
    epsilon = float("inf")
    for _ in range(rounds):
        epsilon = compose_round(account, noise, clients)
    return epsilon


def clip(update: Sequence[np.ndarray], norm: float) -> list[np.ndarray]:
    """Scale the whole update down to L2 norm ``norm`` if it is longer."""
    factor = min(1.0, norm / max(global_norm(update), 1e-12))
    return [np.asarray(u, dtype=np.float32) * np.float32(factor) for u in update]


def noise_share(
    update: Sequence[np.ndarray], noise: float, norm: float, sampled: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Distributed DP: clip, then add N(0, (noise * norm)^2 / sampled) per coordinate.

    The mean of ``sampled`` such updates carries noise of sd ``noise * norm / sampled``,
    exactly what the server adds in central DP, so the same accountant applies, while
    the server never sees a noise-free update.
    """
    sd = noise * norm / np.sqrt(sampled)
    return [u + rng.normal(0.0, sd, size=u.shape).astype(np.float32) for u in clip(update, norm)]
