"""Clients are speakers: one partition per speaker, checked before any training starts."""

from __future__ import annotations

import numpy as np

from emoshield.fl.data import Samples
from emoshield.fl.errors import FederatedError


def partition_by_speaker(samples: Samples, speakers: list[str] | None = None) -> dict[str, np.ndarray]:
    """Speaker -> positions of its utterances, for ``speakers`` (default: all, sorted).

    FederatedError names a requested speaker with no utterance, or one whose
    utterances hold a single class (local training would learn a constant).
    """
    wanted = sorted(np.unique(samples.speakers).tolist()) if speakers is None else list(speakers)
    if not wanted:
        raise FederatedError("no clients: the partition needs at least one speaker")
    out: dict[str, np.ndarray] = {}
    for speaker in wanted:
        positions = np.flatnonzero(samples.speakers == speaker)
        if len(positions) == 0:
            raise FederatedError(f"client {speaker!r} has no utterances in the data")
        present = np.unique(samples.y[positions])
        if len(present) < 2:
            label = samples.classes[int(present[0])]
            raise FederatedError(
                f"client {speaker!r} has a single class ({label!r}, {len(positions)} utterances); "
                "a client needs at least two classes to train"
            )
        out[speaker] = positions
    return out
