"""Fake corpus trees in the real naming schemes (tiny WAVs; loaders never read audio)."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Fake:
    """A fake corpus tree: its root, the files that must load, and those that must be
    rejected (relative path -> a piece of the expected reason)."""

    root: Path
    good: list[str]
    bad: dict[str, str]


Builder = Callable[[Path], Fake]


def tiny_wav() -> bytes:
    """A valid 16 kHz mono WAV of 10 ms of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 160)
    return buffer.getvalue()


def write_tree(root: Path, files: Iterable[str], texts: dict[str, str] | None = None) -> Path:
    """Create ``root`` with a tiny WAV at each relative path and the given text files."""
    data = tiny_wav()
    for relative in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for relative, text in (texts or {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    root.mkdir(parents=True, exist_ok=True)
    return root


EMODB_GOOD = ["wav/03a01Fa.wav", "wav/08b02Wb.wav", "wav/16a05Tc.wav", "wav/10a01Nc.wav"]
EMODB_BAD = {
    "wav/05a01Fa.wav": "unknown speaker 05",
    "wav/03a01Xa.wav": "unknown emotion letter",
    "wav/notes.wav": "does not match",
}


def build_emodb(tmp: Path) -> Fake:
    root = tmp / "emodb"
    texts = {"erkennung.txt": "not audio", "wav/info.xls": "not audio"}
    write_tree(root, EMODB_GOOD + list(EMODB_BAD) + ["wav/._03a01Fa.wav"], texts)
    return Fake(root, EMODB_GOOD, EMODB_BAD)


RAVDESS_GOOD = [
    "Actor_01/03-01-05-02-01-01-01.wav",
    "Actor_02/03-01-02-01-02-02-02.wav",
    "Actor_02/03-01-08-02-01-01-02.wav",
]
RAVDESS_BAD = {
    "Actor_01/03-02-03-01-01-01-01.wav": "song, not speech",
    "Actor_01/01-01-01-01-01-01-01.wav": "not audio-only",
    "Actor_01/03-01-01-01-01-01-05.wav": "in Actor_01",
    "Actor_02/03-01-09-01-01-01-02.wav": "unknown emotion code 09",
    "Actor_02/readme.wav": "does not match",
}


def build_ravdess(tmp: Path) -> Fake:
    root = tmp / "ravdess"
    write_tree(root, RAVDESS_GOOD + list(RAVDESS_BAD), {"Actor_01/notes.txt": "x"})
    return Fake(root, RAVDESS_GOOD, RAVDESS_BAD)


CREMAD_DEMOGRAPHICS = (
    "ActorID,Age,Sex,Race,Ethnicity\n"
    "1001,51,Male,Caucasian,Not Hispanic\n"
    "1002,21,Female,Caucasian,Not Hispanic\n"
)
CREMAD_GOOD = [
    "AudioWAV/1001_DFA_ANG_XX.wav",
    "AudioWAV/1002_IEO_HAP_HI.wav",
    "AudioWAV/1002_TIE_SAD_LO.wav",
]
CREMAD_BAD = {
    "AudioWAV/1003_DFA_ANG_XX.wav": "actor 1003 is not in VideoDemographics.csv",
    "AudioWAV/1001_DFA_CAL_XX.wav": "unknown emotion code CAL",
    "AudioWAV/1001_DFA_ANG_ZZ.wav": "unknown emotion level ZZ",
}


def build_cremad(tmp: Path) -> Fake:
    root = tmp / "CREMA-D"
    texts = {"VideoDemographics.csv": CREMAD_DEMOGRAPHICS, "AudioMP3/1001_DFA_ANG_XX.mp3": "mp3"}
    write_tree(root, CREMAD_GOOD + list(CREMAD_BAD), texts)
    return Fake(root, CREMAD_GOOD, CREMAD_BAD)


EMOVO_GOOD = ["f1/dis-f1-b1.wav", "m2/gio-m2-n3.wav", "f3/sor-f3-l4.wav", "m1/pau-m1-d2.wav"]
EMOVO_BAD = {"f1/xyz-f1-b1.wav": "unknown emotion code", "f1/neu-m1-b1.wav": "is in f1"}


def build_emovo(tmp: Path) -> Fake:
    root = tmp / "EMOVO"
    write_tree(root, EMOVO_GOOD + list(EMOVO_BAD), {"documents/readme.txt": "x"})
    return Fake(root, EMOVO_GOOD, EMOVO_BAD)


IEMOCAP_LABELS = {
    "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt": (
        "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n"
        "[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]\n"
        "C-E2:\tNeutral;\t()\n"
        "[10.0100 - 11.3925]\tSes01F_impro01_M001\txxx\t[2.5000, 3.0000, 3.0000]\n"
        "[14.8872 - 18.0175]\tSes01F_impro01_F002\toth\t[2.0000, 2.5000, 2.5000]\n"
    ),
    "Session1/dialog/EmoEvaluation/Ses01M_script01_1.txt": (
        "[1.0 - 2.0]\tSes01M_script01_1_F000\tang\t[1.0, 4.0, 4.0]\n"
        "[3.0 - 4.0]\tSes01M_script01_1_M001\tfru\t[2.0, 3.5, 3.0]\n"
    ),
}
IEMOCAP_GOOD = [
    "Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav",
    "Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F002.wav",
    "Session1/sentences/wav/Ses01M_script01_1/Ses01M_script01_1_F000.wav",
    "Session1/sentences/wav/Ses01M_script01_1/Ses01M_script01_1_M001.wav",
]
IEMOCAP_BAD = {
    "Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_M001.wav": "no majority label",
    "Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_M003.wav": "no label for",
    "Session2/sentences/wav/Ses02F_impro02/Ses02F_impro02_M000.wav": "missing or unreadable",
}


def build_iemocap(tmp: Path) -> Fake:
    root = tmp / "IEMOCAP_full_release"
    dialog_wav = ["Session1/dialog/wav/Ses01F_impro01.wav"]  # a whole dialog: skipped
    write_tree(root, IEMOCAP_GOOD + list(IEMOCAP_BAD) + dialog_wav, IEMOCAP_LABELS)
    return Fake(root, IEMOCAP_GOOD, IEMOCAP_BAD)


TESS_GOOD = [
    "OAF_angry/OAF_back_angry.wav",
    "OAF_Pleasant_surprise/OAF_dog_ps.wav",
    "YAF_pleasant_surprised/YAF_bath_pleasant_surprised.wav",
    "YAF_sad/YAF_youth_sad.wav",
]
TESS_BAD = {
    "OAF_angry/OAF_back_bored.wav": "unknown emotion",
    "OAF_angry/XYZ_back_angry.wav": "does not match",
}


def build_tess(tmp: Path) -> Fake:
    return Fake(write_tree(tmp / "TESS", TESS_GOOD + list(TESS_BAD)), TESS_GOOD, TESS_BAD)


SAVEE_FLAT_GOOD = ["ALL/DC_a01.wav", "ALL/JE_sa02.wav", "ALL/KL_su15.wav", "ALL/JK_n30.wav"]
SAVEE_FLAT_BAD = {"ALL/ZZ_a01.wav": "unknown speaker ZZ", "ALL/DC_x01.wav": "unknown emotion code"}
SAVEE_NESTED_GOOD = ["DC/a01.wav", "JE/su03.wav", "KL/h10.wav"]
SAVEE_NESTED_BAD = {"XX/a01.wav": "does not match"}


def build_savee(tmp: Path) -> Fake:
    root = write_tree(tmp / "SAVEE", SAVEE_FLAT_GOOD + list(SAVEE_FLAT_BAD))
    return Fake(root, SAVEE_FLAT_GOOD, SAVEE_FLAT_BAD)


def build_savee_nested(tmp: Path) -> Fake:
    root = write_tree(tmp / "AudioData", SAVEE_NESTED_GOOD + list(SAVEE_NESTED_BAD))
    return Fake(root, SAVEE_NESTED_GOOD, SAVEE_NESTED_BAD)


#: corpus name -> builder of a fake tree in its layout.
BUILDERS: dict[str, Builder] = {
    "emodb": build_emodb,
    "ravdess": build_ravdess,
    "cremad": build_cremad,
    "emovo": build_emovo,
    "iemocap": build_iemocap,
    "tess": build_tess,
    "savee": build_savee,
    "savee_nested": build_savee_nested,
}


@pytest.fixture
def builders() -> dict[str, Builder]:
    """Every fake-tree builder by name (``savee_nested``: SAVEE's per-speaker layout)."""
    return BUILDERS


@pytest.fixture
def fake(request: pytest.FixtureRequest, tmp_path: Path) -> Fake:
    """A fake tree for the corpus named by indirect parametrisation."""
    return BUILDERS[request.param](tmp_path)


@pytest.fixture
def emodb(tmp_path: Path) -> Fake:
    return build_emodb(tmp_path)


@pytest.fixture
def ravdess(tmp_path: Path) -> Fake:
    return build_ravdess(tmp_path)


@pytest.fixture
def cremad(tmp_path: Path) -> Fake:
    return build_cremad(tmp_path)


@pytest.fixture
def emovo(tmp_path: Path) -> Fake:
    return build_emovo(tmp_path)


@pytest.fixture
def iemocap(tmp_path: Path) -> Fake:
    return build_iemocap(tmp_path)


@pytest.fixture
def tess(tmp_path: Path) -> Fake:
    return build_tess(tmp_path)


@pytest.fixture
def savee(tmp_path: Path) -> Fake:
    return build_savee(tmp_path)


@pytest.fixture
def savee_nested(tmp_path: Path) -> Fake:
    return build_savee_nested(tmp_path)
