"""Local training and evaluation on numpy arrays (never imports Flower).

Seed 003: plain SGD on each client; FedProx adds (mu / 2) ||w - w_global||^2.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from emoshield.fl.data import Samples
from emoshield.fl.settings import LocalConfig
from emoshield.torch_context import seeded, torch_threads

Weights = list[np.ndarray]


@contextmanager
def lean_torch(seed: int, threads: int = 1) -> Iterator[None]:
    """One intra-op thread and a seeded generator, both restored afterwards."""
    with torch_threads(threads), seeded(seed):
        yield


def get_weights(model: nn.Module) -> Weights:
    """Parameters and buffers in state_dict order, as float32 numpy copies."""
    return [v.detach().cpu().numpy().astype(np.float32, copy=True) for v in model.state_dict().values()]


def set_weights(model: nn.Module, weights: Sequence[np.ndarray]) -> None:
    keys = list(model.state_dict())
    if len(keys) != len(weights):
        raise ValueError(f"model has {len(keys)} tensors, got {len(weights)} arrays")
    model.load_state_dict({k: torch.as_tensor(np.asarray(w)) for k, w in zip(keys, weights)})


def train_local(model: nn.Module, data: Samples, config: LocalConfig, seed: int = 0) -> float:
    """``config.epochs`` of minibatch SGD on ``data``; returns the mean loss of the last epoch."""
    anchor = [p.detach().clone() for p in model.parameters()] if config.proximal_mu > 0 else None
    optimiser = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    X, lengths, y = torch.from_numpy(data.X), torch.from_numpy(data.lengths), torch.from_numpy(data.y)
    rng = np.random.default_rng(seed)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    last = 0.0
    for _ in range(config.epochs):
        order = rng.permutation(len(data))
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = torch.from_numpy(order[start : start + config.batch_size])
            optimiser.zero_grad()
            loss = loss_fn(model(X[batch], lengths[batch]), y[batch])
            if anchor is not None:
                loss = loss + 0.5 * config.proximal_mu * sum(
                    ((p - a) ** 2).sum() for p, a in zip(model.parameters(), anchor)
                )
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        last = total / max(len(order), 1)
    return last


@torch.no_grad()
def predict(model: nn.Module, data: Samples, batch_size: int = 256) -> np.ndarray:
    """Predicted class index per utterance."""
    model.eval()
    out = []
    for start in range(0, len(data), batch_size):
        stop = start + batch_size
        logits = model(torch.from_numpy(data.X[start:stop]), torch.from_numpy(data.lengths[start:stop]))
        out.append(logits.argmax(dim=1).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
