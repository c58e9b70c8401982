"""IEMOCAP release: ``Session1/sentences/wav/<dialog>/<utterance>.wav`` labelled by
``Session1/dialog/EmoEvaluation/<dialog>.txt``."""

from __future__ import annotations

import re
from pathlib import Path

from emoshield.corpora.base import CorpusName, LoadResult, Reject, check_root, load_tree, make_row
from emoshield.types import Emotion, Gender, Spontaneity

NAME = CorpusName.IEMOCAP
LANGUAGE = "en"

#: ``Ses01F_impro01_M013``: session, who wore the markers, dialog, utterance speaker, number.
PATTERN = re.compile(r"^(Ses\d{2})([FM])_(\w+?)_([FM])(\d{3})\.wav$")
#: ``[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]``.
LABEL_LINE = re.compile(r"^\[[^\]]*\]\s+(\S+)\s+(\S+)")

EMOTIONS: dict[str, Emotion] = {
    "neu": Emotion.NEUTRAL,
    "hap": Emotion.HAPPINESS,
    "sad": Emotion.SADNESS,
    "ang": Emotion.ANGER,
    "exc": Emotion.EXCITEMENT,
    "fru": Emotion.FRUSTRATION,
    "sur": Emotion.SURPRISE,
    "fea": Emotion.FEAR,
    "dis": Emotion.DISGUST,
    "oth": Emotion.OTHER,
}
NO_MAJORITY = "xxx"
GENDERS: dict[str, Gender] = {"F": Gender.FEMALE, "M": Gender.MALE}


def matches(path: Path) -> bool:
    """Whether a file name looks like an IEMOCAP utterance."""
    return PATTERN.match(path.name) is not None


def read_labels(path: Path) -> dict[str, str]:
    """Utterance id -> categorical code from one EmoEvaluation file."""
    labels: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        found = LABEL_LINE.match(line)
        if found is not None:
            labels[found.group(1)] = found.group(2).lower()
    return labels


class _Parser:
    """Parses utterance files, reading each dialog's label file once."""

    def __init__(self) -> None:
        self._labels: dict[Path, dict[str, str] | None] = {}

    def labels(self, path: Path) -> dict[str, str] | None:
        if path not in self._labels:
            try:
                self._labels[path] = read_labels(path)
            except OSError:
                self._labels[path] = None
        return self._labels[path]

    def __call__(self, path: Path) -> dict[str, object]:
        found = PATTERN.match(path.name)
        if found is None:
            raise Reject("name does not match IEMOCAP's Ses<nn><F|M>_<dialog>_<F|M><nnn>.wav")
        session, wearer, dialog, who, _number = found.groups()
        if dialog.startswith("impro"):
            spontaneity = Spontaneity.IMPROVISED
        elif dialog.startswith("script"):
            spontaneity = Spontaneity.SCRIPTED
        else:
            raise Reject(f"dialog {dialog!r} is neither impro nor script")
        if len(path.parents) < 4:
            raise Reject("not in the release layout <session>/sentences/wav/<dialog>/")
        # <session>/sentences/wav/<dialog>/<utterance>.wav -> <session>/dialog/EmoEvaluation
        evaluation = path.parents[3] / "dialog" / "EmoEvaluation"
        label_file = evaluation / f"{session}{wearer}_{dialog}.txt"
        labels = self.labels(label_file)
        if labels is None:
            raise Reject(f"label file {label_file} is missing or unreadable")
        code = labels.get(path.stem)
        if code is None:
            raise Reject(f"no label for {path.stem} in {label_file}")
        if code == NO_MAJORITY:
            raise Reject("no majority label")
        if code not in EMOTIONS:
            raise Reject(f"unknown emotion code {code!r} in {label_file}")
        speaker = f"{session}{who}"
        emotion = EMOTIONS[code]
        gender = GENDERS[who]
        return make_row(path, NAME, speaker, gender, LANGUAGE, emotion, spontaneity=spontaneity)


def load(root: str | Path) -> LoadResult:
    """Every labelled IEMOCAP utterance under ``root`` (the release, a session, ...).

    Whole-dialog recordings (under a ``dialog`` folder) are not utterances and are skipped.
    """
    folder = check_root(root)

    def keep(path: Path) -> bool:
        return "dialog" not in path.relative_to(folder).parts[:-1]

    return load_tree(NAME, folder, _Parser(), keep)
