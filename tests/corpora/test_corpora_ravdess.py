"""RAVDESS: ``Actor_NN/MM-VV-EE-II-SS-RR-AA.wav``."""

from __future__ import annotations

from pathlib import Path

import pytest

from emoshield.corpora import load_corpus
from emoshield.corpora import ravdess as loader
from emoshield.corpora.base import Reject


def test_row_fields(ravdess) -> None:
    manifest = load_corpus("ravdess", ravdess.root).manifest.set_index("file")
    angry = manifest.loc[str(ravdess.root / "Actor_01/03-01-05-02-01-01-01.wav")]
    assert (angry["speaker"], angry["gender"], angry["language"]) == ("ravdess:01", "male", "en")
    assert angry[["emotion", "valence", "intensity"]].tolist() == ["anger", "negative", "strong"]
    assert angry["sentence"] == "01"
    calm = manifest.loc[str(ravdess.root / "Actor_02/03-01-02-01-02-02-02.wav")]
    assert (calm["speaker"], calm["gender"]) == ("ravdess:02", "female")
    assert (calm["emotion"], calm["valence"], calm["intensity"]) == ("calm", "positive", "normal")
    assert calm["sentence"] == "02"


@pytest.mark.parametrize(
    ("code", "emotion"),
    [("01", "neutral"), ("02", "calm"), ("03", "happiness"), ("04", "sadness"),
     ("05", "anger"), ("06", "fear"), ("07", "disgust"), ("08", "surprise")],
)
def test_emotion_codes(code: str, emotion: str) -> None:
    assert loader.parse(Path(f"/x/03-01-{code}-01-01-01-13.wav"))["emotion"] == emotion


@pytest.mark.parametrize(("actor", "gender"), [("01", "male"), ("23", "male"), ("24", "female")])
def test_odd_actors_are_male(actor: str, gender: str) -> None:
    assert loader.parse(Path(f"/x/03-01-01-01-01-01-{actor}.wav"))["gender"] == gender


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("03-02-01-01-01-01-01.wav", "song, not speech"),
        ("02-01-01-01-01-01-01.wav", "modality 02"),
        ("03-01-01-03-01-01-01.wav", "unknown intensity code 03"),
        ("03-01-01-01-03-01-01.wav", "unknown statement code 03"),
        ("03-01-01-01-01-01-25.wav", "actor 25 outside 01-24"),
    ],
)
def test_rejections(name: str, reason: str) -> None:
    with pytest.raises(Reject, match=reason):
        loader.parse(Path("/x") / name)


def test_loads_one_actor_folder(ravdess) -> None:
    manifest = load_corpus("ravdess", ravdess.root / "Actor_02").manifest
    assert set(manifest["speaker"]) == {"ravdess:02"}
    assert len(manifest) == 2
