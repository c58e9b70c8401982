import numpy as np
import pytest

from emoshield.fl.aggregate import global_norm
from emoshield.fl.dp import clip, epsilon_after, noise_share


def test_epsilon_grows_with_rounds_and_shrinks_with_noise():
    few, many = epsilon_after(1.0, 5, 10), epsilon_after(1.0, 50, 10)
    assert 0 < few < many
    assert epsilon_after(4.0, 50, 10) < many / 3


def test_epsilon_matches_the_gaussian_rdp_bound():
    # One Gaussian release, sensitivity 1, noise z: RDP eps(a) = a / (2 z^2); the accountant
    # converts to (eps, delta) no worse than the classic bound min_a eps(a) + log(1/delta) / (a - 1).
    z, delta = 2.0, 1e-5
    orders = np.linspace(1.1, 200, 20000)
    classic = np.min(orders / (2 * z * z) + np.log(1 / delta) / (orders - 1))
    eps = epsilon_after(z, 1, 5, delta)
    assert 0.5 * classic < eps <= classic + 1e-6


def test_clip_scales_long_updates_only():
    long = [np.array([3.0, 4.0], dtype=np.float32)]
    assert global_norm(clip(long, 1.0)) == pytest.approx(1.0, rel=1e-5)
    short = [np.array([0.3, 0.4], dtype=np.float32)]
    assert np.allclose(clip(short, 1.0)[0], short[0])


def test_noise_shares_sum_to_the_central_noise():
    rng = np.random.default_rng(0)
    sampled, noise, norm = 8, 2.0, 0.5
    zero = [np.zeros(20000, dtype=np.float32)]
    mean = sum(noise_share(zero, noise, norm, sampled, rng)[0] for _ in range(sampled)) / sampled
    # central DP adds sd noise * norm / sampled to the mean (Flower's compute_stdv)
    assert mean.std() == pytest.approx(noise * norm / sampled, rel=0.03)
