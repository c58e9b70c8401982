"""Seed 002's model families, sized for the CPU, built from named blocks.

Every network is a :class:`LayeredNet`: an ordered list of named blocks and a
classifier head per task. Any block's output can be read out (the intercepted
representation h_T) and any network can be run from a block onwards on a
representation given to it (a splice). The four 2-D CNN families read a log-mel
crop (1 × 64 bands × 96 frames, about 1.9 s at the 20 ms hop of ``logmel``) and
share their shapes at the readout points ``pool1`` to ``pool4``, ``dense1`` and
``dense2``, so a representation of one family enters another without an
adapter; the LSTM of seed 002 reads IS09 LLD crops (96 frames × 32).

========== ============================================= ==========================================
family     what it stands for (seed 002)                 blocks between the pools
========== ============================================= ==========================================
vgg        VGG16 (with BatchNorm, as torchvision's _bn)  2, 2, 3, 3 convolutions
vgg_deep   VGG19 (with BatchNorm)                        2, 2, 4, 4 convolutions
resnet     ResNet50 (stem, residual blocks, BatchNorm)   stem + 1 residual block a stage
densenet   DenseNet121 (stem, dense blocks, BatchNorm)   stem + dense block (2 layers, growth 4) + transition
lstm       the 4-layer LSTM (256-256-128-64)             –
========== ============================================= ==========================================

Sizes were chosen on EMO-DB (docs/decisions.md): widths 8-16-32-32 learn as well
as twice that at a third of the time, BatchNorm lets the VGGs converge in the few
epochs the CPU affords, and the DenseNet's blocks are kept small because its
full-resolution concatenations cost most.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

import torch
from torch import nn

from emoshield.errors import ConfigError
from emoshield.torch_context import seeded

#: Input of the CNN families: (channels, mel bands, frames).
SPECTROGRAM = (1, 64, 96)
#: Input of the LSTM: (frames, IS09 LLDs with deltas).
LLD = (96, 32)
#: What a CNN family reads, by feature set: the log-mel crop, or the IS09 LLD crop as a one-channel image
#: (LLDs x frames; seed 002's Table 4 trains T on either).
CNN_INPUTS = {"logmel": SPECTROGRAM, "lld": (1, LLD[1], LLD[0])}
#: Channels after each pooling stage, shared by the CNN families.
WIDTHS = (8, 16, 32, 32)
#: The dense layers after the convolutions, shared by the CNN families.
DENSE = (128, 64)
#: How the CNNs keep 4-D tensors: channels last runs their convolutions ~1.5x faster on the CPU
#: (benchmarks/attack_fit.py compares it with PyTorch's default layout, ``torch.contiguous_format``).
MEMORY_FORMAT = torch.channels_last
#: Readout points every CNN family has, with the same shape.
SHARED_LAYERS = ("pool1", "pool2", "pool3", "pool4", "dense1", "dense2")


class LayeredNet(nn.Module):
    """Named blocks run in order, then a linear head per task (name -> classes) on the last block's output."""

    def __init__(self, family: str, blocks: list[tuple[str, nn.Module]], width: int, heads: Mapping[str, int],
                 features: str = "logmel") -> None:
        super().__init__()
        if not heads:
            raise ConfigError("a network needs at least one head (task -> number of classes)")
        self.family = family
        self.features = features
        self.input_shape = input_shape(family, features)  # one input, without the batch axis
        self.blocks = nn.ModuleDict(OrderedDict(blocks))
        self.heads = nn.ModuleDict({name: nn.Linear(width, n) for name, n in heads.items()})
        for module in self.modules():  # He initialisation, as torchvision's VGG, ResNet and DenseNet use
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        self.to(memory_format=MEMORY_FORMAT)  # 4-D weights only: the CNNs

    @property
    def layers(self) -> list[str]:
        """The readout points, input side first."""
        return list(self.blocks)

    def check_layer(self, layer: str) -> None:
        if layer not in self.blocks:
            raise ConfigError(f"{self.family} has no layer {layer!r}; its layers: {', '.join(self.blocks)}")

    def run(self, x: torch.Tensor, start: str | None = None, stop: str | None = None) -> torch.Tensor:
        """The blocks after ``start`` (None: from the input) up to and including ``stop`` (None: the last)."""
        names = self.layers
        first = 0 if start is None else self._index(start) + 1
        last = len(names) - 1 if stop is None else self._index(stop)
        if x.dim() == 4:
            x = x.contiguous(memory_format=MEMORY_FORMAT)
        for name in names[first:last + 1]:
            x = self.blocks[name](x)
        return x

    def read(self, x: torch.Tensor, layer: str) -> torch.Tensor:
        """h_T: the output of ``layer`` for input ``x``."""
        return self.run(x, stop=layer)

    def forward(self, x: torch.Tensor, start: str | None = None) -> dict[str, torch.Tensor]:
        """Each head's logits, from the input or (``start``) from a representation at that layer."""
        h = self.run(x, start=start)
        return {name: head(h) for name, head in self.heads.items()}

    def _index(self, layer: str) -> int:
        self.check_layer(layer)
        return self.layers.index(layer)


