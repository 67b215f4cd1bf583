"""What the access-control tests share: a client without retries or signature, a refusal's code
and status, a bucket policy put from statements."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NO_RETRY = {"total_max_attempts": 1}


def anonymous_client(emulator: S3Emulator) -> S3Client:
    """A client that signs nothing, as a browser or curl would ask."""
    return emulator.client(config=Config(signature_version=UNSIGNED, retries=NO_RETRY))  # type: ignore[arg-type]


def refused(call: Callable[[], Any]) -> tuple[str, int]:
    """The error Code and HTTP status ``call`` is refused with (it must be refused)."""
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def put_policy(s3: S3Client, bucket: str, *statements: dict[str, Any]) -> None:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
