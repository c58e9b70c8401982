"""TESS (``OAF_angry/OAF_back_angry.wav``) and SAVEE (``ALL/DC_a01.wav``, ``DC/a01.wav``)."""

from __future__ import annotations

from emoshield.corpora import load_corpus

TESS_PS = "YAF_pleasant_surprised/YAF_bath_pleasant_surprised.wav"


def test_tess_rows(tess) -> None:
    manifest = load_corpus("tess", tess.root).manifest.set_index("file")
    angry = manifest.loc[str(tess.root / "OAF_angry/OAF_back_angry.wav")]
    assert (angry["speaker"], angry["gender"], angry["language"]) == ("tess:OAF", "female", "en")
    assert (angry["emotion"], angry["valence"], angry["sentence"]) == ("anger", "negative", "back")
    surprised = manifest.loc[str(tess.root / TESS_PS)]
    assert (surprised["speaker"], surprised["emotion"], surprised["valence"]) == (
        "tess:YAF", "surprise", "positive")
    ps = str(tess.root / "OAF_Pleasant_surprise/OAF_dog_ps.wav")
    assert manifest.loc[ps, "emotion"] == "surprise"
    assert set(manifest["gender"]) == {"female"}


def test_savee_flat_rows(savee) -> None:
    manifest = load_corpus("savee", savee.root).manifest.set_index("file")
    sad = manifest.loc[str(savee.root / "ALL/JE_sa02.wav")]
    assert (sad["speaker"], sad["gender"], sad["language"]) == ("savee:JE", "male", "en")
    assert (sad["emotion"], sad["valence"], sad["sentence"]) == ("sadness", "negative", "sa02")
    surprise = manifest.loc[str(savee.root / "ALL/KL_su15.wav")]
    assert (surprise["emotion"], surprise["valence"]) == ("surprise", "positive")
    assert manifest.loc[str(savee.root / "ALL/DC_a01.wav"), "emotion"] == "anger"


def test_savee_nested_rows(savee_nested) -> None:
    manifest = load_corpus("savee", savee_nested.root).manifest.set_index("file")
    assert manifest.loc[str(savee_nested.root / "JE/su03.wav"), "speaker"] == "savee:JE"
    assert manifest.loc[str(savee_nested.root / "KL/h10.wav"), "emotion"] == "happiness"
    assert set(manifest["gender"]) == {"male"}
