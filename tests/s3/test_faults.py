"""Fault injection: s3emu.fail() and how botocore's retries and s3transfer recover."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    IncompleteReadError,
    ResponseStreamingError,
)

from pytest_s3emu import faults
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore waits up to a second before retrying a throttled call: not in these tests."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)


@pytest.fixture
def retrying(s3emu: S3Emulator) -> S3Client:
    return s3emu.client(config=Config(retries={"mode": "standard", "total_max_attempts": 4}))


@pytest.fixture
def once(s3emu: S3Emulator) -> S3Client:
    return s3emu.client(config=Config(retries={"mode": "standard", "total_max_attempts": 1}))


def _errors(s3emu: S3Emulator, operation: str) -> list[tuple[int, str | None]]:
    return [(call.status, call.error) for call in s3emu.calls.filter(operation)]


def test_slow_down_is_retried(retrying: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    with s3emu.fail("PutObject", error="SlowDown", times=2) as fault:
        retrying.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    assert fault.hits == 2
    assert _errors(s3emu, "PutObject") == [(503, "SlowDown"), (503, "SlowDown"), (200, None)]
    assert [c.fault for c in s3emu.calls.filter("PutObject")] == ["error=SlowDown", "error=SlowDown", None]
    assert retrying.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v"


def test_without_retries_the_error_reaches_the_caller(
    once: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    s3emu.fail("GetObject", error="InternalError")
    with pytest.raises(ClientError) as raised:
        once.get_object(Bucket=s3_bucket, Key="k")
    assert raised.value.response["Error"]["Code"] == "InternalError"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    with pytest.raises(ClientError) as again:  # no times=: until cleared
        once.get_object(Bucket=s3_bucket, Key="k")
    assert again.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    s3emu.clear_faults()
    with pytest.raises(ClientError) as cleared:
        once.get_object(Bucket=s3_bucket, Key="k")
    assert cleared.value.response["Error"]["Code"] == "NoSuchKey"


@pytest.mark.parametrize(
    ("error", "status", "code", "expected_status"),
    [
        ("AccessDenied", None, "AccessDenied", 403),  # an S3 code the emulator knows: its status
        ("SlowDown", None, "SlowDown", 503),
        ("QuotaExceeded", 409, "QuotaExceeded", 409),  # any code, with the status given
        (None, 503, "ServiceUnavailable", 503),
    ],
)
def test_any_error_code(
    once: S3Client,
    s3emu: S3Emulator,
    s3_bucket: str,
    error: str | None,
    status: int | None,
    code: str,
    expected_status: int,
) -> None:
    with s3emu.fail("HeadBucket", error=error, status=status), pytest.raises(ClientError) as raised:
        once.get_bucket_tagging(Bucket=s3_bucket)
    assert raised.value.response["Error"]["Code"] != code  # the fault names HeadBucket only
    with s3emu.fail("GetBucketTagging", error=error, status=status), pytest.raises(ClientError) as raised:
        once.get_bucket_tagging(Bucket=s3_bucket)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == expected_status


def test_an_unknown_code_needs_a_status(s3emu: S3Emulator) -> None:
    with pytest.raises(ValueError, match="give status="):
        s3emu.fail(error="NoSuchThingAnywhere")
    with pytest.raises(ValueError, match="times must be at least 1"):
        s3emu.fail(times=0)


def test_nth_and_times_count_matching_requests(once: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3emu.fail("PutObject", bucket=s3_bucket, key=lambda k: k.startswith("x/"), nth=2, times=2)
    outcomes = []
    for index in range(5):
        once.put_object(Bucket=s3_bucket, Key=f"other/{index}", Body=b"")  # never matches
        try:
            once.put_object(Bucket=s3_bucket, Key=f"x/{index}", Body=b"")
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    assert outcomes == ["ok", "InternalError", "InternalError", "ok", "ok"]


def test_leaving_the_block_removes_the_fault(once: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    with s3emu.fail("ListObjectsV2"), pytest.raises(ClientError):
        once.list_objects_v2(Bucket=s3_bucket)
    assert once.list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 0
    fault = s3emu.fail("ListObjectsV2")
    fault.clear()
    assert once.list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 0


def test_reset_connection_without_retries(once: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3emu.fail("PutObject", reset_connection=True, times=1)
    with pytest.raises(ConnectionClosedError):
        once.put_object(Bucket=s3_bucket, Key="k", Body=b"v" * 1000)
    assert [(c.status, c.fault) for c in s3emu.calls.filter("PutObject")] == [(0, "reset_connection")]
    once.put_object(Bucket=s3_bucket, Key="k", Body=b"v")  # the connection pool recovers


def test_reset_connection_is_retried(retrying: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    with s3emu.fail("ListObjectsV2", reset_connection=True, times=2):
        assert retrying.list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 0
    assert _errors(s3emu, "ListObjectsV2") == [(0, None), (0, None), (200, None)]


def test_truncated_document_is_retried(
    retrying: S3Client, once: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    with s3emu.fail("ListObjectsV2", truncate_body=10, times=1):
        assert retrying.list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 0
    # botocore reads a body short of its Content-Length as it comes; the half document it gets
    # is a 200 error to its S3 handlers, which make it a (retryable) 500
    with s3emu.fail("ListObjectsV2", truncate_body=10), pytest.raises(ClientError) as raised:
        once.list_objects_v2(Bucket=s3_bucket)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_truncated_object_body(once: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    once.put_object(Bucket=s3_bucket, Key="k", Body=b"0123456789" * 100)
    with s3emu.fail("GetObject", truncate_body=100, times=1):
        body = once.get_object(Bucket=s3_bucket, Key="k")["Body"]
        with pytest.raises(ResponseStreamingError):  # urllib3: IncompleteRead
            body.read()
    assert s3emu.calls[-1].fault == "truncate_body=100"


def test_s3transfer_download_recovers_from_a_cut_body(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    data = bytes(range(256)) * 400
    s3.put_object(Bucket=s3_bucket, Key="k", Body=data)
    out = io.BytesIO()
    with s3emu.fail("GetObject", truncate_body=1000, times=2):
        s3.download_fileobj(s3_bucket, "k", out)
    assert out.getvalue() == data
    assert [c.fault for c in s3emu.calls.filter("GetObject")][:2] == ["truncate_body=1000"] * 2


def test_s3transfer_upload_recovers_from_slow_down_and_resets(
    retrying: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=2)
    data = b"z" * (10 * MiB + 1)
    s3emu.fail("UploadPart", error="SlowDown", nth=1)
    s3emu.fail("UploadPart", reset_connection=True, nth=3)
    retrying.upload_fileobj(io.BytesIO(data), s3_bucket, "big", Config=config)
    assert retrying.get_object(Bucket=s3_bucket, Key="big")["Body"].read() == data
    s3emu.assert_called("UploadPart", error="SlowDown", times=1)
    s3emu.assert_called("UploadPart", status=0, times=1)
    s3emu.assert_no_leftover_uploads()


def test_latency_delays_the_answer(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    with s3emu.fail("HeadBucket", latency=0.01):
        s3.head_bucket(Bucket=s3_bucket)
    assert (s3emu.calls[-1].status, s3emu.calls[-1].fault) == (200, "latency")


@pytest.fixture
def held_sleep(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Fault latency waits for this event instead of the clock (set it to end the delay)."""
    release = threading.Event()
    monkeypatch.setattr(faults.time, "sleep", lambda seconds: release.wait(10))
    yield release
    release.set()


