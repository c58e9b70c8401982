"""openSMILE feature sets (ComParE 2016, eGeMAPS v02, IS09 emotion LLDs) via the opensmile package.

Each runs on the signal emoshield loaded (mono, 16 kHz), not on the file, so
stereo and resampled files give the same kind of features as any other.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import opensmile

from emoshield.audio import Audio
from emoshield.features.base import Extractor

#: IS09 emotion LLDs and their deltas at one level: the shipped core LLD
#: config (25 ms Hamming frames, 10 ms step: RMS energy, MFCC 1-12, ZCR,
#: voicing probability, F0, each smoothed over 3 frames, plus delta regression)
#: with a concatenation of its two output levels, so one pass gives 32 columns.
_IS09_TEMPLATE = r"""
[componentInstances:cComponentManager]
instance[dataMemory].type=cDataMemory
printLevelStats=0
nThreads=1

\{\cm[source{?}:include external source]}
\{%(core)s}

[componentInstances:cComponentManager]
instance[is09_lldall].type=cVectorConcat

[is09_lldall:cVectorConcat]
reader.dmLevel = is09_lld;is09_lld_de
writer.dmLevel = lld_all
includeSingleElementFields = 1

\{\cm[sink{?}:include external sink]}
"""


def is09_config() -> Path:
    """Path of the IS09 LLD+delta config, written once per opensmile install."""
    core = Path(opensmile.__file__).parent / "core/config/is09-13/IS09_emotion_core.lld.conf.inc"
    text = _IS09_TEMPLATE % {"core": core.as_posix()}
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "emoshield-opensmile"
    path = folder / f"IS09_emotion_lld_{digest}.conf"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{path.name}.{os.getpid()}.partial"
        partial.write_text(text)
        partial.replace(path)
    return path


class OpenSmileExtractor(Extractor):
    """One openSMILE configuration at one output level (native: SMILE runs through ctypes, without the GIL)."""

    native = True

    def __init__(
        self,
        name: str,
        feature_set: opensmile.FeatureSet | str,
        feature_level: opensmile.FeatureLevel | str,
        window_seconds: float = 0.0,
        hop_seconds: float = 0.0,
    ) -> None:
        self.name = name
        self.frame_level = hop_seconds > 0
        self.window_seconds = window_seconds
        self.hop_seconds = hop_seconds
        self._smile = opensmile.Smile(feature_set=feature_set, feature_level=feature_level)
        self.feature_names = list(self._smile.feature_names)
        config = feature_set.value if isinstance(feature_set, opensmile.FeatureSet) else "IS09_lld"
        level = getattr(feature_level, "value", feature_level)
        self.settings = {
            "name": name,
            "rate": self.rate,
            "opensmile": opensmile.__version__,
            "config": config,
            "level": level,
            "window_seconds": window_seconds,
            "hop_seconds": hop_seconds,
        }

    def _compute(self, audio: Audio) -> np.ndarray:
        return self._smile.process_signal(audio.samples, audio.rate).to_numpy()


def compare2016() -> OpenSmileExtractor:
    """ComParE 2016 functionals: 6373 per file."""
    return OpenSmileExtractor(
        "compare2016", opensmile.FeatureSet.ComParE_2016, opensmile.FeatureLevel.Functionals
    )


def egemaps() -> OpenSmileExtractor:
    """eGeMAPS v02 functionals: 88 per file."""
    return OpenSmileExtractor(
        "egemaps", opensmile.FeatureSet.eGeMAPSv02, opensmile.FeatureLevel.Functionals
    )


def is09() -> OpenSmileExtractor:
    """IS09 emotion LLDs + deltas: 32 per 10 ms frame (25 ms window)."""
    return OpenSmileExtractor("is09", str(is09_config()), "lld_all", 0.025, 0.010)
