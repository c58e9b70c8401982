"""Speaker verification from a layer: a representation that names the speaker links, noise does not."""

from __future__ import annotations

import numpy as np

from emoshield.attacks.verification import layer_eer


def _speakers(n_speakers: int, per: int, offset: int, rng: np.random.Generator, identity: float) -> tuple:
    speakers = np.repeat([f"s{offset + k}" for k in range(n_speakers)], per)
    genders = np.repeat(np.arange(n_speakers) % 2, per).astype(str)
    centres = rng.normal(size=(n_speakers, 16))
    X = identity * np.repeat(centres, per, axis=0) + rng.normal(size=(n_speakers * per, 16))
    return X, speakers, genders


def test_a_layer_that_carries_identity_links_and_noise_does_not():
    rng = np.random.default_rng(0)
    for identity, low, high in ((4.0, 0.0, 0.1), (0.0, 0.4, 0.6)):
        learn, learn_speakers, _ = _speakers(8, 10, 0, rng, identity)
        trial, trial_speakers, trial_genders = _speakers(6, 10, 100, rng, identity)
        eers = layer_eer(learn, learn_speakers, trial, trial_speakers, trial_genders)
        assert set(eers) == {"cosine", "lda", "lda_unscaled"}
        assert low <= min(eers.values()) <= high, (identity, eers)
