"""Parquet round trips, alignment with a manifest, sequences and padded batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emoshield.errors import FeatureError
from emoshield.features import align_features, align_sequences, pad_batch, read_features, to_sequences, write_features


def functionals(files: list[str], dim: int = 4) -> pd.DataFrame:
    values = np.arange(len(files) * dim, dtype=np.float32).reshape(len(files), dim)
    columns = [f"f{i}" for i in range(dim)]
    frame = pd.DataFrame(values, index=pd.Index(files, name="file"), columns=columns)
    frame.attrs["feature_set"] = "egemaps"
    return frame


def frames(lengths: dict[str, int], dim: int = 3) -> pd.DataFrame:
    index = pd.MultiIndex.from_arrays(
        [
            np.repeat(list(lengths), list(lengths.values())),
            np.concatenate([np.arange(n) * 0.01 for n in lengths.values()]),
            np.concatenate([np.arange(n) * 0.01 + 0.025 for n in lengths.values()]),
        ],
        names=["file", "start", "end"],
    )
    values = np.random.default_rng(0).standard_normal((len(index), dim)).astype(np.float32)
    frame = pd.DataFrame(values, index=index, columns=[f"l{i}" for i in range(dim)])
    frame.attrs["feature_set"] = "is09"
    return frame


def manifest(files: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"file": files, "speaker": "s"})


@pytest.mark.parametrize(
    "make", [lambda: functionals(["a", "b", "c"]), lambda: frames({"a": 3, "b": 2})]
)
def test_write_read_round_trip(tmp_path: Path, make) -> None:
    frame = make()
    path = write_features(frame, tmp_path / "sub" / "f.parquet")
    assert path.is_file() and not list(tmp_path.rglob("*.partial"))
    back = read_features(path)
    pd.testing.assert_frame_equal(back, frame)
    assert back.attrs["feature_set"] == frame.attrs["feature_set"]
    meta = pq.read_schema(path).metadata[b"emoshield"]
    assert b'"feature_names": ["' in meta


def test_read_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FeatureError, match=r"missing\.parquet: no such feature file"):
        read_features(tmp_path / "missing.parquet")
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"not parquet at all")
    with pytest.raises(FeatureError, match=r"corrupt\.parquet: cannot read features"):
        read_features(corrupt)
    foreign = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"x": [1.0]}), foreign)
    with pytest.raises(FeatureError, match="not an emoshield feature file"):
        read_features(foreign)


def test_align_follows_manifest_order_and_ignores_extra_files() -> None:
    frame = functionals(["a", "b", "c", "extra"])
    names = ["f0", "f1", "f2", "f3"]
    values = align_features(frame, manifest(["c", "a", "b"]), expected_names=names)
    np.testing.assert_array_equal(values, frame.loc[["c", "a", "b"]].to_numpy())


def test_align_reports_missing_files() -> None:
    with pytest.raises(FeatureError, match=r"2 of 3 manifest file\(s\) have no features; first: x"):
        align_features(functionals(["a"]), manifest(["x", "a", "y"]))


def test_align_reports_name_differences() -> None:
    frame = functionals(["a"])
    message = r"4 column\(s\), 4 expected; first difference at position 2: 'f2' instead of 'g2'"
    with pytest.raises(FeatureError, match=message):
        align_features(frame, manifest(["a"]), expected_names=["f0", "f1", "g2", "f3"])
    with pytest.raises(FeatureError, match=r"position 4: nothing instead of 'f4'"):
        align_features(frame, manifest(["a"]), expected_names=[f"f{i}" for i in range(5)])


def test_align_reports_non_finite_values() -> None:
    frame = functionals(["a", "b"])
    frame.iloc[1, 2] = np.nan
    message = r"1 non-finite feature value\(s\) in 1 row\(s\); first: b"
    with pytest.raises(FeatureError, match=message):
        align_features(frame, manifest(["a", "b"]))
    assert align_features(frame, manifest(["a"])).shape == (1, 4)


def test_align_sequences_and_the_wrong_kind_of_frame() -> None:
    frame = frames({"a": 3, "b": 2})
    sequences = align_sequences(frame, manifest(["b", "a"]), expected_names=["l0", "l1", "l2"])
    assert [len(s) for s in sequences] == [2, 3]
    np.testing.assert_array_equal(sequences[1], frame.loc["a"].to_numpy())
    with pytest.raises(FeatureError, match="use align_sequences"):
        align_features(frame, manifest(["a"]))
    with pytest.raises(FeatureError, match="use align_features"):
        align_sequences(functionals(["a"]), manifest(["a"]))


def test_to_sequences_refuses_interleaved_files() -> None:
    frame = frames({"a": 2, "b": 2})
    with pytest.raises(FeatureError, match="contiguous"):
        to_sequences(frame.iloc[[0, 2, 1, 3]])


def test_pad_batch_pads_at_the_end_and_reports_lengths() -> None:
    batch, lengths = pad_batch([np.ones((3, 2)), 2 * np.ones((1, 2))], pad_value=-1.0)
    assert batch.shape == (2, 3, 2) and batch.dtype == np.float32
    assert lengths.tolist() == [3, 1]
    np.testing.assert_array_equal(batch[1], [[2, 2], [-1, -1], [-1, -1]])
    with pytest.raises(FeatureError, match="one d"):
        pad_batch([np.ones((3, 2)), np.ones((3, 4))])
    with pytest.raises(FeatureError, match="at least one"):
        pad_batch([])
