"""What readers see: metrics and attackers named in words, in reports, tables and plots."""

from __future__ import annotations

#: Column order and headings of the tables (seed 000, Table II shape); ``{target}`` is the utility target.
COLUMNS: dict[str, str] = {
    "emotion_uar": "{target} UAR",
    "emotion_uar_original": "{target} UAR, classifier trained on original speech",
    "gender_leakage": "gender",
    "gender_leakage_seen": "gender, attackers on the method's speakers",
    "gender_by_speaker": "gender, by speaker (majority of utterances)",
    "gender_leakage_uar_fit": "gender, of the fits behind the UAR (attackers on another corpus)",
    "speaker_id_acc": "speaker ID acc",
    "speaker_eer": "speaker EER",
    "language_leakage": "language",
    "membership_auc": "membership AUC",
    "gender_acc_ali": "gender, Ali et al.'s attacker (acc)",
}

#: Attackers and scorers by what they are (their ids stay in report.json).
ATTACKERS: dict[str, str] = {
    "logreg": "logistic regression",
    "svm": "RBF SVM",
    "mlp": "MLP",
    "knn": "k-NN",
    "gboost": "gradient boosting",
    "outside_unit_range": "range check, training-free",
    "outside_member_range": "members' range check, training-free",
    "nearest_member": "distance to nearest member, training-free",
    "norm": "norm of the release, training-free",
    "cosine": "cosine scoring",
    "lda": "LDA scoring",
    "lda_unscaled": "LDA scoring, unscaled",
}

#: The prefix of attackers that learnt from the method's own training speakers.
SEEN = "seen:"
#: The prefix of attackers that learnt from another corpus passed through the method.
OTHER_CORPUS = "other corpus:"
#: The prefix of attackers of an audio-level method that learnt from original (not anonymised) speech.
LAZY = "lazy-informed:"


def column(metric: str, target: str = "emotion") -> str:
    """The heading of ``metric``: ``valence UAR`` where the target is valence."""
    return COLUMNS[metric].format(target=target)


def attacker(name: str) -> str:
    """``seen:logreg`` -> ``logistic regression, on the method's speakers``; unknown ids stay as they are."""
    for prefix, where in ((SEEN, ", on the method's speakers"), (OTHER_CORPUS, ", on another corpus"),
                          (LAZY, ", learnt on original speech")):
        if name.startswith(prefix):
            bare = name.removeprefix(prefix)
            return ATTACKERS.get(bare, bare) + where
    return ATTACKERS.get(name, name)
