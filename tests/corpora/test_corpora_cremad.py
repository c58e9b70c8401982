"""CREMA-D: ``AudioWAV/1001_DFA_ANG_XX.wav`` with genders from ``VideoDemographics.csv``."""

from __future__ import annotations

import pytest

from emoshield.corpora import load_corpus
from emoshield.errors import CorpusError


def test_row_fields(cremad) -> None:
    manifest = load_corpus("cremad", cremad.root).manifest.set_index("file")
    angry = manifest.loc[str(cremad.root / "AudioWAV/1001_DFA_ANG_XX.wav")]
    assert (angry["speaker"], angry["gender"], angry["language"]) == ("cremad:1001", "male", "en")
    assert (angry["emotion"], angry["valence"]) == ("anger", "negative")
    assert (angry["sentence"], angry["intensity"]) == ("DFA", "unspecified")
    happy = manifest.loc[str(cremad.root / "AudioWAV/1002_IEO_HAP_HI.wav")]
    assert (happy["speaker"], happy["gender"]) == ("cremad:1002", "female")
    assert happy[["emotion", "valence", "intensity"]].tolist() == ["happiness", "positive", "high"]


def test_demographics_in_the_parent_of_audiowav(cremad) -> None:
    manifest = load_corpus("cremad", cremad.root / "AudioWAV").manifest
    assert sorted(manifest["gender"]) == ["female", "female", "male"]


def test_missing_demographics_raises_naming_the_file(cremad) -> None:
    (cremad.root / "VideoDemographics.csv").unlink()
    with pytest.raises(CorpusError, match=r"CREMA-D.*needs its VideoDemographics\.csv") as info:
        load_corpus("cremad", cremad.root)
    assert str(cremad.root) in str(info.value)


def test_demographics_without_sex_column_raises(cremad) -> None:
    (cremad.root / "VideoDemographics.csv").write_text("ActorID,Age\n1001,51\n")
    with pytest.raises(CorpusError, match="missing column.*Sex"):
        load_corpus("cremad", cremad.root)


def test_actor_of_unknown_sex_is_rejected(cremad) -> None:
    demographics = cremad.root / "VideoDemographics.csv"
    demographics.write_text(demographics.read_text().replace("1002,21,Female", "1002,21,n/a"))
    result = load_corpus("cremad", cremad.root)
    assert set(result.manifest["speaker"]) == {"cremad:1001"}
    reasons = [r.reason for r in result.rejected if "1002_" in r.path]
    assert len(reasons) == 2 and all("neither Male nor Female" in r for r in reasons)
