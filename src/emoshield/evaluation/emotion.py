"""Utility: emotion UAR of an RBF SVM on the released representation of held-out speakers."""

from __future__ import annotations

import numpy as np

from emoshield.evaluation.attackers import panel_predictions
from emoshield.evaluation.data import Dataset
from emoshield.evaluation.evidence import Evidence
from emoshield.evaluation.labels import OTHER_CORPUS
from emoshield.evaluation.plan import FoldTask
from emoshield.evaluation.svm import RbfSvmGrid
from emoshield.methods import Method
from emoshield.methods.audio import anonymiser_of


def measure(data: Dataset, task: FoldTask) -> dict[str, Evidence]:
    """The grid-searched SVM's predictions for the held-out speakers' labelled utterances.

    The method is fit on all the training speakers' utterances and the SVM on the
    labelled ones; every held-out utterance is released (a method may standardise with
    the speaker's enrolment, as ``speaker_norm`` does), the labelled ones are scored.
    For an audio-level method ``emotion_uar_original`` is measured too: the SVM trained on the
    training speakers' original speech through the method (VoicePrivacy's emotion model, trained
    once on original speech), scored on the held-out speakers' anonymised release. With a public corpus,
    ``gender_leakage_uar_fit`` too: the gender leakage of this same fit (the issue's finding that the
    encoder behind the UAR was never the one behind the leakage).
    """
    labelled = data.labels != ""
    train, test = task.fit[labelled[task.fit]], labelled[task.test]
    scored = task.test[test]
    if not test.any():
        return {"emotion_uar": _uar(data, scored, np.array([], dtype=data.labels.dtype))}
    model = data.fit_method(task.method, task.seed, task.fit)
    release = data.release(model, task.test, task.enrolment, task.seed)
    released = release[test]
    conditions = {"emotion_uar": False}
    if anonymiser_of(model) is not None:
        conditions["emotion_uar_original"] = True
    evidence = {}
    for metric, original in conditions.items():
        known = data.release(model, task.fit, task.enrolment, task.seed, original)[labelled[task.fit]]
        svm = RbfSvmGrid(random_state=task.seed).fit(known, data.labels[train], data.speakers[train])
        evidence[metric] = _uar(data, scored, svm.predict(released))
    if task.attackers and data.public is not None:
        evidence["gender_leakage_uar_fit"] = _gender_of_the_same_fit(data, task, model, release)
    return evidence


def _gender_of_the_same_fit(data: Dataset, task: FoldTask, model: Method, release: np.ndarray) -> Evidence:
    """Gender leakage of the very fit whose UAR is scored: the panel learns gender from the public corpus
    passed through it (no speaker of this corpus is left to learn from) and is scored on the held-out
    speakers' ``release``."""
    public = data.release_public(model, task.enrolment, task.seed)
    by = panel_predictions(task.attackers, task.seed, public, data.public.genders, data.public.speakers, release,
                           OTHER_CORPUS)
    return {"kind": "uar", "truth": data.genders[task.test], "speaker": data.speaker_index[task.test], "by": by}


def _uar(data: Dataset, scored: np.ndarray, predicted: np.ndarray) -> Evidence:
    return {"kind": "uar", "truth": data.labels[scored], "speaker": data.speaker_index[scored], "by": {"svm": predicted}}
