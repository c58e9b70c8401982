"""The McAdams anonymiser: formants move as the published method says, and the signal stays a usable signal."""

import numpy as np
import pytest
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from emoshield.anonymise.mcadams import PEAK, mcadams
from emoshield.anonymise.spec import McAdams, parse_anonymiser, split_audio_method
from emoshield.errors import AudioError, ConfigError

RATE = 16000
FORMANTS = (500.0, 1500.0)  # Hz: resonances of the synthetic vocal tract


def all_pole_signal(seconds: float = 3.0, radius: float = 0.97, seed: int = 0) -> np.ndarray:
    """White noise through two resonances at FORMANTS: an all-pole signal with known pole angles."""
    a = np.array([1.0])
    for f in FORMANTS:
        phi = 2 * np.pi * f / RATE
        a = np.convolve(a, [1.0, -2 * radius * np.cos(phi), radius**2])
    noise = np.random.default_rng(seed).normal(size=int(seconds * RATE))
    x = lfilter([1.0], a, noise)
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def formants(x: np.ndarray, near: list[float], order: int = 20) -> list[float]:
    """A formant tracker written independently of the anonymiser (scipy's Toeplitz solver, numpy's roots): per
    20 ms Hann frame, the angle (Hz) of the strongest LPC pole within 25% of each frequency in ``near``; the
    median over frames."""
    width, hop = RATE // 50, RATE // 100
    tracks = [[] for _ in near]
    for start in range(0, len(x) - width, hop):
        frame = x[start : start + width] * np.hanning(width)
        r = np.correlate(frame, frame, "full")[width - 1 : width + order]
        a = np.r_[1.0, solve_toeplitz(r[:order], -r[1 : order + 1])]
        roots = np.roots(a)
        hz = np.angle(roots) * RATE / (2 * np.pi)
        for track, f in zip(tracks, near):
            inside = (hz > 0.75 * f) & (hz < 1.25 * f)
            if inside.any():
                track.append(hz[inside][np.argmax(np.abs(roots[inside]))])
    return [float(np.median(track)) for track in tracks]


@pytest.mark.parametrize("alpha", [0.7, 0.8, 1.2])
def test_formants_move_to_their_angle_to_the_power_alpha(alpha):
    x = all_pole_signal()
    before = formants(x.astype(np.float64), list(FORMANTS))
    expected = [(2 * np.pi * f / RATE) ** alpha * RATE / (2 * np.pi) for f in before]
    found = formants(mcadams(x, RATE, alpha).astype(np.float64), expected)
    for got, want, original in zip(found, expected, before):
        assert abs(got - want) < 0.04 * want, (got, want)
        assert abs(got - want) < 0.25 * abs(original - want)  # it moved where φ^α says, far from where it was


def test_alpha_one_gives_the_signal_back():
    x = all_pole_signal(seconds=1.0)
    y = mcadams(x, RATE, 1.0)
    assert np.corrcoef(x, y)[0, 1] > 0.9999


def test_length_kept_peak_normalised_without_clipping():
    x = all_pole_signal(seconds=1.2345)
    y = mcadams(x, RATE, 0.8)
    assert y.shape == x.shape and y.dtype == np.float32
    assert np.isclose(np.abs(y).max(), PEAK) and np.abs(y).max() < 1.0
    assert np.isfinite(y).all()


def test_silence_and_a_too_short_signal_get_clear_errors():
    with pytest.raises(AudioError, match="silent"):
        mcadams(np.zeros(RATE, dtype=np.float32), RATE, 0.8)
    with pytest.raises(AudioError, match="too short to anonymise"):
        mcadams(np.ones(100, dtype=np.float32), RATE, 0.8)
    with pytest.raises(ValueError, match="McAdams coefficient"):
        mcadams(all_pole_signal(seconds=0.5), RATE, 0.0)


def test_a_random_coefficient_is_drawn_per_utterance_deterministically():
    a, b = all_pole_signal(seconds=0.5, seed=1), all_pole_signal(seconds=0.5, seed=2)
    random = McAdams(alpha=None)
    assert random.alpha_for(a) == McAdams(alpha=None).alpha_for(a)  # same content, same seed: same draw
    draws = {random.alpha_for(x) for x in (a, b)} | {McAdams(alpha=None, seed=1).alpha_for(a)}
    assert len(draws) == 3 and all(0.5 <= d <= 0.9 for d in draws)
    y1, alpha1 = random(a, RATE)
    y2, alpha2 = random(a, RATE)
    assert alpha1 == alpha2 and np.array_equal(y1, y2)


def test_specs_parse_and_bad_ones_are_named():
    assert parse_anonymiser("mcadams(alpha=random)").alpha is None
    assert parse_anonymiser(" mcadams( alpha = 0.7 ) ").spec == "mcadams(alpha=0.7)"
    assert parse_anonymiser("mcadams(alpha=random, seed=3)").spec == "mcadams(alpha=random, seed=3)"
    anonymiser, method = split_audio_method("audio:mcadams(alpha=0.8)+adversarial(prior=10, emotion_aware=true)")
    assert anonymiser.alpha == 0.8 and method == "adversarial(prior=10, emotion_aware=true)"
    assert split_audio_method("audio:mcadams(alpha=0.8)")[1] == "raw"
    assert split_audio_method("pca") == (None, "pca")
    for bad, message in (("mcadams(beta=1)", "unknown parameter"), ("mcadams(alpha=loud)", "not a number"),
                         ("mcadams(alpha=2)", "expected a coefficient"), ("whisper", "unknown anonymiser")):
        with pytest.raises(ConfigError, match=message):
            parse_anonymiser(bad)
