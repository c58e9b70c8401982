"""emoshield: speech emotion recognition that shields who is speaking."""

from __future__ import annotations

from emoshield.errors import EmoshieldError
from emoshield.manifest import read_manifest, validate_manifest, write_manifest
from emoshield.types import Emotion, Gender, Target, Valence, valence_of

__version__ = "0.1.0"

__all__ = [
    "EmoshieldError",
    "Emotion",
    "Gender",
    "Target",
    "Valence",
    "__version__",
    "read_manifest",
    "validate_manifest",
    "valence_of",
    "write_manifest",
]
