"""On-disk feature cache: one small ``.npz`` per (audio content, extractor settings).

The key is the sha256 of the file's bytes, salted with the extractor's settings,
the audio loading settings and :data:`CACHE_VERSION`; renaming or moving a file
keeps its entry, editing it or changing any setting makes a new one. Entries
are written to a ``.partial`` file and renamed, so an interrupted run leaves
only whole entries and the next run resumes from them.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emoshield.errors import AudioError

#: Bump when extraction changes in a way the settings do not capture.
CACHE_VERSION = 1


def default_cache_dir() -> Path:
    """``$EMOSHIELD_CACHE`` if set, else ``~/.cache/emoshield/features``."""
    env = os.environ.get("EMOSHIELD_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "emoshield" / "features"


def file_digest(path: str | Path) -> str:
    """sha256 of a file's bytes; AudioError naming the file if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise AudioError(f"{path}: no such file") from None
    except OSError as exc:
        raise AudioError(f"{path}: cannot read ({exc})") from exc
    return digest.hexdigest()


@dataclass
class CacheEntry:
    """What extraction produced for one file."""

    values: np.ndarray
    duration: float
    notes: list[str]


class FeatureCache:
    """Entries of one extractor under ``root / name``."""

    def __init__(self, root: str | Path, name: str, settings: dict[str, Any]) -> None:
        self.folder = Path(root) / name
        salt = json.dumps({"version": CACHE_VERSION, **settings}, sort_keys=True)
        self._salt = hashlib.sha256(salt.encode()).hexdigest()

    def path(self, digest: str) -> Path:
        """Where the entry for a file with content ``digest`` lives."""
        key = hashlib.sha256(f"{self._salt}:{digest}".encode()).hexdigest()
        return self.folder / key[:2] / f"{key}.npz"

    def load(self, digest: str) -> CacheEntry | None:
        """The stored entry, or None if absent or unreadable (then it is recomputed)."""
        try:
            with np.load(self.path(digest), allow_pickle=False) as data:
                return CacheEntry(
                    data["values"], float(data["duration"]), [str(n) for n in data["notes"]]
                )
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None

    def store(self, digest: str, entry: CacheEntry) -> Path:
        """Write an entry atomically (``.partial`` then rename)."""
        path = self.path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        with open(partial, "wb") as handle:
            np.savez(
                handle,
                values=entry.values,
                duration=np.float64(entry.duration),
                notes=np.array(entry.notes, dtype=str),
            )
        partial.replace(path)
        return path
