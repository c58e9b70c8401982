"""Utility: emotion UAR of an RBF SVM on the released representation of held-out speakers."""

from __future__ import annotations

import numpy as np

from emoshield.evaluation.data import Dataset
from emoshield.evaluation.evidence import Evidence
from emoshield.evaluation.plan import FoldTask
from emoshield.evaluation.svm import RbfSvmGrid


def measure(data: Dataset, task: FoldTask) -> dict[str, Evidence]:
    """The grid-searched SVM's predictions for the held-out speakers' labelled utterances.

    The method and the SVM are fit on the training speakers' labelled utterances
    (utterances without a label for the target take no part in this task).
    """
    labelled = data.labels != ""
    train, test = task.fit[labelled[task.fit]], task.test[labelled[task.test]]
    predicted = np.array([], dtype=data.labels.dtype)
    if len(test):
        model = data.fit_method(task.method, task.seed, train)
        svm = RbfSvmGrid(random_state=task.seed).fit(model.transform(data.X[train]), data.labels[train], data.speakers[train])
        predicted = svm.predict(model.transform(data.X[test]))
    return {"emotion_uar": {"kind": "uar", "truth": data.labels[test], "speaker": data.speaker_index[test],
                            "by": {"svm": predicted}}}
