"""Anonymise many files into a folder: in parallel, resumable, every failure listed with its reason.

Each file is loaded as feature extraction loads it (mono, 16 kHz, checked: ``emoshield.audio``),
anonymised and written as 16-bit PCM WAV under ``OUT/audio/``, at its path relative to the
files' common folder. A WAV is written to a temporary name and renamed, so one that exists
is whole: a rerun into the same folder loads each source again (to know its coefficient)
but anonymises only what is missing. ``OUT/anonymiser.json`` names the anonymiser; a
folder made by another is refused.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from emoshield.anonymise.spec import McAdams
from emoshield.audio import load_audio
from emoshield.backends import Compute, run_unordered
from emoshield.errors import ConfigError, EmoshieldError
from emoshield.files import write_bytes_atomic, write_text_atomic

#: The rate every anonymised file is written at (the rate features are extracted at).
RATE = 16000
#: Files per parallel task.
CHUNK = 8


@dataclass(frozen=True)
class Anonymised:
    """One source file's outcome: where its anonymised audio is and with which coefficient, or why it failed."""

    source: str
    file: str = ""
    alpha: float = float("nan")
    reason: str = ""
    resumed: bool = False


def anonymise_files(files: Sequence[str], anonymiser: McAdams, out_dir: Path, compute: Compute = Compute(workers=1),
                    progress: Callable[[int, int], None] | None = None) -> list[Anonymised]:
    """Every file anonymised into ``out_dir/audio`` (see the module's docstring), outcomes in input order."""
    out_dir = Path(out_dir)
    claim_folder(out_dir, anonymiser)
    paths = list(dict.fromkeys(str(f) for f in files))
    root = Path(os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths])) if paths else out_dir
    chunks = [paths[i: i + CHUNK] for i in range(0, len(paths), CHUNK)]
    outcomes: dict[str, Anonymised] = {}
    for _, batch in run_unordered(_anonymise_chunk, chunks, compute, shared=(anonymiser, out_dir / "audio", root)):
        outcomes.update((o.source, o) for o in batch)
        if progress:
            progress(len(outcomes), len(paths))
    return [outcomes[p] for p in paths]


def claim_folder(out_dir: Path, anonymiser: McAdams) -> None:
    """Mark ``out_dir`` as ``anonymiser``'s; ConfigError when another anonymiser's output is there."""
    card = out_dir / "anonymiser.json"
    if card.is_file():
        try:
            existing = json.loads(card.read_text())["anonymiser"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{card}: not an anonymiser card ({exc}); remove it or choose another folder") from None
        if existing != anonymiser.spec:
            raise ConfigError(f"{out_dir} holds audio anonymised by {existing}, not {anonymiser.spec}: "
                              "choose another folder")
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(card, json.dumps({"anonymiser": anonymiser.spec, "rate": RATE}) + "\n")


def output_path(source: str, root: Path, audio_dir: Path) -> Path:
    """Where ``source``'s anonymised audio goes: its path under ``root``, under ``audio_dir``, as ``.wav``."""
    return (audio_dir / Path(os.path.abspath(source)).relative_to(root)).with_suffix(".wav")


def anonymise_file(source: str, anonymiser: McAdams, target: Path) -> Anonymised:
    """One file anonymised into ``target`` (kept when it is already there); a failure never raises."""
    try:
        audio = load_audio(source, target_rate=RATE)
        alpha = anonymiser.alpha_for(audio.samples)
        if target.is_file():
            return Anonymised(source, str(target), alpha, resumed=True)
        samples, alpha = anonymiser(audio.samples, audio.rate)
        buffer = io.BytesIO()
        sf.write(buffer, samples, RATE, subtype="PCM_16", format="WAV")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, buffer.getvalue())
        return Anonymised(source, str(target), alpha)
    except Exception as exc:  # one bad file must not stop the rest
        text = str(exc) if isinstance(exc, EmoshieldError) else f"{type(exc).__name__}: {exc}"
        return Anonymised(source, reason=text.removeprefix(f"{source}: "))


def _anonymise_chunk(shared: tuple[McAdams, Path, Path], files: list[str]) -> list[Anonymised]:
    anonymiser, audio_dir, root = shared
    return [anonymise_file(f, anonymiser, output_path(f, root, audio_dir)) for f in files]
