"""Anonymisers by name, and the audio-level method specs of the evaluation.

An anonymiser is named like a method: ``mcadams(alpha=0.8)`` (a fixed coefficient) or
``mcadams(alpha=random)`` (drawn uniformly from [0.5, 0.9] for every utterance, as in
VoicePrivacy 2024, from a generator seeded by ``seed`` and the utterance's content, so
the same audio always gets the same coefficient, in any order and on any worker).

An audio-level method of the evaluation is ``audio:ANONYMISER`` or
``audio:ANONYMISER+METHOD``: anonymise the audio, extract the same features, then
release them through ``METHOD`` (``raw`` when none is given).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields

import numpy as np
import yaml

from emoshield.anonymise.mcadams import mcadams
from emoshield.config import split_top_level
from emoshield.errors import ConfigError

#: The prefix of an audio-level method spec.
AUDIO_PREFIX = "audio:"
#: The range VoicePrivacy 2024 draws a random coefficient from.
RANDOM_RANGE = (0.5, 0.9)


@dataclass(frozen=True)
class McAdams:
    """The McAdams anonymiser's settings: a fixed ``alpha``, or None for a random one per utterance."""

    alpha: float | None = 0.8
    seed: int = 0
    low: float = RANDOM_RANGE[0]
    high: float = RANDOM_RANGE[1]

    def __post_init__(self) -> None:
        for name, value in (("alpha", self.alpha), ("low", self.low), ("high", self.high)):
            if value is not None and not 0.0 < value <= 1.5:
                raise ConfigError(f"mcadams: {name}={value}; expected a coefficient in (0, 1.5]")
        if self.low > self.high:
            raise ConfigError(f"mcadams: low={self.low} is above high={self.high}")

    @property
    def spec(self) -> str:
        """The canonical name: ``mcadams(alpha=0.8)``, ``mcadams(alpha=random)``, with non-default settings."""
        parts = [f"alpha={'random' if self.alpha is None else f'{self.alpha:g}'}"]
        defaults = McAdams()
        for name in ("seed", "low", "high"):
            if getattr(self, name) != getattr(defaults, name) and (name == "seed" or self.alpha is None):
                parts.append(f"{name}={getattr(self, name):g}")
        return f"mcadams({', '.join(parts)})"

    @property
    def slug(self) -> str:
        """The spec as a folder name: ``mcadams-alpha-0.8``."""
        return re.sub(r"[^A-Za-z0-9.]+", "-", self.spec).strip("-")

    def alpha_for(self, samples: np.ndarray) -> float:
        """The coefficient of one utterance: the fixed one, or a draw seeded by ``seed`` and the samples' content."""
        if self.alpha is not None:
            return self.alpha
        content = hashlib.sha256(np.ascontiguousarray(samples, dtype=np.float32).tobytes()).digest()
        rng = np.random.default_rng([self.seed, int.from_bytes(content[:8], "little")])
        return float(rng.uniform(self.low, self.high))

    def __call__(self, samples: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
        """The anonymised samples and the coefficient used."""
        alpha = self.alpha_for(samples)
        return mcadams(samples, rate, alpha), alpha


#: Every anonymiser by name.
ANONYMISERS = {"mcadams": McAdams}

_SPEC = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


def parse_anonymiser(spec: str) -> McAdams:
    """``"mcadams(alpha=0.8)"`` -> its settings; ConfigError naming what is wrong."""
    match = _SPEC.match(spec)
    if not match:
        raise ConfigError(f"anonymiser {spec!r}: expected NAME or NAME(key=value, ...)")
    name, inside = match.groups()
    if name not in ANONYMISERS:
        raise ConfigError(f"unknown anonymiser {name!r}; known: {', '.join(sorted(ANONYMISERS))}")
    params = {}
    for item in split_top_level(inside or ""):
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"anonymiser {spec!r}: parameter {item!r} is not key=value")
        params[key.strip()] = yaml.safe_load(value)
    if params.get("alpha") == "random":
        params["alpha"] = None
    known = [f.name for f in fields(ANONYMISERS[name])]
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigError(f"anonymiser {spec!r}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(known)}")
    bad = {k: v for k, v in params.items() if not (v is None or isinstance(v, (int, float))) or isinstance(v, bool)}
    if bad:
        raise ConfigError(f"anonymiser {spec!r}: {', '.join(f'{k}={v!r}' for k, v in bad.items())} is not a number"
                          + (" (alpha may also be random)" if "alpha" in bad else ""))
    return ANONYMISERS[name](**params)


def split_audio_method(spec: str) -> tuple[McAdams | None, str]:
    """``"audio:mcadams(alpha=0.8)+adversarial"`` -> (the anonymiser, ``"adversarial"``); ``"audio:X"`` releases
    through ``raw``; a feature-level spec -> (None, the spec unchanged)."""
    text = spec.strip()
    if not text.startswith(AUDIO_PREFIX):
        return None, spec
    parts = split_top_level(text[len(AUDIO_PREFIX):], "+")
    if not 1 <= len(parts) <= 2:
        raise ConfigError(f"method {spec!r}: expected audio:ANONYMISER or audio:ANONYMISER+METHOD")
    return parse_anonymiser(parts[0]), parts[1] if len(parts) == 2 else "raw"
