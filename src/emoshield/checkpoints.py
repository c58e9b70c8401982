"""Results kept on disk as JSON so that interrupted long jobs resume (``evaluate``, ``fl run``).

A :class:`CheckpointStore` writes each value through a ``.partial`` file and a
rename, so only whole entries are ever read back; an absent, cut-short or
foreign entry reads as None and its work is simply done again. The codec keeps
numeric arrays as their raw bytes (base64: exact and compact), text arrays as
lists, tuples, and dicts with non-string keys, so a value read back equals the
one written. JSON rather than pickle: loading an entry never runs code.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import numpy as np


class CheckpointStore:
    """Values as JSON files, by name, in one folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def load(self, name: str) -> Any:
        """The stored value, or None if absent or unreadable (then its work runs again)."""
        try:
            return decode(json.loads((self.folder / f"{name}.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, name: str, value: Any) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{name}.json.{os.getpid()}.partial"
        partial.write_text(json.dumps(encode(value)))
        partial.replace(self.folder / f"{name}.json")


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
