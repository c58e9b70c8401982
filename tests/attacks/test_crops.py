"""Crops of the attack study: the loudest stretch of each utterance."""

import numpy as np
import pytest

from emoshield.attacks.crops import crop, crops, loudest_window
from emoshield.errors import FeatureError


def test_the_crop_is_the_loudest_window():
    energy = np.array([0, 0, 1, 5, 5, 1, 0, 0], dtype=float)
    assert loudest_window(energy, 2) == 3 and loudest_window(energy, 20) == 0
    sequence = np.arange(16, dtype=float).reshape(8, 2)
    assert np.array_equal(crop(sequence, 2, energy), sequence[3:5])


def test_a_short_utterance_is_padded_with_its_quietest_values():
    sequence = np.array([[1.0, -2.0], [3.0, -4.0]])
    padded = crop(sequence, 4, sequence.mean(axis=1))
    assert padded.shape == (4, 2) and np.array_equal(padded[2:], [[1.0, -4.0], [1.0, -4.0]])


def test_a_crop_longer_than_every_file_is_named():
    sequences = [np.zeros((5, 3)), np.zeros((7, 3))]
    assert crops(sequences, 6).shape == (2, 6, 3)
    with pytest.raises(FeatureError, match="crop of 8 frames is longer than every file \\(the longest has 7 frames\\)"):
        crops(sequences, 8)
