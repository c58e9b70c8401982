"""Client-level differential privacy: clipping, Gaussian noise shares, and ε from an RDP accountant.

ε comes from Flower's ``RdpAccountant`` (a wrapper of Google's ``dp-accounting``
RDP accountant for the sampled Gaussian mechanism); nothing here computes ε by
its own formula. Accounting is without amplification by client sampling (the
only mode Flower's fixed-clipping wrappers accept): a conservative bound.

Two ε are kept (:class:`PrivacyLedger`): against whoever sees the released
model, and against an honest-but-curious server, which in distributed DP
without SecAgg+ sees each client's update with only that client's share of the
noise. Noise shares are drawn from the operating system's entropy, never from
a seed the server sends or could know.
"""

from __future__ import annotations

import secrets
from typing import Sequence

import numpy as np

from emoshield.fl.aggregate import global_norm


def accountant(population: int, delta: float):
    """A fresh Flower RDP accountant for ``population`` clients (add-or-remove-one neighbours)."""
    # Flower: fl's training code runs without it (fl/__init__.py)
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
    # Flower: fl's training code runs without it (fl/__init__.py)
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


def epsilon_pair(noise: float, rounds: int, clients: int, delta: float = 1e-5) -> tuple[float, float]:
    """(ε released, ε against the server) of distributed DP without SecAgg+, every client every round."""
    ledger = PrivacyLedger(noise, clients, clients, delta, secagg=False)
    for _ in range(rounds):
        ledger.compose(clients)
    return ledger.release, ledger.server


def private_rng() -> np.random.Generator:
    """A generator seeded from the operating system's entropy: the server cannot regenerate its draws."""
    return np.random.default_rng(secrets.randbits(128))


class PrivacyLedger:
    """ε of distributed DP, round by round, with the noise actually present.

    Each of the ``sampled`` clients adds noise of sd ``noise * clip / sqrt(sampled)``.
    - **Release** (the aggregate, what anyone who sees the model learns): the mean of
      the ``answered`` clients carries noise multiplier ``noise * sqrt(answered / sampled)``;
      fewer answers than planned leave less noise, and the ledger composes that.
    - **Server** (one client's update, what an honest-but-curious server learns about
      that client): without SecAgg+ it sees each update with one share, multiplier
      ``noise / sqrt(sampled)``; with SecAgg+ it sees only the sum, as the release.
    """

    def __init__(self, noise: float, sampled: int, population: int, delta: float, secagg: bool) -> None:
        self.noise, self.sampled, self.secagg = noise, sampled, secagg
        self._release = accountant(population, delta)
        self._server = self._release if secagg else accountant(population, delta)

    def compose(self, answered: int) -> None:
        """Account one round in which ``answered`` of the sampled clients' updates were aggregated."""
        if answered <= 0:
            return
        for account, noise, clients in self._events(answered):
            compose_round(account, noise, clients)

    def affords(self, limit: float) -> bool:
        """Whether one more round, all sampled clients answering, keeps both ε within ``limit``.

        (A round in which clients drop out leaves less noise and spends a little more.)
        """
        # Flower: fl's training code runs without it (fl/__init__.py)
        from flwr.serverapp import GaussianPrivacyEvent

        return not any(account.would_exceed(GaussianPrivacyEvent(noise, clients, account.config.population_size), limit)
                       for account, noise, clients in self._events(self.sampled))

    def _events(self, answered: int) -> list[tuple[object, float, int]]:
        """(accountant, noise multiplier, clients) of a round in which ``answered`` clients were aggregated."""
        events = [(self._release, self.noise * np.sqrt(min(answered, self.sampled) / self.sampled), answered)]
        if not self.secagg:  # with SecAgg+ the server's accountant is the release's
            events.append((self._server, self.noise / np.sqrt(self.sampled), 1))
        return events

    @property
    def release(self) -> float | None:
        return _spent(self._release)

    @property
    def server(self) -> float | None:
        return _spent(self._server)


def _spent(account) -> float | None:
    return float(account.get_privacy_spent().epsilon) if account.num_releases else None


def clip(update: Sequence[np.ndarray], norm: float) -> list[np.ndarray]:
    """Scale the whole update down to L2 norm ``norm`` if it is longer."""
    factor = min(1.0, norm / max(global_norm(update), 1e-12))
    return [np.asarray(u, dtype=np.float32) * np.float32(factor) for u in update]


def noise_share(
    update: Sequence[np.ndarray], noise: float, norm: float, sampled: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Distributed DP: clip, then add N(0, (noise * norm)^2 / sampled) per coordinate.

    The mean of ``sampled`` such updates carries noise of sd ``noise * norm / sampled``,
    exactly what the server adds in central DP, so the same accountant applies to the
    release; the server itself sees each update with one share (``PrivacyLedger.server``).
    ``rng`` must be private to the client (:func:`private_rng`).
    """
    sd = noise * norm / np.sqrt(sampled)
    return [u + rng.normal(0.0, sd, size=u.shape).astype(np.float32) for u in clip(update, norm)]
