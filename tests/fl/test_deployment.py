"""The same apps on Flower's Deployment Engine: a SuperLink and two SuperNodes as real processes on loopback."""

from emoshield.fl.loopback import run_loopback


def test_flwr_run_trains_on_two_supernodes(tmp_path):
    result = run_loopback(tmp_path, rounds=2, deadline=180.0)
    assert [r["round"] for r in result["rounds"]] == [1, 2]
    for record in result["rounds"]:
        assert record["sampled"] == record["results"] == 2 and record["failures"] == 0 and record["aggregated"]
    assert set(result["uar_per_round"]) == {"0", "1", "2"}
    assert all(0 <= uar <= 1 for uar in result["uar_per_round"].values())
