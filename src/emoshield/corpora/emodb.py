"""EMO-DB (Berlin Database of Emotional Speech): ``wav/03a01Fa.wav``."""

from __future__ import annotations

import re
from pathlib import Path

from emoshield.corpora.base import CorpusName, LoadResult, Reject, load_tree, make_row
from emoshield.types import Emotion, Gender

NAME = CorpusName.EMODB
LANGUAGE = "de"

#: speaker (2 digits), text (a01..b10), emotion letter, version letter.
PATTERN = re.compile(r"^(\d{2})([ab]\d{2})([A-Z])([a-z])\.wav$", re.IGNORECASE)

#: The German initial of each emotion (Wut, Langeweile, Ekel, Angst, Freude, Trauer, Neutral).
EMOTIONS: dict[str, Emotion] = {
    "W": Emotion.ANGER,
    "L": Emotion.BOREDOM,
    "E": Emotion.DISGUST,
    "A": Emotion.FEAR,
    "F": Emotion.HAPPINESS,
    "T": Emotion.SADNESS,
    "N": Emotion.NEUTRAL,
}

GENDERS: dict[str, Gender] = {
    **{s: Gender.FEMALE for s in ("08", "09", "13", "14", "16")},
    **{s: Gender.MALE for s in ("03", "10", "11", "12", "15")},
}


def matches(path: Path) -> bool:
    """Whether a file name looks like EMO-DB's scheme."""
    return PATTERN.match(path.name) is not None


def parse(path: Path) -> dict[str, object]:
    """One manifest row for an EMO-DB file, or Reject."""
    found = PATTERN.match(path.name)
    if found is None:
        raise Reject("name does not match EMO-DB's <speaker><text><emotion><version>.wav")
    speaker, text, letter, _version = found.groups()
    emotion = EMOTIONS.get(letter.upper())
    if emotion is None:
        raise Reject(f"unknown emotion letter {letter!r}")
    if speaker not in GENDERS:
        raise Reject(f"unknown speaker {speaker} (EMO-DB has {', '.join(sorted(GENDERS))})")
    return make_row(
        path, NAME, speaker, GENDERS[speaker], LANGUAGE, emotion, sentence=text.lower()
    )


def load(root: str | Path) -> LoadResult:
    """Every EMO-DB utterance under ``root`` (the corpus folder or its ``wav/``)."""
    return load_tree(NAME, root, parse)
