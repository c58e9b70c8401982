"""Utility: emotion UAR of an RBF SVM on the released representation of held-out speakers."""

from __future__ import annotations

import numpy as np

from emoshield.evaluation.data import Dataset
from emoshield.evaluation.evidence import Evidence
from emoshield.evaluation.plan import FoldTask
from emoshield.evaluation.svm import RbfSvmGrid


def measure(data: Dataset, task: FoldTask) -> dict[str, Evidence]:
    """The grid-searched SVM's predictions for the held-out speakers' labelled utterances.

    The method is fit on all the training speakers' utterances and the SVM on the
    labelled ones; every held-out utterance is released (a method may standardise with
    the speaker's enrolment, as ``speaker_norm`` does), the labelled ones are scored.
    """
    labelled = data.labels != ""
    train, test = task.fit[labelled[task.fit]], labelled[task.test]
    predicted = np.array([], dtype=data.labels.dtype)
    if test.any():
        model = data.fit_method(task.method, task.seed, task.fit)
        known = data.release(model, task.fit, task.enrolment, task.seed)[labelled[task.fit]]
        svm = RbfSvmGrid(random_state=task.seed).fit(known, data.labels[train], data.speakers[train])
        predicted = svm.predict(data.release(model, task.test, task.enrolment, task.seed)[test])
    scored = task.test[test]
    return {"emotion_uar": {"kind": "uar", "truth": data.labels[scored], "speaker": data.speaker_index[scored],
                            "by": {"svm": predicted}}}
