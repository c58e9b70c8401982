"""Named feature sets and the extractor each one builds."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from emoshield.errors import ConfigError
from emoshield.features import opensmile_sets, spectral
from emoshield.features.base import Extractor


class FeatureSet(StrEnum):
    """Feature families emoshield extracts."""

    COMPARE2016 = "compare2016"
    EGEMAPS = "egemaps"
    IS09 = "is09"
    MFCC = "mfcc"
    LOGMEL = "logmel"


_BUILDERS: dict[FeatureSet, Callable[[], Extractor]] = {
    FeatureSet.COMPARE2016: opensmile_sets.compare2016,
    FeatureSet.EGEMAPS: opensmile_sets.egemaps,
    FeatureSet.IS09: opensmile_sets.is09,
    FeatureSet.MFCC: spectral.mfcc,
    FeatureSet.LOGMEL: spectral.logmel,
}


def feature_set_of(value: FeatureSet | str) -> FeatureSet:
    """The FeatureSet named by ``value``; ConfigError listing the choices otherwise."""
    try:
        return FeatureSet(value)
    except ValueError:
        choices = ", ".join(f.value for f in FeatureSet)
        raise ConfigError(f"unknown feature set {value!r}; choose one of: {choices}") from None


def get_extractor(feature_set: FeatureSet | str) -> Extractor:
    """A new extractor for ``feature_set`` with its default settings."""
    return _BUILDERS[feature_set_of(feature_set)]()
