"""Run one federated training through Flower's Simulation Engine (Ray backend)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from emoshield.backends import ray_environment
from emoshield.fl.client_app import make_client_app
from emoshield.fl.errors import FederatedError
from emoshield.fl.plan import FederatedOutcome, FederatedPlan
from emoshield.fl.secagg import make_secagg_client_app, make_secagg_server_app
from emoshield.fl.server_app import make_server_app
from emoshield.fl.settings import DpMode


def backend_config(workers: int) -> dict:
    """Few CPUs for Ray, one per client actor, no dashboard: the machine is shared."""
    return {
        "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
        "init_args": {"num_cpus": max(1, workers), "num_gpus": 0, "include_dashboard": False,
                      "logging_level": logging.ERROR, "log_to_driver": False},
    }


@contextmanager
def one_ray_instance() -> Iterator[None]:
    """Keep one Ray instance for every simulation inside the block.

    Flower's Ray backend starts Ray when none runs and shuts it down after each
    simulation (tens of seconds per fold here); inside this block the first
    simulation's instance stays up and is shut down once, at the end.
    """
    # Ray: flwr.simulation's engine, loaded only when a simulation starts
    import ray

    already, shutdown = ray.is_initialized(), ray.shutdown
    ray.shutdown = lambda *args, **kwargs: None
    try:
        yield
    finally:
        ray.shutdown = shutdown
        if not already and ray.is_initialized():
            ray.shutdown()


def simulate(plan: FederatedPlan, verbose: bool = False) -> FederatedOutcome:
    """One ServerApp and one virtual SuperNode per training client; returns the recorded outcome."""
    # Ray: flwr.simulation's engine, loaded only when a simulation starts
    from flwr.simulation import run_simulation


    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ray_environment()  # client actors at normal priority, not Ray's niceness 15
    if not verbose:
        # Flower warns on every simulation that run_simulation is deprecated for `flwr run` and that
        # federated evaluation is off (the server evaluates held-out speakers instead): by design here.
        # Failures are kept in the round log.
        logging.getLogger("flwr").setLevel(logging.ERROR)
    outcome = FederatedOutcome()
    if plan.settings.secagg:

        server_app, client_app = make_secagg_server_app(plan, outcome), make_secagg_client_app()
    else:
        server_app = make_server_app(plan, outcome)
        client_app = make_client_app(clipping=plan.settings.dp.mode is DpMode.CENTRAL)
    run_simulation(
        server_app=server_app, client_app=client_app,
        num_supernodes=len(plan.clients), backend_config=backend_config(plan.settings.workers),
        verbose_logging=verbose,
    )
    if len(outcome.rounds) < plan.settings.rounds:
        raise FederatedError(
            f"federated run stopped after {len(outcome.rounds)} of {plan.settings.rounds} rounds "
            f"(clients {plan.clients[:3]}...); see the Flower log above"
        )
    return outcome
