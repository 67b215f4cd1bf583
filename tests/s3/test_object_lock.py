"""Object lock end to end: lock-enabled buckets, the bucket configuration and its default
retention, lock headers on writes, retention and legal hold per version, and their enforcement."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LOCKED = "Access Denied because object protected by object lock."


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _later(**delta: float) -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(**delta)


def _lock_bucket(s3: S3Client, name: str, **rule: Any) -> str:
    """A new bucket created with object lock; ``rule`` is a DefaultRetention (Mode, Days/Years)."""
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    if rule:
        config: Any = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": rule}}
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=config)
    return name


def _retain(
    s3: S3Client, bucket: str, key: str, version: str, mode: str, until: datetime, **extra: Any
) -> None:
    retention: Any = {"Mode": mode, "RetainUntilDate": until}
    s3.put_object_retention(Bucket=bucket, Key=key, VersionId=version, Retention=retention, **extra)


def _plain_client(s3emu: S3Emulator) -> S3Client:
    """A client that sends no checksum unless an operation requires one."""
    return s3emu.client(config=Config(request_checksum_calculation="when_required"))


# --- buckets and their configuration -------------------------------------------------------------------


def test_bucket_created_with_object_lock(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    assert s3.get_bucket_versioning(Bucket=bucket_name)["Status"] == "Enabled"
    config = s3.get_object_lock_configuration(Bucket=bucket_name)["ObjectLockConfiguration"]
    assert config == {"ObjectLockEnabled": "Enabled"}
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Suspended"})
    assert _error(excinfo) == ("InvalidBucketState", 409)
    assert s3.get_bucket_versioning(Bucket=bucket_name)["Status"] == "Enabled"


def test_bucket_without_lock_has_no_configuration(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_lock_configuration(Bucket=s3_bucket)
    assert _error(excinfo) == ("ObjectLockConfigurationNotFoundError", 404)
    assert excinfo.value.response["Error"]["BucketName"] == s3_bucket  # type: ignore[typeddict-item]  # an extra <Error> child


def test_lock_on_an_existing_bucket_needs_versioning(s3: S3Client, s3_bucket: str) -> None:
    config: Any = {"ObjectLockEnabled": "Enabled"}
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_lock_configuration(Bucket=s3_bucket, ObjectLockConfiguration=config)
    assert _error(excinfo) == ("InvalidBucketState", 409)
    # since 2023 S3 enables object lock on an existing bucket once it is versioned
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=s3_bucket, ObjectLockConfiguration=config)
    assert s3.get_object_lock_configuration(Bucket=s3_bucket)["ObjectLockConfiguration"] == config
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Suspended"})
    assert _error(excinfo) == ("InvalidBucketState", 409)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, "MalformedXML"),
        ({"ObjectLockEnabled": "Disabled"}, "MalformedXML"),
        ({"ObjectLockEnabled": "Enabled", "Rule": {}}, "MalformedXML"),
        ({"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Days": 1}}}, "MalformedXML"),
        (
            {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "STRICT", "Days": 1}}},
            "MalformedXML",
        ),
        (
            {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE"}}},
            "MalformedXML",
        ),
        (
            {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}},
            },
            "MalformedXML",
        ),
        *(
            (
                {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", **period}},
                },
                "InvalidArgument",
            )
            for period in (
                {"Days": 0},
                {"Days": -1},
                {"Years": 0},
                {"Years": -3},
                {"Days": 36501},
                {"Years": 101},
            )
        ),
    ],
)
def test_invalid_lock_configurations(s3: S3Client, bucket_name: str, config: Any, expected: str) -> None:
    _lock_bucket(s3, bucket_name, Mode="COMPLIANCE", Days=3)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_lock_configuration(Bucket=bucket_name, ObjectLockConfiguration=config)
    assert _error(excinfo) == (expected, 400)
    if expected == "InvalidArgument":
        (period,) = (v for k, v in config["Rule"]["DefaultRetention"].items() if k != "Mode")
        problem = "is too large." if period > 0 else "must be a positive integer value."
        assert excinfo.value.response["Error"]["Message"] == f"Default retention period {problem}"
    rule = s3.get_object_lock_configuration(Bucket=bucket_name)["ObjectLockConfiguration"]["Rule"]
    assert rule == {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 3}}  # unchanged


def test_lock_configuration_needs_a_body(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_lock_configuration(Bucket=bucket_name)
    assert _error(excinfo) == ("MissingRequestBodyError", 400)


def test_lock_configuration_of_a_missing_bucket(s3: S3Client, bucket_name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_lock_configuration(Bucket=bucket_name)
    assert _error(excinfo) == ("NoSuchBucket", 404)


# --- default retention -----------------------------------------------------------------------------------


def test_default_retention_applies_to_new_versions(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    before = s3.put_object(Bucket=bucket_name, Key="k", Body=b"before")["VersionId"]
    config: Any = {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 2}},
    }
    s3.put_object_lock_configuration(Bucket=bucket_name, ObjectLockConfiguration=config)
    start = _later()
    after = s3.put_object(Bucket=bucket_name, Key="k", Body=b"after")["VersionId"]
    head = s3.head_object(Bucket=bucket_name, Key="k")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert start + timedelta(days=2) <= head["ObjectLockRetainUntilDate"] <= _later(days=2, seconds=1)
    assert "ObjectLockLegalHoldStatus" not in head
    retention = s3.get_object_retention(Bucket=bucket_name, Key="k", VersionId=after)["Retention"]
    assert (retention["Mode"], retention["RetainUntilDate"]) == (
        "GOVERNANCE",
        head["ObjectLockRetainUntilDate"],
    )
    got = s3.get_object(Bucket=bucket_name, Key="k")
    assert (got["ObjectLockMode"], got["ObjectLockRetainUntilDate"]) == (
        "GOVERNANCE",
        head["ObjectLockRetainUntilDate"],
    )
    # the version written before the rule has no retention
    assert "ObjectLockMode" not in s3.head_object(Bucket=bucket_name, Key="k", VersionId=before)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_retention(Bucket=bucket_name, Key="k", VersionId=before)
    assert _error(excinfo) == ("NoSuchObjectLockConfiguration", 404)


def test_longest_default_retentions(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name, Mode="GOVERNANCE", Days=36500)
    config: Any = {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 100}},
    }
    s3.put_object_lock_configuration(Bucket=bucket_name, ObjectLockConfiguration=config)
    rule = s3.get_object_lock_configuration(Bucket=bucket_name)["ObjectLockConfiguration"]["Rule"]
    assert rule == {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 100}}


def test_default_retention_in_years(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name, Mode="COMPLIANCE", Years=1)
    s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")
    head = s3.head_object(Bucket=bucket_name, Key="k")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert _later(days=364) < head["ObjectLockRetainUntilDate"] <= _later(days=365, seconds=1)


def test_default_retention_on_copies_and_multipart_uploads(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name, Mode="GOVERNANCE", Days=1)
    s3.put_object(Bucket=bucket_name, Key="src", Body=b"x")
    s3.copy_object(Bucket=bucket_name, Key="copy", CopySource={"Bucket": bucket_name, "Key": "src"})
    upload = s3.create_multipart_upload(Bucket=bucket_name, Key="mpu")["UploadId"]
    part = s3.upload_part(Bucket=bucket_name, Key="mpu", UploadId=upload, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(
        Bucket=bucket_name,
        Key="mpu",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    for key in ("copy", "mpu"):
        assert s3.head_object(Bucket=bucket_name, Key=key)["ObjectLockMode"] == "GOVERNANCE"


# --- lock headers on writes ------------------------------------------------------------------------------


def test_put_object_with_lock_headers(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name, Mode="GOVERNANCE", Days=1)
    until = _later(days=10)
    s3.put_object(
        Bucket=bucket_name,
        Key="k",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
        ObjectLockLegalHoldStatus="ON",
    )
    head = s3.head_object(Bucket=bucket_name, Key="k")
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]) == ("COMPLIANCE", until)
    assert head["ObjectLockLegalHoldStatus"] == "ON"
    # a legal hold alone still gets the bucket's default retention
    s3.put_object(Bucket=bucket_name, Key="held", Body=b"x", ObjectLockLegalHoldStatus="OFF")
    head = s3.head_object(Bucket=bucket_name, Key="held")
    assert (head["ObjectLockMode"], head["ObjectLockLegalHoldStatus"]) == ("GOVERNANCE", "OFF")


def test_lock_headers_on_copies_and_multipart_uploads(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    until = _later(days=3)
    s3.put_object(
        Bucket=bucket_name, Key="src", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
    )
    # the source's lock is not copied; the request's is applied
    s3.copy_object(Bucket=bucket_name, Key="plain", CopySource={"Bucket": bucket_name, "Key": "src"})
    assert "ObjectLockMode" not in s3.head_object(Bucket=bucket_name, Key="plain")
    s3.copy_object(
        Bucket=bucket_name,
        Key="locked",
        CopySource={"Bucket": bucket_name, "Key": "src"},
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
    )
    assert s3.head_object(Bucket=bucket_name, Key="locked")["ObjectLockMode"] == "GOVERNANCE"
    upload = s3.create_multipart_upload(Bucket=bucket_name, Key="mpu", ObjectLockLegalHoldStatus="ON")[
        "UploadId"
    ]
    part = s3.upload_part(Bucket=bucket_name, Key="mpu", UploadId=upload, PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(
        Bucket=bucket_name,
        Key="mpu",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    head = s3.head_object(Bucket=bucket_name, Key="mpu")
    assert head["ObjectLockLegalHoldStatus"] == "ON"
    assert "ObjectLockMode" not in head


def test_lock_headers_need_a_lock_bucket(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"x")
    writes: list[Callable[[], object]] = [
        lambda: s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON"),
        lambda: s3.copy_object(
            Bucket=s3_bucket,
            Key="k",
            CopySource={"Bucket": s3_bucket, "Key": "src"},
            ObjectLockMode="GOVERNANCE",
            ObjectLockRetainUntilDate=_later(days=1),
        ),
        lambda: s3.create_multipart_upload(Bucket=s3_bucket, Key="k", ObjectLockLegalHoldStatus="ON"),
    ]
    for write in writes:
        with pytest.raises(ClientError) as excinfo:
            write()
        assert _error(excinfo) == ("InvalidRequest", 400)
        assert "Bucket is missing Object Lock Configuration" in str(excinfo.value)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]] == ["src"]


@pytest.mark.parametrize(
    "headers",
    [
        {"ObjectLockMode": "GOVERNANCE"},
        {"ObjectLockRetainUntilDate": "future"},
        {"ObjectLockMode": "STRICT", "ObjectLockRetainUntilDate": "future"},
        {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": "past"},
        {"ObjectLockLegalHoldStatus": "on"},
    ],
)
def test_invalid_lock_headers(s3: S3Client, bucket_name: str, headers: dict[str, str]) -> None:
    _lock_bucket(s3, bucket_name)
    when = {"future": _later(days=1), "past": _later(days=-1)}
    extra: Any = {name: when.get(value, value) for name, value in headers.items()}
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket_name, Key="k", Body=b"x", **extra)
    assert _error(excinfo) == ("InvalidArgument", 400)
    assert "Versions" not in s3.list_object_versions(Bucket=bucket_name)


def test_locked_uploads_need_a_checksum(s3emu: S3Emulator, s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    plain = _plain_client(s3emu)
    with pytest.raises(ClientError) as excinfo:
        plain.put_object(Bucket=bucket_name, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")
    assert _error(excinfo) == ("InvalidRequest", 400)
    assert "Content-MD5 OR x-amz-checksum- HTTP header is required" in str(excinfo.value)
    plain.put_object(Bucket=bucket_name, Key="free", Body=b"x")  # no lock parameters: no need
    md5 = base64.b64encode(hashlib.md5(b"x").digest()).decode()
    plain.put_object(Bucket=bucket_name, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON", ContentMD5=md5)
    assert s3.head_object(Bucket=bucket_name, Key="k")["ObjectLockLegalHoldStatus"] == "ON"


def test_default_retention_needs_a_checksum_on_every_upload(
    s3emu: S3Emulator, s3: S3Client, bucket_name: str
) -> None:
    _lock_bucket(s3, bucket_name, Mode="GOVERNANCE", Days=1)
    plain = _plain_client(s3emu)
    with pytest.raises(ClientError) as excinfo:
        plain.put_object(Bucket=bucket_name, Key="k", Body=b"x")
    assert _error(excinfo) == ("InvalidRequest", 400)
    upload = plain.create_multipart_upload(Bucket=bucket_name, Key="k")["UploadId"]
    with pytest.raises(ClientError) as excinfo:
        plain.upload_part(Bucket=bucket_name, Key="k", UploadId=upload, PartNumber=1, Body=b"p")
    assert _error(excinfo) == ("InvalidRequest", 400)
    assert "Put Part requests" in str(excinfo.value)
    s3.upload_part(Bucket=bucket_name, Key="k", UploadId=upload, PartNumber=1, Body=b"p")  # botocore's CRC32
    assert "Versions" not in s3.list_object_versions(Bucket=bucket_name)


# --- retention of a version ------------------------------------------------------------------------------


def test_retention_by_version_id(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    old = s3.put_object(Bucket=bucket_name, Key="k", Body=b"1")["VersionId"]
    new = s3.put_object(Bucket=bucket_name, Key="k", Body=b"2")["VersionId"]
    until = _later(days=1)
    _retain(s3, bucket_name, "k", old, "GOVERNANCE", until)
    retention = s3.get_object_retention(Bucket=bucket_name, Key="k", VersionId=old)["Retention"]
    assert retention == {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    for version in (new, None):
        extra: Any = {"VersionId": version} if version else {}
        with pytest.raises(ClientError) as excinfo:
            s3.get_object_retention(Bucket=bucket_name, Key="k", **extra)
        assert _error(excinfo) == ("NoSuchObjectLockConfiguration", 404)
    # without a version id: the current version
    s3.put_object_retention(
        Bucket=bucket_name, Key="k", Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until}
    )
    assert s3.head_object(Bucket=bucket_name, Key="k", VersionId=new)["ObjectLockMode"] == "COMPLIANCE"


def test_governance_retention_rules(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    version = s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")["VersionId"]
    _retain(s3, bucket_name, "k", version, "GOVERNANCE", _later(days=2))
    _retain(s3, bucket_name, "k", version, "GOVERNANCE", _later(days=3))  # lengthening: always
    with pytest.raises(ClientError) as excinfo:
        _retain(s3, bucket_name, "k", version, "GOVERNANCE", _later(days=1))
    assert _error(excinfo) == ("AccessDenied", 403)
    _retain(s3, bucket_name, "k", version, "GOVERNANCE", _later(days=1), BypassGovernanceRetention=True)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_retention(Bucket=bucket_name, Key="k", VersionId=version, Retention={})
    assert _error(excinfo) == ("AccessDenied", 403)
    s3.put_object_retention(
        Bucket=bucket_name, Key="k", VersionId=version, Retention={}, BypassGovernanceRetention=True
    )
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_retention(Bucket=bucket_name, Key="k", VersionId=version)
    assert _error(excinfo) == ("NoSuchObjectLockConfiguration", 404)
    # GOVERNANCE made COMPLIANCE alters the lock settings too: "in governance mode, users can't
    # [...] alter its lock settings unless they have special permissions" (S3 User Guide)
    _retain(s3, bucket_name, "k", version, "GOVERNANCE", _later(days=1))
    with pytest.raises(ClientError) as excinfo:
        _retain(s3, bucket_name, "k", version, "COMPLIANCE", _later(days=2))
    assert _error(excinfo) == ("AccessDenied", 403)
    assert (
        excinfo.value.response["Error"]["Message"] == "Access Denied because object protected by object lock."
    )
    assert s3.head_object(Bucket=bucket_name, Key="k")["ObjectLockMode"] == "GOVERNANCE"
    _retain(s3, bucket_name, "k", version, "COMPLIANCE", _later(days=1), BypassGovernanceRetention=True)
    assert s3.head_object(Bucket=bucket_name, Key="k")["ObjectLockMode"] == "COMPLIANCE"


def test_compliance_retention_is_never_weakened(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    version = s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")["VersionId"]
    until = _later(days=2)
    _retain(s3, bucket_name, "k", version, "COMPLIANCE", until)
    weaker: list[Any] = [
        {"Mode": "COMPLIANCE", "RetainUntilDate": _later(days=1)},
        {"Mode": "GOVERNANCE", "RetainUntilDate": _later(days=5)},
        {},
    ]
    for retention in weaker:
        with pytest.raises(ClientError) as excinfo:
            s3.put_object_retention(
                Bucket=bucket_name,
                Key="k",
                VersionId=version,
                Retention=retention,
                BypassGovernanceRetention=True,
            )
        assert _error(excinfo) == ("AccessDenied", 403)
    longer = _later(days=4)
    _retain(s3, bucket_name, "k", version, "COMPLIANCE", longer)
    assert s3.get_object_retention(Bucket=bucket_name, Key="k")["Retention"]["RetainUntilDate"] == longer


def test_retention_dates_are_kept_to_the_millisecond(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    version = s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")["VersionId"]
    _retain(s3, bucket_name, "k", version, "COMPLIANCE", _later(days=1, microseconds=123456))
    until = s3.get_object_retention(Bucket=bucket_name, Key="k")["Retention"]["RetainUntilDate"]
    assert until.microsecond == 123000
    # the date read back is the date in force: sending it again does not shorten anything
    _retain(s3, bucket_name, "k", version, "COMPLIANCE", until)
    assert s3.head_object(Bucket=bucket_name, Key="k")["ObjectLockRetainUntilDate"] == until


def test_invalid_retentions(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_retention(
            Bucket=bucket_name, Key="k", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": _later(days=-1)}
        )
    assert _error(excinfo) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_retention(Bucket=bucket_name, Key="k", Retention={"RetainUntilDate": _later(days=1)})
    assert _error(excinfo) == ("MalformedXML", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_retention(
            Bucket=bucket_name,
            Key="missing",
            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": _later(days=1)},
        )
    assert _error(excinfo) == ("NoSuchKey", 404)


def test_lock_calls_on_a_delete_marker(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=bucket_name, Key="k")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        _retain(s3, bucket_name, "k", marker, "GOVERNANCE", _later(days=1))
    assert _error(excinfo) == ("MethodNotAllowed", 405)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_legal_hold(Bucket=bucket_name, Key="k")
    assert _error(excinfo) == ("NoSuchKey", 404)


def test_lock_calls_need_a_lock_bucket(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    calls: list[Callable[[], object]] = [
        lambda: s3.get_object_retention(Bucket=s3_bucket, Key="k"),
        lambda: s3.put_object_retention(
            Bucket=s3_bucket, Key="k", Retention={"Mode": "GOVERNANCE", "RetainUntilDate": _later(days=1)}
        ),
        lambda: s3.get_object_legal_hold(Bucket=s3_bucket, Key="k"),
        lambda: s3.put_object_legal_hold(Bucket=s3_bucket, Key="k", LegalHold={"Status": "ON"}),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == ("InvalidRequest", 400)
        assert "Bucket is missing Object Lock Configuration" in str(excinfo.value)


# --- legal hold --------------------------------------------------------------------------------------------


def test_legal_hold(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    version = s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_legal_hold(Bucket=bucket_name, Key="k", VersionId=version)
    assert _error(excinfo) == ("NoSuchObjectLockConfiguration", 404)
    s3.put_object_legal_hold(Bucket=bucket_name, Key="k", VersionId=version, LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=bucket_name, Key="k")["LegalHold"] == {"Status": "ON"}
    assert s3.head_object(Bucket=bucket_name, Key="k")["ObjectLockLegalHoldStatus"] == "ON"
    # a legal hold blocks deletion whatever the bypass header says
    with pytest.raises(ClientError) as excinfo:
        s3.delete_object(Bucket=bucket_name, Key="k", VersionId=version, BypassGovernanceRetention=True)
    assert _error(excinfo) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_legal_hold(Bucket=bucket_name, Key="k", LegalHold={"Status": "MAYBE"})  # type: ignore[typeddict-item]  # not in the enum on purpose
    assert _error(excinfo) == ("MalformedXML", 400)
    s3.put_object_legal_hold(Bucket=bucket_name, Key="k", VersionId=version, LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=bucket_name, Key="k", VersionId=version)["LegalHold"] == {
        "Status": "OFF"
    }
    s3.delete_object(Bucket=bucket_name, Key="k", VersionId=version)
    assert "Versions" not in s3.list_object_versions(Bucket=bucket_name)


# --- enforcement ---------------------------------------------------------------------------------------


def test_deleting_a_governance_version(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name, Mode="GOVERNANCE", Days=1)
    version = s3.put_object(Bucket=bucket_name, Key="k", Body=b"x")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.delete_object(Bucket=bucket_name, Key="k", VersionId=version)
    assert _error(excinfo) == ("AccessDenied", 403)
    assert excinfo.value.response["Error"]["Message"] == LOCKED
    # a delete without version id only adds a delete marker: always allowed
    marker = s3.delete_object(Bucket=bucket_name, Key="k")
    assert marker["DeleteMarker"] is True
    s3.delete_object(Bucket=bucket_name, Key="k", VersionId=marker["VersionId"])
    removed = s3.delete_object(Bucket=bucket_name, Key="k", VersionId=version, BypassGovernanceRetention=True)
    assert removed["VersionId"] == version
    assert "Versions" not in s3.list_object_versions(Bucket=bucket_name)


def test_deleting_a_compliance_version(s3emu: S3Emulator, s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name)
    until = _later(days=1)
    version = s3.put_object(
        Bucket=bucket_name, Key="k", Body=b"x", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.delete_object(Bucket=bucket_name, Key="k", VersionId=version, BypassGovernanceRetention=True)
    assert _error(excinfo) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=bucket_name)
    assert _error(excinfo) == ("BucketNotEmpty", 409)
    # once the retention period is over (moved to the past here rather than waited for) it protects nothing
    s3emu.app.store.buckets[bucket_name].history["k"][0].lock_until = _later(seconds=-1)
    s3.delete_object(Bucket=bucket_name, Key="k", VersionId=version)
    s3.delete_bucket(Bucket=bucket_name)


def test_delete_objects_respects_object_lock(s3: S3Client, bucket_name: str) -> None:
    _lock_bucket(s3, bucket_name, Mode="GOVERNANCE", Days=1)
    governed = s3.put_object(Bucket=bucket_name, Key="g", Body=b"x")["VersionId"]
    complied = s3.put_object(
        Bucket=bucket_name,
        Key="c",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=_later(days=1),
    )["VersionId"]
    objects: Any = [{"Key": "g", "VersionId": governed}, {"Key": "c", "VersionId": complied}, {"Key": "new"}]
    response = s3.delete_objects(Bucket=bucket_name, Delete={"Objects": objects})
    errors = {e["Key"]: (e["Code"], e["Message"], e["VersionId"]) for e in response["Errors"]}
    assert errors == {"g": ("AccessDenied", LOCKED, governed), "c": ("AccessDenied", LOCKED, complied)}
    assert [d["Key"] for d in response["Deleted"]] == ["new"]  # a delete marker
    response = s3.delete_objects(
        Bucket=bucket_name, Delete={"Objects": objects[:2]}, BypassGovernanceRetention=True
    )
    assert [(d["Key"], d["VersionId"]) for d in response["Deleted"]] == [("g", governed)]
    assert [(e["Key"], e["Code"]) for e in response["Errors"]] == [("c", "AccessDenied")]
