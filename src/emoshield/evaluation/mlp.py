"""Many small MLPs trained at once: the MLP attacker's settings and epochs, chosen on held-out speakers.

Choosing an MLP's width, weight decay and number of epochs on inner folds
means training (folds x widths x decays) networks and reading each at several
epochs. Trained one by one that is hundreds of small, overhead-bound steps; here
every network of one width is a slice of one batched tensor, each with its own
training mask (the inner fold's training speakers) and weight decay, so one
minibatch step updates them all.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from emoshield.torch_context import seeded, torch_threads

BATCH = 128
LEARNING_RATE = 3e-3


class StackedMlp(nn.Module):
    """``m`` independent two-hidden-layer ReLU networks of one width, as batched weights."""

    def __init__(self, m: int, d: int, width: int, classes: int) -> None:
        super().__init__()
        self.layers = nn.ParameterList()
        for fan_in, fan_out in ((d, width), (width, width), (width, classes)):
            bound = np.sqrt(6.0 / (fan_in + fan_out))  # Glorot, as scikit-learn's MLP
            self.layers.append(nn.Parameter(torch.empty(m, fan_in, fan_out).uniform_(-bound, bound)))
            self.layers.append(nn.Parameter(torch.empty(m, 1, fan_out).uniform_(-bound, bound)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(b, d) or (m, b, d) inputs -> (m, b, classes) logits."""
        h = x
        for i in range(0, len(self.layers), 2):
            h = torch.matmul(h, self.layers[i]) + self.layers[i + 1]
            if i < len(self.layers) - 2:
                h = torch.relu(h)
        return h

    def snapshot(self, i: int) -> list[np.ndarray]:
        """Network ``i``'s weights and biases, copied out as numpy arrays."""
        return [p[i].detach().numpy().copy() for p in self.layers]

    def squared_weights(self) -> torch.Tensor:
        """Per network, the sum of squared weights (not biases): what L2 decay penalises."""
        return sum((w * w).sum(dim=(1, 2)) for w in self.layers[::2])


def train_stack(
    X: np.ndarray, y: np.ndarray, masks: np.ndarray, width: int, alphas: Sequence[float], steps: Sequence[int], seed: int
) -> Iterator[tuple[int, "StackedMlp"]]:
    """Train one network per (training mask, alpha) and yield the stack after each number of ``steps``.

    ``y`` holds class codes 0..c-1; ``masks`` (k x n) marks each network group's training
    utterances. Network ``i * len(alphas) + j`` trains on ``masks[i]`` with decay ``alphas[j]``
    (scikit-learn's convention: 0.5 * alpha * sum(w^2) / batch size, beside the mean cross-entropy).
    Counting Adam steps of minibatches (reshuffled every epoch), not epochs, gives small
    and large data the same compute: 100 steps of 128 are 200 epochs of 64 utterances.
    """
    n, d = X.shape
    weight = torch.as_tensor(np.repeat(masks, len(alphas), axis=0), dtype=torch.float32)  # (m, n)
    decay = torch.as_tensor(np.tile(alphas, len(masks)), dtype=torch.float32)
    inputs, targets = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    with torch_threads(1), seeded(seed):
        model = StackedMlp(len(weight), d, width, int(y.max()) + 1)
        optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, foreach=True)
        generator = torch.Generator().manual_seed(seed)
        batches: list[torch.Tensor] = []
        for step in range(1, max(steps) + 1):
            if not batches:
                batches = list(torch.randperm(n, generator=generator).split(BATCH))
            batch = batches.pop()
            losses = nn.functional.cross_entropy(
                model(inputs[batch]).transpose(1, 2), targets[batch].expand(len(weight), -1), reduction="none"
            )  # (m, b)
            w = weight[:, batch]
            count = w.sum(dim=1).clamp(min=1.0)
            loss = ((losses * w).sum(dim=1) / count + 0.5 * decay * model.squared_weights() / count).sum()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            if step in steps:
                yield step, model


def logits_stack(model: StackedMlp, X: np.ndarray) -> np.ndarray:
    """Logits (m x n x classes) of every network of the stack."""
    with torch.no_grad(), torch_threads(1):
        return model(torch.as_tensor(X, dtype=torch.float32)).numpy()


def logits(weights: Sequence[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Logits (n x classes) of one network from its :meth:`StackedMlp.snapshot`."""
    h = np.asarray(X, dtype=np.float32)
    for i in range(0, len(weights), 2):
        h = h @ weights[i] + weights[i + 1]
        if i < len(weights) - 2:
            h = np.maximum(h, 0.0)
    return h


def predict_stack(model: StackedMlp, X: np.ndarray) -> np.ndarray:
    """Class codes (m x n) of every network of the stack."""
    return logits_stack(model, X).argmax(axis=2)
