"""Training and prediction for the attack study's networks: Adam on summed cross-entropies, one per head.

The emotion model T has an ``emotion`` head; a generic attacker A_g a ``gender``
head; an application-aware attacker A_a both (multi-task, as in seed 002).
Inputs are standardised per column (mel band or LLD) with the training set's
statistics, kept on the fitted :class:`Trained` so that every later input,
including a representation spliced in at a layer, meets the same network.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from emoshield.attacks.models import LayeredNet, build_network
from emoshield.errors import ConfigError
from emoshield.privacy.grl import reverse_gradient
from emoshield.torch_context import seeded, torch_threads


@dataclass(frozen=True)
class FitSettings:
    """Adam settings of one fit (sized for two CPU cores)."""

    epochs: int = 15
    lr: float = 1e-3
    batch_size: int = 32
    weight_decay: float = 1e-4

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0 or self.weight_decay < 0:
            raise ConfigError(f"training: epochs and batch_size >= 1, lr > 0, weight_decay >= 0; got {self}")


@dataclass(frozen=True)
class Defence:
    """T's defence: a gender head reading ``layer`` through gradient reversal of ``strength``, trained beside T."""

    layer: str
    strength: float


class TimePooled(nn.Module):
    """A representation as one vector: maps averaged over frames (channels x bands), sequences over frames."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            return x.mean(dim=3).flatten(1)
        return x.mean(dim=1) if x.dim() == 3 else x


def defence_head(network: LayeredNet, layer: str, classes: int) -> nn.Module:
    """The defence's gender classifier on ``layer``'s time-pooled output."""
    with torch.no_grad():
        width = TimePooled()(network.read(torch.zeros((1, *network.input_shape)), layer)).shape[1]
    return nn.Sequential(TimePooled(), nn.Linear(width, 64), nn.ReLU(), nn.Linear(64, classes))


@dataclass
class Trained:
    """A fitted network with the input statistics it was trained on."""

    network: LayeredNet
    mean: np.ndarray
    scale: np.ndarray
    seconds: float = 0.0  # how long the fit took (wall)

    def standardise(self, X: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(((X - self.mean) / self.scale).astype(np.float32))

    def logits(self, X: np.ndarray, start: str | None = None, batch_size: int = 256) -> dict[str, np.ndarray]:
        """Each head's logits for raw inputs ``X`` (standardised here), or for representations at ``start``."""
        self.network.eval()
        out: dict[str, list[np.ndarray]] = {}
        with torch.no_grad():
            for begin in range(0, len(X), batch_size):
                chunk = X[begin:begin + batch_size]
                x = torch.as_tensor(np.asarray(chunk, dtype=np.float32)) if start else self.standardise(chunk)
                for name, value in self.network(x, start=start).items():
                    out.setdefault(name, []).append(value.numpy())
        return {name: np.concatenate(parts) for name, parts in out.items()}

    def read(self, X: np.ndarray, layer: str, batch_size: int = 256) -> np.ndarray:
        """h_T: the output of ``layer`` for raw inputs ``X``."""
        self.network.eval()
        with torch.no_grad():
            return np.concatenate([self.network.read(self.standardise(X[b:b + batch_size]), layer).numpy()
                                   for b in range(0, len(X), batch_size)])


def save_trained(trained: Trained, path: Path, tag: object) -> None:
    """Write a fitted network (weights, heads, input statistics) with ``tag`` (the settings it was fitted under)."""
    heads = {name: head.out_features for name, head in trained.network.heads.items()}
    partial = path.with_name(path.name + ".partial")
    network = trained.network
    torch.save({"tag": tag, "family": network.family, "features": network.features, "heads": heads,
                "state": network.state_dict(), "mean": trained.mean, "scale": trained.scale,
                "seconds": trained.seconds}, partial)
    partial.replace(path)


