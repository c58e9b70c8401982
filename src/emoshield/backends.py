"""Where independent tasks run: worker processes on this machine (the default) or a Ray cluster.

Both backends run the same functions on the same inputs and hand results back
to the caller as they finish, so checkpoints, caches and progress bars stay in
the driver and the results are identical. Ray is the engine Flower's
simulation already brings; ``address`` joins a running cluster
(``ray start --head`` prints it), none starts a private local instance.

    for index, result in run_unordered(work, items, compute, shared=data):
        ...  # work(shared, item) for every item, in the order they finish
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from emoshield.errors import ConfigError, EmoshieldError

T = TypeVar("T")
R = TypeVar("R")

#: Seconds to wait for a cluster's address to answer before giving up.
CONNECT_TIMEOUT = 5.0


class Backend(StrEnum):
    LOCAL = "local"
    RAY = "ray"


@dataclass(frozen=True)
class Compute:
    """How to fan work out: ``workers`` processes here (None: one per core), or Ray (``address`` of a
    cluster, or a local instance). Checked once, where it is made; it travels whole."""

    backend: Backend = Backend.LOCAL
    workers: int | None = 1
    address: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "backend", Backend(self.backend))
        except ValueError:
            choices = ", ".join(b.value for b in Backend)
            raise ConfigError(f"unknown backend {self.backend!r}; choose one of {choices}") from None
        object.__setattr__(self, "workers", (os.cpu_count() or 1) if self.workers is None else int(self.workers))
        if self.address and self.backend is not Backend.RAY:
            raise ConfigError(f"--address {self.address} is for --backend ray (backend is {self.backend.value})")
        if self.workers < 1:
            raise ConfigError(f"workers must be at least 1, got {self.workers}")

    def check(self) -> None:
        """Fail now, within seconds, if a cluster address was given and does not answer (even if, later,
        every piece turns out to be cached and Ray is never needed)."""
        if self.backend is Backend.RAY:
            _check_reachable(self.address)


def run_unordered(
    work: Callable[[Any, T], R], items: Sequence[T], compute: Compute, shared: Any = None
) -> Iterator[tuple[int, R]]:
    """``(i, work(shared, items[i]))`` for every item, as each finishes.

    Local: ``compute.workers`` processes (joblib's loky, one BLAS thread each), or
    this process for one worker. Ray: one task per item on one CPU, ``shared`` put
    in the object store once.
    """
    if not items:
        return iter(())
    if compute.backend is Backend.RAY:
        return _ray_unordered(work, items, compute.address, shared)
    if compute.workers == 1:
        return ((i, work(shared, item)) for i, item in enumerate(items))
    # joblib: not at start-up (the CLI imports Compute from here)
    from joblib import Parallel, delayed

    jobs = Parallel(n_jobs=compute.workers, return_as="generator_unordered")
    return jobs(delayed(_indexed)(work, shared, i, item) for i, item in enumerate(items))


def _indexed(work: Callable[[Any, T], R], shared: Any, i: int, item: T) -> tuple[int, R]:
    return i, work(shared, item)


def ray_environment() -> None:
    """Settings for a Ray instance this process starts (read by Ray when it starts)."""
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")  # silences a FutureWarning on every start
    # Ray starts its workers at niceness 15: beside any other load they starved (a fold fit 30x slower
    # than in a local process; a federated client likewise). The fits are the job, so a local instance
    # runs them at normal priority.
    os.environ.setdefault("RAY_worker_niceness", "0")


def start_ray(address: str | None = None) -> None:
    """Join the cluster at ``address`` (``host:port``, ``ray://host:port``, ``auto``), or start a local
    instance; quietly, once per process. EmoshieldError within seconds if the address does not answer."""
    ray_environment()
    _check_reachable(address)
    # Ray: only for --backend ray (seconds to import)
    import ray

    if ray.is_initialized():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ray.init(
                address=address or None,
                include_dashboard=False,
                log_to_driver=False,
                logging_level="ERROR",
                configure_logging=False,
            )
        except ConnectionError as exc:
            raise EmoshieldError(f"could not join the Ray cluster at {address}: {exc}") from None


def ray_cpus(address: str | None = None) -> int:
    """The CPUs of the Ray cluster (started or joined first)."""
    start_ray(address)
    # Ray: only for --backend ray (seconds to import)
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _check_reachable(address: str | None) -> None:
    """Open (and close) a TCP connection to the address's host and port, or fail naming it.

    Nothing to check for no address (a local instance) or ``auto`` (Ray finds it)."""
    if not address or address == "auto":
        return
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"Ray address {address!r}: expected host:port, ray://host:port or auto")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise EmoshieldError(
            f"Ray cluster at {address} does not answer ({exc}); is `ray start --head` running there, "
            f"and is port {port} open?"
        ) from None


def _ray_unordered(
    work: Callable[[Any, T], R], items: Sequence[T], address: str | None, shared: Any
) -> Iterator[tuple[int, R]]:
    start_ray(address)
    # Ray: only for --backend ray (seconds to import)
    import ray

    remote = ray.remote(num_cpus=1, max_retries=1)(_indexed)
    shared_ref = ray.put(shared)
    pending = {remote.remote(work, shared_ref, i, item): i for i, item in enumerate(items)}
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                pending.pop(ref)
                yield ray.get(ref)
    finally:
        for ref in pending:
            ray.cancel(ref)
