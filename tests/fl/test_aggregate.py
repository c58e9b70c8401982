import numpy as np
import pytest

from emoshield.fl.aggregate import difference, global_norm, weighted_mean


def test_weighted_mean_weights_clients_by_examples():
    a = [np.array([0.0, 0.0]), np.array([[1.0]])]
    b = [np.array([3.0, 6.0]), np.array([[5.0]])]
    mean = weighted_mean([a, b], [1, 2])
    assert np.allclose(mean[0], [2.0, 4.0])
    assert np.allclose(mean[1], [[11.0 / 3.0]])


def test_weighted_mean_matches_flowers_fedavg():
    from flwr.app import ArrayRecord, MetricRecord, RecordDict
    from flwr.serverapp.strategy.strategy_utils import aggregate_arrayrecords

    rng = np.random.default_rng(0)
    clients = [[rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=4).astype(np.float32)] for _ in range(3)]
    counts = [5, 1, 10]
    records = [RecordDict({"arrays": ArrayRecord(c), "metrics": MetricRecord({"num-examples": n})})
               for c, n in zip(clients, counts)]
    flower = aggregate_arrayrecords(records, "num-examples").to_numpy_ndarrays()
    ours = weighted_mean(clients, counts)
    for f, o in zip(flower, ours):
        assert np.allclose(f, o, atol=1e-6)


def test_bad_weights_are_rejected():
    with pytest.raises(ValueError, match="one weight per client"):
        weighted_mean([[np.zeros(2)]], [1, 2])
    with pytest.raises(ValueError, match="positive sum"):
        weighted_mean([[np.zeros(2)]], [0])


def test_difference_and_norm():
    update = difference([np.array([3.0, 4.0])], [np.array([0.0, 0.0])])
    assert global_norm(update) == pytest.approx(5.0)
