"""Speaker-wise splits: leave-one-speaker-out, k speaker folds, utterance folds.

Every function takes one speaker id per utterance and returns ``(train, test)`` pairs
of sorted int positions into that sequence. Speakers are sorted before any shuffling,
so the result depends only on the data and the seed, not on row order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emoshield.errors import ConfigError

Fold = tuple[np.ndarray, np.ndarray]


def _split(n: int, test: np.ndarray) -> Fold:
    mask = np.zeros(n, dtype=bool)
    mask[test] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def leave_one_speaker_out(speakers: Sequence[str]) -> list[Fold]:
    """One fold per speaker (in sorted order): that speaker tested, all others trained."""
    labels = np.asarray(speakers, dtype=str)
    unique = np.unique(labels)
    if len(unique) < 2:
        raise ConfigError(f"leave-one-speaker-out needs at least 2 speakers, got {len(unique)}")
    return [_split(len(labels), np.flatnonzero(labels == s)) for s in unique]


def _speaker_strata(labels: np.ndarray, stratify: Sequence[str]) -> dict[str, str]:
    """Speaker -> its stratum; ConfigError if a speaker's label is not constant."""
    strata = np.asarray(stratify, dtype=str)
    if len(strata) != len(labels):
        raise ConfigError(f"stratify has {len(strata)} labels for {len(labels)} utterances")
    out: dict[str, str] = {}
    for speaker in np.unique(labels):
        values = np.unique(strata[labels == speaker])
        if len(values) != 1:
            raise ConfigError(
                f"stratify label is not constant for speaker {speaker}: {list(values)}"
            )
        out[str(speaker)] = str(values[0])
    return out


def speaker_folds(
    speakers: Sequence[str], k: int, seed: int, stratify: Sequence[str] | None = None
) -> list[Fold]:
    """``k`` folds over disjoint speaker groups of near-equal size.

    With ``stratify`` (a label constant per speaker, e.g. gender), the speakers of
    each label are dealt round-robin across folds, so every label is spread as evenly
    as possible and every training part holds each label that has 2+ speakers.
    """
    labels = np.asarray(speakers, dtype=str)
    unique = np.unique(labels)
    if not 2 <= k <= len(unique):
        raise ConfigError(f"speaker_folds needs 2 <= k <= {len(unique)} speakers, got k={k}")
    rng = np.random.default_rng(seed)
    if stratify is None:
        order = list(rng.permutation(unique))
    else:
        strata = _speaker_strata(labels, stratify)
        order = []
        for value in sorted(set(strata.values())):
            group = np.array([s for s in unique if strata[s] == value])
            order.extend(rng.permutation(group))
    start = int(rng.integers(k))
    fold_of = {str(s): (start + i) % k for i, s in enumerate(order)}
    assigned = np.array([fold_of[s] for s in labels])
    return [_split(len(labels), np.flatnonzero(assigned == f)) for f in range(k)]


def utterance_folds(speakers: Sequence[str], k: int, seed: int) -> list[Fold]:
    """``k`` utterance-disjoint folds stratified by speaker (closed-set identification).

    Each speaker's utterances are shuffled and dealt round-robin over the folds, so
    every speaker with 2+ utterances has training data in every fold. A speaker's
    single utterance stays in every training part (it could not be identified).
    """
    labels = np.asarray(speakers, dtype=str)
    if k < 2:
        raise ConfigError(f"utterance_folds needs k >= 2, got {k}")
    rng = np.random.default_rng(seed)
    assigned = np.full(len(labels), -1)
    for speaker in np.unique(labels):
        positions = rng.permutation(np.flatnonzero(labels == speaker))
        if len(positions) > 1:
            assigned[positions] = (int(rng.integers(k)) + np.arange(len(positions))) % k
    folds = [_split(len(labels), np.flatnonzero(assigned == f)) for f in range(k)]
    empty = [f for f, (_, test) in enumerate(folds) if len(test) == 0]
    if empty:
        raise ConfigError(f"utterance_folds: k={k} leaves fold(s) {empty} without test utterances")
    return folds
