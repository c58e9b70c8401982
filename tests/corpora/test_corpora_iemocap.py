"""IEMOCAP release layout with EmoEvaluation label files."""

from __future__ import annotations

from emoshield.corpora import load_corpus

WAV = "Session1/sentences/wav"


def test_row_fields(iemocap) -> None:
    manifest = load_corpus("iemocap", iemocap.root).manifest.set_index("file")
    neu = manifest.loc[str(iemocap.root / WAV / "Ses01F_impro01/Ses01F_impro01_F000.wav")]
    assert (neu["speaker"], neu["gender"], neu["language"]) == ("iemocap:Ses01F", "female", "en")
    assert (neu["emotion"], neu["valence"]) == ("neutral", "positive")
    assert neu["spontaneity"] == "improvised"
    other = manifest.loc[str(iemocap.root / WAV / "Ses01F_impro01/Ses01F_impro01_F002.wav")]
    assert (other["emotion"], other["valence"]) == ("other", "")


def test_speaker_is_the_utterance_speaker_not_the_dialog_wearer(iemocap) -> None:
    manifest = load_corpus("iemocap", iemocap.root).manifest.set_index("file")
    script = str(iemocap.root / WAV / "Ses01M_script01_1/Ses01M_script01_1_{}.wav")
    female = manifest.loc[script.format("F000")]
    male = manifest.loc[script.format("M001")]
    assert (female["speaker"], female["gender"]) == ("iemocap:Ses01F", "female")
    assert (male["speaker"], male["gender"]) == ("iemocap:Ses01M", "male")
    assert (female["emotion"], male["emotion"]) == ("anger", "frustration")
    assert (male["valence"], male["spontaneity"]) == ("negative", "scripted")


def test_whole_dialog_recordings_are_skipped_not_rejected(iemocap) -> None:
    result = load_corpus("iemocap", iemocap.root)
    everything = list(result.manifest["file"]) + [r.path for r in result.rejected]
    assert not any("/dialog/" in path for path in everything)


def test_loads_from_a_session_or_a_sentences_folder(iemocap) -> None:
    session = load_corpus("iemocap", iemocap.root / "Session1").manifest
    deep = load_corpus("iemocap", iemocap.root / WAV).manifest
    assert len(session) == len(deep) == len(iemocap.good)
