"""Small file helpers every layer shares: writes that are never half done, and checked JSON cards."""

from __future__ import annotations

import json
import os
from pathlib import Path

from emoshield.errors import EmoshieldError


def write_bytes_atomic(path: Path, data: bytes, private: bool = False) -> None:
    """Write ``data`` to a partial file beside ``path``, then rename: never a half-written file.
    ``private``: readable by its owner only (0600) from the first byte."""
    partial = path.with_name(path.name + ".partial")
    if private:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        os.chmod(partial, 0o600)  # an existing partial file keeps its mode through O_CREAT
    else:
        partial.write_bytes(data)
    partial.replace(path)


def write_text_atomic(path: Path, text: str, private: bool = False) -> None:
    """``write_bytes_atomic`` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"), private)


def private_folder(path: Path) -> Path:
    """``path``, created if needed as its owner's only (0700); a folder that exists keeps its mode (it may be
    shared on purpose, like a home folder)."""
    if not path.is_dir():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask
    return path


def read_json_card(path: Path, fmt: str, kind: str, missing: str) -> dict:
    """The JSON object in ``path`` whose ``format`` is ``fmt``; EmoshieldError naming the file otherwise.

    ``kind`` names the card in messages ("encoder config"), ``missing`` says what to do when it is absent.
    """
    if not path.is_file():
        raise EmoshieldError(f"{path}: no such file; {missing}")
    try:
        card = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise EmoshieldError(f"{path}: cannot read {kind} ({exc})") from exc
    if not isinstance(card, dict) or card.get("format") != fmt:
        raise EmoshieldError(f"{path}: not an emoshield {kind} (format {fmt!r} expected)")
    return card
