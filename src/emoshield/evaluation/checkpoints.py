"""Keys of an evaluation's fold fits, so an interrupted ``emoshield evaluate`` resumes.

Each fold task's raw measurements are kept in a
:class:`~emoshield.checkpoints.CheckpointStore` under ``<report>/checkpoints/``
the moment the task is done. The file name hashes everything the measurement
depends on: the features, the labels and attributes, the task (kind, method
spec, seed, attacker panel, train and test rows) and emoshield's version; a
rerun reads back what matches and fits only the rest.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import numpy as np

from emoshield import __version__

if TYPE_CHECKING:
    from emoshield.evaluation.protocol import Dataset, FoldTask


def data_digest(data: "Dataset") -> str:
    """sha256 of the features, labels and attributes, in row order."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(np.ascontiguousarray(data.X).tobytes())
    for column in (data.labels, data.speakers, data.genders, data.languages):
        digest.update("\x1f".join(column.tolist()).encode())
    return digest.hexdigest()


def task_key(data_hash: str, task: "FoldTask") -> str:
    """The file stem of one task's result: its data and everything that defines the fit."""
    digest = hashlib.sha256(data_hash.encode())
    digest.update(json.dumps([task.kind, task.method, task.seed, list(task.attackers)]).encode())
    digest.update(np.asarray(task.train, dtype=np.int64).tobytes() + b"|" + np.asarray(task.test, dtype=np.int64).tobytes())
    return f"{task.kind}-{digest.hexdigest()[:24]}"
