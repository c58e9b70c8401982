"""Finished folds of an FL experiment on disk, so an interrupted ``emoshield fl run`` resumes.

Each fold's result (a federated outcome, or a centralised fold's predictions) is
kept in a :class:`~emoshield.checkpoints.CheckpointStore` under
``OUT/checkpoints/<key>/`` the moment it is done. The key hashes the data and
every setting that can change a result; settings that cannot (worker count,
whether baselines run, how many repeats, the attack) are left out, so adding
repeats or baselines to a finished run reuses its folds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from emoshield.checkpoints import CheckpointStore
from emoshield.fl.data import Samples
from emoshield.fl.plan import FederatedOutcome, RoundRecord
from emoshield.fl.settings import FlSettings

#: Settings that never change a fold's result.
_NEUTRAL = ("workers", "baselines", "repeats", "attack")


def experiment_key(samples: Samples, settings: FlSettings) -> str:
    """sha256 over the arrays of ``samples`` and the result-changing settings (16 hex digits)."""
    digest = hashlib.sha256()
    for array in (samples.X, samples.lengths, samples.y, samples.speakers.astype(str), samples.genders.astype(str)):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(json.dumps(samples.classes).encode())
    relevant = {k: v for k, v in settings.as_dict().items() if k not in _NEUTRAL}
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    return digest.hexdigest()[:16]


class FoldStore(CheckpointStore):
    """Federated outcomes and centralised predictions by fold name under ``out_dir/checkpoints/<key>``."""

    def __init__(self, out_dir: str | Path, key: str) -> None:
        super().__init__(Path(out_dir) / "checkpoints" / key)

    def predictions(self, name: str) -> np.ndarray | None:
        stored = self.load(name)
        return stored if isinstance(stored, np.ndarray) else None

    def save_predictions(self, name: str, predicted: np.ndarray) -> None:
        self.save(name, np.asarray(predicted, dtype=np.int64))

    def outcome(self, name: str) -> FederatedOutcome | None:
        stored = self.load(name)
        try:
            return None if stored is None else FederatedOutcome(
                rounds=[RoundRecord(**r) for r in stored["rounds"]], predictions=stored["predictions"],
                curve=stored["curve"], epsilon=stored["epsilon"], epsilon_server=stored["epsilon_server"],
            )
        except (KeyError, TypeError):  # another layout: run the fold again
            return None

    def save_outcome(self, name: str, outcome: FederatedOutcome) -> None:
        self.save(name, {**asdict(outcome), "weights": None})  # rounds become dicts, the curve keeps its int keys