def load_trained(path: Path, tag: object) -> Trained | None:
    """The network :func:`save_trained` wrote to ``path`` under the same ``tag``, or None."""
    saved = _saved(path)
    if saved is None or saved["tag"] != tag:
        return None
    network = build_network(saved["family"], saved["heads"], features=saved["features"])
    network.load_state_dict(saved["state"])
    return Trained(network.eval(), saved["mean"], saved["scale"], saved.get("seconds", 0.0))


def saved_under(path: Path, tag: object) -> bool:
    """Whether :func:`save_trained` wrote ``path`` under ``tag``."""
    saved = _saved(path)
    return saved is not None and saved["tag"] == tag


def _saved(path: Path) -> dict | None:
    return torch.load(path, weights_only=False) if path.exists() else None


def heads_of(targets: Mapping[str, np.ndarray]) -> dict[str, int]:
    """A head per task, as many classes as its integer targets reach."""
    return {name: int(np.max(values)) + 1 for name, values in targets.items()}


def input_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each input column (the last axis), over utterances and frames."""
    flat = X.reshape(-1, X.shape[-1])
    spread = flat.std(axis=0)
    return flat.mean(axis=0), np.where(spread > 1e-8, spread, 1.0)


def fit(
    network: LayeredNet,
    X: np.ndarray,
    targets: Mapping[str, np.ndarray],
    settings: FitSettings = FitSettings(),
    seed: int = 0,
    start: str | None = None,
    defence: Defence | None = None,
) -> Trained:
    """Train ``network`` on ``X`` for each head's integer ``targets``; from ``start`` on, when ``X`` are
    representations at that layer (the blocks before it are not trained).

    Inputs are standardised with ``X``'s own statistics. ``defence``: a gender head on one layer through
    gradient reversal, trained beside (``targets`` then holds ``gender`` too).
    """
    started = time.perf_counter()
    missing = set(network.heads) - set(targets) | ({"gender"} - set(targets) if defence else set())
    if missing:
        raise ConfigError(f"no targets for head(s) {sorted(missing)}")
    mean, scale = input_statistics(X)
    trained = Trained(network, mean, scale)
    x_all = torch.as_tensor(np.asarray(X, dtype=np.float32)) if start else trained.standardise(X)
    y_all = {name: torch.as_tensor(np.asarray(targets[name], dtype=np.int64)) for name in network.heads}
    parameters = [p for name, p in network.named_parameters() if _trains(name, network, start)]
    if defence is not None:
        with seeded(seed):
            network.defence = defence_head(network, defence.layer, int(np.max(targets["gender"])) + 1)
        parameters += list(network.defence.parameters())
        gender = torch.as_tensor(np.asarray(targets["gender"], dtype=np.int64))
    optimiser = torch.optim.Adam(parameters, lr=settings.lr, weight_decay=settings.weight_decay)
    rng = np.random.default_rng(seed)
    with torch_threads(1), seeded(seed):
        network.train()
        for _ in range(settings.epochs):
            for batch in torch.as_tensor(rng.permutation(len(x_all))).split(settings.batch_size):
                if len(batch) < 2:
                    continue  # BatchNorm needs two rows
                if defence is None:
                    logits = network(x_all[batch], start=start)
                else:
                    h = network.run(x_all[batch], start=start, stop=defence.layer)
                    logits = network(h, start=defence.layer)
                loss = sum(F.cross_entropy(logits[name], y_all[name][batch]) for name in network.heads)
                if defence is not None:
                    loss = loss + F.cross_entropy(network.defence(reverse_gradient(h, defence.strength)), gender[batch])
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
        network.eval()
    if defence is not None:
        del network.defence  # it served the training only: T is what a device runs
    trained.seconds = time.perf_counter() - started
    return trained


def _trains(parameter: str, network: LayeredNet, start: str | None) -> bool:
    """Whether a parameter lies after ``start`` (heads always do)."""
    if start is None or parameter.startswith("heads."):
        return True
    block = parameter.split(".")[1]
    return network.layers.index(block) > network.layers.index(start)
