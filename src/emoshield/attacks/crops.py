"""Fixed-size inputs for the attack study: each utterance's most energetic stretch of frames.

Seed 002's networks read whole spectrograms; here every utterance becomes one
crop of ``frames`` consecutive frames, the window whose frames carry the most
energy (the row mean of log-mel energies, or an LLD energy column), so that a
batch needs no padding mask and a CNN's shapes are fixed. An utterance shorter
than the crop is padded at the end with its own quietest value per column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from emoshield.errors import FeatureError


def loudest_window(energy: np.ndarray, frames: int) -> int:
    """Start of the ``frames``-long window with the largest summed energy (0 when the sequence is shorter)."""
    if len(energy) <= frames:
        return 0
    return int(np.argmax(np.convolve(energy, np.ones(frames), mode="valid")))


def crop(sequence: np.ndarray, frames: int, energy: np.ndarray) -> np.ndarray:
    """The loudest ``frames`` rows of a (T, d) sequence, padded with each column's minimum when T < frames."""
    start = loudest_window(energy, frames)
    window = sequence[start:start + frames]
    if len(window) < frames:
        window = np.vstack([window, np.repeat(sequence.min(axis=0, keepdims=True), frames - len(window), axis=0)])
    return window.astype(np.float32)


def mean_energy(sequence: np.ndarray) -> np.ndarray:
    """A frame's energy as the mean of its row (log-mel bands)."""
    return sequence.mean(axis=1)


def crops(
    sequences: Sequence[np.ndarray], frames: int, energy: Callable[[np.ndarray], np.ndarray] = mean_energy
) -> np.ndarray:
    """(n, frames, d) crops of (T, d) sequences; FeatureError when the crop is longer than every sequence."""
    longest = max(len(s) for s in sequences)
    if frames > longest:
        raise FeatureError(f"crop of {frames} frames is longer than every file (the longest has {longest} frames); "
                           f"choose frames <= {longest}")
    return np.stack([crop(s, frames, energy(s)) for s in sequences])
