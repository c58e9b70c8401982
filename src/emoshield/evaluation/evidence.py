"""What a measurement leaves behind, and the scores computed from it, weighted by speaker.

Every measurement of a fold returns, per metric, its raw outcomes as an
*evidence* mapping of arrays, one entry per scored unit (an utterance, or a
verification trial between two utterances), each tied to its speaker(s):

- ``uar``      (emotion, gender, language): ``truth``, ``speaker``, ``by`` = {attacker: predicted label}
- ``accuracy`` (speaker identification, seed 000's attacker): the same; chance is the largest class
  share within each ``block`` (a closed set of one fold)
- ``auc``      (membership): ``truth`` 1 = member, ``speaker``, ``block`` (the AUC is the mean over
  blocks, folded: 0.5 + |AUC - 0.5|), ``by`` = {attacker: score}
- ``eer``      (verification): ``same``, ``speaker`` and ``other`` (the two sides of each trial),
  ``by`` = {scorer: similarity}

A score is computed under speaker weights (B x n_speakers): all ones for the
point value, multinomial counts for a speaker-level bootstrap, so every metric
gets its interval the same way, with no refitting.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

Evidence = dict[str, Any]
ARRAYS = ("truth", "speaker", "other", "same", "block")
#: The metrics whose strongest attacker has the lowest value.
LOWER_IS_STRONGER_KINDS = frozenset({"eer"})
#: How many bootstrap draws are scored at once (bounds memory).
CHUNK = 250
#: Score bins of the bootstrapped EER (the plain EER is exact).
EER_BINS = 2000


def pool(pieces: Sequence[Evidence]) -> Evidence:
    """One evidence from the folds' pieces (same kind); blocks are renumbered so folds stay apart."""
    kind = pieces[0]["kind"]
    pooled: Evidence = {"kind": kind, "by": {}}
    offset = 0
    blocks = []
    for piece in pieces:
        block = np.asarray(piece.get("block", np.zeros(len(piece["speaker"]), dtype=int)))
        blocks.append(block + offset)
        offset += int(block.max(initial=-1)) + 1
    pooled["block"] = np.concatenate(blocks)
    for key in ARRAYS:
        if key in pieces[0] and key != "block":
            pooled[key] = np.concatenate([np.asarray(p[key]) for p in pieces])
    for name in pieces[0]["by"]:
        pooled["by"][name] = np.concatenate([np.asarray(p["by"][name]) for p in pieces])
    return pooled


def subset(evidence: Evidence, keep) -> Evidence:
    """The same evidence with only the attackers for which ``keep(name)`` holds."""
    return {**evidence, "by": {name: v for name, v in evidence["by"].items() if keep(name)}}


def score(evidence: Evidence, attacker: str, weights: np.ndarray | None = None) -> np.ndarray:
    """The metric of ``attacker`` under each row of speaker ``weights`` (None: the plain value, shape (1,))."""
    n_speakers = int(max(evidence["speaker"].max(initial=0), evidence.get("other", np.zeros(1, int)).max(initial=0))) + 1
    W = np.ones((1, n_speakers)) if weights is None else np.asarray(weights, dtype=np.float64)
    scorer = _SCORERS[evidence["kind"]]
    return np.concatenate([scorer(evidence, evidence["by"][attacker], W[i : i + CHUNK]) for i in range(0, len(W), CHUNK)])


def chance(evidence: Evidence) -> float:
    """What a guess scores on this evidence."""
    kind = evidence["kind"]
    if kind == "uar":
        return 1.0 / len(np.unique(evidence["truth"]))
    if kind == "accuracy":
        shares = [np.unique(evidence["truth"][evidence["block"] == b], return_counts=True)[1].max()
                  for b in np.unique(evidence["block"])]
        return float(sum(shares) / len(evidence["truth"]))
    return 0.5


def trial_counts(evidence: Evidence) -> dict[str, int]:
    """Numbers of target and non-target trials of verification evidence."""
    same = np.asarray(evidence["same"], dtype=bool)
    return {"target": int(same.sum()), "non_target": int((~same).sum())}


def _uar(evidence: Evidence, predicted: np.ndarray, W: np.ndarray) -> np.ndarray:
    truth = evidence["truth"]
    U = W[:, evidence["speaker"]]
    correct = (predicted == truth).astype(np.float64)
    recalls = []
    for label in np.unique(truth):
        members = truth == label
        total = U[:, members].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            recalls.append(np.where(total > 0, U[:, members] @ correct[members] / total, np.nan))
    return np.nanmean(np.vstack(recalls), axis=0)


