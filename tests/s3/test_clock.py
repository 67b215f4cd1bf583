"""s3emu.clock: one clock drives every time the emulator reads; real time unless a test moves it."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from freezegun import freeze_time

from pytest_s3emu.clock import Clock
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NEW_YEAR = datetime(2030, 1, 1, 9, 30, tzinfo=timezone.utc)


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_last_modified_follows_a_set_and_advanced_clock(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    s3emu.clock.set(NEW_YEAR)
    s3emu.clock.freeze()
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"1")
    s3emu.clock.advance(days=2, seconds=5)
    s3.put_object(Bucket=s3_bucket, Key="b", Body=b"2")
    assert s3.head_object(Bucket=s3_bucket, Key="a")["LastModified"] == NEW_YEAR
    assert s3.head_object(Bucket=s3_bucket, Key="b")["LastModified"] == NEW_YEAR + timedelta(
        days=2, seconds=5
    )
    assert s3.list_buckets()["Buckets"][0]["CreationDate"] < NEW_YEAR  # made before the clock moved


def test_signed_requests_still_work_far_from_the_real_time(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    # boto3 signs with the real time; the emulator dates the signature in its own time
    s3emu.clock.advance(days=400)
    s3.put_object(Bucket=s3_bucket, Key="later", Body=b"x")
    s3emu.clock.set(datetime(2001, 1, 1, tzinfo=timezone.utc))
    assert s3.get_object(Bucket=s3_bucket, Key="later")["Body"].read() == b"x"


def test_a_presigned_url_expires_when_the_clock_passes_its_expiry(s3emu: S3Emulator, s3_bucket: str) -> None:
    s3 = s3emu.client(config=Config(signature_version="s3v4"))
    s3.put_object(Bucket=s3_bucket, Key="doc.txt", Body=b"hello")
    params = {"Bucket": s3_bucket, "Key": "doc.txt"}
    url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=60)
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"hello"
    s3emu.clock.advance(seconds=61)
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url)
    assert raised.value.code == 403
    body = raised.value.read()
    assert b"<Code>AccessDenied</Code>" in body
    assert b"<Message>Request has expired</Message>" in body
    assert b"<X-Amz-Expires>60</X-Amz-Expires>" in body
    # a URL made after the move is valid (dated in the second of the move, it counts as made
    # just before it: give it more than the 61 seconds)
    fresh = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    with urllib.request.urlopen(fresh) as response:
        assert response.read() == b"hello"


def test_if_modified_since_compares_with_the_clocks_last_modified(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    s3emu.clock.set(NEW_YEAR)
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"old")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=s3_bucket, Key="k", IfModifiedSince=NEW_YEAR + timedelta(hours=1))
    assert _error(raised) == ("304", 304)
    s3emu.clock.advance(days=1)
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new")
    got = s3.get_object(Bucket=s3_bucket, Key="k", IfModifiedSince=NEW_YEAR + timedelta(hours=1))
    assert got["Body"].read() == b"new"


def test_object_lock_retention_ends_with_the_clock(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    bucket = f"{s3_bucket}-lock"
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    put = s3.put_object(
        Bucket=bucket,
        Key="held",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=s3emu.clock.now() + timedelta(days=1),
    )
    with pytest.raises(ClientError) as raised:
        s3.delete_object(Bucket=bucket, Key="held", VersionId=put["VersionId"])
    assert _error(raised) == ("AccessDenied", 403)
    s3emu.clock.advance(days=1, seconds=1)
    s3.delete_object(Bucket=bucket, Key="held", VersionId=put["VersionId"])
    assert "Versions" not in s3.list_object_versions(Bucket=bucket)


def test_a_restored_copy_expires_with_the_clock(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    s3emu.clock.set(NEW_YEAR)
    s3.put_object(Bucket=s3_bucket, Key="cold", Body=b"x", StorageClass="GLACIER")
    s3.restore_object(Bucket=s3_bucket, Key="cold", RestoreRequest={"Days": 1})
    restore = s3.head_object(Bucket=s3_bucket, Key="cold")["Restore"]
    # one day after 1 January 09:30, rounded up to midnight UTC
    assert restore == 'ongoing-request="false", expiry-date="Thu, 03 Jan 2030 00:00:00 GMT"'
    s3emu.clock.set(datetime(2030, 1, 3, tzinfo=timezone.utc))
    assert "Restore" not in s3.head_object(Bucket=s3_bucket, Key="cold")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=s3_bucket, Key="cold")
    assert _error(raised) == ("InvalidObjectState", 403)


def test_freezegun_time_is_the_emulators_default(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    with freeze_time("2031-05-01 12:00:00"):
        s3.put_object(Bucket=s3_bucket, Key="frozen", Body=b"x")
        assert s3emu.clock.now() == datetime(2031, 5, 1, 12, tzinfo=timezone.utc)
    head = s3.head_object(Bucket=s3_bucket, Key="frozen")
    assert head["LastModified"] == datetime(2031, 5, 1, 12, tzinfo=timezone.utc)


def test_the_clock_overrides_freezegun_until_resumed(s3emu: S3Emulator) -> None:
    with freeze_time("2031-05-01 12:00:00"):
        s3emu.clock.set(NEW_YEAR)
        assert s3emu.clock.now() == NEW_YEAR  # frozen by freezegun: the offset stays put
        s3emu.clock.resume()
        assert s3emu.clock.now() == datetime(2031, 5, 1, 12, tzinfo=timezone.utc)


def test_clock_api_edges() -> None:
    clock = Clock()
    assert not clock.overridden and not clock.frozen
    moment = clock.freeze()
    assert clock.frozen and clock.now() == moment
    assert clock.set(datetime(2030, 1, 1)) == datetime(2030, 1, 1, tzinfo=timezone.utc)  # naive is UTC
    assert clock.now() == datetime(2030, 1, 1, tzinfo=timezone.utc)  # still frozen
    assert clock.advance(seconds=30, days=1) == datetime(2030, 1, 2, 0, 0, 30, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="forward only"):
        clock.advance(seconds=-1)
    moves: list[datetime] = []
    clock.on_move(lambda: moves.append(clock.now()))
    clock.advance(days=1)
    assert moves == [datetime(2030, 1, 3, 0, 0, 30, tzinfo=timezone.utc)]
    clock.resume()
    assert not clock.overridden and clock.now().year < 2030
