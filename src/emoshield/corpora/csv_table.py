"""A user's own table: a CSV with the manifest columns (or a folder with ``manifest.csv``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from emoshield.corpora.base import CorpusName, LoadResult, Rejected, parse_emotion, parse_gender
from emoshield.errors import CorpusError
from emoshield.manifest import validate_manifest
from emoshield.types import MANIFEST_COLUMNS, OPTIONAL_COLUMNS, valence_of

NAME = CorpusName.CSV
DEFAULT_FILE = "manifest.csv"


def table_path(root: str | Path) -> Path:
    """The CSV file ``root`` names: itself, or ``manifest.csv`` inside it."""
    path = Path(root).expanduser().absolute()
    if path.is_dir():
        path = path / DEFAULT_FILE
    if not path.is_file():
        raise CorpusError(f"{path}: no such CSV file")
    return path


def _normalise(frame: pd.DataFrame, base: Path) -> pd.DataFrame:
    """Map label synonyms, fill corpus/valence, prefix speakers, resolve file paths."""
    frame = frame.rename(columns=lambda c: str(c).strip())
    if "emotion" in frame:
        frame["emotion"] = [_label(parse_emotion(e), e) for e in frame["emotion"]]
    if "gender" in frame:
        frame["gender"] = [_label(parse_gender(g), g) for g in frame["gender"]]
    if "language" in frame:
        frame["language"] = frame["language"].str.strip().str.lower()
    corpus = frame["corpus"].str.strip() if "corpus" in frame else pd.Series("", frame.index)
    frame["corpus"] = corpus.where(corpus != "", NAME.value)
    if "speaker" in frame:
        frame["speaker"] = [
            s if ":" in s or not s else f"{c}:{s}"
            for s, c in zip(frame["speaker"].str.strip(), frame["corpus"])
        ]
    if "emotion" in frame:
        given = frame["valence"].str.strip().str.lower() if "valence" in frame else None
        derived = [_valence(e) for e in frame["emotion"]]
        frame["valence"] = derived if given is None else given.where(given != "", derived)
    if "file" in frame:
        frame["file"] = [_resolve(base, f.strip()) for f in frame["file"]]
    return frame


def _resolve(base: Path, file: str) -> str:
    """Absolute path of a listed file (relative to the table's folder); empty stays empty."""
    return str((base / file).resolve()) if file else ""


def _label(parsed: object, raw: str) -> str:
    """The canonical label if the raw one was understood, else the raw text for the error."""
    return str(parsed) if parsed is not None else raw


def _valence(emotion: str) -> str:
    try:
        return valence_of(emotion)
    except ValueError:
        return ""  # unknown emotion: validate_manifest reports it


def load(root: str | Path) -> LoadResult:
    """Read, normalise and validate a user's manifest table; files must exist."""
    path = table_path(root)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types for a bad file
        raise CorpusError(f"{path}: cannot read CSV ({exc})") from exc
    frame = validate_manifest(_normalise(raw, path.parent), source=str(path))
    order = [*MANIFEST_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in frame)]
    frame = frame[order + [c for c in frame.columns if c not in order]]
    exists = frame["file"].map(lambda f: Path(f).is_file())
    rejected = [Rejected(f, "no such file") for f in frame.loc[~exists, "file"]]
    if not exists.any():
        example = f"; e.g. {rejected[0].path}" if rejected else ""
        raise CorpusError(f"{path}: none of the {len(frame)} listed file(s) exists{example}")
    return LoadResult(frame[exists].reset_index(drop=True), rejected)
