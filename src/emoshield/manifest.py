"""Manifest I/O and validation: one row per utterance, fixed columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from emoshield.errors import ManifestError
from emoshield.types import MANIFEST_COLUMNS, OPTIONAL_COLUMNS, Emotion, Gender, Valence


def build_manifest(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Turn loader rows into a validated manifest with columns in contract order."""
    frame = pd.DataFrame(rows, columns=None if rows else list(MANIFEST_COLUMNS))
    for column in MANIFEST_COLUMNS:
        if column not in frame:
            frame[column] = ""
    extra = [c for c in OPTIONAL_COLUMNS if c in frame]
    frame = frame[list(MANIFEST_COLUMNS) + extra]
    return validate_manifest(frame)


def validate_manifest(frame: pd.DataFrame, source: str = "manifest") -> pd.DataFrame:
    """Check columns and labels; raise one ManifestError listing every problem."""
    missing = [c for c in MANIFEST_COLUMNS if c not in frame.columns]
    if missing:
        raise ManifestError(f"{source}: missing column(s) {', '.join(missing)}")
    frame = frame.copy()
    for column in MANIFEST_COLUMNS:
        frame[column] = frame[column].fillna("").astype(str)
    problems: list[str] = []
    allowed = {
        "gender": {g.value for g in Gender},
        "emotion": {e.value for e in Emotion},
        "valence": {v.value for v in Valence} | {""},
    }
    for column, values in allowed.items():
        bad = frame.loc[~frame[column].isin(values), column]
        if len(bad):
            rows = ", ".join(str(i + 2) for i in bad.index[:5])
            problems.append(
                f"{column}: unknown value(s) {sorted(set(bad))[:5]} (row {rows}); "
                f"allowed: {sorted(values - {''})}"
            )
    for column in ("file", "speaker", "language"):
        empty = frame.index[frame[column] == ""]
        if len(empty):
            problems.append(f"{column}: empty in {len(empty)} row(s), first at row {empty[0] + 2}")
    duplicated = frame["file"][frame["file"].duplicated()]
    if len(duplicated):
        problems.append(f"file: {len(duplicated)} duplicate(s), e.g. {duplicated.iloc[0]}")
    if problems:
        raise ManifestError(f"{source}: " + "; ".join(problems))
    return frame.reset_index(drop=True)


def read_manifest(path: str | Path) -> pd.DataFrame:
    """Read and validate a manifest from CSV or Parquet."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: no such manifest file")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(
            path, dtype=str, keep_default_na=False
        )
    except Exception as exc:  # pandas raises many types for a bad file
        raise ManifestError(f"{path}: cannot read manifest ({exc})") from exc
    frame = validate_manifest(frame, source=str(path))
    frame["file"] = [_resolve(path.parent, f) for f in frame["file"]]
    return frame


def _resolve(base: Path, file: str) -> str:
    """Paths in a manifest are absolute or relative to the manifest's folder."""
    candidate = Path(file)
    return str(candidate if candidate.is_absolute() else (base / candidate).resolve())


def write_manifest(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a manifest as CSV or Parquet (by suffix), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if path.suffix == ".parquet":
        frame.to_parquet(partial, index=False)
    else:
        frame.to_csv(partial, index=False)
    partial.replace(path)
    return path


def summarise(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Counts per speaker, gender, language and emotion."""
    return {
        column: {str(k): int(v) for k, v in frame[column].value_counts().sort_index().items()}
        for column in ("speaker", "gender", "language", "emotion", "valence")
    }
