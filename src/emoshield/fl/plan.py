"""What a federated training is, without Flower: the plan, the record of each round, the outcome.

The Flower adapters (``server_app``, ``secagg``, ``deployment``, ``simulation``)
turn these into a ServerApp; the protocol, checkpoints and the update attack
read them without importing Flower.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emoshield.fl.data import Samples
from emoshield.fl.dp import PrivacyLedger
from emoshield.fl.errors import FederatedError
from emoshield.fl.settings import DpMode, FlSettings

#: observer(round, global arrays sent, {partition-id: arrays returned}) -> None
Observer = Callable[[int, list[np.ndarray], dict[int, list[np.ndarray]]], None]


@dataclass
class RoundRecord:
    """What happened in one round: who was asked, who answered, who failed, how long, how good."""

    round: int
    sampled: int
    results: int
    failures: int
    failure_reasons: list[str]
    seconds: float
    aggregated: bool
    uar: float | None = None
    epsilon: float | None = None  # against whoever sees the released model
    epsilon_server: float | None = None  # against the server, per client (None: no noise protects from it)


@dataclass
class FederatedPlan:
    """One federated training: the training clients (speakers), the held-out speakers, the settings."""

    settings: FlSettings
    data_path: str
    clients: list[str]
    test: Samples
    n_features: int
    n_classes: int
    seed: int = 0
    observer: Observer | None = None
    largest_client: int = 1  # utterances of the largest client: its FedAvg weight without DP
    clients_hold_data: bool = False  # each client's node config names its speaker and data: the train config names neither

    @property
    def max_weight(self) -> int:
        """The largest weight a client sends: 1 under DP (uniform averaging), else the largest client's size."""
        return 1 if self.settings.dp.mode is not DpMode.NONE else max(1, self.largest_client)

    @property
    def sampled(self) -> int:
        wanted = self.settings.clients_per_round
        return len(self.clients) if wanted <= 0 else min(wanted, len(self.clients))


@dataclass
class FederatedOutcome:
    rounds: list[RoundRecord] = field(default_factory=list)
    predictions: np.ndarray | None = None
    curve: dict[int, float] = field(default_factory=dict)
    epsilon: float | None = None
    epsilon_server: float | None = None
    weights: list[np.ndarray] | None = None  # the final global model (not kept in checkpoints)


def train_config(plan: FederatedPlan) -> dict[str, Any]:
    """What every client needs each round (the strategy adds the round number)."""
    s = plan.settings
    config = {} if plan.clients_hold_data else {"data-path": plan.data_path, "clients": list(plan.clients)}
    config |= {
        "model": s.model.value,
        "hidden": s.hidden, "epochs": s.local.epochs, "lr": s.local.lr, "momentum": s.local.momentum,
        "batch-size": s.local.batch_size, "seed": plan.seed,
        "uniform": s.dp.mode is not DpMode.NONE, "dp-mode": s.dp.mode.value, "fail-client": s.fail_client, "fail-round": s.fail_round,
    }
    if s.dp.mode is DpMode.DISTRIBUTED:
        config.update({"dp-share": s.dp.noise, "dp-clip": s.dp.clip, "dp-sampled": plan.sampled})
    return config


def ledger(plan: FederatedPlan) -> PrivacyLedger | None:
    """The privacy ledger of a distributed-DP plan (None otherwise)."""
    dp = plan.settings.dp
    if dp.mode is not DpMode.DISTRIBUTED:
        return None
    return PrivacyLedger(dp.noise, plan.sampled, len(plan.clients), dp.delta, plan.settings.secagg)


def record_privacy(outcome: FederatedOutcome, record: RoundRecord, release: float | None, server: float | None) -> None:
    """Append ``record`` with ε so far against the release and against the server."""
    record.epsilon, record.epsilon_server = release, server
    outcome.rounds.append(record)
    outcome.epsilon, outcome.epsilon_server = release, server


def check_budget(plan: FederatedPlan) -> None:
    """FederatedError before anything trains when ``dp.max_epsilon`` cannot pay for one round."""
    privacy, budget = ledger(plan), plan.settings.dp.max_epsilon
    if privacy is not None and budget is not None and not privacy.affords(budget):
        raise FederatedError(f"dp.max_epsilon {budget:g} is spent by the first round already "
                             f"(noise {plan.settings.dp.noise:g}, {plan.sampled} clients per round); raise it or the noise")
