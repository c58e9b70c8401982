"""EMOVO: ``f1/dis-f1-b1.wav``."""

from __future__ import annotations

from pathlib import Path

import pytest

from emoshield.corpora import emovo as loader
from emoshield.corpora import load_corpus


def test_row_fields(emovo) -> None:
    manifest = load_corpus("emovo", emovo.root).manifest.set_index("file")
    dis = manifest.loc[str(emovo.root / "f1/dis-f1-b1.wav")]
    assert (dis["speaker"], dis["gender"], dis["language"]) == ("emovo:f1", "female", "it")
    assert (dis["emotion"], dis["valence"], dis["sentence"]) == ("disgust", "negative", "b1")
    joy = manifest.loc[str(emovo.root / "m2/gio-m2-n3.wav")]
    assert (joy["speaker"], joy["gender"], joy["emotion"]) == ("emovo:m2", "male", "happiness")
    assert set(manifest["speaker"]) == {"emovo:f1", "emovo:m2", "emovo:f3", "emovo:m1"}


@pytest.mark.parametrize(
    ("code", "emotion", "valence"),
    [("dis", "disgust", "negative"), ("gio", "happiness", "positive"),
     ("neu", "neutral", "positive"), ("pau", "fear", "negative"), ("rab", "anger", "negative"),
     ("sor", "surprise", "positive"), ("tri", "sadness", "negative")],
)
def test_emotion_codes(code: str, emotion: str, valence: str) -> None:
    parsed = loader.parse(Path(f"/x/m3/{code}-m3-l2.wav"))
    assert (parsed["emotion"], parsed["valence"]) == (emotion, valence)
