"""Finished fold fits of an evaluation on disk, so an interrupted ``emoshield evaluate`` resumes.

Each fold task's raw measurements are written as JSON (numeric arrays as their
raw bytes in base64, text arrays as lists, tuple keys kept) under ``<report>/checkpoints/`` the moment the task is done,
through a ``.partial`` file and a rename. The file name hashes everything the
measurement depends on: the features, the labels and attributes, the task (kind,
method spec, seed, attacker panel, train and test rows) and emoshield's version;
a rerun reads back what matches and fits only the rest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


class TaskStore:
    """Task results as JSON files in one folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def load(self, key: str) -> dict | None:
        """The stored result, or None if absent or unreadable (then the task runs again)."""
        try:
            return decode(json.loads((self.folder / f"{key}.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, key: str, output: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{key}.json.{os.getpid()}.partial"
        partial.write_text(json.dumps(encode(output)))
        partial.replace(self.folder / f"{key}.json")


def encode(value: Any) -> Any:
    """JSON-ready form of nested dicts (any hashable keys), tuples, lists, numpy arrays and scalars."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":  # numbers as their raw bytes: exact and compact
            raw = np.ascontiguousarray(value).tobytes()
            return {"__array__": value.dtype.str, "shape": list(value.shape), "bytes": base64.b64encode(raw).decode()}
        return {"__array__": value.dtype.str, "data": value.tolist()}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: encode(v) for k, v in value.items()}}
        return {"__items__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        dtype = np.dtype(value["__array__"])
        if "bytes" in value:
            return np.frombuffer(base64.b64decode(value["bytes"]), dtype=dtype).reshape(value["shape"]).copy()
        return np.asarray(value["data"], dtype=dtype)
    if "__dict__" in value:
        return {k: decode(v) for k, v in value["__dict__"].items()}
    if "__items__" in value:
        return {_hashable(decode(k)): decode(v) for k, v in value["__items__"]}
    return tuple(decode(v) for v in value["__tuple__"])


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key
