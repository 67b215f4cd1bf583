"""s3fs (aiobotocore) against the emulator, with no configuration: the environment points it there."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from client_support import MIB, WireRequest, keys, stored

s3fs = pytest.importorskip("s3fs")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture
def fs() -> Any:
    # a new instance: s3fs caches instances (and their listings) across tests otherwise
    return s3fs.S3FileSystem(skip_instance_cache=True)


def test_write_read_list_delete(fs: Any, s3: S3Client, bucket: str) -> None:
    fs.pipe(f"{bucket}/dir/a.txt", b"alpha")
    fs.pipe(f"{bucket}/dir/sub/b.txt", b"beta")
    assert fs.cat(f"{bucket}/dir/a.txt") == b"alpha"
    assert fs.ls(f"{bucket}/dir", detail=False) == [f"{bucket}/dir/a.txt", f"{bucket}/dir/sub"]
    assert fs.find(f"{bucket}/dir") == [f"{bucket}/dir/a.txt", f"{bucket}/dir/sub/b.txt"]
    assert fs.info(f"{bucket}/dir/sub/b.txt")["size"] == 4
    with fs.open(f"{bucket}/dir/a.txt", "rb") as stream:
        stream.seek(2)
        assert stream.read() == b"pha"
    assert stored(s3, bucket, "dir/sub/b.txt") == b"beta"
    fs.copy(f"{bucket}/dir/a.txt", f"{bucket}/copy.txt")
    fs.rm(f"{bucket}/dir", recursive=True)  # DeleteObjects
    assert keys(s3, bucket) == ["copy.txt"]
    assert not fs.exists(f"{bucket}/dir/a.txt")


def test_multipart_write(fs: Any, s3: S3Client, bucket: str, wire: list[WireRequest]) -> None:
    data = os.urandom(11 * MIB)
    with fs.open(f"{bucket}/big.bin", "wb", block_size=5 * MIB) as stream:
        for start in range(0, len(data), MIB):
            stream.write(data[start : start + MIB])
    parts = [r for r in wire if r.operation == "UploadPart"]
    assert len(parts) >= 2
    assert all(r.headers.get("x-amz-sdk-checksum-algorithm") == "CRC32" for r in parts)
    assert fs.cat(f"{bucket}/big.bin") == data
    assert stored(s3, bucket, "big.bin") == data


def test_missing_object(fs: Any, bucket: str) -> None:
    with pytest.raises(FileNotFoundError):
        fs.cat(f"{bucket}/nothing")
