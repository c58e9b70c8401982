"""Secure aggregation (SecAgg+) for the same training: the server only learns the sum of updates.

Flower 1.41 offers SecAgg+ as a workflow of its legacy strategy API
(``SecAggPlusWorkflow`` + ``secaggplus_mod``), not as a Message-API strategy, so
this module adapts the shared client round (``client_app.fit``) to a NumPyClient
and runs the legacy FedAvg inside ``DefaultWorkflow(fit_workflow=SecAggPlusWorkflow)``.
Distributed DP composes with it: each client adds its noise share before masking.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import numpy as np
import torch
from flwr.app import ArrayRecord, Context
from flwr.client import Client, NumPyClient
from flwr.client.mod import secaggplus_mod
from flwr.clientapp import ClientApp
from flwr.common import ndarrays_to_parameters
from flwr.server import LegacyContext, ServerConfig
from flwr.server.strategy import FedAvg as LegacyFedAvg
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
from flwr.serverapp import Grid, ServerApp

from emoshield.fl.client_app import fit, reported_loss
from emoshield.fl.errors import FederatedError
from emoshield.fl.plan import FederatedOutcome, FederatedPlan, RoundRecord, ledger, record_privacy
from emoshield.fl.server_app import held_out_evaluation, initial_arrays, train_config


class _SpeakerClient(NumPyClient):
    def __init__(self, node_config: dict[str, Any]) -> None:
        self.node_config = node_config

    def fit(self, parameters: list[np.ndarray], config: dict[str, Any]) -> tuple[list[np.ndarray], int, dict]:
        keys = str(config["state-keys"]).split("\n")
        state = OrderedDict((k, torch.from_numpy(np.asarray(p))) for k, p in zip(keys, parameters))
        trained, weight, loss, partition = fit(state, config, self.node_config)
        return [v.numpy() for v in trained.values()], weight, reported_loss(loss, config)


def _client_fn(context: Context) -> Client:
    return _SpeakerClient(dict(context.node_config)).to_client()


def make_secagg_client_app() -> ClientApp:
    return ClientApp(client_fn=_client_fn, mods=[secaggplus_mod])


def make_secagg_server_app(plan: FederatedPlan, outcome: FederatedOutcome) -> ServerApp:
    """Legacy FedAvg under SecAgg+; held-out evaluation and ε per round as in the Message-API app."""
    check_secagg(plan)
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        run_secagg(grid, context, plan, outcome)

    return app


def check_secagg(plan: FederatedPlan) -> None:
    """FederatedError before anything trains when SecAgg+ cannot run this plan."""
    if plan.sampled < 3:
        raise FederatedError(f"secagg: SecAgg+ needs at least 3 clients per round, got {plan.sampled}")


def run_secagg(grid: Grid, context: Context, plan: FederatedPlan, outcome: FederatedOutcome) -> None:
    """The body of a SecAgg+ ServerApp (simulation or Deployment Engine): the rounds, recorded in ``outcome``."""
    check_secagg(plan)
    arrays = initial_arrays(plan)
    keys = list(arrays.keys())
    config = {k: v for k, v in dict(train_config(plan)).items() if k != "clients"}
    config["state-keys"] = "\n".join(keys)
    if not plan.clients_hold_data:
        config["clients"] = "\n".join(plan.clients)
    evaluate = held_out_evaluation(plan, outcome)
    privacy = ledger(plan)
    clock = {"last": time.perf_counter()}

    def evaluate_fn(server_round: int, parameters: list[np.ndarray], _: dict) -> tuple[float, dict]:

        if server_round > 0:  # the legacy workflow does not say how many answered: accounted as all
            if privacy is not None:
                privacy.compose(plan.sampled)
            record = RoundRecord(server_round, plan.sampled, -1, 0, [], time.perf_counter() - clock["last"], True)
            record_privacy(outcome, record, *((privacy.release, privacy.server) if privacy else (None, None)))
        metrics = evaluate(server_round, ArrayRecord(OrderedDict(zip(keys, (torch.from_numpy(p) for p in parameters)))))
        clock["last"] = time.perf_counter()
        return 0.0, dict(metrics)

    n, m = len(plan.clients), plan.sampled
    strategy = LegacyFedAvg(
        fraction_fit=m / n, fraction_evaluate=0.0, min_fit_clients=m, min_evaluate_clients=0,
        min_available_clients=n, evaluate_fn=evaluate_fn,
        on_fit_config_fn=lambda r: {**config, "server-round": r},
        initial_parameters=ndarrays_to_parameters(arrays.to_numpy_ndarrays()),
    )
    legacy = LegacyContext(context, config=ServerConfig(num_rounds=plan.settings.rounds,
                                                        round_timeout=plan.settings.round_timeout),
                           strategy=strategy)
    shares = min(m, max(3, m // 2 + 1))
    # max_weight as the largest weight sent: each update is scaled by weight / max_weight before
    # quantisation, so Flower's default 1000 with DP's weight 1 left a step near 4e-3 on the weights
    secagg = SecAggPlusWorkflow(num_shares=shares, reconstruction_threshold=max(2, (2 * shares) // 3),
                                max_weight=float(plan.max_weight), timeout=plan.settings.round_timeout)
    DefaultWorkflow(fit_workflow=secagg)(grid, legacy)


#: For ``flwr run`` / SuperNodes with ``secagg = true`` in the run config.
client_app = make_secagg_client_app()
