"""Progress where stderr is a log, not a terminal."""

from __future__ import annotations


def test_a_bar_in_a_log_prints_a_line_at_every_tenth_and_at_the_end(capsys):
    from emoshield.progress import progress_bar

    with progress_bar("fitting", 25) as advance:
        for _ in range(25):
            advance()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10 and lines[0].startswith("fitting: 3/25 (0:00:00 elapsed)")
    assert lines[-1].startswith("fitting: 25/25") and "━" not in "".join(lines)
