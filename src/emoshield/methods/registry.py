"""The method table: every representation method by name, and how a spec becomes a fitted-to-be method.

A method is named ``NAME`` or ``NAME(key=value, ...)``:
``make_method("adversarial(latent=64, alpha=2)", seed=0)``. :data:`METHODS` maps
each name to the ``"module:factory"`` that builds it; the module is imported when
the method is first made, so that naming a method never loads torch, and nothing
registers itself on import. A factory takes the seed and the spec's parameters.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import re
from typing import Any

import numpy as np
import yaml

from emoshield.anonymise.spec import split_audio_method
from emoshield.config import split_top_level
from emoshield.errors import ConfigError
from emoshield.methods.audio import AudioMethod
from emoshield.methods.protocol import Method, MethodFactory

#: Every method: name -> "module:factory" (or a factory itself).
METHODS: dict[str, str | MethodFactory] = {
    "raw": "emoshield.methods.baselines:MinMaxRaw",
    "pca": "emoshield.methods.baselines:MinMaxPca",
    "speaker_norm": "emoshield.methods.speaker_norm:SpeakerNorm",
    "leace": "emoshield.privacy.leace:MinMaxLeace",
    "ae": "emoshield.privacy.methods:plain_autoencoder",
    "ae_emotion": "emoshield.privacy.methods:emotion_autoencoder",
    "adversarial": "emoshield.privacy.methods:adversarial",
    "adversarial_leace": "emoshield.privacy.methods:adversarial_leace",
    "adversarial_ali": "emoshield.privacy.methods:adversarial_ali",
    "fl_adversarial": "emoshield.fl.encoder:federated_adversarial",
}

#: Names kept for specs written before a rename: old name -> new name.
ALIASES = {"adversarial_seed000": "adversarial_ali"}


def factory_of(name: str) -> MethodFactory:
    """The factory of the method ``name`` (an alias resolves to its new name); ConfigError for unknowns."""
    entry = METHODS.get(ALIASES.get(name, name))
    if entry is None:
        raise ConfigError(f"unknown method {name!r}; known: {', '.join(sorted(METHODS))}")
    if not isinstance(entry, str):
        return entry
    module, _, attribute = entry.partition(":")
    return getattr(importlib.import_module(module), attribute)


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
    """Build a fresh, unfitted method from ``NAME`` or ``NAME(key=value, ...)``, or an audio-level one from
    ``audio:ANONYMISER[+METHOD]`` (``methods.audio``); ConfigError on unknowns."""
    anonymiser, feature_level = split_audio_method(spec)
    if anonymiser is not None:
        return AudioMethod(anonymiser, make_method(feature_level, seed))
    name, params = parse_method(spec)
    factory = factory_of(name)
    try:
        inspect.signature(factory).bind(seed, **params)
    except TypeError as exc:
        raise ConfigError(f"method {spec!r}: {exc}") from None
    method = factory(seed, **params)
    if hasattr(method, "check_params"):  # estimators check their parameters in fit; a spec fails here, before any fit
        method.check_params()
    return method


def resolved_params(value: Any) -> Any:
    """Everything that defines an unfitted method, defaults included, as plain JSON-ready data.

    An estimator is its type and ``get_params(deep=True)``: a nested estimator (a chain's
    step, the federated encoder's encoder) appears by its type, its parameters listed as
    ``name__param`` beside. Other objects (the attackers) are their class-level settings and
    what their constructor stored. So two specs reading the same but resolving to other
    settings (a default changed between runs) differ.
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
    if _is_estimator(value):
        params = value.get_params(deep=True)
        nested = {id(v) for v in params.values() if _is_estimator(v)}  # their parameters are in params as name__param
        return {"type": _type_name(value), **{k: _resolved_shallow(v, nested) for k, v in params.items()}}
    if hasattr(value, "__dict__"):
        settings = {  # class-level settings (a grid of C values, say), then what the constructor stored
            k: v for cls in reversed(type(value).__mro__) for k, v in vars(cls).items()
            if not k.startswith("_") and isinstance(v, (bool, int, float, str, tuple))
        }
        settings.update({k: v for k, v in vars(value).items() if not k.endswith("_")})  # fitted state ends in _
        return {"type": _type_name(value), **resolved_params(settings)}
    return repr(value)


def _is_estimator(value: Any) -> bool:
    """scikit-learn's test of an estimator (``clone``'s): an instance with ``get_params``."""
    return hasattr(value, "get_params") and not isinstance(value, type)


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _resolved_shallow(value: Any, nested: set[int]) -> Any:
    """``resolved_params``, but the estimators of ``nested`` (also inside lists and tuples) by their type only."""
    if id(value) in nested:
        return {"type": _type_name(value)}
    if isinstance(value, (list, tuple)):
        return [_resolved_shallow(v, nested) for v in value]
    return resolved_params(value)
