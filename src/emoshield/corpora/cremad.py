"""CREMA-D: ``AudioWAV/1001_DFA_ANG_XX.wav`` plus ``VideoDemographics.csv`` for genders."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pandas as pd

from emoshield.corpora.base import CorpusName, LoadResult, Reject, check_root, load_tree, make_row, parse_gender
from emoshield.errors import CorpusError
from emoshield.types import Emotion, Gender

NAME = CorpusName.CREMAD
LANGUAGE = "en"
DEMOGRAPHICS = "VideoDemographics.csv"

#: actor id _ sentence code _ emotion _ emotion level.
PATTERN = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})\.wav$", re.I)

EMOTIONS: dict[str, Emotion] = {
    "ANG": Emotion.ANGER,
    "DIS": Emotion.DISGUST,
    "FEA": Emotion.FEAR,
    "HAP": Emotion.HAPPINESS,
    "NEU": Emotion.NEUTRAL,
    "SAD": Emotion.SADNESS,
}
LEVELS: dict[str, str] = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}


def matches(path: Path) -> bool:
    """Whether a file name looks like CREMA-D's scheme."""
    return PATTERN.match(path.name) is not None


def read_demographics(root: Path) -> dict[str, Gender | None]:
    """Actor id -> gender from ``VideoDemographics.csv`` in ``root`` or its parent.

    An actor whose ``Sex`` is neither Male nor Female maps to None.
    """
    for folder in (root, root.parent):
        path = folder / DEMOGRAPHICS
        if path.is_file():
            break
    else:
        raise CorpusError(
            f"{root}: CREMA-D needs its {DEMOGRAPHICS} (columns ActorID, Sex) "
            f"in this folder or its parent for speaker genders"
        )
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types for a bad file
        raise CorpusError(f"{path}: cannot read demographics ({exc})") from exc
    missing = [c for c in ("ActorID", "Sex") if c not in table.columns]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
    return {a.strip(): parse_gender(s) for a, s in zip(table["ActorID"], table["Sex"])}


def parse(path: Path, genders: dict[str, Gender | None]) -> dict[str, object]:
    """One manifest row for a CREMA-D file, or Reject."""
    found = PATTERN.match(path.name)
    if found is None:
        raise Reject("name does not match CREMA-D's <actor>_<sentence>_<emotion>_<level>.wav")
    actor, sentence, code, level = (part.upper() for part in found.groups())
    if code not in EMOTIONS:
        raise Reject(f"unknown emotion code {code}")
    if level not in LEVELS:
        raise Reject(f"unknown emotion level {level}")
    if actor not in genders:
        raise Reject(f"actor {actor} is not in {DEMOGRAPHICS}")
    gender = genders[actor]
    if gender is None:
        raise Reject(f"actor {actor}'s Sex in {DEMOGRAPHICS} is neither Male nor Female")
    return make_row(
        path,
        NAME,
        actor,
        gender,
        LANGUAGE,
        EMOTIONS[code],
        sentence=sentence,
        intensity=LEVELS[level],
    )


def load(root: str | Path) -> LoadResult:
    """Every CREMA-D utterance under ``root`` (the corpus folder or its ``AudioWAV/``)."""
    folder = check_root(root)
    return load_tree(NAME, folder, partial(parse, genders=read_demographics(folder)))
