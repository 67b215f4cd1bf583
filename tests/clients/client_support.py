"""Helpers of the third-party client tests (imported by them)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_s3emu import checksums

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MIB = 1024 * 1024


@dataclass(frozen=True)
class WireRequest:
    """One request as the emulator received it (headers lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def operation(self) -> str:
        """A short name for assertions: UploadPart, PutObject, DeleteObjects, ... (by shape)."""
        if self.method == "PUT" and "partNumber" in self.query:
            return "UploadPart"
        if self.method == "POST" and "delete" in self.query:
            return "DeleteObjects"
        return f"{self.method} {self.path}"


def stored(s3: S3Client, bucket: str, key: str) -> bytes:
    """The object's bytes as boto3 reads them (botocore checks the full-object checksum S3 returns)."""
    return s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")["Body"].read()


def crc64nvme(data: bytes) -> str:
    """Base64 CRC-64/NVME of ``data`` computed in one pass (the emulator combines parts differently)."""
    return checksums.checksum_b64("CRC64NVME", data)


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def keys(s3: S3Client, bucket: str, prefix: str = "") -> list[str]:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]
