"""The edge's web page in real headless Chromium: upload (and record) audio, see the emotion and what was sent."""

from __future__ import annotations

import shutil

import pytest

from tests.serving.conftest import page_send

#: Slow (a real Chromium against the running services); `pytest -m "not slow"` leaves it out.
pytestmark = pytest.mark.slow


def test_page_enrols_then_shows_emotion_confidence_and_what_reached_the_cloud(system, artifacts):
    first, enrolled, second = page_send(system.edge.url, artifacts.wavs[:3])
    assert first["status"].startswith("Enrolling your voice: 1 of 2 recordings") and first["emotion"] == ""
    assert enrolled["status"].startswith("Enrolling your voice: 2 of 2 recordings")
    labels = {"neutral", "happiness", "sadness", "anger"}
    assert second["status"] == "Done." and second["emotion"] in labels
    assert 0 < float(second["confidence"].removeprefix("confidence ")) <= 1
    rows = dict(second["sent"])
    assert "16 kHz mono WAV" in rows["sent by this page"]
    assert "32 float16 values of encoder" in rows["sent to the cloud"]


def test_page_records_from_the_microphone(system, artifacts, tmp_path):
    """Chromium's fake microphone plays a corpus file; the page records, converts to WAV and sends it three times."""
    microphone = tmp_path / "mic.wav"
    shutil.copy(artifacts.wavs[5], microphone)
    shown = page_send(system.edge.url, [], microphone=microphone)
    assert any(s["status"] == "Done." for s in shown), shown


def test_page_shows_a_refusal_for_a_wrong_token(system, artifacts):
    [shown] = page_send(system.edge.url, artifacts.wavs[:1], token="not-the-device-token-at-all")
    assert shown["status"] == "Refused (401): missing or wrong bearer token"


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_page_fits_its_screen_and_charts_each_decision(system, artifacts, viewport):
    """Nothing runs past the result box (the base64 code wraps), row labels stay on one line, the page never
    scrolls sideways; before the first send it says how many recordings only enrol; each decision is a bar."""
    shown = page_send(system.edge.url, artifacts.wavs[6:10], viewport=viewport)  # the note is read after the sends
    assert [s["status"] == "Done." for s in shown] == [False, False, True, True]
    layout = shown[-1]["layout"]
    assert layout["note"].startswith("Your first 2 recordings only enrol your voice")
    assert layout["enrolment"].startswith("enrolled")
    assert layout["page_overflow"] <= 0 and layout["outside_result"] == []
    assert layout["label_lines"] and max(layout["label_lines"]) == 1
    assert layout["bars"] == 2
