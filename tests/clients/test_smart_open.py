"""smart_open (boto3 underneath) against the emulator, with no configuration."""

from __future__ import annotations

import gzip
import os
from typing import TYPE_CHECKING

import pytest
from client_support import MIB, WireRequest, crc64nvme, stored

smart_open = pytest.importorskip("smart_open")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def test_text_round_trip(s3: S3Client, bucket: str) -> None:
    with smart_open.open(f"s3://{bucket}/notes/a.txt", "w", encoding="utf-8") as stream:
        stream.write("line one\nligne deux é\n")
    with smart_open.open(f"s3://{bucket}/notes/a.txt", encoding="utf-8") as stream:
        assert stream.readlines() == ["line one\n", "ligne deux é\n"]
    assert stored(s3, bucket, "notes/a.txt") == "line one\nligne deux é\n".encode()


def test_compression_by_extension(s3: S3Client, bucket: str) -> None:
    with smart_open.open(f"s3://{bucket}/a.txt.gz", "w") as stream:
        stream.write("zipped\n" * 100)
    with smart_open.open(f"s3://{bucket}/a.txt.gz") as stream:
        assert stream.read() == "zipped\n" * 100
    assert gzip.decompress(stored(s3, bucket, "a.txt.gz")) == b"zipped\n" * 100


def test_multipart_write_and_ranged_reads(s3: S3Client, bucket: str, wire: list[WireRequest]) -> None:
    data = os.urandom(6 * MIB)
    with smart_open.open(
        f"s3://{bucket}/big.bin", "wb", transport_params={"min_part_size": 5 * MIB}
    ) as stream:
        stream.write(data)
    assert len([r for r in wire if r.operation == "UploadPart"]) == 2
    with smart_open.open(f"s3://{bucket}/big.bin", "rb") as stream:
        stream.seek(5 * MIB)
        assert stream.read(10) == data[5 * MIB : 5 * MIB + 10]
        stream.seek(0)
        assert stream.read() == data
    assert stored(s3, bucket, "big.bin") == data
    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    # botocore sends CRC32 with every part, but the upload named no algorithm: S3 gives the
    # object its default full-object CRC64NVME
    assert (head.get("ChecksumCRC64NVME"), head.get("ChecksumType")) == (crc64nvme(data), "FULL_OBJECT")
    assert "ChecksumCRC32" not in head


def test_missing_object(bucket: str) -> None:
    with pytest.raises(OSError), smart_open.open(f"s3://{bucket}/nothing"):
        pass
