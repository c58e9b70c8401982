"""The training loop: schedule, settings, losses, seeding and threads."""

import math

import numpy as np
import pytest
import torch

from emoshield.errors import ConfigError
from emoshield.privacy import AdversarialAutoencoder, Schedule, TrainSettings, reversal_strength, train
from emoshield.privacy.train import MISSING, seeded, torch_threads

from .conftest import TINY


def test_dann_schedule_ramps_from_zero_to_alpha():
    assert reversal_strength(Schedule.DANN, 2.0, 0.0) == 0.0
    assert reversal_strength("dann", 2.0, 0.5) == pytest.approx(2.0 * (2 / (1 + math.exp(-5)) - 1))
    assert reversal_strength("dann", 2.0, 1.0) == pytest.approx(2.0, abs=1e-3)
    assert reversal_strength("constant", 2.0, 0.0) == 2.0


@pytest.mark.parametrize(
    "bad", [dict(alpha=-1), dict(epochs=0), dict(lr=0), dict(schedule="cosine"), dict(adversary_loss="x")]
)
def test_invalid_settings_are_refused(bad):
    with pytest.raises((ConfigError, ValueError)):
        TrainSettings(**bad)


@pytest.mark.parametrize("adversary_loss", ["reversal", "confusion"])
def test_training_lowers_reconstruction_and_tolerates_unlabelled_rows(adversary_loss):
    rng = np.random.default_rng(0)
    X = rng.random((64, 20)).astype(np.float32)
    emotion = np.full(64, MISSING)
    emotion[:8] = np.arange(8) % 2  # most batches have no emotion label at all
    targets = {"gender": np.arange(64) % 2, "emotion": emotion}
    with seeded(0):
        model = AdversarialAutoencoder(20, {"gender": 2, "emotion": 2}, TINY)
    settings = TrainSettings(alpha=1.0, epochs=15, batch_size=8, adversary_loss=adversary_loss)
    history = train(model, X, targets, settings)
    assert len(history) == 15
    assert all(math.isfinite(v) for epoch in history for v in epoch.values())
    assert history[-1]["reconstruction"] < history[0]["reconstruction"]
    assert not model.training
    assert ("gender_confusion" in history[0]) == (adversary_loss == "confusion")


def test_seeded_leaves_the_callers_generator_alone_and_threads_are_restored():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with seeded(7):
        torch.rand(5)
    assert torch.equal(torch.rand(3), expected)
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