def _accuracy(evidence: Evidence, predicted: np.ndarray, W: np.ndarray) -> np.ndarray:
    U = W[:, evidence["speaker"]]
    return U @ (predicted == evidence["truth"]).astype(np.float64) / U.sum(axis=1)


def _auc(evidence: Evidence, scores: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Mean over blocks of the weighted ROC AUC (ties count half), folded around 0.5."""
    aucs = []
    for block in np.unique(evidence["block"]):
        rows = np.flatnonzero(evidence["block"] == block)
        member = np.asarray(evidence["truth"])[rows] == 1
        if member.all() or not member.any():
            continue
        order = np.argsort(scores[rows], kind="stable")
        values, member = scores[rows][order], member[order]
        U = W[:, evidence["speaker"][rows][order]]
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])  # tie groups of equal scores
        positives = np.add.reduceat(U * member, starts, axis=1)
        negatives = np.add.reduceat(U * ~member, starts, axis=1)
        below = np.cumsum(negatives, axis=1) - negatives  # negatives strictly below each group
        wins = (positives * (below + 0.5 * negatives)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            aucs.append(wins / (positives.sum(axis=1) * negatives.sum(axis=1)))
    auc = np.nanmean(np.vstack(aucs), axis=0) if aucs else np.full(len(W), np.nan)
    return 0.5 + np.abs(auc - 0.5)


def _eer(evidence: Evidence, scores: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Equal error rate of the trials, each weighted by the product of its two speakers' weights.

    One row of weights is computed exactly over the sorted trials. Many rows (a bootstrap)
    go through score histograms per pair of speakers: EER_BINS quantile bins of the scores,
    so each draw costs a small matrix product instead of a pass over every trial.
    """
    same = np.asarray(evidence["same"], dtype=bool)
    if len(W) == 1 or len(scores) <= 4 * EER_BINS:
        order = np.argsort(-scores, kind="stable")
        values = scores[order]
        U = W[:, evidence["speaker"][order]] * W[:, evidence["other"][order]]
        ends = np.flatnonzero(np.r_[values[1:] != values[:-1], True])  # accept down to the end of a tie group
        return _equal_error(np.cumsum(U * same[order], axis=1)[:, ends], np.cumsum(U * ~same[order], axis=1)[:, ends])
    edges = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, EER_BINS + 1)[1:-1]))
    bins = len(edges) - np.searchsorted(edges, scores, side="right")  # 0 = the highest scores
    pairs, pair = np.unique(np.c_[evidence["speaker"], evidence["other"]], axis=0, return_inverse=True)
    pair = pair.ravel()
    counts = np.zeros((2, len(pairs), len(edges) + 1))
    np.add.at(counts, (same.astype(int), pair, bins), 1.0)
    pair_weights = W[:, pairs[:, 0]] * W[:, pairs[:, 1]]  # (draws, pairs)
    return _equal_error(np.cumsum(pair_weights @ counts[1], axis=1), np.cumsum(pair_weights @ counts[0], axis=1))


def _equal_error(accepted_target: np.ndarray, accepted_other: np.ndarray) -> np.ndarray:
    """EER from the cumulative weights of target and non-target trials accepted at each threshold (best first)."""
    total_target, total_other = accepted_target[:, -1:], accepted_other[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        false_accept = np.hstack([np.zeros_like(total_other), accepted_other / total_other])
        false_reject = np.hstack([np.ones_like(total_target), 1.0 - accepted_target / total_target])
    gap = np.abs(false_reject - false_accept)
    i = np.argmin(np.where(np.isnan(gap), np.inf, gap), axis=1)
    rows = np.arange(len(gap))
    eer = (false_reject[rows, i] + false_accept[rows, i]) / 2.0
    return np.where((total_target[:, 0] > 0) & (total_other[:, 0] > 0), eer, np.nan)


_SCORERS = {"uar": _uar, "accuracy": _accuracy, "auc": _auc, "eer": _eer}


def bootstrap_weights(n_speakers: int, draws: int, seed: int) -> np.ndarray:
    """``draws`` x ``n_speakers`` multinomial counts: speakers resampled with replacement."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_speakers, np.full(n_speakers, 1.0 / n_speakers), size=draws).astype(np.float64)
