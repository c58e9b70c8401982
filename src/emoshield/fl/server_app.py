"""The Flower ServerApp: builds the strategy, runs ``strategy.start``, records every round.

The server evaluates the global model after each round on held-out speakers who
never train (a centralised ``evaluate_fn``), keeps a log of sampled, answered and
failed clients per round, ε so far under DP, and hands each round's client
updates to an optional observer (the gender-inference attacker).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import DifferentialPrivacyClientSideFixedClipping, FedAvg, FedAvgM, FedProx, Strategy

from emoshield.fl.dp import accountant
from emoshield.fl.local import lean_torch, predict
from emoshield.fl.metrics import classification_scores
from emoshield.fl.models import build_model
from emoshield.fl.plan import FederatedOutcome, FederatedPlan, RoundRecord, check_budget, ledger, record_privacy
from emoshield.fl.plan import train_config as plain_train_config
from emoshield.fl.settings import DpMode, StrategyKind


def build_strategy(plan: FederatedPlan) -> Strategy:
    """FedAvg, FedProx or FedAvgM sampling ``plan.sampled`` clients a round, wrapped for central DP if asked."""
    settings, n = plan.settings, len(plan.clients)
    common = dict(
        fraction_train=plan.sampled / n, fraction_evaluate=0.0,
        min_train_nodes=plan.sampled, min_available_nodes=n,
    )
    if settings.strategy is StrategyKind.FEDPROX:
        base: Strategy = FedProx(proximal_mu=settings.local.proximal_mu, **common)
    elif settings.strategy is StrategyKind.FEDAVGM:
        base = FedAvgM(server_momentum=settings.server_momentum, **common)
    else:
        base = FedAvg(**common)
    if settings.dp.mode is DpMode.CENTRAL:
        return DifferentialPrivacyClientSideFixedClipping(
            base, settings.dp.noise, settings.dp.clip, plan.sampled,
            accountant=accountant(n, settings.dp.delta),
        )
    return base


def train_config(plan: FederatedPlan) -> ConfigRecord:
    """What every client needs each round (the strategy adds the round number), as Flower's record."""
    return ConfigRecord(plain_train_config(plan))


class Recorder(Strategy):
    """Wraps a strategy: logs each round, tracks ε, shows client updates to an observer."""

    def __init__(self, inner: Strategy, plan: FederatedPlan, outcome: FederatedOutcome) -> None:
        self.inner, self.plan, self.outcome = inner, plan, outcome
        self._sent: list[np.ndarray] = []
        self._sampled = 0
        self._started = 0.0
        self._ledger = ledger(plan)

    def configure_train(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid) -> Iterable[Message]:
        self._started = time.perf_counter()
        self._sent = arrays.to_numpy_ndarrays()
        budget = self.plan.settings.dp.max_epsilon
        if self._ledger is not None and budget is not None and not self._ledger.affords(budget):
            self._sampled = 0  # the budget is spent: no client trains again, the model stays as released
            return []
        messages = list(self.inner.configure_train(server_round, arrays, config, grid))
        self._sampled = len(messages)
        return messages

    def aggregate_train(self, server_round: int, replies: Iterable[Message]) -> tuple[ArrayRecord | None, MetricRecord | None]:
        replies = list(replies)
        good = [r for r in replies if not r.has_error()]
        reasons = [f"node {r.metadata.src_node_id}: {_last_line(r.error.reason)}" for r in replies if r.has_error()]
        reasons += ["no reply within the round timeout"] * max(0, self._sampled - len(replies))
        if self.plan.observer is not None and good:
            updates = {int(r.content["metrics"]["partition-id"]): r.content["arrays"].to_numpy_ndarrays() for r in good}
            self.plan.observer(server_round, self._sent, updates)
        arrays, metrics = self.inner.aggregate_train(server_round, replies)
        if self._ledger is not None and arrays is not None:
            self._ledger.compose(len(good))
        record = RoundRecord(server_round, self._sampled, len(good), self._sampled - len(good), reasons,
                             time.perf_counter() - self._started, arrays is not None)
        record_privacy(self.outcome, record, *self._epsilons())
        return arrays, metrics

    def _epsilons(self) -> tuple[float | None, float | None]:
        """(release, server): the ledger's in distributed DP; Flower's wrapper's in central DP (the server adds the noise)."""
        if self._ledger is not None:
            return self._ledger.release, self._ledger.server
        spent = getattr(self.inner, "privacy_spent", lambda: None)()
        return (None if spent is None or spent.num_releases == 0 else float(spent.epsilon)), None

    def configure_evaluate(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid) -> Iterable[Message]:
        return self.inner.configure_evaluate(server_round, arrays, config, grid)

    def aggregate_evaluate(self, server_round: int, replies: Iterable[Message]) -> MetricRecord | None:
        return self.inner.aggregate_evaluate(server_round, replies)

    def summary(self) -> None:
        self.inner.summary()


def _last_line(reason: str) -> str:
    """The message of a client's exception, without Ray's traceback."""
    lines = [line.strip(" '>") for line in str(reason).splitlines() if line.strip(" '>")]
    return lines[-1][-300:] if lines else "unknown error"


def initial_arrays(plan: FederatedPlan) -> ArrayRecord:
    with lean_torch(plan.seed):
        model = build_model(plan.settings.model, plan.n_features, plan.n_classes, plan.settings.hidden)
    return ArrayRecord(model.state_dict())


def held_out_evaluation(plan: FederatedPlan, outcome: FederatedOutcome) -> Callable[[int, ArrayRecord], MetricRecord]:
    """evaluate_fn: the global model on held-out speakers; keeps the UAR curve and last predictions."""

    def evaluate(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        with lean_torch(plan.seed):
            model = build_model(plan.settings.model, plan.n_features, plan.n_classes, plan.settings.hidden)
            model.load_state_dict(arrays.to_torch_state_dict())
            predicted = predict(model, plan.test)
        scores = classification_scores(plan.test.y, predicted)
        outcome.weights = arrays.to_numpy_ndarrays()
        outcome.curve[server_round] = scores["uar"]
        outcome.predictions = predicted
        if outcome.rounds and outcome.rounds[-1].round == server_round:
            outcome.rounds[-1].uar = scores["uar"]
        return MetricRecord(scores)

    return evaluate


def run_plan(grid: Grid, plan: FederatedPlan, outcome: FederatedOutcome) -> None:
    """The body of the ServerApp: ``strategy.start`` with a timeout per round."""
    check_budget(plan)
    strategy = Recorder(build_strategy(plan), plan, outcome)
    strategy.start(
        grid=grid, initial_arrays=initial_arrays(plan), num_rounds=plan.settings.rounds,
        timeout=plan.settings.round_timeout, train_config=train_config(plan),
        evaluate_fn=held_out_evaluation(plan, outcome),
    )


def make_server_app(plan: FederatedPlan, outcome: FederatedOutcome) -> ServerApp:
    """A ServerApp bound to one plan; results land in ``outcome``."""
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        run_plan(grid, plan, outcome)

    return app
