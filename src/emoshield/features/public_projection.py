"""Functionals projected on principal components learnt from a public corpus.

A smaller input is what client-level DP needs: the server's Gaussian noise grows
with the square root of the number of model parameters, the clipped signal does
not (docs/fl.md). Learning the projection from public speakers (another corpus)
uses no statistic of the private ones, so it costs no privacy budget. The public
features are standardised with their own mean and deviation, then the leading
``components`` directions of their covariance are kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emoshield.errors import FeatureError


def project_on_public(features: pd.DataFrame, public: pd.DataFrame, components: int) -> pd.DataFrame:
    """``features`` in the coordinates of ``public``'s first ``components`` principal axes."""
    for frame, role in ((features, "features"), (public, "public features")):
        if isinstance(frame.index, pd.MultiIndex):
            raise FeatureError(f"{role}: frame-level features; projection needs functionals (one row per file)")
    if list(features.columns) != list(public.columns):
        raise FeatureError(
            f"public features have other columns than the features ({public.attrs.get('feature_set', '?')} "
            f"vs {features.attrs.get('feature_set', '?')}): extract both with the same --set"
        )
    rows = public.to_numpy(dtype=np.float64)
    rows = rows[np.isfinite(rows).all(axis=1)]
    limit = min(len(rows) - 1, rows.shape[1])
    if not 1 <= components <= limit:
        raise FeatureError(f"components: need 1 to {limit} for {len(rows)} public rows of {rows.shape[1]} features, got {components}")
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    standard = (rows - mean) / scale
    _, _, axes = np.linalg.svd(standard, full_matrices=False)
    axes = axes[:components]
    axes *= np.sign(axes[np.arange(components), np.abs(axes).argmax(axis=1)])[:, None]  # a fixed sign per axis
    projected = ((features.to_numpy(dtype=np.float64) - mean) / scale) @ axes.T
    out = pd.DataFrame(projected.astype(np.float32), index=features.index,
                       columns=[f"pc{i + 1}" for i in range(components)])
    out.attrs["feature_set"] = f"{features.attrs.get('feature_set', '')}-public-pca{components}"
    return out
