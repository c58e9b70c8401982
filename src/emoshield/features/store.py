"""Feature frames on disk (Parquet) and their alignment with a manifest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from emoshield.errors import FeatureError
from emoshield.features.sequences import to_sequences

if TYPE_CHECKING:
    from emoshield.features.extract import Failure

_META_KEY = b"emoshield"


def write_features(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a feature frame as Parquet, atomically, with its set and names in the metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "feature_set": frame.attrs.get("feature_set", ""),
        "feature_names": [str(c) for c in frame.columns],
        "frame_level": isinstance(frame.index, pd.MultiIndex),
    }
    table = pa.Table.from_pandas(frame, preserve_index=True)
    metadata = {**(table.schema.metadata or {}), _META_KEY: json.dumps(meta).encode()}
    table = table.replace_schema_metadata(metadata)
    partial = path.with_name(path.name + ".partial")
    pq.write_table(table, partial)
    partial.replace(path)
    return path


def read_features(path: str | Path) -> pd.DataFrame:
    """Read a frame written by :func:`write_features`; FeatureError naming the file otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FeatureError(f"{path}: no such feature file")
    try:
        table = pq.read_table(path)
        frame = table.to_pandas()
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise FeatureError(f"{path}: cannot read features ({exc})") from exc
    raw = (table.schema.metadata or {}).get(_META_KEY)
    if raw is None:
        raise FeatureError(f"{path}: not an emoshield feature file (no feature metadata)")
    meta = json.loads(raw)
    if list(frame.columns) != meta["feature_names"]:
        raise FeatureError(f"{path}: columns do not match the stored feature names")
    frame.attrs["feature_set"] = meta["feature_set"]
    return frame


def failures_path(features_path: str | Path) -> Path:
    """Where the failure list of a feature file lives: beside it, ``NAME.failures.csv``."""
    path = Path(features_path)
    return path.with_name(path.stem + ".failures.csv")


def write_failures(failures: Sequence["Failure"], features_path: str | Path) -> Path | None:
    """List the files that got no features beside the feature file (removing a stale list)."""
    target = failures_path(features_path)
    if not failures:
        target.unlink(missing_ok=True)
        return None
    table = pd.DataFrame({"file": [f.file for f in failures], "reason": [f.reason for f in failures]})
    partial = target.with_name(target.name + ".partial")
    table.to_csv(partial, index=False)
    partial.replace(target)
    return target


def drop_failed(manifest: pd.DataFrame, features_path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """The manifest without the rows whose extraction failed (as listed beside the features)."""
    listed = failures_path(features_path)
    if not listed.is_file():
        return manifest, []
    failed = set(pd.read_csv(listed, dtype=str)["file"])
    keep = ~manifest["file"].isin(failed)
    return manifest[keep].reset_index(drop=True), manifest.loc[~keep, "file"].tolist()


def align_features(
    frame: pd.DataFrame, manifest: pd.DataFrame, expected_names: Sequence[str] | None = None
) -> np.ndarray:
    """Functionals as an (n, d) array, one row per manifest row, in manifest order."""
    if isinstance(frame.index, pd.MultiIndex):
        raise FeatureError("frame-level features: use align_sequences, not align_features")
    files = _checked_files(frame, manifest, expected_names, frame.index)
    values = frame.loc[files].to_numpy()
    _check_finite(values, files)
    return values


def align_sequences(
    frame: pd.DataFrame, manifest: pd.DataFrame, expected_names: Sequence[str] | None = None
) -> list[np.ndarray]:
    """Frame-level features as one (T, d) array per manifest row, in manifest order."""
    if not isinstance(frame.index, pd.MultiIndex):
        raise FeatureError("functionals: use align_features, not align_sequences")
    sequences = to_sequences(frame)
    files = _checked_files(frame, manifest, expected_names, pd.Index(list(sequences)))
    out = [sequences[f] for f in files]
    for file, values in zip(files, out):
        _check_finite(values, [file] * len(values))
    return out


def _checked_files(
    frame: pd.DataFrame, manifest: pd.DataFrame, expected: Sequence[str] | None, have: pd.Index
) -> list[str]:
    if expected is not None and list(frame.columns) != list(expected):
        raise FeatureError(_name_difference(list(frame.columns), list(expected)))
    if not have.is_unique:
        raise FeatureError(f"feature frame lists {int(have.duplicated().sum())} file(s) twice")
    files = manifest["file"].astype(str).tolist()
    missing = [f for f in files if f not in have]
    if missing:
        raise FeatureError(
            f"{len(missing)} of {len(files)} manifest file(s) have no features; first: {missing[0]}"
        )
    return files


def _name_difference(got: list[str], expected: list[str]) -> str:
    pairs = zip(got, expected)
    first = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(got), len(expected)))

    def shown(names: list[str]) -> str:
        return repr(names[first]) if first < len(names) else "nothing"

    return (
        f"feature names differ: {len(got)} column(s), {len(expected)} expected; "
        f"first difference at position {first}: {shown(got)} instead of {shown(expected)}"
    )


def _check_finite(values: np.ndarray, files: Sequence[str]) -> None:
    bad_rows = ~np.isfinite(values).all(axis=1)
    if bad_rows.any():
        first = files[int(np.argmax(bad_rows))]
        count = int((~np.isfinite(values)).sum())
        raise FeatureError(
            f"{count} non-finite feature value(s) in {int(bad_rows.sum())} row(s); first: {first}"
        )
