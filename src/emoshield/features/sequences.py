"""Frame-level feature frames as per-file sequences, and padded batches of them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from emoshield.errors import FeatureError


def to_sequences(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """One (T, d) array per file of a (file, start, end)-indexed frame, in frame order."""
    if not isinstance(frame.index, pd.MultiIndex) or frame.index.names[0] != "file":
        raise FeatureError("to_sequences needs a frame indexed by (file, start, end)")
    files = np.asarray(frame.index.get_level_values("file"), dtype=str)
    values = frame.to_numpy()
    starts = np.flatnonzero(np.r_[True, files[1:] != files[:-1]])
    ends = np.r_[starts[1:], len(files)]
    out = {str(files[s]): values[s:e] for s, e in zip(starts, ends)}
    if len(out) != len(starts):
        raise FeatureError("to_sequences needs each file's frames to be contiguous")
    return out


def pad_batch(
    arrays: Sequence[np.ndarray], pad_value: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Stack (T_i, d) arrays into (n, max T, d) float32, padded at the end; and the T_i."""
    if not arrays:
        raise FeatureError("pad_batch needs at least one sequence")
    dims = {a.shape[1] for a in arrays if a.ndim == 2}
    if len(dims) != 1 or any(a.ndim != 2 for a in arrays):
        shapes = [a.shape for a in arrays][:5]
        raise FeatureError(f"pad_batch needs (T, d) arrays of one d; got shapes {shapes}")
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    batch = np.full((len(arrays), int(lengths.max()), dims.pop()), pad_value, dtype=np.float32)
    for i, values in enumerate(arrays):
        batch[i, : len(values)] = values
    return batch, lengths
