"""TESS (Toronto emotional speech set): ``OAF_angry/OAF_back_angry.wav``."""

from __future__ import annotations

import re
from pathlib import Path

from emoshield.corpora.base import CorpusName, LoadResult, Reject, load_tree, make_row
from emoshield.types import Emotion, Gender

NAME = CorpusName.TESS
LANGUAGE = "en"

#: speaker (OAF older, YAF younger talker) _ target word _ emotion.
PATTERN = re.compile(r"^(OAF|YAF)_([^_]+)_(.+)\.wav$", re.I)

EMOTIONS: dict[str, Emotion] = {
    "angry": Emotion.ANGER,
    "disgust": Emotion.DISGUST,
    "fear": Emotion.FEAR,
    "happy": Emotion.HAPPINESS,
    "neutral": Emotion.NEUTRAL,
    "sad": Emotion.SADNESS,
    "ps": Emotion.SURPRISE,
    "pleasant_surprise": Emotion.SURPRISE,
    "pleasant_surprised": Emotion.SURPRISE,
}


def matches(path: Path) -> bool:
    """Whether a file name looks like TESS's scheme."""
    return PATTERN.match(path.name) is not None


def parse(path: Path) -> dict[str, object]:
    """One manifest row for a TESS file, or Reject."""
    found = PATTERN.match(path.name)
    if found is None:
        raise Reject("name does not match TESS's <OAF|YAF>_<word>_<emotion>.wav")
    speaker, word, code = found.groups()
    emotion = EMOTIONS.get(code.lower())
    if emotion is None:
        raise Reject(f"unknown emotion {code!r}")
    return make_row(
        path, NAME, speaker.upper(), Gender.FEMALE, LANGUAGE, emotion, sentence=word.lower()
    )


def load(root: str | Path) -> LoadResult:
    """Every TESS utterance under ``root``."""
    return load_tree(NAME, root, parse)
