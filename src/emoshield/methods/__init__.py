"""Representation methods: what a device or edge would release, by name.

The method table (:mod:`emoshield.methods.registry`) sits below both ``evaluation``
(which compares methods) and ``privacy`` (whose defences it names). Every method
is fit on training speakers only; it sees the utterances' attributes (speaker,
gender, language, label) at fit time so that privacy defences can use them; the
baselines ignore them.
"""

from emoshield.methods.baselines import PCA_COMPONENTS, Chain, MinMaxPca, MinMaxRaw
from emoshield.methods.protocol import Method, MethodEstimator, MethodFactory
from emoshield.methods.registry import ALIASES, METHODS, factory_of, make_method, parse_method, resolved_params
from emoshield.methods.speaker_norm import SpeakerNorm, reads_speaker_statistics

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
