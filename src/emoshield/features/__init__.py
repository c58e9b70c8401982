"""Feature extraction: one extractor per family, batch extraction with a cache, Parquet I/O.

>>> result = extract_features(files, FeatureSet.EGEMAPS, Compute(workers=2))
>>> write_features(result.frame, "egemaps.parquet")
>>> X = align_features(read_features("egemaps.parquet"), manifest)
"""

from __future__ import annotations

from emoshield.features.base import Extractor
from emoshield.features.cache import CACHE_VERSION, default_cache_dir
from emoshield.features.extract import ExtractionResult, Failure, extract_features
from emoshield.features.registry import FeatureSet, get_extractor
from emoshield.features.sequences import pad_batch, to_sequences
from emoshield.features.store import (
    align_features,
    align_sequences,
    drop_failed,
    read_features,
    write_failures,
    write_features,
)

__all__ = [
    "CACHE_VERSION",
    "ExtractionResult",
    "Extractor",
    "Failure",
    "FeatureSet",
    "align_features",
    "align_sequences",
    "default_cache_dir",
    "drop_failed",
    "extract_features",
    "get_extractor",
    "pad_batch",
    "read_features",
    "to_sequences",
    "write_failures",
    "write_features",
]
