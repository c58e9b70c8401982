"""DP that holds against the server: noise it cannot regenerate, ε it is told, dropouts accounted."""

from __future__ import annotations

import numpy as np
import pytest

from emoshield.fl.client_app import fit, reported_loss
from emoshield.fl.dp import PrivacyLedger, epsilon_after
from emoshield.fl.errors import FederatedError
from emoshield.fl.local import lean_torch
from emoshield.fl.models import build_model
from emoshield.fl.plan import FederatedPlan, train_config
from emoshield.fl.settings import settings_from
from tests.fl.conftest import toy_samples


def _round(tmp_path, dp: dict) -> list[np.ndarray]:
    """One client round from the same global state and the same config the server sends."""
    data = toy_samples()
    path = str(data.save(tmp_path / "d.npz"))
    speakers = sorted(set(data.speakers.tolist()))
    plan = FederatedPlan(settings_from({"hidden": 8, "dp": dp}), path, speakers, data, data.n_features, len(data.classes))
    config = {**dict(train_config(plan)), "server-round": 3}
    with lean_torch(0):
        state = build_model(plan.settings.model, data.n_features, len(data.classes), 8).state_dict()
    trained, *_ = fit(state, config, {"partition-id": 1})
    return [v.numpy() for v in trained.values()]


def test_noise_shares_come_from_the_client_not_from_what_the_server_sent(tmp_path):
    """The server writes the seed, the round and the partition: noise drawn from them could be subtracted."""
    plain = [_round(tmp_path, {"mode": "none"}) for _ in range(2)]
    assert all(np.array_equal(a, b) for a, b in zip(*plain))  # training stays reproducible
    noisy = [_round(tmp_path, {"mode": "distributed", "noise": 1.0, "clip": 1.0}) for _ in range(2)]
    assert not all(np.array_equal(a, b) for a, b in zip(*noisy))


def test_epsilon_against_the_server_is_what_one_update_reveals():
    """Without SecAgg+ the server sees each update with one share: multiplier z / sqrt(m)."""
    z, m, rounds = 4.0, 12, 15
    ledger = PrivacyLedger(z, m, m, 1e-5, secagg=False)
    for _ in range(rounds):
        ledger.compose(m)
    assert ledger.release == pytest.approx(epsilon_after(z, rounds, m), rel=1e-9)
    assert ledger.server == pytest.approx(epsilon_after(z / np.sqrt(m), rounds, m), rel=1e-9)
    assert ledger.server > 4 * ledger.release  # 20.6 vs 4.6 (the numbers)
    secure = PrivacyLedger(z, m, m, 1e-5, secagg=True)
    for _ in range(rounds):
        secure.compose(m)
    assert secure.server == secure.release == pytest.approx(ledger.release)


def test_dropouts_are_accounted_with_the_noise_actually_present():
    z, m = 2.0, 10
    full, half = PrivacyLedger(z, m, m, 1e-5, False), PrivacyLedger(z, m, m, 1e-5, False)
    for _ in range(5):
        full.compose(m)
        half.compose(m // 2)
    assert half.release == pytest.approx(epsilon_after(z * np.sqrt(0.5), 5, m), rel=1e-9)
    assert half.release > full.release
    silent = PrivacyLedger(z, m, m, 1e-5, False)
    silent.compose(0)
    assert silent.release is None and silent.server is None


def test_central_dp_with_server_momentum_is_refused_up_front():
    with pytest.raises(FederatedError, match="fedavgm"):
        settings_from({"strategy": "fedavgm", "dp": {"mode": "central", "noise": 1.0, "clip": 1.0}})
    settings_from({"strategy": "fedavgm", "dp": {"mode": "distributed", "noise": 1.0, "clip": 1.0}})


@pytest.mark.parametrize("mode", ["central", "distributed"])
def test_clients_send_no_training_loss_under_dp(mode):
    config = {"dp-mode": mode}
    assert reported_loss(0.7, config) == {}
    assert reported_loss(0.7, {"dp-mode": "none"}) == {"train-loss": 0.7}


def test_a_budget_is_refused_when_it_cannot_pay_for_one_round(tmp_path):
    from emoshield.fl.protocol import federated_plan

    data = toy_samples()
    settings = settings_from({"dp": {"mode": "distributed", "noise": 1.0, "clip": 1.0, "max_epsilon": 0.5}})
    speakers = np.unique(data.speakers)
    train, test = np.isin(data.speakers, speakers[:3]).nonzero()[0], np.isin(data.speakers, speakers[3:]).nonzero()[0]
    with pytest.raises(FederatedError, match="spent by the first round"):
        federated_plan(data, train, test, settings, str(data.save(tmp_path / "d.npz")), 0)


@pytest.mark.parametrize("dp", [{"mode": "central", "max_epsilon": 5.0}, {"mode": "distributed", "max_epsilon": 0.0}])
def test_a_budget_needs_distributed_dp_and_a_positive_value(dp):
    with pytest.raises(FederatedError, match="max_epsilon"):
        settings_from({"dp": {"noise": 1.0, "clip": 1.0, **dp}})


def test_training_stops_when_the_budget_is_spent(functionals, tmp_path):
    from emoshield.fl.protocol import federated_plan
    from emoshield.fl.simulation import simulate

    speakers = sorted(set(functionals.speakers.tolist()))
    train = np.flatnonzero(np.isin(functionals.speakers, speakers[:3]))
    test = np.flatnonzero(np.isin(functionals.speakers, speakers[3:]))
    probe = PrivacyLedger(2.0, 3, 3, 1e-5, secagg=False)
    spent = []
    for _ in range(3):
        probe.compose(3)
        spent.append(max(probe.release, probe.server))
    budget = (spent[1] + spent[2]) / 2  # pays for two rounds, not three
    settings = settings_from({"rounds": 4, "hidden": 8, "dp": {"mode": "distributed", "noise": 2.0, "clip": 1.0, "max_epsilon": budget}})
    outcome = simulate(federated_plan(functionals, train, test, settings, str(functionals.save(tmp_path / "d.npz")), 0))
    assert [r.aggregated for r in outcome.rounds] == [True, True, False, False]
    assert [r.sampled for r in outcome.rounds] == [3, 3, 0, 0]
    assert outcome.epsilon_server == pytest.approx(spent[1]) and outcome.epsilon_server <= budget
