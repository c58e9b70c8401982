"""SAVEE (Surrey Audio-Visual Expressed Emotion): ``ALL/DC_a01.wav`` or ``DC/a01.wav``."""

from __future__ import annotations

import re
from pathlib import Path

from emoshield.corpora.base import CorpusName, LoadResult, Reject, load_tree, make_row
from emoshield.types import Emotion, Gender

NAME = CorpusName.SAVEE
LANGUAGE = "en"

SPEAKERS: tuple[str, ...] = ("DC", "JE", "JK", "KL")  # four male speakers
#: ``DC_a01.wav`` (the ``ALL`` folder) or ``a01.wav`` inside a speaker's folder.
FLAT = re.compile(r"^([A-Z]{2})_([a-z]{1,2})(\d{2})\.wav$", re.I)
NESTED = re.compile(r"^([a-z]{1,2})(\d{2})\.wav$", re.I)

EMOTIONS: dict[str, Emotion] = {
    "a": Emotion.ANGER,
    "d": Emotion.DISGUST,
    "f": Emotion.FEAR,
    "h": Emotion.HAPPINESS,
    "n": Emotion.NEUTRAL,
    "sa": Emotion.SADNESS,
    "su": Emotion.SURPRISE,
}


def _fields(path: Path) -> tuple[str, str, str] | None:
    """(speaker, emotion code, number) from either layout, or None."""
    flat = FLAT.match(path.name)
    if flat is not None:
        return flat.group(1).upper(), flat.group(2).lower(), flat.group(3)
    nested = NESTED.match(path.name)
    if nested is not None and path.parent.name.upper() in SPEAKERS:
        return path.parent.name.upper(), nested.group(1).lower(), nested.group(2)
    return None


def matches(path: Path) -> bool:
    """Whether a file name (and folder) looks like SAVEE's scheme."""
    fields = _fields(path)
    return fields is not None and fields[0] in SPEAKERS


def parse(path: Path) -> dict[str, object]:
    """One manifest row for a SAVEE file, or Reject."""
    fields = _fields(path)
    if fields is None:
        raise Reject("name does not match SAVEE's <spk>_<code><nn>.wav or <spk>/<code><nn>.wav")
    speaker, code, number = fields
    if speaker not in SPEAKERS:
        raise Reject(f"unknown speaker {speaker} (SAVEE has {', '.join(SPEAKERS)})")
    if code not in EMOTIONS:
        raise Reject(f"unknown emotion code {code!r}")
    return make_row(
        path, NAME, speaker, Gender.MALE, LANGUAGE, EMOTIONS[code], sentence=f"{code}{number}"
    )


def load(root: str | Path) -> LoadResult:
    """Every SAVEE utterance under ``root`` (``ALL/``, per-speaker folders, or one of them)."""
    return load_tree(NAME, root, parse)
