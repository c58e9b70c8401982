"""EMO-DB: names like ``03a01Fa.wav``."""

from __future__ import annotations

from pathlib import Path

import pytest

from emoshield.corpora import emodb as loader
from emoshield.corpora import load_corpus
from emoshield.corpora.base import Reject

FEMALE = {"08", "09", "13", "14", "16"}
MALE = {"03", "10", "11", "12", "15"}


def row(manifest, name: str) -> dict:
    return manifest[manifest["file"].str.endswith(name)].iloc[0].to_dict()


def test_row_fields(emodb) -> None:
    manifest = load_corpus("emodb", emodb.root).manifest
    first = row(manifest, "03a01Fa.wav")
    assert first["file"] == str(emodb.root / "wav" / "03a01Fa.wav")
    assert (first["speaker"], first["gender"], first["language"]) == ("emodb:03", "male", "de")
    assert (first["emotion"], first["valence"]) == ("happiness", "positive")
    assert first["sentence"] == "a01"
    assert first["spontaneity"] == "acted"
    assert row(manifest, "08b02Wb.wav")["gender"] == "female"
    assert row(manifest, "08b02Wb.wav")["emotion"] == "anger"


@pytest.mark.parametrize("speaker", sorted(FEMALE | MALE))
def test_gender_of_every_speaker(speaker: str) -> None:
    parsed = loader.parse(Path(f"/x/{speaker}a01Na.wav"))
    assert parsed["gender"] == ("female" if speaker in FEMALE else "male")


@pytest.mark.parametrize(
    ("letter", "emotion", "valence"),
    [
        ("W", "anger", "negative"),
        ("L", "boredom", "negative"),
        ("E", "disgust", "negative"),
        ("A", "fear", "negative"),
        ("F", "happiness", "positive"),
        ("T", "sadness", "negative"),
        ("N", "neutral", "positive"),
    ],
)
def test_emotion_letters(letter: str, emotion: str, valence: str) -> None:
    parsed = loader.parse(Path(f"/x/11b10{letter}d.wav"))
    assert (parsed["emotion"], parsed["valence"], parsed["sentence"]) == (emotion, valence, "b10")


def test_bad_names_are_rejected() -> None:
    with pytest.raises(Reject, match="unknown speaker 04"):
        loader.parse(Path("/x/04a01Fa.wav"))
    with pytest.raises(Reject, match="does not match"):
        loader.parse(Path("/x/03a01Fa_copy.wav"))


def test_loads_from_the_wav_folder_itself(emodb) -> None:
    assert len(load_corpus("emodb", emodb.root / "wav").manifest) == len(emodb.good)
