"""The request journal: s3emu.calls, its fields, filters and assertion helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_s3emu.auth import ACCESS_KEY
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def test_a_call_records_request_and_answer(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    put = s3.put_object(Bucket=s3_bucket, Key="dir/a.txt", Body=b"hello", ContentType="text/plain")
    call = s3emu.calls[-1]
    assert (call.operation, call.bucket, call.key, call.status, call.error) == (
        "PutObject",
        s3_bucket,
        "dir/a.txt",
        200,
        None,
    )
    assert call.version_id == put["VersionId"]
    assert call.method == "PUT"
    assert call.request_headers["content-type"] == "text/plain"
    assert call.params["ContentType"] == "text/plain"
    assert "Body" not in call.params  # the streamed body is not kept
    assert call.body is None  # unless asked for
    assert call.response_headers["ETag"] == put["ETag"]
    assert call.access_key == ACCESS_KEY
    assert call.account == s3emu.accounts.default.account_id  # the signer's 12-digit account id
    assert call.attempt == 1 and call.max_attempts is not None
    assert call.started <= call.finished and call.duration >= 0
    assert call.started.tzinfo is not None  # aware UTC, from the emulator's clock
    assert call.fault is None
    assert call.transport == s3emu.transport


def test_errors_and_query_are_recorded(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    with pytest.raises(s3.exceptions.ClientError) as raised:
        s3.get_object(Bucket=s3_bucket, Key="missing", VersionId="null")
    assert raised.value.response["Error"]["Code"] == "NoSuchVersion"
    call = s3emu.calls[-1]
    assert (call.operation, call.status, call.error) == ("GetObject", 404, "NoSuchVersion")
    assert call.query == {"versionId": ["null"]}
    assert call.version_id == "null"  # the version asked for, when the answer names none


def test_bodies_on_demand(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3emu.calls.record_bodies = True
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"payload bytes")
    body = s3emu.calls[-1].body
    assert body is not None and b"payload bytes" in body  # the wire bytes (aws-chunked over TLS)


def test_filter_and_operations(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    for key in ("a.csv", "b.csv", "c.json"):
        s3.put_object(Bucket=s3_bucket, Key=key, Body=b"x")
    s3.get_object(Bucket=s3_bucket, Key="a.csv")
    assert s3emu.calls.operations() == ["CreateBucket", "PutObject", "PutObject", "PutObject", "GetObject"]
    assert [c.key for c in s3emu.calls.filter("PutObject", Key=lambda k: k.endswith(".csv"))] == [
        "a.csv",
        "b.csv",
    ]
    assert len(s3emu.calls.filter(bucket=s3_bucket, status=200)) == 5
    assert s3emu.calls.filter("PutObject", NoSuchMember="x") == []


def test_assert_called_and_not_called(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v", ContentType="text/plain")
    found = s3emu.assert_called("PutObject", Key="k", ContentType="text/plain", times=1)
    assert found[0].key == "k"
    s3emu.assert_not_called("DeleteObject")
    with pytest.raises(AssertionError, match=r"expected PutObject\(Key='other'\) at least once, found 0"):
        s3emu.assert_called("PutObject", Key="other")
    with pytest.raises(AssertionError, match=r"PutObject .*/k -> 200"):
        s3emu.assert_not_called("PutObject", Key="k")
    with pytest.raises(AssertionError, match=r"2 time\(s\), found 1"):
        s3emu.assert_called("PutObject", times=2)


def test_assert_no_leftover_uploads(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="big")["UploadId"]
    with pytest.raises(AssertionError, match=f"s3://{s3_bucket}/big \\(UploadId {upload}\\)"):
        s3emu.assert_no_leftover_uploads()
    s3.abort_multipart_upload(Bucket=s3_bucket, Key="big", UploadId=upload)
    s3emu.assert_no_leftover_uploads()


def test_retry_attempt_is_parsed(s3emu: S3Emulator, s3_bucket: str) -> None:
    from botocore.config import Config

    client = s3emu.client(config=Config(retries={"mode": "standard", "total_max_attempts": 3}))
    with s3emu.fail("HeadBucket", times=1):
        client.head_bucket(Bucket=s3_bucket)
    heads = s3emu.calls.filter("HeadBucket")
    assert [(c.attempt, c.max_attempts, c.status) for c in heads] == [(1, 3, 500), (2, 3, 200)]


def test_the_journal_is_emptied_by_reset(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    assert s3emu.calls is s3emu.log
    s3emu.reset()
    assert s3emu.calls == []


def test_call_times_follow_the_emulator_clock(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    from datetime import datetime, timezone

    moment = datetime(2031, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    s3emu.clock.freeze()
    s3emu.clock.set(moment)
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    put = s3emu.calls.filter("PutObject")[-1]
    head = s3.head_object(Bucket=s3_bucket, Key="k")
    # the same time as the object's Last-Modified; a frozen clock still measures real duration
    assert put.started == put.finished == moment == head["LastModified"]
    assert put.duration > 0
