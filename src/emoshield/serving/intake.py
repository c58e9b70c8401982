"""What counts as an utterance, on the device and at the edge: one rule for both paths.

A file is decoded the same way wherever it is decoded (``audio.decode_audio``):
mixed down to mono and resampled to 16 kHz, each change noted; refused, with
the reason, when it is shorter than ``MIN_SECONDS``, longer than
``MAX_SECONDS`` or recorded at a rate outside ``RATES``. A refused file never
enrols a speaker.
"""

from __future__ import annotations

#: The shortest and longest utterance taken, in seconds.
MIN_SECONDS = 0.5
MAX_SECONDS = 30.0
#: The sample rates taken (Hz): telephone to studio.
RATES = (8000, 48000)
