import numpy as np
from sklearn.base import clone

from emoshield.evaluation.svm import RbfSvmGrid, grouped_folds


def _rings(n: int, rng: np.random.Generator):
    """Two classes no linear model separates: inner disc and outer ring."""
    radius = np.r_[rng.uniform(0, 1, n), rng.uniform(2, 3, n)]
    angle = rng.uniform(0, 2 * np.pi, 2 * n)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return X, np.r_[np.zeros(n), np.ones(n)].astype(int)


def test_learns_a_nonlinear_boundary_and_is_a_clonable_estimator():
    rng = np.random.default_rng(0)
    X, y = _rings(60, rng)
    groups = np.repeat(np.arange(6), 20)
    model = clone(RbfSvmGrid(random_state=0)).fit(X, y, groups)
    X_test, y_test = _rings(50, rng)
    assert (model.predict(X_test) == y_test).mean() > 0.95
    assert model.C_ in model.Cs and model.gamma_ > 0


def test_grouped_folds_keep_groups_apart():
    rng = np.random.default_rng(1)
    y = np.tile([0, 1], 30)
    groups = np.repeat(np.arange(6), 10)
    for train, test in grouped_folds(y, groups, 3, rng):
        assert not set(groups[train]) & set(groups[test])


def test_grid_search_prefers_strong_regularisation_on_noise():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 5))
    y = rng.integers(0, 2, 80)
    model = RbfSvmGrid(random_state=0).fit(X, y)
    assert 0.0 <= model.best_score_ <= 1.0
    assert set(np.unique(model.predict(X))) <= {0, 1}
