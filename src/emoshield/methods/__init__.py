"""Representation methods: what a device or edge would release, by name.

The method table (:mod:`emoshield.methods.registry`) sits below both ``evaluation``
(which compares methods) and ``privacy`` (whose defences it names). Every method
is fit on training speakers only; it sees the utterances' attributes (speaker,
gender, language, label) at fit time so that privacy defences can use them; the
baselines ignore them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emoshield.methods.baselines import PCA_COMPONENTS, Chain, MinMaxPca, MinMaxRaw
    from emoshield.methods.protocol import Method, MethodEstimator, MethodFactory
    from emoshield.methods.registry import ALIASES, METHODS, factory_of, make_method, parse_method, resolved_params
    from emoshield.methods.speaker_norm import SpeakerNorm, reads_speaker_statistics

#: Where each public name lives. Imported when first used, so that a device importing only
#: ``emoshield.methods.statistics`` (numpy) does not pay for scikit-learn.
_HOMES = {
    "baselines": ("PCA_COMPONENTS", "Chain", "MinMaxPca", "MinMaxRaw"),
    "protocol": ("Method", "MethodEstimator", "MethodFactory"),
    "registry": ("ALIASES", "METHODS", "factory_of", "make_method", "parse_method", "resolved_params"),
    "speaker_norm": ("SpeakerNorm", "reads_speaker_statistics"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ALIASES",
    "PCA_COMPONENTS",
    "Chain",
    "METHODS",
    "Method",
    "MethodEstimator",
    "MethodFactory",
    "MinMaxPca",
    "MinMaxRaw",
    "SpeakerNorm",
    "factory_of",
    "make_method",
    "parse_method",
    "reads_speaker_statistics",
    "resolved_params",
]
