import numpy as np
import pytest
import torch

from emoshield.fl.local import get_weights, lean_torch, predict, set_weights, train_local
from emoshield.fl.models import build_model
from emoshield.fl.settings import LocalConfig
from tests.fl.conftest import toy_samples


@pytest.mark.parametrize("kind, shape", [("dnn", (5, 7)), ("linear", (5, 7)), ("cnn", (5, 11, 7)), ("lstm", (5, 11, 7))])
def test_models_give_one_logit_per_class(kind, shape):
    model = build_model(kind, 7, 3, hidden=16)
    lengths = torch.tensor([1, 3, 11, 5, 2]) if len(shape) == 3 else torch.ones(5, dtype=torch.long)
    assert model(torch.randn(*shape), lengths).shape == (5, 3)


def test_sequence_models_ignore_padding():
    for kind in ("cnn", "lstm"):
        model = build_model(kind, 4, 2, hidden=16).eval()
        x = torch.randn(1, 6, 4)
        padded = torch.cat([x, 5 * torch.randn(1, 10, 4)], dim=1)
        a = model(x, torch.tensor([6]))
        b = model(padded, torch.tensor([6]))
        assert torch.allclose(a, b, atol=1e-5), kind


def test_local_sgd_learns_separable_data():
    data = toy_samples()
    with lean_torch(0):
        model = build_model("dnn", data.n_features, 2, hidden=16)
        before = np.mean(predict(model, data) == data.y)
        train_local(model, data, LocalConfig(epochs=20, lr=0.1))
    assert np.mean(predict(model, data) == data.y) > max(0.9, before)


def test_proximal_term_keeps_weights_near_the_global_model():
    data = toy_samples()
    distances = {}
    for mu in (0.0, 10.0):
        with lean_torch(0):
            model = build_model("dnn", data.n_features, 2, hidden=16)
            start = get_weights(model)
            train_local(model, data, LocalConfig(epochs=5, lr=0.1, proximal_mu=mu), seed=1)
        distances[mu] = sum(float(np.sum((a - b) ** 2)) for a, b in zip(get_weights(model), start))
    assert distances[10.0] < 0.7 * distances[0.0]


def test_weights_round_trip():
    model = build_model("lstm", 3, 2, hidden=8)
    weights = [w + 1 for w in get_weights(model)]
    set_weights(model, weights)
    assert all(np.allclose(a, b) for a, b in zip(get_weights(model), weights))
    with pytest.raises(ValueError, match="tensors"):
        set_weights(model, weights[:-1])
