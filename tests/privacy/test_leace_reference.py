"""Our LEACE against the authors' implementation (``concept-erasure``, Belrose et al.).

Their ``LeaceFitter`` with the options of the plain formula (no shrinkage of the
covariance, no trace constraint, an affine bias, a tiny singular-value cut-off)
must give the same erased features as ``LeaceEraser``, on the training data and
on new data, including the case with fewer utterances than features, where new
data lies mostly outside the training span (both keep that part unchanged).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
import torch

from emoshield.privacy.leace import LeaceEraser

with warnings.catch_warnings():  # its module-level @torch.jit.script is deprecated in torch 2.13
    warnings.simplefilter("ignore", DeprecationWarning)
    from concept_erasure import LeaceFitter

#: The concept column our eraser reads, by number of classes.
CONCEPT = {2: ("gender", ("female", "male")), 3: ("language", ("de", "en", "it"))}


def make_data(n: int, d: int, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anisotropic Gaussian features with a class-dependent mean shift; also new utterances."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) * np.exp(rng.uniform(-1.5, 1.5, size=d))[:, None]
    shifts = rng.normal(size=(n_classes, d)) * 1.5
    labels = np.arange(n) % n_classes
    rng.shuffle(labels)
    X = rng.normal(size=(n, d)) @ mixing + shifts[labels] + 3.0
    new_labels = rng.integers(0, n_classes, 50)
    new = rng.normal(size=(50, d)) @ mixing + shifts[new_labels] + 3.0
    return X, labels, new


def reference(X: np.ndarray, labels: np.ndarray, n_classes: int) -> Callable[[np.ndarray], np.ndarray]:
    """The authors' eraser fitted on one-hot labels with the plain LEACE options.

    Their defaults differ: ``shrinkage=True`` (a shrunk, full-rank covariance) changes the
    output by about as much as the erasure itself here; ``constrain_cov_trace`` and
    ``svd_tol=0.01`` make no difference on these data.
    """
    z = torch.nn.functional.one_hot(torch.as_tensor(labels), n_classes).to(torch.float64)
    fitter = LeaceFitter(X.shape[1], n_classes, method="leace", affine=True,
                         constrain_cov_trace=False, shrinkage=False, svd_tol=1e-10,
                         dtype=torch.float64)
    fitter.update(torch.as_tensor(X, dtype=torch.float64), z)
    eraser = fitter.eraser
    return lambda A: eraser(torch.as_tensor(A, dtype=torch.float64)).numpy()


@pytest.mark.parametrize(("n", "d", "n_classes"), [
    (300, 40, 2),
    (300, 40, 3),
    (60, 120, 2),  # fewer utterances than features: the training-span route
    (60, 120, 3),
])
def test_erased_features_match_the_authors_implementation(n: int, d: int, n_classes: int) -> None:
    X, labels, new = make_data(n, d, n_classes, seed=n + d + n_classes)
    column, names = CONCEPT[n_classes]
    attributes = pd.DataFrame({column: np.asarray(names)[labels]})
    ours = LeaceEraser((column,)).fit(X, attributes)
    theirs = reference(X, labels, n_classes)
    assert ours.erased_dimensions_ == n_classes - 1
    scale = np.abs(X).max()
    for data in (X, new):
        erased = ours.transform(data)
        assert np.abs(erased - data).max() > 0.01 * scale  # something was erased
        np.testing.assert_allclose(erased, theirs(data), rtol=0, atol=1e-9 * scale)
