"""Training of the adversarial autoencoder: one loss per batch, one Adam step.

Loss = ``reconstruction_weight * MSE(x, x_hat) + emotion_weight * CE_emotion + sum_k CE_k``
(+ the confusion terms below), k over the adversary heads, which always
minimise their own cross-entropy. What the encoder does to them, with strength
``lambda = alpha * schedule(progress)``:

- ``reversal`` (seed 000, objective (2)): the heads read the code through the
  gradient reversal layer, so the encoder receives the gradient of
  ``MSE + emotion_weight * CE_emotion - lambda * sum_k CE_k``;
- ``confusion``: the heads learn on the detached code, and the encoder is
  pushed to make the (frozen) heads' predictions uniform,
  ``+ lambda * sum_k CE(head_k(z), uniform)``.

``alpha = 0``: the adversaries never reach the encoder (``AdversarialEncoder`` then builds
no adversary head): a plain autoencoder, with the emotion head if it is on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Mapping

import numpy as np
import torch
from torch.nn import functional as F

from emoshield.errors import ConfigError
from emoshield.privacy.model import EMOTION, AdversarialAutoencoder
from emoshield.torch_context import seeded, torch_threads  # noqa: F401  (re-exported: encoder, io)

#: Target value of an utterance without a label for a head (e.g. no emotion label).
MISSING = -1


class AdversaryLoss(str, Enum):
    """What the encoder does to the adversary heads."""

    REVERSAL = "reversal"  # seed 000: maximise their cross-entropy, through the gradient reversal layer
    CONFUSION = "confusion"  # push their predictions to uniform (the heads themselves still minimise CE)


class Schedule(str, Enum):
    """How the reversal strength grows from 0 to ``alpha`` over training."""

    CONSTANT = "constant"  # alpha from the first step
    DANN = "dann"  # alpha * (2 / (1 + exp(-10 p)) - 1), p = progress in [0, 1] (Ganin et al.)


def reversal_strength(schedule: Schedule | str, alpha: float, progress: float) -> float:
    """The GRL lambda at ``progress`` (0 = first step, 1 = last) of training."""
    schedule = Schedule(schedule)
    if schedule is Schedule.CONSTANT:
        return alpha
    return alpha * (2.0 / (1.0 + math.exp(-10.0 * progress)) - 1.0)


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings (Adam); see ``AdversarialEncoder`` for their meaning."""

    alpha: float = 1.0
    schedule: Schedule = Schedule.DANN
    adversary_loss: AdversaryLoss = AdversaryLoss.CONFUSION
    emotion_weight: float = 1.0
    reconstruction_weight: float = 1.0
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.0
    kl_weight: float = 0.0  # > 0: a variational latent whose KL from N(0, I) costs this much
    adversary_steps: int = 1  # adversary head updates per encoder update
    head_reset: int = 0  # re-initialise the adversary heads every this many epochs (0: never)
    adversary_split: bool = False  # heads learn on half the speakers, the encoder fools them on the other half

    def __post_init__(self) -> None:
        object.__setattr__(self, "schedule", Schedule(self.schedule))
        object.__setattr__(self, "adversary_loss", AdversaryLoss(self.adversary_loss))
        for name in ("alpha", "emotion_weight", "reconstruction_weight", "weight_decay", "kl_weight", "head_reset"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("epochs", "batch_size", "adversary_steps"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.lr <= 0:
            raise ConfigError(f"lr must be > 0, got {self.lr}")


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the labelled rows; 0 when the batch has none."""
    if not bool((target != MISSING).any()):
        return logits.sum() * 0.0
    return F.cross_entropy(logits, target, ignore_index=MISSING)


def _frozen(head: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    """``head(z)`` with the head's weights held fixed: differentiable in ``z`` only."""
    return torch.func.functional_call(head, {name: p.detach() for name, p in head.named_parameters()}, (z,))


def _confusion(head: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``head(z)`` against the uniform distribution, differentiable in ``z`` only."""
    return -F.log_softmax(_frozen(head, z), dim=1).mean()


def _losses(
    model: AdversarialAutoencoder,
    x: torch.Tensor,
    y: Mapping[str, torch.Tensor],
    settings: TrainSettings,
    lambda_: float,
    fooled: torch.Tensor | None = None,
) -> tuple[dict[str, torch.Tensor], dict[str, float]]:
    """The batch's named loss terms and their weights in the total; ``lambda_`` = adversarial strength now.

    ``fooled`` (speaker-split training) marks the rows of the speakers the encoder is
    pushed to hide from the heads; the heads learn on the other rows only.
    """
    model.reversal.lambda_ = lambda_
    z, kl = model.sample(x)
    losses, weights = {}, {}
    if kl is not None:
        losses["kl"], weights["kl"] = kl, settings.kl_weight
    if settings.reconstruction_weight > 0:
        losses["reconstruction"] = F.mse_loss(model.decoder(z), x)
        weights["reconstruction"] = settings.reconstruction_weight
    reversal = settings.adversary_loss is AdversaryLoss.REVERSAL
    for name, head in model.heads.items():
        if name == EMOTION:
            losses[name], weights[name] = _cross_entropy(head(z), y[name]), settings.emotion_weight
        elif fooled is not None:
            losses[name], weights[name] = _cross_entropy(head(z.detach()), torch.where(fooled, MISSING, y[name])), 1.0
            if bool(fooled.any()):
                logits = _frozen(head, z[fooled])
                fool = -_cross_entropy(logits, y[name][fooled]) if reversal else -F.log_softmax(logits, dim=1).mean()
                losses[f"{name}_fooled"], weights[f"{name}_fooled"] = fool, lambda_
        elif reversal:
            losses[name], weights[name] = _cross_entropy(head(model.reversal(z)), y[name]), 1.0
        else:
            losses[name], weights[name] = _cross_entropy(head(z.detach()), y[name]), 1.0
            losses[f"{name}_confusion"], weights[f"{name}_confusion"] = _confusion(head, z), lambda_
    return losses, weights


def _train_adversaries(
    model: AdversarialAutoencoder, optimiser: torch.optim.Optimizer, x: torch.Tensor, y: Mapping[str, torch.Tensor]
) -> None:
    """One update of the adversary heads alone, on the (fixed) code of the batch."""
    with torch.no_grad():
        z = model.sample(x)[0]
    loss = sum(_cross_entropy(head(z), y[name]) for name, head in model.heads.items() if name != EMOTION)
    if isinstance(loss, torch.Tensor):
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()


def _speaker_half(speakers: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """A random half of the speakers, as a mask over rows."""
    unique = np.unique(speakers)
    chosen = rng.permutation(unique)[: max(1, len(unique) // 2)]
    return torch.as_tensor(np.isin(speakers, chosen))


def _reset_adversaries(model: AdversarialAutoencoder, optimiser: torch.optim.Optimizer) -> None:
    """Fresh adversary heads, and no optimiser memory of the old ones."""
    model.reset_adversaries()
    for name, head in model.heads.items():
        if name != EMOTION:
            for parameter in head.parameters():
                optimiser.state.pop(parameter, None)


def train(
    model: AdversarialAutoencoder,
    X: np.ndarray,
    targets: Mapping[str, np.ndarray],
    settings: TrainSettings,
    seed: int = 0,
    speakers: np.ndarray | None = None,
) -> list[dict[str, float]]:
    """Train ``model`` on scaled features ``X`` and integer ``targets`` per head; per-epoch mean losses.

    ``speakers`` (one code per row) are needed for ``adversary_split``: every epoch the
    speakers are halved at random, the heads learn on one half and the encoder is
    pushed to fool them on the other.
    """
    if settings.adversary_split and speakers is None:
        raise ConfigError("adversary_split needs the speaker of every training utterance")
    x_all = torch.as_tensor(np.asarray(X, dtype=np.float32))
    y_all = {name: torch.as_tensor(np.asarray(targets[name], dtype=np.int64)) for name in model.heads}
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay, fused=True)
    rng = np.random.default_rng(seed)
    n = len(x_all)
    steps_per_epoch = math.ceil(n / settings.batch_size)
    total = settings.epochs * steps_per_epoch
    history = []
    model.train()
    for epoch in range(settings.epochs):
        sums: dict[str, float] = {}
        if settings.head_reset and epoch and epoch % settings.head_reset == 0:
            _reset_adversaries(model, optimiser)
        order = torch.as_tensor(rng.permutation(n))
        fooled_rows = _speaker_half(speakers, rng) if settings.adversary_split else None
        for step, batch in enumerate(order.split(settings.batch_size)):
            progress = (epoch * steps_per_epoch + step) / max(total - 1, 1)
            lambda_ = reversal_strength(settings.schedule, settings.alpha, progress)
            y_batch = {k: v[batch] for k, v in y_all.items()}
            fooled = None if fooled_rows is None else fooled_rows[batch]
            heads_see = y_batch if fooled is None else {k: torch.where(fooled, MISSING, v) for k, v in y_batch.items()}
            for _ in range(settings.adversary_steps - 1):
                _train_adversaries(model, optimiser, x_all[batch], heads_see)
            losses, weights = _losses(model, x_all[batch], y_batch, settings, lambda_, fooled)
            loss = sum(weights[name] * value for name, value in losses.items())
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            for name, value in losses.items():
                sums[name] = sums.get(name, 0.0) + float(value.detach()) * len(batch)
        history.append({name: total_ / n for name, total_ in sums.items()})
    model.eval()
    return history
