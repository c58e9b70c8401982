"""Shared pieces of the corpus loaders: names, results, walking, rows, rejection."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pandas as pd

from emoshield.errors import CorpusError
from emoshield.manifest import build_manifest
from emoshield.types import Emotion, Gender, Spontaneity, valence_of


class CorpusName(StrEnum):
    """Corpora emoshield can read in their original layouts (plus a user's own CSV)."""

    EMODB = "emodb"
    RAVDESS = "ravdess"
    CREMAD = "cremad"
    EMOVO = "emovo"
    IEMOCAP = "iemocap"
    TESS = "tess"
    SAVEE = "savee"
    CSV = "csv"


@dataclass(frozen=True)
class Rejected:
    """A file (or folder) that was found but could not be turned into a manifest row."""

    path: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    """A validated manifest and everything that did not make it into it."""

    manifest: pd.DataFrame
    rejected: list[Rejected]


class Reject(Exception):
    """Raised by a loader's per-file parser: the file does not fit the corpus scheme."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Only WAV files are utterances; other audio formats shipped beside them
#: (CREMA-D's AudioMP3, say) would duplicate the WAVs.
AUDIO_SUFFIXES: frozenset[str] = frozenset({".wav"})

#: Label spellings seen in corpora and users' tables, mapped onto the shared vocabulary.
EMOTION_SYNONYMS: dict[str, Emotion] = {
    "angry": Emotion.ANGER,
    "happy": Emotion.HAPPINESS,
    "joy": Emotion.HAPPINESS,
    "sad": Emotion.SADNESS,
    "fearful": Emotion.FEAR,
    "disgusted": Emotion.DISGUST,
    "surprised": Emotion.SURPRISE,
    "excited": Emotion.EXCITEMENT,
    "frustrated": Emotion.FRUSTRATION,
    "bored": Emotion.BOREDOM,
    "pleasant_surprise": Emotion.SURPRISE,
    "pleasant_surprised": Emotion.SURPRISE,
}
GENDER_SYNONYMS: dict[str, Gender] = {
    "f": Gender.FEMALE,
    "w": Gender.FEMALE,
    "woman": Gender.FEMALE,
    "m": Gender.MALE,
    "man": Gender.MALE,
}


def parse_emotion(label: str) -> Emotion | None:
    """Shared-vocabulary emotion for a label or a known synonym (any case), else None."""
    key = label.strip().lower().replace(" ", "_")
    if key in Emotion._value2member_map_:
        return Emotion(key)
    return EMOTION_SYNONYMS.get(key)


def parse_gender(label: str) -> Gender | None:
    """Gender for ``female``/``male`` or a known synonym (any case), else None."""
    key = label.strip().lower()
    if key in Gender._value2member_map_:
        return Gender(key)
    return GENDER_SYNONYMS.get(key)


def check_root(root: str | Path, what: str = "folder") -> Path:
    """Absolute root folder; CorpusError naming the path if missing or unreadable."""
    path = Path(os.path.abspath(Path(root).expanduser()))
    if not path.exists():
        raise CorpusError(f"{path}: no such {what}")
    if not path.is_dir():
        raise CorpusError(f"{path}: not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise CorpusError(f"{path}: folder is not readable")
    return path


def is_hidden(name: str) -> bool:
    """Dot files (e.g. macOS ``._x.wav`` resource forks) and ``__MACOSX`` are not data."""
    return name.startswith(".") or name == "__MACOSX"


def audio_files(
    root: Path, rejected: list[Rejected] | None = None, limit: int | None = None
) -> list[Path]:
    """WAV files under ``root``, sorted, recursing into (linked) folders once each.

    Hidden files and folders are skipped; folders that cannot be listed are
    added to ``rejected`` when given. Stops after ``limit`` files if set.
    """
    found: list[Path] = []
    seen: set[str] = set()

    def on_error(error: OSError) -> None:
        if rejected is not None:
            rejected.append(Rejected(str(error.filename), f"unreadable folder: {error.strerror}"))

    for folder, dirs, files in os.walk(root, onerror=on_error, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:  # a symlink loop or a folder linked twice
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        for name in sorted(files):
            if not is_hidden(name) and Path(name).suffix.lower() in AUDIO_SUFFIXES:
                found.append(Path(folder) / name)
                if limit is not None and len(found) >= limit:
                    return found
    return found


def make_row(
    path: Path,
    corpus: CorpusName,
    speaker: str,
    gender: Gender,
    language: str,
    emotion: Emotion,
    *,
    sentence: str = "",
    spontaneity: Spontaneity | str = Spontaneity.ACTED,
    intensity: str = "",
) -> dict[str, object]:
    """One manifest row; ``speaker`` is prefixed with the corpus to make it globally unique."""
    return {
        "file": str(path),
        "corpus": corpus.value,
        "speaker": f"{corpus.value}:{speaker}",
        "gender": gender.value,
        "language": language,
        "emotion": emotion.value,
        "valence": valence_of(emotion),
        "sentence": sentence,
        "spontaneity": str(spontaneity),
        "intensity": intensity,
    }


Parser = Callable[[Path], dict[str, object]]


def collect(
    corpus: CorpusName,
    root: Path,
    files: Iterable[Path],
    parse: Parser,
    rejected: list[Rejected] | None = None,
) -> LoadResult:
    """Parse every file into a row or a rejection; CorpusError if no row at all."""
    rows: list[dict[str, object]] = []
    rejected = list(rejected or [])
    count = 0
    for path in files:
        count += 1
        try:
            rows.append(parse(path))
        except Reject as reject:
            rejected.append(Rejected(str(path), reject.reason))
    if not rows:
        raise CorpusError(nothing_found(corpus, root, count, rejected))
    return LoadResult(build_manifest(rows), rejected)


def nothing_found(corpus: CorpusName, root: Path, count: int, rejected: list[Rejected]) -> str:
    """The message of a CorpusError when a root holds no usable utterance."""
    if count == 0:
        return f"{root}: no .wav files found for corpus {corpus.value}"
    example = rejected[0] if rejected else None
    detail = f"; e.g. {example.path}: {example.reason}" if example else ""
    return (
        f"{root}: none of {count} .wav file(s) fits the {corpus.value} naming scheme{detail}"
    )


def load_tree(
    corpus: CorpusName,
    root: str | Path,
    parse: Parser,
    keep: Callable[[Path], bool] | None = None,
) -> LoadResult:
    """Check ``root``, walk its WAV files (those ``keep`` accepts) and parse each one."""
    folder = check_root(root)
    rejected: list[Rejected] = []
    files = audio_files(folder, rejected)
    if keep is not None:
        files = [f for f in files if keep(f)]
    return collect(corpus, folder, files, parse, rejected)
