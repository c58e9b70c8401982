"""Speaker-wise splits."""

from __future__ import annotations

import numpy as np
import pytest

from emoshield.corpora.splits import leave_one_speaker_out, speaker_folds, utterance_folds
from emoshield.errors import ConfigError

# 10 speakers (4 female, 6 male), 3 to 7 utterances each, interleaved order.
SIZES = {f"s{i}": 3 + i % 5 for i in range(10)}
GENDER_OF = {s: ("female" if i < 4 else "male") for i, s in enumerate(SIZES)}
SPEAKERS = [s for rep in range(7) for s, n in SIZES.items() if rep < n]
GENDERS = [GENDER_OF[s] for s in SPEAKERS]


def check_partition(folds, n: int) -> None:
    """Train and test are disjoint, cover everything, and the tests partition the data."""
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests) == list(range(n))
    for train, test in folds:
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) + len(test) == n
        assert train.dtype.kind == test.dtype.kind == "i"


def speakers_at(positions) -> set[str]:
    return {SPEAKERS[i] for i in positions}


def test_loso_one_fold_per_speaker() -> None:
    folds = leave_one_speaker_out(SPEAKERS)
    check_partition(folds, len(SPEAKERS))
    assert [speakers_at(test) for _, test in folds] == [{s} for s in sorted(SIZES)]
    for train, test in folds:
        assert not speakers_at(train) & speakers_at(test)


def test_loso_needs_two_speakers() -> None:
    with pytest.raises(ConfigError, match="at least 2 speakers"):
        leave_one_speaker_out(["a", "a"])


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_speaker_folds_are_speaker_disjoint_and_balanced(k: int) -> None:
    folds = speaker_folds(SPEAKERS, k, seed=0)
    assert len(folds) == k
    check_partition(folds, len(SPEAKERS))
    groups = [speakers_at(test) for _, test in folds]
    for train, test in folds:
        assert not speakers_at(train) & speakers_at(test)
    assert sum(map(len, groups)) == len(SIZES)  # each speaker in exactly one test fold
    assert max(map(len, groups)) - min(map(len, groups)) <= 1


def test_speaker_folds_deterministic_by_seed_and_independent_of_row_order() -> None:
    first = speaker_folds(SPEAKERS, 3, seed=7)
    again = speaker_folds(SPEAKERS, 3, seed=7)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again))
    groupings = {
        tuple(frozenset(speakers_at(t)) for _, t in speaker_folds(SPEAKERS, 3, seed))
        for seed in range(6)
    }
    assert len(groupings) > 1  # seeds change the grouping
    reversed_speakers = SPEAKERS[::-1]
    back = speaker_folds(reversed_speakers, 3, seed=7)
    back_groups = [{reversed_speakers[i] for i in t} for _, t in back]
    assert back_groups == [speakers_at(t) for _, t in first]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [2, 3, 4])
def test_speaker_folds_stratified_by_gender(k: int, seed: int) -> None:
    folds = speaker_folds(SPEAKERS, k, seed, stratify=GENDERS)
    check_partition(folds, len(SPEAKERS))
    per_fold = [[GENDER_OF[s] for s in speakers_at(test)] for _, test in folds]
    for gender, total in (("female", 4), ("male", 6)):
        counts = [fold.count(gender) for fold in per_fold]
        assert max(counts) - min(counts) <= 1 and sum(counts) == total
    for train, _ in folds:
        assert {GENDERS[i] for i in train} == {"female", "male"}


def test_single_speaker_class_cannot_be_in_every_train_but_split_still_works() -> None:
    genders = ["female" if s == "s0" else "male" for s in SPEAKERS]
    folds = speaker_folds(SPEAKERS, 5, seed=1, stratify=genders)
    check_partition(folds, len(SPEAKERS))
    assert sum("female" not in {genders[i] for i in train} for train, _ in folds) == 1


def test_stratify_must_be_constant_per_speaker() -> None:
    labels = list(GENDERS)
    labels[SPEAKERS.index("s5")] = "female"
    with pytest.raises(ConfigError, match="not constant for speaker s5"):
        speaker_folds(SPEAKERS, 3, 0, stratify=labels)


@pytest.mark.parametrize("k", [1, 11])
def test_speaker_folds_bad_k(k: int) -> None:
    with pytest.raises(ConfigError, match="k="):
        speaker_folds(SPEAKERS, k, 0)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_utterance_folds_stratified_by_speaker(k: int) -> None:
    folds = utterance_folds(SPEAKERS, k, seed=3)
    check_partition(folds, len(SPEAKERS))
    for train, test in folds:
        assert speakers_at(test) <= speakers_at(train)  # closed set: tested speakers are trained
        for speaker, n in SIZES.items():
            in_test = sum(SPEAKERS[i] == speaker for i in test)
            assert n // k <= in_test <= -(-n // k)


def test_utterance_folds_deterministic_by_seed() -> None:
    a, b, c = (utterance_folds(SPEAKERS, 3, seed) for seed in (4, 4, 5))
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c))


def test_utterance_folds_keep_single_utterance_speakers_in_training() -> None:
    speakers = SPEAKERS + ["lonely"]
    lonely = len(speakers) - 1
    for train, test in utterance_folds(speakers, 3, seed=0):
        assert lonely in train and lonely not in test


def test_utterance_folds_empty_fold_raises() -> None:
    with pytest.raises(ConfigError, match="without test utterances"):
        utterance_folds(["a", "a", "b"], 3, seed=0)  # a fills 2 folds, b only trains
