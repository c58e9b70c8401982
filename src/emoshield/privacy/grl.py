"""Gradient reversal (Ganin & Lempitsky, 2015): identity forward, gradient times -lambda backward."""

from __future__ import annotations

import torch
from torch import nn


class _ReverseGradient(torch.autograd.Function):
    """The identity whose backward pass multiplies the upstream gradient by ``-lambda_``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, lambda_: float) -> torch.Tensor:
        ctx.lambda_ = lambda_
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.lambda_ * grad_output, None


def reverse_gradient(x: torch.Tensor, lambda_: float = 1.0) -> torch.Tensor:
    """``x`` unchanged; gradients flowing back through it are scaled by ``-lambda_``."""
    return _ReverseGradient.apply(x, float(lambda_))


class GradientReversal(nn.Module):
    """Gradient reversal layer with a settable ``lambda_`` (0 blocks the gradient)."""

    def __init__(self, lambda_: float = 1.0) -> None:
        super().__init__()
        self.lambda_ = float(lambda_)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return reverse_gradient(x, self.lambda_)

    def extra_repr(self) -> str:
        return f"lambda_={self.lambda_}"
