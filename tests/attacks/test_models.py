"""The model families of the attack study: shapes, readout and splicing."""

from __future__ import annotations

import pytest
import torch

from emoshield.attacks.models import FAMILIES, INPUTS, SHARED_LAYERS, WIDTHS, build_network, layer_shapes
from emoshield.errors import ConfigError

CNNS = [f for f in FAMILIES if f != "lstm"]


@pytest.mark.parametrize("features, bands", [("logmel", 64), ("lld", 32)])
def test_every_cnn_family_has_the_same_shapes_at_the_shared_layers(features, bands):
    shapes = {family: layer_shapes(family, features) for family in CNNS}
    for layer in SHARED_LAYERS:
        assert len({shapes[f][layer] for f in CNNS}) == 1, layer
    assert shapes["vgg"]["pool1"] == (WIDTHS[0], bands // 2, 48) and shapes["vgg"]["dense2"] == (64,)
    # the families differ between the shared points
    assert len({tuple(shapes[f]) for f in CNNS}) == len(CNNS)


def test_unknown_features_are_refused_naming_the_field():
    with pytest.raises(ConfigError, match="features: unknown 'mfcc'"):
        build_network("vgg", {"gender": 2}, features="mfcc")


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_split_forward_equals_the_whole_forward(family):
    torch.manual_seed(0)
    network = build_network(family, {"emotion": 4, "gender": 2}).eval()
    x = torch.randn(3, *INPUTS[family])
    with torch.no_grad():
        whole = network(x)
        for layer in network.layers:
            spliced = network(network.read(x, layer), start=layer)  # T spliced into itself is T
            for task in whole:
                assert torch.allclose(spliced[task], whole[task], atol=1e-5), (layer, task)


def test_a_representation_of_one_family_runs_through_another():
    torch.manual_seed(0)
    target, attacker = build_network("vgg", {"emotion": 8}).eval(), build_network("densenet", {"gender": 2}).eval()
    x = torch.randn(2, *INPUTS["vgg"])
    with torch.no_grad():
        for layer in SHARED_LAYERS:
            assert attacker(target.read(x, layer), start=layer)["gender"].shape == (2, 2)


def test_unknown_architectures_and_layers_are_named():
    with pytest.raises(ConfigError, match="unknown architecture 'vgg16'; choose one of: vgg, vgg_deep"):
        build_network("vgg16", {"gender": 2})
    network = build_network("resnet", {"gender": 2})
    with pytest.raises(ConfigError, match="resnet has no layer 'conv1_1'; its layers: stem, res1, pool1"):
        network.read(torch.zeros(1, *INPUTS["resnet"]), "conv1_1")


def test_the_layers_command_lists_readout_points_and_refuses_unknown_architectures():
    import subprocess
    import sys

    def emoshield(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "emoshield", *args], capture_output=True, text=True, timeout=120)

    listed = emoshield("attack", "layers", "--arch", "resnet")
    assert listed.returncode == 0 and f"pool1          {WIDTHS[0]} x 32 x 48  (shared by the CNN families)" in listed.stdout
    assert listed.stdout.splitlines()[0].startswith("stem")
    refused = emoshield("attack", "layers", "--arch", "alexnet")
    assert refused.returncode == 1 and "unknown architecture 'alexnet'" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize("family", CNNS)
def test_the_channels_last_layout_computes_what_the_default_layout_computes(family, monkeypatch):
    """The fast layout (channels-last tensors, in-place ReLU) changes neither outputs nor gradients, nor the input."""
    from torch import nn

    from emoshield.attacks import models

    def outputs_and_gradients(network: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
        network.train()
        torch.manual_seed(1)  # the same dropout mask in both layouts
        logits = network(x)
        (logits["emotion"].sum() + logits["gender"].square().sum()).backward()
        return [logits["emotion"], logits["gender"], *(p.grad for p in network.parameters())]

    fast = build_network(family, {"emotion": 4, "gender": 2}, seed=3)
    monkeypatch.setattr(models, "MEMORY_FORMAT", torch.contiguous_format)
    plain = build_network(family, {"emotion": 4, "gender": 2}, seed=3)
    for module in plain.modules():
        if isinstance(module, nn.ReLU):
            module.inplace = False
    # in float64: a BatchNorm after a BatchNorm leaves some gradients near zero, where float32 rounding shows
    fast, plain = fast.double(), plain.double()
    assert next(fast.parameters()).is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(4, *INPUTS[family], dtype=torch.float64)
    kept = x.clone()
    for a, b in zip(outputs_and_gradients(fast, x), outputs_and_gradients(plain, x)):
        assert (a - b).abs().max() <= 1e-9 * b.abs().max() + 1e-12
    assert torch.equal(x, kept)
