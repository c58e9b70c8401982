"""Speaker verification from an intercepted layer (beyond seed 002): does h_T link two utterances to one speaker?

Each scorer of the evaluation (``emoshield.evaluation.verification``: cosine on
standardised features, PCA + LDA with and without standardising) learns its
embedding on the time-pooled h_T of T's training speakers, and scores
same-gender trials among the fold's scored speakers by cosine (across genders an
EER would measure gender, not identity). The EER per scorer; 0.5 = unlinkable,
and the strongest scorer is the one with the lowest.
"""

from __future__ import annotations

import numpy as np

from emoshield.evaluation.evidence import score
from emoshield.evaluation.linkability import same_gender_pairs
from emoshield.evaluation.verification import SCORERS, cosine_matrix

#: Trials per fold and layer (sampled when there are more same-gender pairs).
TRIALS = 20_000


def layer_eer(learn: np.ndarray, learn_speakers: np.ndarray, trial: np.ndarray, trial_speakers: np.ndarray,
              trial_genders: np.ndarray, seed: int = 0, limit: int = TRIALS) -> dict[str, float]:
    """Each scorer's EER on same-gender trials among ``trial`` (one vector per utterance), embeddings learnt on
    ``learn`` (other speakers)."""
    i, j = same_gender_pairs(trial_genders, np.random.default_rng(seed), limit)
    index = np.unique(trial_speakers, return_inverse=True)[1]
    evidence = {"kind": "eer", "same": trial_speakers[i] == trial_speakers[j], "speaker": index[i], "other": index[j],
                "by": {name: cosine_matrix(scorer(learn, learn_speakers).transform(trial))[i, j]
                       for name, scorer in SCORERS.items()}}
    return {name: float(score(evidence, name)[0]) for name in SCORERS}