def _conv(n_in: int, n_out: int, norm: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(n_in, n_out, 3, padding=1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(n_out))
    return nn.Sequential(*layers, nn.ReLU(inplace=True))


def _dense_tail(blocks: list[tuple[str, nn.Module]], shape: tuple[int, ...]) -> list[tuple[str, nn.Module]]:
    """Flatten the last pooling stage (of a ``shape`` input), then the shared dense layers."""
    flat = WIDTHS[-1] * (shape[1] // 16) * (shape[2] // 16)
    return [*blocks, ("dense1", nn.Sequential(nn.Flatten(), nn.Linear(flat, DENSE[0]), nn.ReLU(inplace=True))),
            ("dense2", nn.Sequential(nn.Dropout(0.3), nn.Linear(DENSE[0], DENSE[1]), nn.ReLU(inplace=True)))]


def _vgg(convs: tuple[int, ...], shape: tuple[int, ...]) -> list[tuple[str, nn.Module]]:
    blocks, n_in = [], shape[0]
    for stage, (width, count) in enumerate(zip(WIDTHS, convs), start=1):
        for k in range(1, count + 1):
            blocks.append((f"conv{stage}_{k}", _conv(n_in, width, norm=True)))
            n_in = width
        blocks.append((f"pool{stage}", nn.MaxPool2d(2)))
    return _dense_tail(blocks, shape)


class Residual(nn.Module):
    """Two 3×3 convolutions with BatchNorm and a (1×1 when the width changes) shortcut."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(n_in, n_out, norm=True), nn.Conv2d(n_out, n_out, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(n_out))
        self.shortcut = nn.Identity() if n_in == n_out else nn.Sequential(nn.Conv2d(n_in, n_out, 1, bias=False),
                                                                           nn.BatchNorm2d(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


def _resnet(shape: tuple[int, ...]) -> list[tuple[str, nn.Module]]:
    blocks: list[tuple[str, nn.Module]] = [("stem", _conv(shape[0], WIDTHS[0], norm=True))]
    n_in = WIDTHS[0]
    for stage, width in enumerate(WIDTHS, start=1):
        blocks += [(f"res{stage}", Residual(n_in, width)), (f"pool{stage}", nn.MaxPool2d(2))]
        n_in = width
    return _dense_tail(blocks, shape)


class DenseBlock(nn.Module):
    """Layers of BatchNorm-ReLU-3×3 convolutions, each fed every earlier output (concatenated)."""

    def __init__(self, n_in: int, growth: int, count: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(nn.BatchNorm2d(n_in + k * growth), nn.ReLU(inplace=True), nn.Conv2d(n_in + k * growth, growth, 3, padding=1, bias=False))
            for k in range(count)
        )
        self.width = n_in + count * growth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = torch.cat([x, layer(x)], dim=1)
        return x


def _densenet(shape: tuple[int, ...], growth: int = 4, count: int = 2) -> list[tuple[str, nn.Module]]:
    blocks: list[tuple[str, nn.Module]] = [("stem", _conv(shape[0], WIDTHS[0], norm=True))]
    n_in = WIDTHS[0]
    for stage, width in enumerate(WIDTHS, start=1):
        dense = DenseBlock(n_in, growth, count)
        transition = nn.Sequential(nn.BatchNorm2d(dense.width), nn.ReLU(inplace=True), nn.Conv2d(dense.width, width, 1, bias=False))
        blocks += [(f"dense_block{stage}", dense), (f"transition{stage}", transition), (f"pool{stage}", nn.AvgPool2d(2))]
        n_in = width
    return _dense_tail(blocks, shape)


class LstmLayer(nn.Module):
    """One LSTM layer over (batch, frames, features), returning the whole sequence."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_in, n_out, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lstm(x)[0]


class TimeMean(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=1)


def _lstm(shape: tuple[int, ...], sizes: tuple[int, ...] = (256, 256, 128, 64)) -> list[tuple[str, nn.Module]]:
    blocks, n_in = [], shape[1]
    for k, size in enumerate(sizes, start=1):
        blocks.append((f"lstm{k}", LstmLayer(n_in, size)))
        n_in = size
    return [*blocks, ("pool", TimeMean()), ("dense1", nn.Sequential(nn.Linear(n_in, DENSE[1]), nn.ReLU(inplace=True)))]


FAMILIES = {
    "vgg": lambda shape: _vgg((2, 2, 3, 3), shape),
    "vgg_deep": lambda shape: _vgg((2, 2, 4, 4), shape),
    "resnet": _resnet,
    "densenet": _densenet,
    "lstm": _lstm,
}
#: Feature sets a CNN family can read (the LSTM always reads LLD sequences).
FEATURES = tuple(CNN_INPUTS)


def input_shape(family: str, features: str = "logmel") -> tuple[int, ...]:
    """The input a network of ``family`` reads, without the batch axis; ConfigError for unknown features."""
    if features not in CNN_INPUTS:
        raise ConfigError(f"features: unknown {features!r}; choose {' or '.join(FEATURES)}")
    return LLD if family == "lstm" else CNN_INPUTS[features]


#: The input each family reads by default (CNNs: log-mel), without the batch axis.
INPUTS = {name: input_shape(name) for name in FAMILIES}


#: Pretrained block weights per architecture (a shared initialisation), or none.
Initial = Mapping[str, Mapping[str, torch.Tensor]]


def check_family(family: str) -> None:
    """ConfigError naming the families when ``family`` is not one of them."""
    if family not in FAMILIES:
        raise ConfigError(f"unknown architecture {family!r}; choose one of: {', '.join(FAMILIES)}")


def build_network(family: str, heads: Mapping[str, int], initial: Initial | None = None, seed: int = 0,
                  features: str = "logmel") -> LayeredNet:
    """A network of ``family`` reading ``features`` with fresh heads (weights drawn from ``seed``), its blocks from
    ``initial[family]`` when given.

    ConfigError naming the families for an unknown one.
    """
    check_family(family)
    shape = input_shape(family, features)
    with seeded(seed):
        network = LayeredNet(family, FAMILIES[family](shape), DENSE[1], heads, features)
    if initial is not None and family in initial:
        network.blocks.load_state_dict(initial[family])
    return network


def layer_shapes(family: str, features: str = "logmel") -> dict[str, tuple[int, ...]]:
    """Each readout point of ``family`` reading ``features`` and the shape of its output for one input (no batch axis)."""
    network = build_network(family, {"gender": 2}, features=features).eval()
    x = torch.zeros((1, *network.input_shape))
    shapes = {}
    with torch.no_grad():
        for name in network.layers:
            x = network.blocks[name](x)
            shapes[name] = tuple(x.shape[1:])
    return shapes
