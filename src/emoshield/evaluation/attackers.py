"""The attacker panel: classifiers trained after the fact on a released representation.

A defence that only fools the adversary it was trained with is not a defence,
so leakage is the score of the strongest attacker of a varied panel, and each
attacker is as strong as its kind: its hyperparameters (logistic regression's
C, k-NN's k, the MLP's width, weight decay and training length, gradient
boosting's number of rounds) are chosen on speaker-grouped inner folds of its
own training data (``emoshield.evaluation.selection``), so early stopping and
selection both happen on held-out speakers.
"""

from __future__ import annotations

from typing import Callable, Hashable, Protocol, Sequence

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from emoshield.errors import ConfigError
from emoshield.evaluation.mlp import logits, predict_stack, train_stack
from emoshield.evaluation.selection import INNER_FOLDS, best_pooled, inner_folds, select
from emoshield.evaluation.svm import RbfSvmGrid, squared_distances
from emoshield.methods.gram_pca import GramPca


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


class TunedAttacker:
    """A classifier whose settings are chosen by pooled UAR on speaker-grouped inner folds, then refit on all.

    ``components``: learn from at most that many leading principal axes of the input
    (for learners whose cost grows with the input's width; None: all of it).
    """

    fallback: Hashable = None  # the setting used when no inner fold can be fit
    components: int | None = None
    identifies: bool = True  # affordable for closed-set identification among many speakers

    def __init__(self, seed: int = 0, inner_folds: int = INNER_FOLDS) -> None:
        self.seed = seed
        self.inner_folds = inner_folds

    def _folds(self, y: np.ndarray, groups: np.ndarray | None):
        return inner_folds(y, groups, self.inner_folds, self.seed)

    def _fit_axes(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        wide = self.components is not None and X.shape[1] > self.components
        self.axes_ = GramPca(n_components=self.components).fit(X) if wide else None
        return self._reduce(X)

    def _reduce(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return X if getattr(self, "axes_", None) is None else self.axes_.transform(X)

    def candidates(self, X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> dict[Hashable, np.ndarray]:
        """Every candidate setting fit on ``train``: its predictions for ``test``."""
        raise NotImplementedError

    def build(self, setting: Hashable, X: np.ndarray, y: np.ndarray):
        """The estimator for ``setting``, fit on all of ``X``."""
        raise NotImplementedError

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> "TunedAttacker":
        X, y = self._fit_axes(X), np.asarray(y)
        folds = self._folds(y, groups)
        self.setting_, self.inner_uar_ = select(y, folds, lambda tr, te: self.candidates(X, y, tr, te))
        if self.setting_ is None:  # no inner fold held two classes to learn from
            self.setting_ = self.fallback
        self.estimator_ = self.build(self.setting_, X, y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.estimator_.predict(self._reduce(X))

    def score_positive(self, X: np.ndarray) -> np.ndarray:
        """A score that grows with the second class's likelihood (binary attacks, for AUC)."""
        X = self._reduce(X)
        if hasattr(self.estimator_, "predict_proba"):
            return self.estimator_.predict_proba(X)[:, 1]
        return self.estimator_.decision_function(X)


class LogregAttacker(TunedAttacker):
    """L2 logistic regression; C on a log grid."""

    Cs: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)
    fallback = 1.0

    def _model(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, max_iter=1000, random_state=self.seed)

    def candidates(self, X, y, train, test):
        return {C: self._model(C).fit(X[train], y[train]).predict(X[test]) for C in self.Cs}

    def build(self, setting, X, y):
        return self._model(setting).fit(X, y)


class KnnAttacker(TunedAttacker):
    """k nearest neighbours (Euclidean on the standardised view); k from 1 to 31."""

    ks: tuple[int, ...] = (1, 3, 7, 15, 31)
    fallback = 7

    def candidates(self, X, y, train, test):
        """One neighbour search serves every k: each test utterance's training neighbours, nearest first,
        voted over the first k (ties go to the first class, as scikit-learn's)."""
        classes, codes = np.unique(y[train], return_inverse=True)
        order = np.argsort(squared_distances(X[test], X[train]), axis=1, kind="stable")
        votes = np.zeros((len(test), len(classes)))
        predictions, counted = {}, 0
        for k in sorted(min(k, len(train)) for k in self.ks):
            np.add.at(votes, (np.repeat(np.arange(len(test)), k - counted), codes[order[:, counted:k]].ravel()), 1)
            counted = k
            predictions[k] = classes[votes.argmax(axis=1)]
        return {k: predictions[min(k, len(train))] for k in self.ks}

    def build(self, setting, X, y):
        return KNeighborsClassifier(n_neighbors=min(setting, len(y))).fit(X, y)


class MlpAttacker(TunedAttacker):
    """Two dense ReLU layers (seed 000's attacker shape) on the leading 64 principal axes.

    Width, weight decay and training length (Adam steps) are tuned. For each width, one stack
    of networks trains at once (``evaluation.mlp``): one per inner fold and decay,
    and one per decay on all the data. The first are read on their held-out
    speakers at every checkpoint (early stopping and selection on held-out
    speakers, predictions pooled over the folds); the network trained on all the
    data is kept at the chosen width, decay and step, so nothing is trained twice.
    """

    widths: tuple[int, ...] = (32, 128)
    alphas: tuple[float, ...] = (1e-4, 1e-2)
    steps: tuple[int, ...] = (25, 50, 100)
    components = 64

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> "MlpAttacker":
        X = self._fit_axes(X)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        folds = self._folds(codes, groups)
        masks = np.zeros((len(folds) + 1, len(codes)), dtype=bool)
        for i, (train, _) in enumerate(folds):
            masks[i, train] = True
        masks[-1] = True
        scored = np.concatenate([test for _, test in folds])
        pooled, kept = {}, {}
        for width in self.widths:
            for step, stack in train_stack(X, codes, masks, width, self.alphas, self.steps, self.seed):
                predicted = predict_stack(stack, X)
                for j, alpha in enumerate(self.alphas):
                    pooled[width, alpha, step] = np.concatenate(
                        [predicted[i * len(self.alphas) + j, test] for i, (_, test) in enumerate(folds)]
                    )
                    kept[width, alpha, step] = stack.snapshot(len(folds) * len(self.alphas) + j)
        self.setting_, self.inner_uar_ = best_pooled(codes[scored], pooled)
        self.weights_ = kept[self.setting_]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[logits(self.weights_, self._reduce(X)).argmax(axis=1)]

    def score_positive(self, X: np.ndarray) -> np.ndarray:
        z = logits(self.weights_, self._reduce(X))
        return z[:, 1] - z[:, 0]


class GboostAttacker(TunedAttacker):
    """Histogram gradient boosting on the leading 64 principal axes; rounds read off one fit per inner fold.

    Its cost grows with the input's width and, per round, with the number of classes
    (one tree each): it attacks attributes and membership, not the identity of many speakers.
    """

    rounds: tuple[int, ...] = (25, 50, 100)
    components = 64
    fallback = 50
    identifies = False

    def _model(self, rounds: int) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(max_iter=rounds, early_stopping=False, random_state=self.seed)

    def candidates(self, X, y, train, test):
        model = self._model(max(self.rounds)).fit(X[train], y[train])
        stages = list(model.staged_predict(X[test]))
        return {r: stages[min(r, len(stages)) - 1] for r in self.rounds}

    def build(self, setting, X, y):
        return self._model(setting).fit(X, y)


class SvmAttacker(TunedAttacker):
    """The grid-searched RBF SVM of the emotion task (its own speaker-grouped inner folds)."""

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> "SvmAttacker":
        self.estimator_ = RbfSvmGrid(inner_folds=self.inner_folds, random_state=self.seed).fit(X, y, groups)
        return self


def ali_mlp(seed: int, n: int, classes: int) -> MLPClassifier:
    """Seed 000's own attacker: two dense layers of 400 units, early stopping on a random 10%.

    For ``n`` utterances of ``classes`` classes; without early stopping when 10% would not
    hold two utterances per class.
    """
    return MLPClassifier(hidden_layer_sizes=(400, 400), alpha=1e-3, max_iter=200, n_iter_no_change=10,
                         early_stopping=0.1 * n >= 2 * classes, random_state=seed)


ATTACKERS: dict[str, Callable[[int], Attacker]] = {
    "logreg": LogregAttacker,
    "svm": SvmAttacker,
    "mlp": MlpAttacker,
    "knn": KnnAttacker,
    "gboost": GboostAttacker,
}

#: The default panel: every kind of attacker.
DEFAULT_PANEL: tuple[str, ...] = ("logreg", "svm", "mlp", "knn", "gboost")


def identification_panel(names: Sequence[str]) -> tuple[str, ...]:
    """The attackers of ``names`` that closed-set speaker identification uses."""
    return tuple(n for n in names if getattr(ATTACKERS[n], "identifies", True))


def panel_predictions(names: Sequence[str], seed: int, learn: np.ndarray, labels: np.ndarray, speakers: np.ndarray,
                      scored: np.ndarray, prefix: str = "") -> dict[str, np.ndarray]:
    """Each attacker of the panel ``names`` fit on ``learn`` (one :class:`AttackerView` for all), its
    predictions for ``scored``, keyed ``prefix + name``."""
    view = AttackerView().fit(learn)
    Z_learn, Z_scored = view.transform(learn), view.transform(scored)
    return {prefix + name: attacker.fit(Z_learn, labels, speakers).predict(Z_scored)
            for name, attacker in make_panel(names, seed).items()}


def make_panel(names: Sequence[str], seed: int) -> dict[str, Attacker]:
    """Fresh attackers by name; ConfigError lists the known names."""
    unknown = [n for n in names if n not in ATTACKERS]
    if unknown:
        raise ConfigError(f"unknown attacker(s) {unknown}; known: {', '.join(ATTACKERS)}")
    return {name: ATTACKERS[name](seed) for name in names}
