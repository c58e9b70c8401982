import numpy as np
import pytest

from emoshield.evaluation.metrics import equal_error_rate, summarise, uar


def test_uar_is_mean_of_per_class_recall():
    truth = ["a"] * 8 + ["b"] * 2
    predicted = ["a"] * 8 + ["a", "b"]
    assert uar(truth, predicted) == pytest.approx((1.0 + 0.5) / 2)


def test_uar_of_majority_guess_is_chance_not_accuracy():
    truth = ["a"] * 90 + ["b"] * 10
    assert uar(truth, ["a"] * 100) == pytest.approx(0.5)


def test_eer_perfect_and_random():
    same = np.array([True] * 50 + [False] * 50)
    assert equal_error_rate(np.r_[np.ones(50), np.zeros(50)], same) == pytest.approx(0.0)
    rng = np.random.default_rng(0)
    same = rng.random(20000) < 0.5
    assert equal_error_rate(rng.random(20000), same) == pytest.approx(0.5, abs=0.02)


def test_eer_needs_both_trial_kinds():
    with pytest.raises(ValueError):
        equal_error_rate(np.ones(3), np.ones(3, bool))


def test_summarise_mean_sd_n_chance():
    s = summarise([0.6, 0.8], chance=0.5)
    assert (s.mean, s.n, s.chance) == (pytest.approx(0.7), 2, 0.5)
    assert s.sd == pytest.approx(np.std([0.6, 0.8], ddof=1))
    assert summarise([0.3], 0.5).sd == 0.0


def test_gram_pca_matches_sklearn_pca_up_to_sign():
    from sklearn.decomposition import PCA

    from emoshield.methods.gram_pca import GramPca

    rng = np.random.default_rng(0)
    for shape in ((40, 300), (300, 20)):  # fewer samples than features, and the reverse
        X = rng.normal(size=shape) @ np.diag(np.linspace(1, 3, shape[1]))
        ours = GramPca(n_components=10).fit(X)
        theirs = PCA(n_components=10, svd_solver="full").fit(X)
        np.testing.assert_allclose(np.abs(ours.transform(X)), np.abs(theirs.transform(X)), atol=1e-8)
        np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-8)
