"""Real corpus layouts to a manifest: one module per corpus, plus speaker-wise splits.

``load_corpus(name, root)`` parses a corpus in its original layout into a validated
manifest and lists every file it could not use; ``detect_corpus(root)`` guesses the
corpus from its file names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from emoshield.corpora import cremad, csv_table, emodb, emovo, iemocap, ravdess, savee, tess
from emoshield.corpora.base import CorpusName, LoadResult, Rejected, audio_files, check_root
from emoshield.errors import CorpusError

__all__ = ["CorpusName", "LoadResult", "Rejected", "detect_corpus", "load_corpus"]

#: Loaders of corpora in their original layouts, in the order detection tries them.
LOADERS: dict[CorpusName, ModuleType] = {
    CorpusName.EMODB: emodb,
    CorpusName.RAVDESS: ravdess,
    CorpusName.CREMAD: cremad,
    CorpusName.EMOVO: emovo,
    CorpusName.IEMOCAP: iemocap,
    CorpusName.TESS: tess,
    CorpusName.SAVEE: savee,
}

#: How many WAV files detection looks at, and the share one scheme must explain.
DETECT_SAMPLE = 2000
DETECT_SHARE = 0.5


def _loader(name: CorpusName | str) -> Callable[[str | Path], LoadResult]:
    try:
        corpus = CorpusName(str(name).strip().lower())
    except ValueError:
        known = ", ".join(c.value for c in CorpusName)
        raise CorpusError(f"unknown corpus {name!r}; known: {known}") from None
    return csv_table.load if corpus is CorpusName.CSV else LOADERS[corpus].load


def load_corpus(name: CorpusName | str, root: str | Path) -> LoadResult:
    """Manifest of the corpus ``name`` found under ``root``, plus the files rejected.

    Raises CorpusError naming the path for a missing or unreadable root, an unknown
    corpus name, or a root without a single usable utterance.
    """
    return _loader(name)(root)


def detect_corpus(root: str | Path) -> CorpusName | None:
    """Guess the corpus under ``root`` from its file names; None when unsure.

    A CSV file, or a folder holding ``manifest.csv``, is a user's table. Otherwise
    the corpus whose naming scheme explains most of (at least half of) the first
    WAV files wins. Raises CorpusError if ``root`` does not exist.
    """
    path = Path(root).expanduser().absolute()
    if path.is_file() and path.suffix.lower() == ".csv":
        return CorpusName.CSV
    folder = check_root(path)
    if (folder / csv_table.DEFAULT_FILE).is_file():
        return CorpusName.CSV
    files = audio_files(folder, limit=DETECT_SAMPLE)
    if not files:
        return None
    shares = {
        name: sum(module.matches(f) for f in files) / len(files)
        for name, module in LOADERS.items()
    }
    best = max(shares, key=shares.__getitem__)
    return best if shares[best] >= DETECT_SHARE else None
