"""Utility: emotion UAR of an RBF SVM on the released representation of held-out speakers."""

from __future__ import annotations

import numpy as np

from emoshield.evaluation.data import Dataset
from emoshield.evaluation.evidence import Evidence
from emoshield.evaluation.plan import FoldTask
from emoshield.evaluation.svm import RbfSvmGrid
from emoshield.methods.audio import anonymiser_of


def measure(data: Dataset, task: FoldTask) -> dict[str, Evidence]:
    """The grid-searched SVM's predictions for the held-out speakers' labelled utterances.

    The method is fit on all the training speakers' utterances and the SVM on the
    labelled ones; every held-out utterance is released (a method may standardise with
    the speaker's enrolment, as ``speaker_norm`` does), the labelled ones are scored.
    For an audio-level method ``emotion_uar_original`` is measured too: the SVM trained on the
    training speakers' original speech through the method (VoicePrivacy's emotion model, trained
    once on original speech), scored on the held-out speakers' anonymised release.
    """
    labelled = data.labels != ""
    train, test = task.fit[labelled[task.fit]], labelled[task.test]
    scored = task.test[test]
    if not test.any():
        return {"emotion_uar": _uar(data, scored, np.array([], dtype=data.labels.dtype))}
    model = data.fit_method(task.method, task.seed, task.fit)
    released = data.release(model, task.test, task.enrolment, task.seed)[test]
    conditions = {"emotion_uar": False}
    if anonymiser_of(model) is not None:
        conditions["emotion_uar_original"] = True
    evidence = {}
    for metric, original in conditions.items():
        known = data.release(model, task.fit, task.enrolment, task.seed, original)[labelled[task.fit]]
        svm = RbfSvmGrid(random_state=task.seed).fit(known, data.labels[train], data.speakers[train])
        evidence[metric] = _uar(data, scored, svm.predict(released))
    return evidence


def _uar(data: Dataset, scored: np.ndarray, predicted: np.ndarray) -> Evidence:
    return {"kind": "uar", "truth": data.labels[scored], "speaker": data.speaker_index[scored], "by": {"svm": predicted}}
