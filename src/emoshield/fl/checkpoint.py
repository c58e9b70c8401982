"""Finished folds of an FL experiment on disk, so an interrupted ``emoshield fl run`` resumes.

Each fold's result (a federated outcome, or a centralised fold's predictions) is
written as JSON under ``OUT/checkpoints/<key>/`` the moment it is done, through a
``.partial`` file and a rename, so only whole results are ever read back. The key
hashes the data and every setting that can change a result; settings that cannot
(worker count, whether baselines run, how many repeats, the attack) are left out,
so adding repeats or baselines to a finished run reuses its folds.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from emoshield.fl.data import Samples
from emoshield.fl.server_app import FederatedOutcome, RoundRecord
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


class FoldStore:
    """JSON results by name under ``out_dir/checkpoints/<key>``."""

    def __init__(self, out_dir: str | Path, key: str) -> None:
        self.folder = Path(out_dir) / "checkpoints" / key

    def load(self, name: str) -> dict[str, Any] | None:
        """The stored result, or None if absent or unreadable (then the fold runs again)."""
        try:
            return json.loads((self.folder / f"{name}.json").read_text())
        except (OSError, ValueError):
            return None

    def save(self, name: str, payload: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{name}.json.{os.getpid()}.partial"
        partial.write_text(json.dumps(payload))
        partial.replace(self.folder / f"{name}.json")

    def predictions(self, name: str) -> np.ndarray | None:
        stored = self.load(name)
        try:
            return None if stored is None else np.asarray(stored["predictions"], dtype=np.int64)
        except (KeyError, TypeError, ValueError):
            return None

    def save_predictions(self, name: str, predicted: np.ndarray) -> None:
        self.save(name, {"predictions": np.asarray(predicted).tolist()})

    def outcome(self, name: str) -> FederatedOutcome | None:
        stored = self.load(name)
        try:
            return None if stored is None else outcome_from_dict(stored)
        except (KeyError, TypeError, ValueError):  # written by another version: run the fold again
            return None

    def save_outcome(self, name: str, outcome: FederatedOutcome) -> None:
        self.save(name, outcome_to_dict(outcome))


def outcome_to_dict(outcome: FederatedOutcome) -> dict[str, Any]:
    predictions = None if outcome.predictions is None else np.asarray(outcome.predictions).tolist()
    return {"rounds": [asdict(r) for r in outcome.rounds], "predictions": predictions,
            "curve": {str(k): v for k, v in outcome.curve.items()}, "epsilon": outcome.epsilon}


def outcome_from_dict(data: dict[str, Any]) -> FederatedOutcome:
    predictions = None if data["predictions"] is None else np.asarray(data["predictions"], dtype=np.int64)
    return FederatedOutcome(
        rounds=[RoundRecord(**r) for r in data["rounds"]], predictions=predictions,
        curve={int(k): float(v) for k, v in data["curve"].items()}, epsilon=data["epsilon"],
    )
