"""pandas reading and writing s3:// URLs (CSV through s3fs, parquet through pyarrow) with no configuration."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest
from client_support import stored

pd = pytest.importorskip("pandas")
pytest.importorskip("s3fs")  # pandas opens s3:// URLs with fsspec's s3fs
pytest.importorskip("pyarrow")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _frame() -> Any:
    return pd.DataFrame({"n": range(50), "s": [f"v{i}" for i in range(50)], "x": [i / 4 for i in range(50)]})


def test_csv_round_trip(s3: S3Client, bucket: str) -> None:
    frame = _frame()
    frame.to_csv(f"s3://{bucket}/data/t.csv", index=False)
    pd.testing.assert_frame_equal(pd.read_csv(f"s3://{bucket}/data/t.csv"), frame)
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(stored(s3, bucket, "data/t.csv"))), frame)


def test_parquet_round_trip(s3: S3Client, bucket: str) -> None:
    frame = _frame()
    frame.to_parquet(f"s3://{bucket}/data/t.parquet", index=False)
    pd.testing.assert_frame_equal(pd.read_parquet(f"s3://{bucket}/data/t.parquet"), frame)
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(stored(s3, bucket, "data/t.parquet"))), frame)


def test_compressed_csv(s3: S3Client, bucket: str) -> None:
    frame = _frame()
    frame.to_csv(f"s3://{bucket}/t.csv.gz", index=False)  # compression inferred from the name
    assert stored(s3, bucket, "t.csv.gz")[:2] == b"\x1f\x8b"
    pd.testing.assert_frame_equal(pd.read_csv(f"s3://{bucket}/t.csv.gz"), frame)
