"""The same apps on Flower's Deployment Engine: a SuperLink and SuperNodes as real processes on loopback.

Run as a deployment should be: TLS with a CA made here, SuperNode authentication
(registered keys only), each SuperNode holding only its own speaker's data, and
strategy and DP chosen through ``flwr run``'s run config.
"""

import pytest

from emoshield.fl.loopback import run_loopback

#: Slow (Flower's Deployment Engine: SuperLink, SuperNodes and `flwr run` as processes); `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


def test_flwr_run_over_tls_with_authenticated_supernodes(tmp_path):
    run_config = {"strategy": "fedavgm", "dp-mode": "distributed", "dp-noise": 1.0, "dp-clip": 1.0}
    result = run_loopback(tmp_path, rounds=2, deadline=180.0, secure=True, intruders=True, run_config=run_config)
    assert [r["round"] for r in result["rounds"]] == [1, 2]
    for record in result["rounds"]:  # the two registered SuperNodes, never the intruder
        assert record["sampled"] == record["results"] == 2 and record["failures"] == 0 and record["aggregated"]
    assert set(result["uar_per_round"]) == {"0", "1", "2"}
    assert 0 < result["epsilon_release"] < result["epsilon_server"]  # distributed DP without SecAgg+
    # the unregistered SuperNode and the one that trusts another authority are refused, and the logs name why
    assert "Failed to activate SuperNode" in (tmp_path / "supernode2.log").read_text()
    assert "No SuperNode found with the given public key" in (tmp_path / "superlink.log").read_text()
    mismatch = (tmp_path / "supernode3.log").read_text()
    assert "CERTIFICATE_VERIFY_FAILED" in mismatch or "certificate verify failed" in mismatch.lower(), mismatch[-1500:]


def test_flwr_run_with_secagg_chosen_in_the_run_config(tmp_path):
    """SecAgg+ over TLS with authenticated SuperNodes: the server sees only the noisy sum."""
    run_config = {"secagg": True, "dp-mode": "distributed", "dp-noise": 1.0, "dp-clip": 1.0}
    # one round: every SecAgg+ stage starts a ClientApp process on each SuperNode (about 35 s a round here)
    result = run_loopback(tmp_path, rounds=1, deadline=180.0, secure=True, run_config=run_config, clients=3)
    assert [r["round"] for r in result["rounds"]] == [1] and result["rounds"][0]["aggregated"]
    assert set(result["uar_per_round"]) == {"0", "1"}
    assert 0 < result["epsilon_release"] == result["epsilon_server"]
    assert 'clientapp = "emoshield.fl.secagg:client_app"' in (tmp_path / "app" / "pyproject.toml").read_text()
