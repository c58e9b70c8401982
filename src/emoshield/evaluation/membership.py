"""Membership inference: can an attacker tell the method's training speakers from others?

Members are the method's own speakers (``fit``); non-members are the speakers
it never saw (``learn`` and ``test``). Each group is halved by speaker,
balanced by gender; the attackers learn from one half of each (members
subsampled to as many utterances as non-members) and are scored by ROC AUC on
the other halves, then the halves swap. Splitting by speaker matters: with
utterance splits an attacker would just recognise the voices.

Beside the learned panel, training-free scores, which need no more than the
releases of the known members of the learning half:

- ``outside_unit_range``: how many values lie outside [0, 1], the range a
  min-max normaliser fit on the members maps them into;
- ``outside_member_range``: how many values lie outside the known members' range;
- ``nearest_member``: the (standardised) distance to the nearest known member;
- ``norm``: the length of the release (a projection onto the members' span keeps
  a member's whole norm and cuts a non-member's).

Their direction is arbitrary, so every AUC is folded (0.5 + |AUC - 0.5|):
a score that ranks members reliably low is as good as one that ranks them high.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sklearn.metrics import pairwise_distances

from emoshield.corpora.splits import speaker_folds
from emoshield.evaluation.attackers import AttackerView, make_panel
from emoshield.evaluation.data import Dataset, Released
from emoshield.evaluation.evidence import Evidence
from emoshield.evaluation.plan import FoldTask

TRAINING_FREE = ("outside_unit_range", "outside_member_range", "nearest_member", "norm")


def measure(data: Dataset, task: FoldTask, released: Released) -> dict[str, Evidence]:
    index = np.r_[task.fit, task.learn, task.test]
    Z = np.vstack([released.fit, released.learn, released.test])
    member = np.r_[np.ones(len(task.fit), int), np.zeros(len(task.learn) + len(task.test), int)]
    half = np.r_[_speaker_halves(data, task.fit, task.seed), _speaker_halves(data, index[len(task.fit):], task.seed)]
    rng = np.random.default_rng(task.seed)
    by: dict[str, list[np.ndarray]] = defaultdict(list)
    judged, blocks = [], []
    for h in (0, 1):
        learn = _balanced(np.flatnonzero(half == h), member, rng)
        judge = np.flatnonzero(half != h)
        view = AttackerView().fit(Z[learn])
        Z_learn, Z_judge = view.transform(Z[learn]), view.transform(Z[judge])
        for name, attacker in make_panel(task.attackers, task.seed).items():
            by[name].append(attacker.fit(Z_learn, member[learn], data.speakers[index[learn]]).score_positive(Z_judge))
        known = learn[member[learn] == 1]
        for name, scores in training_free_scores(Z[known], Z[judge], view).items():
            by[name].append(scores)
        judged.append(judge)
        blocks.append(np.full(len(judge), h))
    order = np.concatenate(judged)
    return {"membership_auc": {"kind": "auc", "truth": member[order], "speaker": data.speaker_index[index[order]],
                               "block": np.concatenate(blocks), "by": {k: np.concatenate(v) for k, v in by.items()}}}


def training_free_scores(members: np.ndarray, Z: np.ndarray, view: AttackerView) -> dict[str, np.ndarray]:
    """Scores of each row of ``Z`` that need no training, only known members' releases."""
    low, high = members.min(axis=0), members.max(axis=0)
    standardised = view.scaler_.transform
    return {
        "outside_unit_range": ((Z < 0) | (Z > 1)).sum(axis=1).astype(np.float64),
        "outside_member_range": ((Z < low) | (Z > high)).sum(axis=1).astype(np.float64),
        "nearest_member": pairwise_distances(standardised(Z), standardised(members)).min(axis=1),
        "norm": np.linalg.norm(Z, axis=1),
    }


def _speaker_halves(data: Dataset, index: np.ndarray, seed: int) -> np.ndarray:
    """0/1 per utterance of ``index``: two speaker-disjoint halves, balanced by gender."""
    (_, first), _ = speaker_folds(data.speakers[index], 2, seed, stratify=data.genders[index])
    half = np.ones(len(index), int)
    half[first] = 0
    return half


def _balanced(index: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Subsample the larger class of ``labels[index]`` to the size of the smaller."""
    groups = [index[labels[index] == value] for value in np.unique(labels[index])]
    size = min(len(g) for g in groups)
    return np.sort(np.concatenate([rng.choice(g, size=size, replace=False) for g in groups]))
