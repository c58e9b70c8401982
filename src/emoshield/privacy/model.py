"""The adversarial autoencoder of seed 000 (Fig. 3): encoder, decoder, reversed adversary heads.

The encoder maps features to a latent code, the decoder reconstructs the
features, and one classifier per private attribute (speaker, gender,
language) reads the latent code through a gradient reversal layer, so that
training the heads to recognise the attribute trains the encoder to hide it.
An optional emotion head (not reversed) keeps the emotion in the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
from torch import nn

from emoshield.errors import ConfigError
from emoshield.privacy.grl import GradientReversal

#: The private attributes an adversary head can be trained against.
ATTRIBUTES: tuple[str, ...] = ("speaker", "gender", "language")
#: The adversaries on by default: the speaker head learns the training speakers'
#: identities, which did not transfer to unseen speakers (docs/privacy.md).
DEFAULT_ADVERSARIES: tuple[str, ...] = ("gender", "language")
#: Name of the (non-reversed) utility head.
EMOTION = "emotion"


@dataclass(frozen=True)
class EncoderConfig:
    """Layer sizes of the autoencoder and its heads.

    The defaults are what worked best on EMO-DB ComParE features at a cost of
    seconds per fit on one CPU thread (docs/privacy.md); ``ali()`` is the
    paper's configuration.
    """

    hidden: tuple[int, ...] = (128,)
    latent: int = 32
    dropout: float = 0.5
    head_hidden: tuple[int, ...] = (128, 128)
    head_dropout: float = 0.0
    negative_slope: float = 0.01

    @classmethod
    def ali(cls) -> "EncoderConfig":
        """Seed 000, IV-C: hidden 2000 and 1000, latent 512, heads of two 400-unit layers, dropout 0.5."""
        return cls(hidden=(2000, 1000), latent=512, dropout=0.5, head_hidden=(400, 400), head_dropout=0.5)

    def __post_init__(self) -> None:
        for name in ("hidden", "latent", "head_hidden"):
            sizes = getattr(self, name)
            if any(int(s) < 1 for s in (sizes if isinstance(sizes, (tuple, list)) else (sizes,))):
                raise ConfigError(f"{name} (layer sizes) must be >= 1, got {sizes}")
        for name in ("dropout", "head_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        object.__setattr__(self, "hidden", tuple(int(s) for s in self.hidden))
        object.__setattr__(self, "head_hidden", tuple(int(s) for s in self.head_hidden))


def mlp(sizes: Sequence[int], dropout: float, negative_slope: float) -> nn.Sequential:
    """Dense layers of ``sizes``; LeakyReLU and dropout between them, the last layer linear."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            layers += [nn.LeakyReLU(negative_slope), nn.Dropout(dropout)]
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class AdversarialAutoencoder(nn.Module):
    """Encoder, mirrored decoder, and a classifier head per entry of ``heads`` (name -> classes).

    Heads named in ``ATTRIBUTES`` read the latent code through the gradient
    reversal layer ``self.reversal``; the ``emotion`` head reads it directly.
    ``variational``: the encoder gives a mean and a log-variance per latent
    dimension; training reads a sample and pays its KL divergence from N(0, I)
    (a variational information bottleneck), the released code is the mean.
    """

    def __init__(
        self, n_features: int, heads: Mapping[str, int], config: EncoderConfig = EncoderConfig(), variational: bool = False
    ) -> None:
        super().__init__()
        unknown = set(heads) - {*ATTRIBUTES, EMOTION}
        if unknown:
            raise ConfigError(f"unknown head(s) {sorted(unknown)}; known: {[*ATTRIBUTES, EMOTION]}")
        c = config
        self.variational = variational
        self.latent_size = c.latent
        self.encoder = mlp([n_features, *c.hidden, c.latent * (2 if variational else 1)], c.dropout, c.negative_slope)
        self.decoder = mlp([c.latent, *reversed(c.hidden), n_features], c.dropout, c.negative_slope)
        self.reversal = GradientReversal(0.0)
        self.heads = nn.ModuleDict(
            {name: mlp([c.latent, *c.head_hidden, n], c.head_dropout, c.negative_slope) for name, n in heads.items()}
        )

    def code(self, x: torch.Tensor) -> torch.Tensor:
        """The released code: the encoder's output (its mean half, when variational)."""
        return self.encoder(x)[:, : self.latent_size]

    def sample(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The code training reads, and (when variational) its mean KL divergence from N(0, I)."""
        out = self.encoder(x)
        if not self.variational:
            return out, None
        mean, log_variance = out[:, : self.latent_size], out[:, self.latent_size :].clamp(-10.0, 10.0)
        z = mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)
        kl = 0.5 * (mean.pow(2) + log_variance.exp() - 1.0 - log_variance).sum(dim=1).mean()
        return z, kl

    def reset_adversaries(self) -> None:
        """Draw fresh weights for every adversary head (not the emotion head)."""
        for name, head in self.heads.items():
            if name != EMOTION:
                for layer in head:
                    if hasattr(layer, "reset_parameters"):
                        layer.reset_parameters()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """Latent code, reconstruction, and each head's logits."""
        z = self.code(x)
        reversed_z = self.reversal(z)
        logits = {name: head(z if name == EMOTION else reversed_z) for name, head in self.heads.items()}
        return z, self.decoder(z), logits
