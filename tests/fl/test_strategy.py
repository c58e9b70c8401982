from flwr.serverapp.strategy import DifferentialPrivacyClientSideFixedClipping, FedAvg, FedAvgM, FedProx

from emoshield.fl.plan import FederatedPlan, train_config
from emoshield.fl.server_app import build_strategy
from emoshield.fl.settings import settings_from
from tests.fl.conftest import toy_samples


def plan(**settings) -> FederatedPlan:
    data = toy_samples()
    return FederatedPlan(settings_from(settings), "d.npz", ["s0", "s1", "s2", "s3"], data, 6, 2)


def test_fedavg_samples_the_requested_clients_per_round():
    strategy = build_strategy(plan(clients_per_round=3))
    assert type(strategy) is FedAvg and strategy.min_train_nodes == 3 and strategy.min_available_nodes == 4
    assert strategy.fraction_evaluate == 0.0


def test_fedprox_carries_its_proximal_weight():
    strategy = build_strategy(plan(strategy="fedprox", local={"proximal_mu": 0.5}))
    assert isinstance(strategy, FedProx) and strategy.proximal_mu == 0.5


def test_fedavgm_steps_with_server_momentum():
    strategy = build_strategy(plan(strategy="fedavgm", server_momentum=0.7))
    assert isinstance(strategy, FedAvgM) and strategy.server_momentum == 0.7 and strategy.server_opt


def test_central_dp_wraps_the_strategy_with_an_accountant():
    strategy = build_strategy(plan(dp={"mode": "central", "noise": 1.5, "clip": 0.3}))
    assert isinstance(strategy, DifferentialPrivacyClientSideFixedClipping)
    assert strategy.noise_multiplier == 1.5 and strategy.clipping_norm == 0.3 and strategy.num_sampled_clients == 4
    assert strategy.privacy_spent().num_releases == 0
    assert train_config(plan(dp={"mode": "central"}))["uniform"] is True


def test_distributed_dp_tells_clients_their_noise_share():
    config = train_config(plan(clients_per_round=2, dp={"mode": "distributed", "noise": 2.0, "clip": 0.5}))
    assert (config["dp-share"], config["dp-clip"], config["dp-sampled"]) == (2.0, 0.5, 2)
    assert "dp-share" not in train_config(plan())


def test_clients_holding_their_data_get_neither_roster_nor_data_path():
    shared = train_config(plan())
    assert shared["clients"] == ["s0", "s1", "s2", "s3"] and shared["data-path"] == "d.npz"
    own = plan()
    own.clients_hold_data = True
    config = train_config(own)
    assert "clients" not in config and "data-path" not in config
