"""Client models: seed 001's DNN on functionals, CNN and LSTM on MFCC sequences, and a linear model.

The linear model (softmax regression on functionals) is the one client-level DP can
afford with tens of clients: the server's noise grows with the square root of the
number of parameters, the signal does not (docs/fl.md).

Every model takes ``(x, lengths)``: x is (batch, d) for the DNN and (batch, T, d)
for the sequence models, whose padded frames are masked out.
"""

from __future__ import annotations

import torch
from torch import nn

from emoshield.fl.settings import ModelKind


class Dnn(nn.Module):
    """Two hidden ReLU layers with dropout."""

    def __init__(self, n_features: int, n_classes: int, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Linear(hidden // 2, n_classes),
        )

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Linear(nn.Module):
    """Softmax regression: one linear layer from functionals to class scores."""

    def __init__(self, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.net = nn.Linear(n_features, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Cnn(nn.Module):
    """Two 1-D convolutions over time, pooled by the mean over valid frames (padding masked)."""

    def __init__(self, n_features: int, n_classes: int, hidden: int = 64) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv1d(n_features, hidden, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2))
        self.conv2 = nn.Sequential(nn.Conv1d(hidden, hidden, 5, padding=2), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(hidden, n_classes))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h = self.conv1(x.transpose(1, 2) * _mask(lengths, x.shape[1], x.dtype)[:, None, :])
        valid = torch.clamp(lengths // 2, min=1)
        mask = _mask(valid, h.shape[2], h.dtype)[:, None, :]
        h = self.conv2(h * mask) * mask
        return self.head(h.sum(dim=2) / valid[:, None].to(h.dtype))


def _mask(lengths: torch.Tensor, steps: int, dtype: torch.dtype) -> torch.Tensor:
    """(batch, steps): 1 for valid frames, 0 for padding."""
    return (torch.arange(steps)[None, :] < lengths[:, None]).to(dtype)


class Lstm(nn.Module):
    """One LSTM layer; its outputs are averaged over the valid frames and feed a linear layer.

    The mean over frames (not the last hidden state) passes gradient to every frame: on
    300-frame MFCC sequences the last state alone trained slowly (docs/fl.md).
    """

    def __init__(self, n_features: int, n_classes: int, hidden: int = 64) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = nn.utils.rnn.pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=x.shape[1])
        valid = torch.clamp(lengths, min=1)[:, None].to(out.dtype)
        return self.head(out.sum(dim=1) / valid)  # padded outputs are zeros


def build_model(kind: ModelKind | str, n_features: int, n_classes: int, hidden: int = 128) -> nn.Module:
    """A fresh model of ``kind`` (weights from torch's current generator)."""
    kind = ModelKind(kind)
    if kind is ModelKind.DNN:
        return Dnn(n_features, n_classes, hidden)
    if kind is ModelKind.LINEAR:
        return Linear(n_features, n_classes)
    if kind is ModelKind.CNN:
        return Cnn(n_features, n_classes, max(hidden // 2, 8))
    return Lstm(n_features, n_classes, max(hidden // 2, 8))
