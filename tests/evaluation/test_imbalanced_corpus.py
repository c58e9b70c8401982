"""Model selection on the synthetic corpus with imbalanced speakers (2 to 30 utterances, skewed emotions)."""

import numpy as np
import pytest

from emoshield.backends import Compute
from emoshield.evaluation import EvaluationSettings, evaluate_methods
from emoshield.features import align_features, extract_features
from emoshield.synthetic import SyntheticSpec, generate_corpus


@pytest.mark.slow
def test_valence_is_recognised_steadily_when_speakers_are_imbalanced(tmp_path):
    """Three emotions that all have a valence: with the default four, the neutral quarter of the corpus has none
    and is dropped, and the repeats' UAR moved with the inner folds' seed between 0.70 and 0.77 (spread of three
    repeats up to 0.069 against < 0.05; evaluation seeds 2, 3 and 4 failed). With every utterance labelled
    it is 0.789-0.796 over the same twelve seeds; seed 4 is one that failed. (Other corpus seeds give other
    corpora, whose valence task is harder or easier: the seed of this one stays 0.)"""
    spec = SyntheticSpec(n_speakers=12, utterances_per_speaker=9, imbalanced=True,
                         emotions=("happiness", "sadness", "anger"))
    manifest = generate_corpus(tmp_path, spec)
    counts = manifest["speaker"].value_counts()
    assert counts.min() == 2 and counts.max() == 30
    frame = extract_features(manifest["file"].tolist(), "egemaps", Compute(workers=2), cache_dir=False).frame
    X = align_features(frame, manifest)
    settings = EvaluationSettings(methods=("raw",), metrics=("emotion",), repeats=3, bootstrap=200, seed=4)
    result = evaluate_methods(X, manifest, settings)[0]
    scores = np.array(result.values["emotion_uar"])
    assert scores.min() > 0.6 and scores.max() - scores.min() < 0.05
    low, high = result.metrics["emotion_uar"].ci95
    assert 0.5 < low <= result.metrics["emotion_uar"].mean <= high
