"""What a defence removed, for the eye: t-SNE of held-out speakers' representations."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.manifold import TSNE

from emoshield.corpora.splits import speaker_folds
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.enrolment import EnrolmentSettings
from emoshield.evaluation.plots import plot_projection
from emoshield.methods import make_method
from emoshield.types import Target


def project_methods(
    X: np.ndarray,
    manifest: pd.DataFrame,
    methods: Sequence[str],
    path: Path,
    seed: int = 0,
    colour_by: Sequence[str] = ("gender", "emotion"),
    enrolment: EnrolmentSettings = EnrolmentSettings(),
) -> Path:
    """Fit each method on most speakers, embed the held-out ones with t-SNE, plot them by attribute.

    Held-out utterances are released as the evaluation releases them (``enrolment``)."""
    data = Dataset.from_manifest(X, manifest, Target.VALENCE)
    train, test = speaker_folds(data.speakers, 5, seed, stratify=data.genders)[0]
    embeddings = {}
    for name in methods:
        model = make_method(name, seed).fit(data.X[train], data.attributes(train))
        released = data.release(model, test, enrolment, seed)
        perplexity = float(min(30, max(5, (len(test) - 1) // 3)))
        embeddings[name] = TSNE(n_components=2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(
            np.asarray(released, dtype=np.float64)
        )
    colourings = {c: manifest[c].to_numpy(dtype=str)[test] for c in colour_by}
    speakers = len(np.unique(data.speakers[test]))
    return plot_projection(embeddings, colourings, path, f"t-SNE of {len(test)} utterances of {speakers} held-out speakers")
