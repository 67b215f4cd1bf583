"""Uploads under ``Expect: 100-continue`` on reused connections: empty bodies among them, many threads.

botocore sends ``Expect: 100-continue`` with every file-like PutObject/UploadPart body, empty ones
too. A botocore without boto/botocore#3784 (``botocore_stale_expect_status``; awscli v1 bundles
one) misread the next response on the connection after an empty upload and stalled until its read
timeout (botocore#3755). The clients here allow one attempt and a short read timeout, so a
regression fails the test at once instead of hiding behind a retry.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

THREADS = 10
ROUNDS = 50  # over HTTP; in process no connection is reused, so a few rounds check the same calls
# a stalled response fails the call after this long; no honest answer here takes a second
READ_TIMEOUT = 10
pytestmark = pytest.mark.usefixtures("botocore_stale_expect_status")


def one_try(s3emu: S3Emulator, connections: int) -> S3Client:
    """A client with ``connections`` pooled connections, no retry and a short read timeout."""
    # botocore's "max_attempts" counts retries after the first attempt: that would hide a stall
    retries: Any = {"total_max_attempts": 1}
    config = Config(max_pool_connections=connections, read_timeout=READ_TIMEOUT, retries=retries)
    return s3emu.client(config=config)


@pytest.fixture(autouse=True)
def _expect_on_empty_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOTO_EXPERIMENTAL__NO_EMPTY_CONTINUE", raising=False)  # would drop Expect


def test_upload_file_from_many_threads_with_empty_files(
    s3emu: S3Emulator, s3_bucket: str, tmp_path: Path, small_files: dict[str, int]
) -> None:
    # the files of the awscli report: 0 to 11 bytes, two in nested folders
    s3 = one_try(s3emu, THREADS)
    inline = TransferConfig(use_threads=False)  # the caller's threads are the concurrency

    def upload(key: str) -> None:
        s3.upload_file(str(tmp_path / key), s3_bucket, key, Config=inline)

    with ThreadPoolExecutor(THREADS) as pool:
        for _ in range(ROUNDS if s3emu.transport == "http" else 3):
            list(pool.map(upload, small_files))  # re-raises the first failed upload
    listing = s3.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert {item["Key"]: item["Size"] for item in listing} == small_files


def test_empty_parts_and_failed_calls_leave_the_connection_usable(s3emu: S3Emulator, s3_bucket: str) -> None:
    s3 = one_try(s3emu, 1)  # every call on the same connection
    upload_id = s3.create_multipart_upload(Bucket=s3_bucket, Key="mp")["UploadId"]

    def upload_part(number: int, data: bytes, upload: str = upload_id) -> None:
        s3.upload_part(Bucket=s3_bucket, Key="mp", UploadId=upload, PartNumber=number, Body=io.BytesIO(data))

    upload_part(1, b"")
    upload_part(2, b"abc")
    with pytest.raises(ClientError) as caught:  # answered before the body is read: the server closes
        upload_part(3, b"def", upload="no-such-upload")
    assert caught.value.response["Error"]["Code"] == "NoSuchUpload"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.put_object(Bucket=s3_bucket, Key="empty", Body=io.BytesIO(b""))
    upload_part(3, b"ghij")
    parts = s3.list_parts(Bucket=s3_bucket, Key="mp", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 0), (2, 3), (3, 4)]
    s3.abort_multipart_upload(Bucket=s3_bucket, Key="mp", UploadId=upload_id)
