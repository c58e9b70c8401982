"""Keys of an evaluation's fold fits, so an interrupted ``emoshield evaluate`` resumes honestly.

Each fold task's evidence is kept in a :class:`~emoshield.checkpoints.CheckpointStore`
under ``<report>/checkpoints/`` the moment the task is done. The file name hashes
everything the result depends on: the features, labels and attributes; the task
(kind, speaker sets, seed, measurements); the method with every parameter
resolved, defaults included; the attackers with their settings; a digest of
emoshield's own source; and the versions of the numeric libraries. A rerun reads
back what matches and fits only the rest; after any change to the code or a
default, everything is fitted again.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import emoshield
from emoshield.evaluation.attackers import make_panel
from emoshield.methods import make_method, resolved_params

if TYPE_CHECKING:
    from emoshield.evaluation.data import Dataset
    from emoshield.evaluation.plan import FoldTask

#: Libraries whose version can change a fit's result.
LIBRARIES = ("numpy", "scipy", "scikit-learn", "torch")


def data_digest(data: "Dataset") -> str:
    """sha256 of the features, labels and attributes, in row order (and of the anonymised views and the public
    corpus's)."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(data.X).tobytes())
    for column in (data.labels, data.speakers, data.genders, data.languages):
        digest.update("\x1f".join(column.tolist()).encode())
    for spec in sorted(data.views):  # features of anonymised audio (audio-level methods)
        digest.update(b"view" + spec.encode() + np.ascontiguousarray(data.views[spec]).tobytes())
    if data.public is not None:
        digest.update(b"public" + data_digest(data.public).encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def source_digest() -> str:
    """sha256 of every Python file of the installed emoshield package (path and content)."""
    root = Path(emoshield.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = ""
    return versions


def task_description(task: "FoldTask") -> dict:
    """Everything but the data that defines one task's result, as plain data."""
    return {
        "kind": task.kind,
        "seed": task.seed,
        "method": {"spec": task.method, "resolved": resolved_params(make_method(task.method, task.seed))},
        "attackers": resolved_params(make_panel(task.attackers, task.seed)),
        "measurements": list(task.measurements),
        "languages": task.languages,
        "identification_folds": task.identification_folds,
        "enrolment": [task.enrolment.utterances, task.enrolment.composition.value],
        "source": source_digest(),
        "libraries": library_versions(),
    }


def task_key(data_hash: str, task: "FoldTask") -> str:
    """The file stem of one task's result: its data, its speaker sets and everything that defines the fit."""
    digest = hashlib.sha256(data_hash.encode())
    digest.update(json.dumps(task_description(task), sort_keys=True, default=repr).encode())
    for part in (task.fit, task.learn, task.test):
        digest.update(np.asarray(part, dtype=np.int64).tobytes() + b"|")
    return f"{task.kind}-{digest.hexdigest()[:24]}"
