"""The attacker panel: classifiers trained after the fact on a released representation.

A defence that only fools the adversary it was trained with is not a defence,
so leakage is the score of the strongest attacker of a varied panel.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from emoshield.errors import ConfigError
from emoshield.methods.gram_pca import GramPca
from emoshield.evaluation.svm import RbfSvmGrid


class AttackerView:
    """What every attacker is trained on: standardised features rotated onto the training span.

    With fewer training utterances than dimensions (6373 ComParE functionals,
    a few hundred utterances), the rotation onto the n-1 dimensional span of
    the centred training data loses nothing the training data can teach:
    L2 logistic regression and k-NN give exactly the same predictions on it, and
    the other attackers see the same information. It makes the panel an order
    of magnitude faster and is computed once per fold for the whole panel.
    """

    def fit(self, X: np.ndarray) -> "AttackerView":
        self.scaler_ = StandardScaler().fit(X)
        self.pca_ = GramPca().fit(self.scaler_.transform(X)) if X.shape[0] <= X.shape[1] else None
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        Z = self.scaler_.transform(X)
        return Z if self.pca_ is None else self.pca_.transform(Z)


class Attacker(Protocol):
    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> "Attacker": ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...

    def score_positive(self, X: np.ndarray) -> np.ndarray: ...


class SklearnAttacker:
    """Adapts an sklearn classifier to the panel; ``grouped`` ones get the speakers for inner folds."""

    def __init__(self, estimator, grouped: bool = False) -> None:
        self.estimator = estimator
        self.grouped = grouped

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> "SklearnAttacker":
        if self.grouped:
            self.estimator.fit(X, y, groups)
        else:
            self.estimator.fit(X, y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.estimator.predict(X)

    def score_positive(self, X: np.ndarray) -> np.ndarray:
        """A score that grows with the second class's likelihood (binary attacks, for AUC)."""
        if hasattr(self.estimator, "predict_proba"):
            return self.estimator.predict_proba(X)[:, 1]
        return self.estimator.decision_function(X)


def _svm(seed: int) -> Attacker:
    """RBF SVM with a grid search on the attacker's own speaker-grouped folds."""
    return SklearnAttacker(RbfSvmGrid(random_state=seed), grouped=True)


def _logreg(seed: int) -> Attacker:
    return SklearnAttacker(LogisticRegression(C=0.1, max_iter=500, random_state=seed))


class MlpAttacker(SklearnAttacker):
    """An MLP that stops early on a held-out 10% when that holds two utterances per class."""

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> "MlpAttacker":
        enough = 0.1 * len(y) >= 2 * len(np.unique(y))
        self.estimator.set_params(early_stopping=enough)
        return super().fit(X, y, groups)


def _mlp(seed: int) -> Attacker:
    """Seed 000's attacker: two dense layers (400 units here, as its adversary heads)."""
    return MlpAttacker(
        MLPClassifier(
            hidden_layer_sizes=(400, 400),
            alpha=1e-3,
            max_iter=200,
            early_stopping=True,
            n_iter_no_change=10,
            random_state=seed,
        )
    )


def _knn(seed: int) -> Attacker:
    return SklearnAttacker(KNeighborsClassifier(n_neighbors=5))


def _gboost(seed: int) -> Attacker:
    return SklearnAttacker(HistGradientBoostingClassifier(max_iter=100, random_state=seed))


ATTACKERS: dict[str, Callable[[int], Attacker]] = {
    "logreg": _logreg,
    "svm": _svm,
    "mlp": _mlp,
    "knn": _knn,
    "gboost": _gboost,
}

#: The default panel; ``gboost`` is slow on thousands of features and is opt-in.
DEFAULT_PANEL: tuple[str, ...] = ("logreg", "svm", "mlp", "knn")


def make_panel(names: Sequence[str], seed: int) -> dict[str, Attacker]:
    """Fresh attackers by name; ConfigError lists the known names."""
    unknown = [n for n in names if n not in ATTACKERS]
    if unknown:
        raise ConfigError(f"unknown attacker(s) {unknown}; known: {', '.join(ATTACKERS)}")
    return {name: ATTACKERS[name](seed) for name in names}
