"""polars (Rust object_store) against the emulator, configured by the environment or storage_options.

object_store sends ``UNSIGNED-PAYLOAD`` with a ``x-amz-checksum-crc64nvme`` header and no
``x-amz-sdk-checksum-algorithm``: S3 verifies it, stores it and returns it all the same.

Run through test_native_clients.py, in a child process (see there why).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from client_support import MIB, WireRequest, crc64nvme, stored

from pytest_s3emu.server import ACCESS_KEY, SECRET_KEY, S3Emulator

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _frame(rows: int = 1000) -> Any:
    return pl.DataFrame({"n": list(range(rows)), "s": [f"row {i}" for i in range(rows)]})


def test_parquet_and_csv_with_no_configuration(s3: S3Client, bucket: str, wire: list[WireRequest]) -> None:
    frame = _frame()
    frame.write_parquet(f"s3://{bucket}/data/t.parquet")
    frame.write_csv(f"s3://{bucket}/data/t.csv")
    assert pl.read_parquet(f"s3://{bucket}/data/t.parquet").equals(frame)
    assert pl.read_csv(f"s3://{bucket}/data/t.csv").equals(frame)
    body = stored(s3, bucket, "data/t.parquet")
    assert pl.from_arrow(pq.read_table(pa.BufferReader(body))).equals(frame)
    assert stored(s3, bucket, "data/t.csv").decode().splitlines()[:2] == ["n,s", "0,row 0"]
    put = next(r for r in wire if r.method == "PUT" and r.path == f"/{bucket}/data/t.parquet")
    assert put.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-amz-sdk-checksum-algorithm" not in put.headers
    assert put.headers["x-amz-checksum-crc64nvme"] == crc64nvme(body)
    head = s3.head_object(Bucket=bucket, Key="data/t.parquet", ChecksumMode="ENABLED")
    assert (head.get("ChecksumCRC64NVME"), head.get("ChecksumType")) == (crc64nvme(body), "FULL_OBJECT")


def test_scan_a_glob_of_files(bucket: str) -> None:
    for i in range(3):
        pl.DataFrame({"n": [i, i + 10]}).write_parquet(f"s3://{bucket}/many/f{i}.parquet")
    result = pl.scan_parquet(f"s3://{bucket}/many/*.parquet").collect().sort("n")
    assert result["n"].to_list() == [0, 1, 2, 10, 11, 12]


def test_storage_options_instead_of_the_environment(
    s3: S3Client, s3emu: S3Emulator, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ALLOW_HTTP"):
        monkeypatch.delenv(name)
    options = {
        "aws_endpoint_url": s3emu.endpoint_url,
        "aws_access_key_id": ACCESS_KEY,
        "aws_secret_access_key": SECRET_KEY,
        "aws_region": s3emu.region,
        "aws_allow_http": "true",
    }
    frame = _frame(10)
    frame.write_parquet(f"s3://{bucket}/opts.parquet", storage_options=options)
    assert pl.read_parquet(f"s3://{bucket}/opts.parquet", storage_options=options).equals(frame)
    assert pl.from_arrow(pq.read_table(pa.BufferReader(stored(s3, bucket, "opts.parquet")))).equals(frame)


def test_multipart_write(
    s3: S3Client, bucket: str, wire: list[WireRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLARS_UPLOAD_CHUNK_SIZE", str(5 * MIB))  # read on every write
    frame = pl.DataFrame({"n": list(range(1_000_000))}, schema={"n": pl.Int64})
    frame.write_parquet(f"s3://{bucket}/big.parquet", compression="uncompressed", statistics=False)
    assert pl.read_parquet(f"s3://{bucket}/big.parquet").equals(frame)
    parts = [r for r in wire if r.operation == "UploadPart"]
    assert len(parts) >= 2
    assert all("x-amz-checksum-crc64nvme" in r.headers for r in parts)
    body = stored(s3, bucket, "big.parquet")
    head = s3.head_object(Bucket=bucket, Key="big.parquet", ChecksumMode="ENABLED")
    assert head["ETag"].endswith(f'-{len(parts)}"')
    # the upload asked for CRC64NVME: a full-object checksum, combined from the parts'
    assert (head.get("ChecksumCRC64NVME"), head.get("ChecksumType")) == (crc64nvme(body), "FULL_OBJECT")
