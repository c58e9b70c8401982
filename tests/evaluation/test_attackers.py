"""The attackers' shortcuts compute what the plain scikit-learn models compute."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from emoshield.evaluation.attackers import KnnAttacker


def test_one_neighbour_search_for_every_k_votes_as_scikit_learn_does():
    rng = np.random.default_rng(0)
    for _ in range(10):
        X = rng.normal(size=(80, 6))
        y = rng.choice(["anger", "joy", "sadness"], 80)
        train, test = np.arange(50), np.arange(50, 80)
        found = KnnAttacker().candidates(X, y, train, test)
        for k in KnnAttacker.ks:
            expected = KNeighborsClassifier(n_neighbors=min(k, len(train))).fit(X[train], y[train]).predict(X[test])
            np.testing.assert_array_equal(found[k], expected)
