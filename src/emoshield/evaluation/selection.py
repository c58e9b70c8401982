"""Model selection on the training speakers only: inner folds grouped by speaker, stratified by class.

Every tuned model of the evaluation (the emotion SVM, each attacker of the
panel) picks its hyperparameters the same way: inner folds that keep each
speaker's utterances together and spread every class over the folds as evenly
as the speakers allow, and one UAR over the predictions pooled across the
inner folds. A UAR per inner fold would be degenerate wherever a fold holds one
class (its UAR is then one class's recall), which made selection unstable on
corpora whose emotions are unevenly spread over speakers.
"""

from __future__ import annotations

import warnings
from typing import Callable, Hashable

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from emoshield.evaluation.metrics import uar

#: Inner folds of every selection (fewer when there are fewer speakers).
INNER_FOLDS = 5

Folds = list[tuple[np.ndarray, np.ndarray]]


def inner_folds(y: np.ndarray, groups: np.ndarray | None, n_folds: int = INNER_FOLDS, seed: int = 0) -> Folds:
    """Speaker-disjoint folds stratified by class (``StratifiedGroupKFold``); without groups, stratified folds.

    ``n_folds`` shrinks to the number of speakers (leave one speaker out) or, without
    groups, to the size of the smallest class. Empty folds are dropped.
    """
    y = np.asarray(y)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        if groups is not None and len(np.unique(groups)) >= 2:
            k = min(n_folds, len(np.unique(groups)))
            splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
            folds = list(splitter.split(np.zeros(len(y)), y, np.asarray(groups)))
        else:
            k = max(2, min(n_folds, int(np.unique(y, return_counts=True)[1].min())))
            folds = list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    return [(train, test) for train, test in folds if len(train) and len(test)]


def select(
    y: np.ndarray, folds: Folds, fit_predict: Callable[[np.ndarray, np.ndarray], dict[Hashable, np.ndarray]]
) -> tuple[Hashable | None, float]:
    """The candidate whose predictions, pooled over the inner folds, have the highest UAR.

    ``fit_predict(train, test)`` fits every candidate on ``train`` and returns each one's
    predictions for ``test``, keyed by candidate (one fit may serve several: all the
    epochs of one network, all the k of one neighbour search). A training part that
    holds one class predicts that class for every candidate. Ties go to the first
    candidate returned; (None, 0.0) when no fold could be fit.
    """
    y = np.asarray(y)
    pooled: dict[Hashable, np.ndarray] = {}
    scored = np.zeros(len(y), dtype=bool)
    constant: list[tuple[np.ndarray, object]] = []
    for train, test in folds:
        scored[test] = True
        classes = np.unique(y[train])
        if len(classes) < 2:
            constant.append((test, classes[0]))
            continue
        for key, predicted in fit_predict(train, test).items():
            pooled.setdefault(key, np.empty(len(y), dtype=y.dtype))[test] = predicted
    for predicted in pooled.values():
        for test, value in constant:
            predicted[test] = value
    return best_pooled(y[scored], {key: predicted[scored] for key, predicted in pooled.items()})


def best_pooled(y: np.ndarray, pooled: dict[Hashable, np.ndarray]) -> tuple[Hashable | None, float]:
    """The key whose pooled predictions of ``y`` have the highest UAR (the first among equals)."""
    best: tuple[Hashable | None, float] = (None, 0.0)
    for key, predicted in pooled.items():
        score = uar(y, predicted)
        if best[0] is None or score > best[1] + 1e-12:
            best = (key, score)
    return best
