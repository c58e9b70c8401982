"""RAVDESS speech, audio only: ``Actor_12/03-01-05-01-02-01-12.wav``."""

from __future__ import annotations

import re
from pathlib import Path

from emoshield.corpora.base import CorpusName, LoadResult, Reject, load_tree, make_row
from emoshield.types import Emotion, Gender

NAME = CorpusName.RAVDESS
LANGUAGE = "en"

#: modality - vocal channel - emotion - intensity - statement - repetition - actor.
PATTERN = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\.wav$", re.I)
ACTOR_FOLDER = re.compile(r"^Actor_(\d{2})$", re.I)

EMOTIONS: dict[str, Emotion] = {
    "01": Emotion.NEUTRAL,
    "02": Emotion.CALM,
    "03": Emotion.HAPPINESS,
    "04": Emotion.SADNESS,
    "05": Emotion.ANGER,
    "06": Emotion.FEAR,
    "07": Emotion.DISGUST,
    "08": Emotion.SURPRISE,
}
INTENSITIES: dict[str, str] = {"01": "normal", "02": "strong"}
MODALITIES: dict[str, str] = {"01": "audio-video", "02": "video-only", "03": "audio-only"}


def matches(path: Path) -> bool:
    """Whether a file name looks like RAVDESS's seven-field scheme."""
    return PATTERN.match(path.name) is not None


def parse(path: Path) -> dict[str, object]:
    """One manifest row for a RAVDESS speech file, or Reject."""
    found = PATTERN.match(path.name)
    if found is None:
        raise Reject("name does not match RAVDESS's MM-VV-EE-II-SS-RR-AA.wav")
    modality, channel, code, level, statement, _repetition, actor = found.groups()
    if modality != "03":
        kind = MODALITIES.get(modality, "unknown")
        raise Reject(f"modality {modality} ({kind}), not audio-only (03)")
    if channel == "02":
        raise Reject("song, not speech")
    if channel != "01":
        raise Reject(f"unknown vocal channel {channel}")
    if code not in EMOTIONS:
        raise Reject(f"unknown emotion code {code}")
    if level not in INTENSITIES:
        raise Reject(f"unknown intensity code {level}")
    if statement not in ("01", "02"):
        raise Reject(f"unknown statement code {statement}")
    if not 1 <= int(actor) <= 24:
        raise Reject(f"actor {actor} outside 01-24")
    folder = ACTOR_FOLDER.match(path.parent.name)
    if folder is not None and folder.group(1) != actor:
        raise Reject(f"actor {actor} in the name but the file is in {path.parent.name}")
    gender = Gender.MALE if int(actor) % 2 else Gender.FEMALE
    return make_row(
        path,
        NAME,
        actor,
        gender,
        LANGUAGE,
        EMOTIONS[code],
        sentence=statement,
        intensity=INTENSITIES[level],
    )


def load(root: str | Path) -> LoadResult:
    """Every RAVDESS speech utterance under ``root`` (the corpus or one ``Actor_NN``)."""
    return load_tree(NAME, root, parse)