def test_latency_does_not_block_other_requests(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, held_sleep: threading.Event
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="slow", Body=b"s")
    s3emu.fail("GetObject", key="slow", latency=5, error="SlowDown")
    slow_client = s3emu.client(config=Config(retries={"total_max_attempts": 1}))
    outcome: list[str] = []

    def slow() -> None:
        try:
            slow_client.get_object(Bucket=s3_bucket, Key="slow")
        except ClientError as error:
            outcome.append(error.response["Error"]["Code"])

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        # while the slow request is held, others (same emulator, same store) are answered
        s3.put_object(Bucket=s3_bucket, Key="fast", Body=b"f")
        assert s3.get_object(Bucket=s3_bucket, Key="fast")["Body"].read() == b"f"
        assert outcome == []
    finally:
        held_sleep.set()
        thread.join(10)
    assert outcome == ["SlowDown"]
    assert s3emu.calls[-1].key == "slow"


def test_truncated_object_body_read_in_chunks(once: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    once.put_object(Bucket=s3_bucket, Key="k", Body=b"0123456789" * 100)
    with s3emu.fail("GetObject", truncate_body=0, times=1):
        body = once.get_object(Bucket=s3_bucket, Key="k")["Body"]
        with pytest.raises(IncompleteReadError):  # botocore counts the bytes it was given
            list(body.iter_chunks(100))
