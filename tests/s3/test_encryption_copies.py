"""Copies between every pair of encryption kinds: CopyObject and UploadPartCopy, 1 B to 8 MiB.

Each case answers the destination's encryption as S3 does and reads back intact. A test covers one
source kind and copies it to all four destination kinds; the copies are server-side, so even the
8 MiB ones cost one upload of the source per test.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pytest
from sse_support import b64_md5

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE_KEY = bytes(range(32))
DESTINATION_KEY = bytes(range(32, 64))
KMS_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KINDS = ("none", "sse-s3", "sse-kms", "sse-c")
SIZES = {"1B": 1, "1KiB": 1024, "1MiB": 1024**2, "8MiB": 8 * 1024**2}
# one pattern for every size (a prefix of it), made once
_DATA = hashlib.sha256(b"s3emu").digest() * (SIZES["8MiB"] // 32)


def _write_arguments(kind: str, customer_key: bytes) -> dict[str, Any]:
    """The encryption arguments of a write of ``kind`` ("none" sends no header at all)."""
    if kind == "sse-s3":
        return {"ServerSideEncryption": "AES256"}
    if kind == "sse-kms":
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KMS_KEY_ID}
    if kind == "sse-c":
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": customer_key}
    return {}


def _source_arguments(kind: str) -> dict[str, Any]:
    """What a copy must send to read a source of ``kind``: the source key for SSE-C only."""
    if kind != "sse-c":
        return {}
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": SOURCE_KEY}


def _customer_only(arguments: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in arguments.items() if k.startswith("SSECustomer")}


def _expected(kind: str, region: str) -> dict[str, Any]:
    """The encryption members S3 answers for a destination of ``kind`` (the bucket default is SSE-S3)."""
    if kind == "sse-kms":
        arn = f"arn:aws:kms:{region}:123456789012:key/{KMS_KEY_ID}"
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": arn}
    if kind == "sse-c":
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKeyMD5": b64_md5(DESTINATION_KEY)}
    return {"ServerSideEncryption": "AES256"}


def _encryption(answer: Any) -> dict[str, Any]:
    names = ("ServerSideEncryption", "SSEKMSKeyId", "SSECustomerAlgorithm", "SSECustomerKeyMD5")
    return {name: answer[name] for name in names if name in answer}


def _copy_object(s3: S3Client, bucket: str, source: str, target: str, arguments: dict[str, Any]) -> Any:
    return s3.copy_object(
        Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source}, **arguments
    )


def _upload_part_copy(s3: S3Client, bucket: str, source: str, target: str, arguments: dict[str, Any]) -> Any:
    destination = {k: v for k, v in arguments.items() if not k.startswith("CopySource")}
    uid = s3.create_multipart_upload(Bucket=bucket, Key=target, **destination)["UploadId"]
    copied = s3.upload_part_copy(
        Bucket=bucket,
        Key=target,
        UploadId=uid,
        PartNumber=1,
        CopySource={"Bucket": bucket, "Key": source},
        **{k: v for k, v in arguments.items() if k.startswith(("CopySource", "SSECustomer"))},
    )
    parts = [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]}]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key=target, UploadId=uid, MultipartUpload={"Parts": parts}
    )
    # CompleteMultipartUpload names SSE-S3 and SSE-KMS only
    assert _encryption(done) == {
        k: v for k, v in _encryption(copied).items() if not k.startswith("SSECustomer")
    }
    return copied


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
@pytest.mark.parametrize("source_kind", KINDS)
@pytest.mark.parametrize("operation", [_copy_object, _upload_part_copy], ids=["CopyObject", "UploadPartCopy"])
def test_copy_between_encryption_kinds(
    s3: S3Client, s3_bucket: str, operation: Any, source_kind: str, size: int
) -> None:
    data = _DATA[:size]
    s3.put_object(Bucket=s3_bucket, Key="src", Body=data, **_write_arguments(source_kind, SOURCE_KEY))
    region = s3.meta.region_name
    for target_kind in KINDS:
        target = f"dst-{target_kind}"
        written = _write_arguments(target_kind, DESTINATION_KEY)
        answer = operation(s3, s3_bucket, "src", target, {**written, **_source_arguments(source_kind)})
        assert _encryption(answer) == _expected(target_kind, region), target_kind
        got = s3.get_object(Bucket=s3_bucket, Key=target, **_customer_only(written))
        assert _encryption(got) == _expected(target_kind, region), target_kind
        assert got["Body"].read() == data, target_kind
