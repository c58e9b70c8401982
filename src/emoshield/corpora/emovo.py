"""EMOVO (Italian): ``f1/dis-f1-b1.wav`` (emotion - speaker - sentence)."""

from __future__ import annotations

import re
from pathlib import Path

from emoshield.corpora.base import CorpusName, LoadResult, Reject, load_tree, make_row
from emoshield.types import Emotion, Gender

NAME = CorpusName.EMOVO
LANGUAGE = "it"

PATTERN = re.compile(r"^([a-z]{3})-([fm][1-3])-([a-z]\d{1,2})\.wav$", re.I)

#: Italian codes: disgusto, gioia, neutro, paura, rabbia, sorpresa, tristezza.
EMOTIONS: dict[str, Emotion] = {
    "dis": Emotion.DISGUST,
    "gio": Emotion.HAPPINESS,
    "neu": Emotion.NEUTRAL,
    "pau": Emotion.FEAR,
    "rab": Emotion.ANGER,
    "sor": Emotion.SURPRISE,
    "tri": Emotion.SADNESS,
}
SPEAKER_FOLDER = re.compile(r"^[fm][1-3]$", re.I)


def matches(path: Path) -> bool:
    """Whether a file name looks like EMOVO's scheme."""
    return PATTERN.match(path.name) is not None


def parse(path: Path) -> dict[str, object]:
    """One manifest row for an EMOVO file, or Reject."""
    found = PATTERN.match(path.name)
    if found is None:
        raise Reject("name does not match EMOVO's <emotion>-<speaker>-<sentence>.wav")
    code, speaker, sentence = (part.lower() for part in found.groups())
    if code not in EMOTIONS:
        raise Reject(f"unknown emotion code {code!r}")
    folder = path.parent.name.lower()
    if SPEAKER_FOLDER.match(folder) and folder != speaker:
        raise Reject(f"speaker {speaker} in the name but the file is in {path.parent.name}")
    gender = Gender.FEMALE if speaker.startswith("f") else Gender.MALE
    return make_row(path, NAME, speaker, gender, LANGUAGE, EMOTIONS[code], sentence=sentence)


def load(root: str | Path) -> LoadResult:
    """Every EMOVO utterance under ``root`` (the corpus folder or one speaker's)."""
    return load_tree(NAME, root, parse)
