"""A tiny federated run through Flower's real Simulation Engine, via the command line."""

import json
import os
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from emoshield.commands import app

#: Slow (Flower's Simulation Engine on Ray, end to end); `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


def test_fl_run_writes_the_three_methods_and_records_a_failed_client(corpus, egemaps_path, tmp_path):
    root, _ = corpus
    recipe = tmp_path / "fl_fault.yaml"
    recipe.write_text(
        "model: dnn\nstrategy: fedavgm\nrounds: 2\nfolds: 2\ncentral_folds: 2\ncentral_epochs: 5\nhidden: 32\n"
        "local: {epochs: 1, lr: 0.05, batch_size: 8}\nfail_client: 1\nfail_round: 2\n"
    )
    out = tmp_path / "report"
    result = CliRunner().invoke(
        app, ["fl", "run", str(egemaps_path), str(root / "manifest.csv"), "--config", str(recipe), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    methods = [r["method"] for r in report["results"]]
    assert methods == ["federated", "centralized_loso", "centralized_70_30"]
    for entry in report["results"]:
        assert set(entry["metrics"]) == {"uar", "accuracy", "precision", "recall", "f1"}
        for summary in entry["metrics"].values():
            assert set(summary) == {"mean", "sd", "n", "chance"} and summary["n"] == 1
        assert entry["metrics"]["uar"]["chance"] == 0.25  # four emotions, balanced in the synthetic corpus
        # the toy run guarantees no accuracy, but its metrics must be those of its own confusion matrix
        confusion = np.asarray(entry["confusion"], dtype=float)
        support = confusion.sum(axis=1)
        assert confusion.sum() > 0
        assert np.isclose(entry["metrics"]["uar"]["mean"], np.mean(np.diag(confusion)[support > 0] / support[support > 0]))
        assert np.isclose(entry["metrics"]["accuracy"]["mean"], np.trace(confusion) / confusion.sum())
    # FedAvgM (server momentum) through the real engine: 2 folds x 2 rounds; in round 2
    # client 1 of each fold raised and training went on
    log = report["rounds"]["log"]
    assert [[r["round"] for r in fold] for fold in log] == [[1, 2], [1, 2]]
    for fold in log:
        assert fold[0]["failures"] == 0 and fold[1]["failures"] == 1
        assert fold[1]["aggregated"] and "injected failure" in fold[1]["failure_reasons"][0]
        assert fold[1]["results"] == fold[1]["sampled"] - 1 == 2
    assert set(report["rounds"]["uar_per_round"]) == {"0", "1", "2"}
    for name in ("report.md", "uar_per_round.png", "confusion_federated.png", "confusion_centralized_loso.png"):
        assert (out / name).stat().st_size > 0
    assert "| federated |" in (out / "report.md").read_text()

    # every finished fold was kept; a second run reuses them all and reports the same numbers
    stored = sorted(out.glob("checkpoints/*/*.json"))
    assert len(stored) == 2 + 2 + 1  # federated folds, centralised folds, the 70:30 split
    stamps = [path.stat().st_mtime_ns for path in stored]
    again = CliRunner().invoke(
        app, ["fl", "run", str(egemaps_path), str(root / "manifest.csv"), "--config", str(recipe), "-o", str(out)]
    )
    assert again.exit_code == 0, again.output
    assert [path.stat().st_mtime_ns for path in stored] == stamps
    assert json.loads((out / "report.json").read_text())["results"] == report["results"]


def test_secagg_with_distributed_dp_trains_and_accounts_epsilon(functionals, tmp_path):
    from emoshield.fl.protocol import federated_plan
    from emoshield.fl.settings import settings_from
    from emoshield.fl.simulation import simulate

    settings = settings_from({"rounds": 2, "hidden": 16, "secagg": True,
                              "dp": {"mode": "distributed", "noise": 1.0, "clip": 1.0}})
    speakers = sorted(set(functionals.speakers.tolist()))
    train = np.flatnonzero(np.isin(functionals.speakers, speakers[:3]))
    test = np.flatnonzero(np.isin(functionals.speakers, speakers[3:]))
    plan = federated_plan(functionals, train, test, settings, str(functionals.save(tmp_path / "d.npz")), 0)
    outcome = simulate(plan)
    assert [r.round for r in outcome.rounds] == [1, 2]
    assert 0 < outcome.rounds[0].epsilon < outcome.rounds[1].epsilon == outcome.epsilon
    assert outcome.epsilon_server == outcome.epsilon  # under SecAgg+ the server sees only the noisy sum
    assert outcome.predictions.shape == (len(test),) and set(outcome.curve) == {0, 1, 2}


def test_attack_runs_through_the_simulation(functionals, tmp_path):
    from emoshield.fl.attack import run_attack
    from emoshield.fl.report import attack_table
    from emoshield.fl.settings import settings_from

    settings = settings_from({"rounds": 2, "hidden": 16, "attack": {"enabled": True, "shadow_repeats": 2, "folds": 3,
                                                                    "sketches": [64], "regularisation": [1.0]}})
    summary = run_attack(functionals, settings, tmp_path)
    assert summary["per_update"]["n"] == 2 * 2  # 2 scored clients (one per gender), 2 rounds
    # a share of 4 decisions (2 clients x 2 rounds)
    assert summary["per_client"]["n"] == 2 and 4 * summary["per_update"]["accuracy"] in {0, 1, 2, 3, 4}
    assert len(summary["shadow_speakers"]) == len(summary["tuning_speakers"]) == 2
    table = attack_table(summary)
    assert "On the 2 scored clients" in table and len(re.findall(r"\n\| (\*\*)?net\.", table)) == 6  # a row per layer tensor


def test_the_secure_sum_equals_the_plain_mean_within_the_quantisation_step(functionals, tmp_path):
    """SecAgg+ and plain FedAvg from the same clients give the same model, up to SecAgg+'s quantisation.

    Each client's parameters are scaled by weight / max_weight and quantised over [-8, 8] in 2^22
    steps; with max_weight the largest weight sent, the error per parameter is below one step.
    """
    from emoshield.fl.protocol import federated_plan
    from emoshield.fl.settings import settings_from
    from emoshield.fl.simulation import simulate

    speakers = sorted(set(functionals.speakers.tolist()))
    train = np.flatnonzero(np.isin(functionals.speakers, speakers[:3]))
    test = np.flatnonzero(np.isin(functionals.speakers, speakers[3:]))
    path = str(functionals.save(tmp_path / "d.npz"))
    models = []
    for secagg in (False, True):
        settings = settings_from({"rounds": 1, "hidden": 8, "secagg": secagg})
        models.append(simulate(federated_plan(functionals, train, test, settings, path, 0)).weights)
    step = 16 / 2**22
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(*models))
    assert worst <= step, worst


def test_ray_starts_once_per_run_not_once_per_fold(functionals, tmp_path, monkeypatch):
    import ray

    from emoshield.fl.checkpoint import FoldStore
    from emoshield.fl.protocol import run_federated
    from emoshield.fl.settings import settings_from

    started = []
    init = ray.init
    monkeypatch.setattr(ray, "init", lambda *a, **k: started.append(1) or init(*a, **k))
    settings = settings_from({"rounds": 1, "hidden": 8, "folds": 3, "baselines": False})
    runs, outcomes = run_federated(functionals, settings, str(functionals.save(tmp_path / "d.npz")),
                                   FoldStore(tmp_path, "k"), lambda step: None)
    assert len(outcomes) == 3 and len(started) == 1
    assert not ray.is_initialized()  # shut down once, at the end


def test_secagg_with_fewer_clients_than_it_needs_is_refused_before_training(functionals, tmp_path):
    from emoshield.fl.errors import FederatedError
    from emoshield.fl.protocol import federated_plan
    from emoshield.fl.settings import settings_from
    from emoshield.fl.simulation import simulate

    speakers = sorted(set(functionals.speakers.tolist()))
    train = np.flatnonzero(np.isin(functionals.speakers, speakers[:2]))
    test = np.flatnonzero(np.isin(functionals.speakers, speakers[2:]))
    plan = federated_plan(functionals, train, test, settings_from({"rounds": 1, "secagg": True}),
                          str(functionals.save(tmp_path / "d.npz")), 0)
    with pytest.raises(FederatedError, match="SecAgg\\+ needs at least 3 clients per round, got 2"):
        simulate(plan)


def _niceness() -> int:
    import os

    return os.nice(0)


def test_the_simulations_client_workers_run_at_normal_priority(functionals, tmp_path, monkeypatch):
    """Ray starts its workers at niceness 15 by default: beside any other job the clients starved."""
    import ray

    from emoshield.fl.protocol import federated_plan
    from emoshield.fl.settings import settings_from
    from emoshield.fl.simulation import one_ray_instance, simulate

    monkeypatch.delenv("RAY_worker_niceness", raising=False)  # as in a fresh process
    speakers = sorted(set(functionals.speakers.tolist()))
    train = np.flatnonzero(np.isin(functionals.speakers, speakers[:4]))
    test = np.flatnonzero(np.isin(functionals.speakers, speakers[4:]))
    plan = federated_plan(functionals, train, test, settings_from({"rounds": 1, "hidden": 8}),
                          str(functionals.save(tmp_path / "d.npz")), 0)
    with one_ray_instance():
        simulate(plan)
        # the niceness of the process that started them (0 in CI; the developer's own under `nice pytest`),
        # not Ray's default of 15 more
        assert ray.get(ray.remote(num_cpus=1)(_niceness).remote()) == os.nice(0)
