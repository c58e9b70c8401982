"""The three attack modes on a toy task: gender shows in the low mel bands.

The gender shift is two noise standard deviations over 16 bands: strong enough
that every attacker finds it with a wide margin whatever the seed, so that
float-level differences between CPUs (which move a small fit as a seed does)
cannot move a result across a threshold. At one standard deviation a probe
trained for 6 epochs landed between 0.77 and 1.0 across seeds.
"""

import numpy as np
import pytest

from emoshield.attacks.models import INPUTS, build_network
from emoshield.attacks.modes import panel, probe, splice
from emoshield.attacks.train import FitSettings, fit


def toy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Crops, gender (low bands +2 sd for 1), emotion (high bands +1 sd for 1), speakers of 4 utterances."""
    rng = np.random.default_rng(seed)
    gender, emotion = np.arange(n) % 2, (np.arange(n) // 2) % 2
    X = rng.normal(size=(n, *INPUTS["vgg"])).astype(np.float32)
    X[gender == 1, :, :16, :] += 2.0
    X[emotion == 1, :, 48:, :] += 1.0
    speakers = np.asarray([f"{seed}-{i // 4}-{g}" for i, g in enumerate(gender)])
    return X, gender, emotion, speakers


@pytest.fixture(scope="module")
def target():
    X, _, emotion, _ = toy(96, 0)
    return fit(build_network("vgg", {"emotion": 2}), X, {"emotion": emotion}, FitSettings(epochs=3), seed=0)


def test_splice_reads_the_intercepted_layer_with_the_attackers_later_layers(target):
    X, gender, emotion, _ = toy(96, 1)
    scored, _, _, _ = toy(64, 2)
    attacker = fit(build_network("vgg", {"gender": 2, "emotion": 2}), X, {"gender": gender, "emotion": emotion},
                   FitSettings(epochs=3), seed=1)
    assert splice(target, attacker, scored, "pool1").shape == (64,)


@pytest.mark.parametrize("seed", range(6))
def test_the_probe_finds_the_gender_in_an_early_layer_whatever_the_seed(seed):
    X0, _, emotion0, _ = toy(96, 0)
    target = fit(build_network("vgg", {"emotion": 2}), X0, {"emotion": emotion0}, FitSettings(epochs=3), seed=seed)
    X, gender, _, _ = toy(96, 1)
    scored, truth, _, _ = toy(64, 2)
    guesses = probe(target, "resnet", X, {"gender": gender}, scored, "pool1", FitSettings(epochs=6), seed=2 + seed)
    assert (guesses == truth).mean() >= 0.9


def test_the_panel_learns_gender_and_shuffled_labels_give_chance(target):
    X, gender, _, speakers = toy(160, 3)
    scored, truth, _, _ = toy(160, 4)
    found = panel(target, ["logreg"], X, gender, speakers, scored, "pool1")["logreg"]
    assert (found == truth).mean() >= 0.8
    # labels independent of gender (within each gender, half are called 0 and half 1): the guesses are at chance.
    # One shuffle's accuracy spreads 0.36-0.56 over target seeds (about 40 scored speakers); the mean of four
    # shuffles 0.45-0.52, so the band of 0.1 is four of its standard deviations.
    accuracies = []
    for shuffle in range(4):
        shuffled = np.empty_like(gender)
        rng = np.random.default_rng(shuffle)
        for value in (0, 1):
            rows = np.flatnonzero(gender == value)
            shuffled[rows] = rng.permutation(np.arange(len(rows)) % 2)
        chance = panel(target, ["logreg"], X, shuffled, speakers, scored, "pool1")["logreg"]
        accuracies.append((chance == truth).mean())
    assert abs(np.mean(accuracies) - 0.5) <= 0.1
