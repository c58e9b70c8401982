"""Attribute leakage: can attackers infer gender (and language) from the released representation?

Each attacker of the panel learns from the ``learn`` speakers' released
representation with their true labels (speakers the method never saw) and is
scored on the ``test`` speakers. The same panel also learns from the method's
own training speakers (``seen:`` attackers, the earlier protocol): a defence
that scrambles only its own speakers fools those, and the report's headline is
the stronger of the two. Where the evaluation has a public corpus (another corpus
an attacker can pass through the released method), the panel also learns gender
from it (``other corpus:`` attackers, in the headline too). For an audio-level method the panel also
learns from the ``learn`` speakers' original speech through the method (``lazy-informed:`` attackers,
VoicePrivacy's lazy-informed condition; the others are its semi-informed one), in the headline too.
``gender_by_speaker`` is the same attackers voting: each
scored speaker's gender is the label most of its utterances were given (a device's
user speaks many times, and an attacker can pool them). Seed 000's weaker attacker (trained on half of the
scored speakers' own utterances) is kept for comparison with the paper.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit

from emoshield.evaluation.attackers import AttackerView, ali_mlp, panel_predictions
from emoshield.evaluation.data import Dataset, Released
from emoshield.evaluation.evidence import Evidence
from emoshield.evaluation.labels import LAZY, OTHER_CORPUS, SEEN
from emoshield.evaluation.plan import FoldTask


def measure(data: Dataset, task: FoldTask, released: Released) -> dict[str, Evidence]:
    """``gender_leakage`` (and ``language_leakage``): every attacker's predictions for the scored speakers."""
    targets = {"gender_leakage": data.genders}
    if task.languages:
        targets["language_leakage"] = data.languages
    evidence: dict[str, Evidence] = {}
    for metric, y in targets.items():
        settings = {"": (released.learn, y[task.learn], data.speakers[task.learn]),
                    SEEN: (released.fit, y[task.fit], data.speakers[task.fit])}
        if metric == "gender_leakage" and released.public is not None and data.public is not None:
            settings[OTHER_CORPUS] = (released.public, data.public.genders, data.public.speakers)
        if released.original is not None:
            settings[LAZY] = (released.original.learn, y[task.learn], data.speakers[task.learn])
        by = {}
        for prefix, (Z, labels, speakers) in settings.items():
            by.update(panel_predictions(task.attackers, task.seed, Z, labels, speakers, released.test, prefix))
        evidence[metric] = {"kind": "uar", "truth": y[task.test], "speaker": data.speaker_index[task.test], "by": by}
    evidence["gender_by_speaker"] = speaker_vote(evidence["gender_leakage"])
    weak = ali_attack(data.genders[task.test], released.test, task.seed)
    if weak is not None:
        judged, predicted = weak
        index = task.test[judged]
        evidence["gender_acc_ali"] = {"kind": "accuracy", "truth": data.genders[index],
                                      "speaker": data.speaker_index[index], "by": {"mlp": predicted}}
    return evidence


def speaker_vote(evidence: Evidence) -> Evidence:
    """Utterance-level ``uar`` evidence as speaker-level evidence: one unit per speaker, each attacker's
    prediction the label it gave most of that speaker's utterances (a tie goes to the first label in
    sorted order)."""
    speakers, first = np.unique(evidence["speaker"], return_index=True)
    by = {}
    for name, predicted in evidence["by"].items():
        by[name] = np.array([_majority(predicted[evidence["speaker"] == s]) for s in speakers])
    return {"kind": "uar", "truth": evidence["truth"][first], "speaker": speakers, "by": by}


def _majority(labels: np.ndarray):
    values, counts = np.unique(labels, return_counts=True)
    return values[np.argmax(counts)]


def ali_attack(genders: np.ndarray, Z: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Seed 000's attacker: a two-layer MLP trained on half of the scored speakers' own utterances.

    Returns the positions it judged (the other half) and its predictions, or None when
    the scored utterances do not hold two of each of two genders.
    """
    _, counts = np.unique(genders, return_counts=True)
    if len(counts) < 2 or counts.min() < 2:
        return None
    learn, judge = next(StratifiedShuffleSplit(n_splits=1, test_size=0.5, random_state=seed).split(Z, genders))
    view = AttackerView().fit(Z[learn])
    attacker = ali_mlp(seed, len(learn), len(counts)).fit(view.transform(Z[learn]), genders[learn])
    return judge, attacker.predict(view.transform(Z[judge]))
