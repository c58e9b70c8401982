"""Training of the attack study's networks on small separable data."""

import numpy as np
import torch

from emoshield.attacks.models import INPUTS, WIDTHS, build_network
from emoshield.attacks.train import FitSettings, fit


def _toy(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Log-mel-like crops whose low bands are louder for class 1."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, *INPUTS["vgg"])).astype(np.float32)
    X[y == 1, :, :16, :] += 1.5
    return X, y


def test_a_network_learns_a_separable_task_and_reads_out_layers():
    X, y = _toy()
    torch.manual_seed(0)
    trained = fit(build_network("vgg", {"gender": 2}), X, {"gender": y}, FitSettings(epochs=6), seed=1)
    test_X, test_y = _toy(seed=1)
    assert (trained.logits(test_X)["gender"].argmax(axis=1) == test_y).mean() >= 0.9
    assert trained.read(test_X[:3], "pool2").shape == (3, WIDTHS[1], 16, 24)


def test_training_from_a_layer_leaves_the_blocks_before_it_alone():
    X, y = _toy(32)
    donor = fit(build_network("vgg", {"gender": 2}), X, {"gender": y}, FitSettings(epochs=1), seed=0)
    h = donor.read(X, "pool1")
    network = build_network("vgg", {"gender": 2})
    before = {k: v.clone() for k, v in network.state_dict().items()}
    fit(network, h, {"gender": y}, FitSettings(epochs=1), seed=0, start="pool1")
    after = network.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("blocks.conv1_"))
    assert not torch.equal(before["blocks.conv2_1.0.weight"], after["blocks.conv2_1.0.weight"])


def test_the_defence_trains_a_gender_head_whose_reversed_gradient_reaches_the_early_blocks():
    from emoshield.attacks.train import Defence

    X, y = _toy(48)
    gender = (np.arange(48) // 2) % 2
    runs = {}
    for strength in (0.0, 1.0):
        runs[strength] = fit(build_network("vgg", {"emotion": 2}), X, {"emotion": y, "gender": gender},
                             FitSettings(epochs=6), seed=0, defence=Defence("pool1", strength))
    assert not hasattr(runs[1.0].network, "defence")  # the gender head served the training; T is what a device runs
    before = lambda s: runs[s].network.blocks["conv1_1"][0].weight  # noqa: E731
    assert not torch.equal(before(0.0), before(1.0))  # only the reversed gradient differs between the two
    assert (runs[1.0].logits(X)["emotion"].argmax(axis=1) == y).mean() >= 0.9
