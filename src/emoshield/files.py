"""Small file helpers every layer shares: writes that are never half done, and checked JSON cards."""

from __future__ import annotations

import json
from pathlib import Path

from emoshield.errors import EmoshieldError


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a partial file beside ``path``, then rename: never a half-written file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def write_text_atomic(path: Path, text: str) -> None:
    """``write_bytes_atomic`` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"))


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
