"""Behaviour every corpus loader shares, checked on a fake tree of each layout."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from emoshield.corpora import CorpusName, LoadResult, detect_corpus, load_corpus
from emoshield.errors import CorpusError
from emoshield.types import MANIFEST_COLUMNS, valence_of

if TYPE_CHECKING:
    from conftest import Fake

#: Keys of the fake-tree builders in conftest.
ALL = ["emodb", "ravdess", "cremad", "emovo", "iemocap", "tess", "savee", "savee_nested"]


def corpus_of(key: str) -> CorpusName:
    return CorpusName(key.removesuffix("_nested"))


@pytest.mark.parametrize("fake", ALL, indirect=True)
def test_loads_exactly_the_files_that_fit_the_scheme(fake: Fake, request) -> None:
    name = corpus_of(request.node.callspec.params["fake"])
    result = load_corpus(name, fake.root)
    assert isinstance(result, LoadResult)
    assert sorted(result.manifest["file"]) == sorted(str(fake.root / f) for f in fake.good)
    assert list(result.manifest.columns[: len(MANIFEST_COLUMNS)]) == list(MANIFEST_COLUMNS)
    assert set(result.manifest["corpus"]) == {name.value}
    assert result.manifest["speaker"].str.startswith(f"{name.value}:").all()


@pytest.mark.parametrize("fake", ALL, indirect=True)
def test_rejects_misfits_with_a_reason_and_ignores_non_audio(fake: Fake, request) -> None:
    name = corpus_of(request.node.callspec.params["fake"])
    rejected = {r.path: r.reason for r in load_corpus(name, fake.root).rejected}
    assert set(rejected) == {str(fake.root / f) for f in fake.bad}
    for relative, expected in fake.bad.items():
        assert expected in rejected[str(fake.root / relative)]


@pytest.mark.parametrize("fake", ALL, indirect=True)
def test_valence_follows_the_shared_mapping(fake: Fake, request) -> None:
    manifest = load_corpus(corpus_of(request.node.callspec.params["fake"]), fake.root).manifest
    assert list(manifest["valence"]) == [valence_of(e) for e in manifest["emotion"]]


@pytest.mark.parametrize("fake", ALL, indirect=True)
def test_detects_the_corpus_from_its_layout(fake: Fake, request) -> None:
    assert detect_corpus(fake.root) is corpus_of(request.node.callspec.params["fake"])


def test_every_fake_tree_is_covered(builders) -> None:
    assert set(builders) == set(ALL)
    assert {corpus_of(key) for key in ALL} == set(CorpusName) - {CorpusName.CSV}


@pytest.mark.parametrize("name", [c for c in CorpusName])
def test_missing_root_raises_naming_the_path(name: CorpusName, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-corpus"
    with pytest.raises(CorpusError, match="no-such-corpus"):
        load_corpus(name, missing)


@pytest.mark.parametrize("name", [c for c in CorpusName if c is not CorpusName.CSV])
def test_folder_without_wavs_raises(name: CorpusName, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "VideoDemographics.csv").write_text("ActorID,Sex\n")
    with pytest.raises(CorpusError, match=r"empty: no \.wav files"):
        load_corpus(name, tmp_path / "empty")


def test_wrong_corpus_raises_with_an_example_rejection(ravdess: Fake) -> None:
    with pytest.raises(CorpusError, match="none of 8 .wav file.*EMO-DB"):
        load_corpus("emodb", ravdess.root)


def test_root_that_is_a_file_raises(tmp_path: Path) -> None:
    file = tmp_path / "x.wav"
    file.write_bytes(b"RIFF")
    with pytest.raises(CorpusError, match="x.wav: not a folder"):
        load_corpus("emodb", file)


def test_unknown_name_raises_listing_known_ones(emodb: Fake) -> None:
    with pytest.raises(CorpusError, match="unknown corpus 'buemodb'.*emodb"):
        load_corpus("buemodb", emodb.root)


def test_name_may_be_a_string_in_any_case(emodb: Fake) -> None:
    assert len(load_corpus(" EmoDB ", emodb.root).manifest) == len(emodb.good)


def test_detect_is_none_when_unsure(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert detect_corpus(tmp_path / "a") is None
    for name in ("take1.wav", "take2.wav", "03a01Fa.wav"):
        (tmp_path / "a" / name).write_bytes(b"RIFF")
    assert detect_corpus(tmp_path / "a") is None  # 1 of 3 is not enough


def test_detect_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="nowhere"):
        detect_corpus(tmp_path / "nowhere")


def test_symlinked_folders_are_followed_once(emodb: Fake, tmp_path: Path) -> None:
    (emodb.root / "again").symlink_to(emodb.root / "wav")
    (emodb.root / "wav" / "loop").symlink_to(emodb.root)
    manifest = load_corpus("emodb", emodb.root).manifest
    assert len(manifest) == len(emodb.good)
