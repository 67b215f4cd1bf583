"""What the server-side encryption tests share: keys, SSE-C arguments, KMS ARNs, error fields."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MIN_PART = 5 * 1024 * 1024


def client_error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    """The error's Code, HTTP status and Message."""
    response: Any = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def b64_md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def sse_c(key: bytes = KEY) -> dict[str, Any]:
    """SSE-C arguments; botocore base64-encodes the key and computes its MD5."""
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def sse_c_encoded(key: bytes = KEY) -> dict[str, Any]:
    """SSE-C arguments for calls botocore does not encode (GetObjectAttributes, Complete, ListParts)."""
    return {
        "SSECustomerAlgorithm": "AES256",
        "SSECustomerKey": base64.b64encode(key).decode(),
        "SSECustomerKeyMD5": b64_md5(key),
    }


def kms_arn(s3: S3Client, resource: str) -> str:
    """The ARN of a KMS ``resource`` (``key/<id>``, ``alias/<name>``) of the emulator's account."""
    return f"arn:aws:kms:{s3.meta.region_name}:{ACCOUNT}:{resource}"


def set_bucket_default(
    s3: S3Client, bucket: str, algorithm: str, key_id: str | None = None, bucket_key: bool | None = None
) -> dict[str, Any]:
    """Put a one-rule default encryption on ``bucket``; the configuration put."""
    default: dict[str, Any] = {"SSEAlgorithm": algorithm}
    if key_id is not None:
        default["KMSMasterKeyID"] = key_id
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
    if bucket_key is not None:
        rule["BucketKeyEnabled"] = bucket_key
    configuration: Any = {"Rules": [rule]}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=configuration)
    return dict(configuration)
