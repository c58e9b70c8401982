"""A user's own table: ``manifest.csv`` with the manifest columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from emoshield.corpora import CorpusName, detect_corpus, load_corpus
from emoshield.errors import CorpusError, ManifestError

HEADER = "file,speaker,gender,language,emotion"


def table(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    """A folder with a/1.wav, a/2.wav and a manifest.csv of the given lines."""
    root = tmp_path / "mine"
    for file in ("a/1.wav", "a/2.wav"):
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        (root / file).write_bytes(b"RIFF")
    (root / "manifest.csv").write_text("\n".join([header, *lines]) + "\n")
    return root


def test_relative_paths_synonyms_and_derived_valence(tmp_path: Path) -> None:
    root = table(tmp_path, ["a/1.wav,s1,F,EN,angry", "a/2.wav,s2,M,en,Happy"])
    result = load_corpus("csv", root / "manifest.csv")
    manifest = result.manifest
    assert list(manifest["file"]) == [str(root / "a/1.wav"), str(root / "a/2.wav")]
    assert list(manifest["speaker"]) == ["csv:s1", "csv:s2"]
    assert list(manifest["gender"]) == ["female", "male"]
    assert list(manifest["language"]) == ["en", "en"]
    assert list(manifest["emotion"]) == ["anger", "happiness"]
    assert list(manifest["valence"]) == ["negative", "positive"]
    assert result.rejected == []


def test_folder_with_manifest_csv_and_given_corpus_and_extra_columns(tmp_path: Path) -> None:
    header = HEADER + ",corpus,valence,split"
    lines = ["a/1.wav,s1,female,de,sad,mydb,,x", "a/2.wav,other:s2,male,de,neutral,mydb,negative,y"]
    root = table(tmp_path, lines, header)
    manifest = load_corpus(CorpusName.CSV, root).manifest
    assert list(manifest["speaker"]) == ["mydb:s1", "other:s2"]
    assert list(manifest["corpus"]) == ["mydb", "mydb"]
    assert list(manifest["valence"]) == ["negative", "negative"]  # a given valence is kept
    assert list(manifest["split"]) == ["x", "y"]


def test_unknown_label_raises_naming_row_and_column(tmp_path: Path) -> None:
    root = table(tmp_path, ["a/1.wav,s1,female,en,sad", "a/2.wav,s2,male,en,ecstatic"])
    expected = r"emotion: unknown value\(s\) \['ecstatic'\] \(row 3\)"
    with pytest.raises(ManifestError, match=expected):
        load_corpus("csv", root)


def test_missing_column_raises(tmp_path: Path) -> None:
    root = table(tmp_path, ["a/1.wav,s1,female,en"], header="file,speaker,gender,language")
    with pytest.raises(ManifestError, match="missing column.*emotion"):
        load_corpus("csv", root)


def test_missing_audio_files_are_rejected(tmp_path: Path) -> None:
    root = table(tmp_path, ["a/1.wav,s1,female,en,sad", "a/gone.wav,s1,female,en,sad"])
    result = load_corpus("csv", root)
    assert list(result.manifest["file"]) == [str(root / "a/1.wav")]
    rejected = [(r.path, r.reason) for r in result.rejected]
    assert rejected == [(str(root / "a/gone.wav"), "no such file")]


def test_no_listed_file_exists_raises(tmp_path: Path) -> None:
    root = table(tmp_path, ["b/1.wav,s1,female,en,sad"])
    with pytest.raises(CorpusError, match="none of the 1 listed file"):
        load_corpus("csv", root)


def test_folder_without_manifest_raises(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"manifest\.csv: no such CSV file"):
        load_corpus("csv", tmp_path)


def test_detects_a_table(tmp_path: Path) -> None:
    root = table(tmp_path, ["a/1.wav,s1,female,en,sad"])
    assert detect_corpus(root) is CorpusName.CSV
    assert detect_corpus(root / "manifest.csv") is CorpusName.CSV
