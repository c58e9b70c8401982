"""Gradient reversal: identity forward, -lambda times the upstream gradient backward."""

import pytest
import torch

from emoshield.privacy import GradientReversal, reverse_gradient


def test_forward_is_identity():
    x = torch.randn(5, 3)
    assert torch.equal(GradientReversal(2.0)(x), x)


@pytest.mark.parametrize("lambda_", [0.5, 1.0, 3.0])
def test_backward_multiplies_upstream_gradient_by_minus_lambda(lambda_):
    x = torch.randn(4, 6, requires_grad=True)
    upstream = torch.randn(4, 6)
    (grad,) = torch.autograd.grad(reverse_gradient(x, lambda_), x, grad_outputs=upstream)
    assert torch.allclose(grad, -lambda_ * upstream)


def test_reversal_inside_a_chain_flips_the_sign_of_the_chain_rule():
    x = torch.randn(7, requires_grad=True)
    (plain,) = torch.autograd.grad((x**2).sum(), x)
    (flipped,) = torch.autograd.grad((GradientReversal(1.0)(x) ** 2).sum(), x)
    assert torch.allclose(flipped, -plain)


def test_lambda_zero_blocks_and_lambda_is_settable():
    layer = GradientReversal(1.0)
    layer.lambda_ = 0.0
    x = torch.randn(3, requires_grad=True)
    (grad,) = torch.autograd.grad(layer(x).sum(), x)
    assert torch.equal(grad, torch.zeros(3))
    assert "lambda_=0.0" in repr(layer)
