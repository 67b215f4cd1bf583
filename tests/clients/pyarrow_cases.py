"""pyarrow (aws-sdk-cpp) against the emulator: parquet files and datasets, streamed multipart writes.

Run through test_native_clients.py, in a child process (see there why).

aws-sdk-cpp uploads every part as ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, even over plain http:
``Content-Encoding: aws-chunked`` inside ``Transfer-Encoding: chunked`` with no Content-Length,
``x-amz-decoded-content-length``, and a ``x-amz-checksum-crc64nvme`` trailer.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from client_support import MIB, WireRequest, crc64nvme, keys, stored

from pytest_s3emu.server import ACCESS_KEY, SECRET_KEY, S3Emulator

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pads = pytest.importorskip("pyarrow.dataset")
pafs = pytest.importorskip("pyarrow.fs")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _filesystem(s3emu: S3Emulator, **options: object) -> Any:
    # S3FileSystem() reads no endpoint variable (FileSystem.from_uri does): configure it
    return pafs.S3FileSystem(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region=s3emu.region,
        endpoint_override=s3emu.endpoint_url,
        **options,
    )


def _table() -> Any:
    return pa.table({"n": list(range(300)), "part": [i % 3 for i in range(300)], "s": ["x"] * 300})


def test_parquet_through_s3_urls_with_no_configuration(s3: S3Client, bucket: str) -> None:
    table = _table()
    pq.write_table(table, f"s3://{bucket}/tables/t.parquet")  # from_uri: the environment's endpoint
    assert pq.read_table(f"s3://{bucket}/tables/t.parquet").equals(table)
    assert pq.read_table(pa.BufferReader(stored(s3, bucket, "tables/t.parquet"))).equals(table)


def test_partitioned_dataset(s3: S3Client, s3emu: S3Emulator, bucket: str) -> None:
    fs = _filesystem(s3emu)
    table = _table()
    pads.write_dataset(
        table,
        f"{bucket}/ds",
        filesystem=fs,
        format="parquet",
        partitioning=["part"],
        partitioning_flavor="hive",
    )
    files = [key for key in keys(s3, bucket, "ds/") if key.endswith(".parquet")]
    assert sorted(files) == [f"ds/part={i}/part-0.parquet" for i in range(3)]
    dataset = pads.dataset(f"{bucket}/ds", filesystem=fs, format="parquet", partitioning="hive")
    back = dataset.to_table().sort_by("n")
    assert back.column("n").to_pylist() == list(range(300))
    assert back.column("part").to_pylist() == [i % 3 for i in range(300)]
    one = pq.read_table(pa.BufferReader(stored(s3, bucket, "ds/part=1/part-0.parquet")))
    assert one.column("n").to_pylist() == list(range(1, 300, 3))


def test_streamed_multipart_write_with_crc64nvme_trailers(
    s3: S3Client, s3emu: S3Emulator, bucket: str, wire: list[WireRequest]
) -> None:
    data = os.urandom(12 * MIB)
    fs = _filesystem(s3emu)
    with fs.open_output_stream(f"{bucket}/big.bin") as stream:
        stream.write(data)
    with fs.open_input_stream(f"{bucket}/big.bin") as stream:
        assert stream.read() == data
    parts = [request for request in wire if request.operation == "UploadPart"]
    assert len(parts) >= 2
    for request in parts:
        assert request.headers["content-encoding"] == "aws-chunked"
        assert request.headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        assert request.headers["x-amz-trailer"] == "x-amz-checksum-crc64nvme"
        assert "content-length" not in request.headers  # HTTP chunked framing around aws-chunked
    assert stored(s3, bucket, "big.bin") == data
    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert head["ETag"].endswith(f'-{len(parts)}"')
    assert (head.get("ChecksumCRC64NVME"), head.get("ChecksumType")) == (crc64nvme(data), "FULL_OBJECT")
    attributes = s3.get_object_attributes(Bucket=bucket, Key="big.bin", ObjectAttributes=["ObjectParts"])
    offset = 0
    for part in attributes["ObjectParts"]["Parts"]:
        size = part["Size"]
        assert part.get("ChecksumCRC64NVME") == crc64nvme(data[offset : offset + size])
        offset += size
    assert offset == len(data)


def test_copy_move_and_delete_a_directory(
    s3: S3Client, s3emu: S3Emulator, bucket: str, wire: list[WireRequest]
) -> None:
    fs = _filesystem(s3emu)
    for name in ("a", "b", "c"):
        with fs.open_output_stream(f"{bucket}/dir/{name}.txt") as stream:
            stream.write(name.encode() * 3)
    fs.copy_file(f"{bucket}/dir/a.txt", f"{bucket}/copy/a.txt")
    fs.move(f"{bucket}/copy/a.txt", f"{bucket}/moved/a.txt")
    assert stored(s3, bucket, "moved/a.txt") == b"aaa"
    selector = pafs.FileSelector(f"{bucket}/dir", recursive=True)
    assert sorted(info.base_name for info in fs.get_file_info(selector)) == ["a.txt", "b.txt", "c.txt"]
    fs.delete_dir_contents(f"{bucket}/dir")
    # aws-sdk-cpp sends DeleteObjects with a flexible checksum and no Content-MD5
    deletes = [request for request in wire if request.operation == "DeleteObjects"]
    assert deletes
    assert all("content-md5" not in request.headers for request in deletes)
    assert all(any(h.startswith("x-amz-checksum-") for h in request.headers) for request in deletes)
    assert not [key for key in keys(s3, bucket) if key.startswith("dir/") and key != "dir/"]
    assert keys(s3, bucket, "moved/") == ["moved/a.txt"]


def test_bucket_creation_and_deletion(s3: S3Client, s3emu: S3Emulator, bucket_name: str) -> None:
    fs = _filesystem(s3emu, allow_bucket_creation=True, allow_bucket_deletion=True)
    fs.create_dir(bucket_name)
    s3.head_bucket(Bucket=bucket_name)
    with fs.open_output_stream(f"{bucket_name}/k") as stream:
        stream.write(b"v")
    fs.delete_dir(bucket_name)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert bucket_name not in names
