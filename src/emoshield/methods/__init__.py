"""Representation methods: what a device or edge would release, by name.

The registry sits below both ``evaluation`` (which compares methods) and
``privacy`` (which registers its defences here when imported). Every method
is fit on training speakers only; it sees the utterances' attributes
(speaker, gender, language, label) at fit time so that privacy defences can
use them; the baselines ignore them.

A method is named ``NAME`` or ``NAME(key=value, ...)``:
``make_method("adversarial(latent=64, alpha=2)", seed=0)``.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
from typing import Any, Callable, Protocol

import numpy as np
import pandas as pd
import yaml

from emoshield.config import split_top_level
from emoshield.errors import ConfigError
from emoshield.methods.baselines import PCA_COMPONENTS, Chain, MinMaxPca, MinMaxRaw
from emoshield.methods.speaker_norm import SpeakerNorm

__all__ = [
    "PCA_COMPONENTS",
    "Chain",
    "METHODS",
    "Method",
    "MinMaxPca",
    "MinMaxRaw",
    "SpeakerNorm",
    "make_method",
    "parse_method",
    "register_method",
    "resolved_params",
]


class Method(Protocol):
    """A representation: fit on training utterances, transform any utterances.

    ``transform`` gets the utterances' attributes too (a device knows whose voice it
    holds: ``speaker_norm`` standardises with that speaker's own statistics); the
    other methods ignore them.
    """

    def fit(self, X: np.ndarray, attributes: pd.DataFrame) -> "Method": ...

    def transform(self, X: np.ndarray, attributes: pd.DataFrame | None = None) -> np.ndarray: ...


#: Builds an unfitted method from a seed and the keyword parameters of its spec.
MethodFactory = Callable[..., Method]


def _leace(seed: int) -> Method:
    """LEACE concept erasure of gender, language and speaker (a non-adversarial defence)."""
    from emoshield.privacy.leace import MinMaxLeace

    return MinMaxLeace(seed)


METHODS: dict[str, MethodFactory] = {
    "raw": MinMaxRaw,
    "pca": MinMaxPca,
    "leace": _leace,
    "speaker_norm": SpeakerNorm,
}


def register_method(name: str, factory: MethodFactory) -> None:
    """Make a method available to ``evaluate --methods`` under ``name``."""
    METHODS[name] = factory


_SPEC = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


def parse_method(spec: str) -> tuple[str, dict[str, Any]]:
    """``"adversarial(latent=64, alpha=2)"`` -> ``("adversarial", {"latent": 64, "alpha": 2})``."""
    match = _SPEC.match(spec)
    if not match:
        raise ConfigError(f"method {spec!r}: expected NAME or NAME(key=value, ...)")
    name, inside = match.groups()
    params: dict[str, Any] = {}
    for item in split_top_level(inside or ""):
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"method {spec!r}: parameter {item!r} is not key=value")
        params[key.strip()] = yaml.safe_load(value)
    return name, params


def make_method(spec: str, seed: int) -> Method:
    """Build a fresh, unfitted method from ``NAME`` or ``NAME(key=value, ...)``; ConfigError on unknowns."""
    name, params = parse_method(spec)
    if name not in METHODS:
        import emoshield.privacy  # noqa: F401  registers the encoder methods; imports torch, so lazily
    try:
        factory = METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; known: {', '.join(sorted(METHODS))}") from None
    try:
        inspect.signature(factory).bind(seed, **params)
    except TypeError as exc:
        raise ConfigError(f"method {spec!r}: {exc}") from None
    return factory(seed, **params)


def resolved_params(value: Any) -> Any:
    """Everything that defines an unfitted method, defaults included, as plain JSON-ready data.

    Walks the constructor-stored attributes of the method (and of the objects it
    holds: chain steps, layer configs), so that two specs reading the same but
    resolving to other settings (a default changed between runs) differ.
    """
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__qualname__, **{f.name: resolved_params(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        return {str(k): resolved_params(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolved_params(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "__dict__"):
        settings = {  # class-level settings (a grid of C values, say), then what the constructor stored
            k: v for cls in reversed(type(value).__mro__) for k, v in vars(cls).items()
            if not k.startswith("_") and isinstance(v, (bool, int, float, str, tuple))
        }
        settings.update({k: v for k, v in vars(value).items() if not k.endswith("_")})  # fitted state ends in _
        return {"type": f"{type(value).__module__}.{type(value).__qualname__}", **resolved_params(settings)}
    return repr(value)
