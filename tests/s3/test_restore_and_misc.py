"""RestoreObject, object annotations, UpdateObjectEncryption, and the operations AWS no longer offers."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from pytest_s3emu.records import Annotation
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCOUNT_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_RESTORE = re.compile(r'^ongoing-request="false", expiry-date="([^"]+)"$')


def _error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _status(response: Any) -> int:
    status: int = response["ResponseMetadata"]["HTTPStatusCode"]
    return status


# --- RestoreObject --------------------------------------------------------------------------------


@pytest.mark.parametrize("storage_class", ["GLACIER", "DEEP_ARCHIVE"])
def test_restore_makes_an_archived_object_readable(s3: S3Client, s3_bucket: str, storage_class: Any) -> None:
    s3.put_object(Bucket=s3_bucket, Key="cold", Body=b"frozen", StorageClass=storage_class)
    assert _error(s3.get_object, Bucket=s3_bucket, Key="cold") == ("InvalidObjectState", 403)
    assert "Restore" not in s3.head_object(Bucket=s3_bucket, Key="cold")
    before = datetime.now(timezone.utc)
    first = s3.restore_object(Bucket=s3_bucket, Key="cold", RestoreRequest={"Days": 2})
    assert _status(first) == 202
    head = s3.head_object(Bucket=s3_bucket, Key="cold")
    assert head["StorageClass"] == storage_class  # the object stays archived; a copy is readable
    found = _RESTORE.match(head["Restore"])
    assert found is not None, head["Restore"]
    expiry = parsedate_to_datetime(found.group(1))
    # the first midnight UTC after the restore's days
    assert (expiry.hour, expiry.minute, expiry.second) == (0, 0, 0)
    assert before + timedelta(days=2) < expiry <= before + timedelta(days=3)
    assert s3.get_object(Bucket=s3_bucket, Key="cold")["Body"].read() == b"frozen"
    s3.copy_object(Bucket=s3_bucket, Key="thawed", CopySource=f"{s3_bucket}/cold", StorageClass="STANDARD")
    assert s3.get_object(Bucket=s3_bucket, Key="thawed")["Body"].read() == b"frozen"
    # restoring a restored object answers 200 and moves its expiry date
    again = s3.restore_object(Bucket=s3_bucket, Key="cold", RestoreRequest={"Days": 5})
    assert _status(again) == 200
    later = _RESTORE.match(s3.head_object(Bucket=s3_bucket, Key="cold")["Restore"])
    assert later is not None and parsedate_to_datetime(later.group(1)) == expiry + timedelta(days=3)


def test_restored_copy_expires(s3: S3Client, s3_bucket: str, s3emu: S3Emulator) -> None:
    s3.put_object(Bucket=s3_bucket, Key="cold", Body=b"x", StorageClass="GLACIER")
    s3.restore_object(Bucket=s3_bucket, Key="cold", RestoreRequest={"Days": 1})
    # move the expiry into the past instead of waiting for it
    s3emu.app.store.get_object(s3_bucket, "cold").restore_expiry = datetime.now(timezone.utc) - timedelta(
        seconds=1
    )
    assert "Restore" not in s3.head_object(Bucket=s3_bucket, Key="cold")
    assert _error(s3.get_object, Bucket=s3_bucket, Key="cold") == ("InvalidObjectState", 403)
    assert _status(s3.restore_object(Bucket=s3_bucket, Key="cold", RestoreRequest={"Days": 1})) == 202


@pytest.mark.parametrize("storage_class", ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR"])
def test_restore_refused_outside_archive_classes(s3: S3Client, s3_bucket: str, storage_class: Any) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", StorageClass=storage_class)
    with pytest.raises(ClientError) as excinfo:
        s3.restore_object(Bucket=s3_bucket, Key="k", RestoreRequest={"Days": 1})
    error: Any = excinfo.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidObjectState",
        403,
    )
    assert error["Error"]["Message"] == "Restore is not allowed for the object's current storage class"


def test_restore_in_the_active_tier(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", StorageClass="INTELLIGENT_TIERING")
    restore = {"Bucket": s3_bucket, "Key": "k", "RestoreRequest": {"Days": 1}}
    assert _error(s3.restore_object, **restore) == ("ObjectAlreadyInActiveTierError", 403)


def test_restore_request_errors(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="cold", Body=b"x", StorageClass="GLACIER")
    assert _error(s3.restore_object, Bucket=s3_bucket, Key="cold") == ("MalformedXML", 400)
    no_days: Any = {"GlacierJobParameters": {"Tier": "Bulk"}}
    assert _error(s3.restore_object, Bucket=s3_bucket, Key="cold", RestoreRequest=no_days) == (
        "MalformedXML",
        400,
    )
    zero: Any = {"Days": 0}
    assert _error(s3.restore_object, Bucket=s3_bucket, Key="cold", RestoreRequest=zero) == (
        "MalformedXML",
        400,
    )
    select: Any = {
        "Type": "SELECT",
        "SelectParameters": {
            "InputSerialization": {"CSV": {}},
            "ExpressionType": "SQL",
            "Expression": "select * from s3object",
            "OutputSerialization": {"CSV": {}},
        },
    }
    assert _error(s3.restore_object, Bucket=s3_bucket, Key="cold", RestoreRequest=select) == (
        "NotImplemented",
        501,
    )
    days: Any = {"Days": 1}
    assert _error(s3.restore_object, Bucket=s3_bucket, Key="missing", RestoreRequest=days) == (
        "NoSuchKey",
        404,
    )
    assert _error(s3.restore_object, Bucket="no-such-bucket-restore", Key="k", RestoreRequest=days) == (
        "NoSuchBucket",
        404,
    )


def test_restore_a_version(s3: S3Client, s3_bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"old", StorageClass="DEEP_ARCHIVE")["VersionId"]
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new", StorageClass="DEEP_ARCHIVE")
    s3.restore_object(Bucket=s3_bucket, Key="k", VersionId=old, RestoreRequest={"Days": 1})
    assert s3.get_object(Bucket=s3_bucket, Key="k", VersionId=old)["Body"].read() == b"old"
    assert _error(s3.get_object, Bucket=s3_bucket, Key="k") == ("InvalidObjectState", 403)


# --- object annotations ---------------------------------------------------------------------------


def test_annotation_round_trip(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    payload = b'{"label": "cat", "score": 0.98}'
    put = s3.put_object_annotation(
        Bucket=s3_bucket, Key="k", AnnotationName="ml/labels", AnnotationPayload=payload
    )
    assert put["ETag"] == f'"{hashlib.md5(payload).hexdigest()}"'
    assert put["ServerSideEncryption"] == "AES256"  # the object's own encryption
    got = s3.get_object_annotation(
        Bucket=s3_bucket, Key="k", AnnotationName="ml/labels", ChecksumMode="ENABLED"
    )
    assert got["AnnotationPayload"].read() == payload
    assert got["ContentLength"] == len(payload)
    assert got["ETag"] == put["ETag"]
    assert got["ChecksumCRC32"] == put["ChecksumCRC32"]  # botocore sends a CRC32 by default
    # a Put under the same name replaces the annotation
    s3.put_object_annotation(Bucket=s3_bucket, Key="k", AnnotationName="ml/labels", AnnotationPayload=b"dog")
    again = s3.get_object_annotation(Bucket=s3_bucket, Key="k", AnnotationName="ml/labels")
    assert again["AnnotationPayload"].read() == b"dog"
    deleted = s3.delete_object_annotation(Bucket=s3_bucket, Key="k", AnnotationName="ml/labels")
    assert _status(deleted) == 204
    missing: Any = {"Bucket": s3_bucket, "Key": "k", "AnnotationName": "ml/labels"}
    assert _error(s3.get_object_annotation, **missing) == ("NoSuchAnnotation", 404)
    # deleting an annotation that is not there succeeds
    assert _status(s3.delete_object_annotation(**missing)) == 204
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"x"  # the object is untouched


def test_list_annotations(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    for name in ("b", "a/2", "a/1", "c"):
        s3.put_object_annotation(
            Bucket=s3_bucket, Key="k", AnnotationName=name, AnnotationPayload=name.encode()
        )
    listed = s3.list_object_annotations(Bucket=s3_bucket, Key="k")
    assert [a["AnnotationName"] for a in listed["Annotations"]] == ["a/1", "a/2", "b", "c"]
    assert listed["Annotations"][0]["Size"] == 3
    assert listed["Annotations"][0]["ChecksumAlgorithm"] == ["CRC32"]
    assert listed["AnnotationCount"] == 4 and "NextContinuationToken" not in listed
    prefixed = s3.list_object_annotations(Bucket=s3_bucket, Key="k", AnnotationPrefix="a/")
    assert [a["AnnotationName"] for a in prefixed["Annotations"]] == ["a/1", "a/2"]
    page = s3.list_object_annotations(Bucket=s3_bucket, Key="k", MaxAnnotationResults=3)
    assert [a["AnnotationName"] for a in page["Annotations"]] == ["a/1", "a/2", "b"]
    rest = s3.list_object_annotations(
        Bucket=s3_bucket, Key="k", MaxAnnotationResults=3, ContinuationToken=page["NextContinuationToken"]
    )
    assert [a["AnnotationName"] for a in rest["Annotations"]] == ["c"]
    assert "NextContinuationToken" not in rest
    too_many = {"Bucket": s3_bucket, "Key": "k", "MaxAnnotationResults": 1001}
    assert _error(s3.list_object_annotations, **too_many) == ("InvalidArgument", 400)


def test_annotations_belong_to_one_version(s3: S3Client, s3_bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1")["VersionId"]
    put = s3.put_object_annotation(Bucket=s3_bucket, Key="k", AnnotationName="n", AnnotationPayload=b"v1")
    assert put["ObjectVersionId"] == first
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"2")
    # the new version starts without annotations; the old one keeps its own
    assert s3.list_object_annotations(Bucket=s3_bucket, Key="k")["Annotations"] == []
    old = s3.get_object_annotation(Bucket=s3_bucket, Key="k", VersionId=first, AnnotationName="n")
    assert old["AnnotationPayload"].read() == b"v1"
    assert old["ObjectVersionId"] == first


def test_annotation_errors(s3: S3Client, s3_bucket: str) -> None:
    etag = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")["ETag"]
    put: Any = {"Bucket": s3_bucket, "Key": "k", "AnnotationName": "n"}
    assert _error(s3.put_object_annotation, **put, AnnotationPayload=b"\xff\xfe") == (
        "UnsupportedMediaType",
        415,
    )
    assert _error(s3.put_object_annotation, **put, AnnotationPayload=b"") == ("InvalidRequest", 400)
    too_big = b"a" * (1024 * 1024 + 1)
    assert _error(s3.put_object_annotation, **put, AnnotationPayload=too_big) == ("InvalidRequest", 400)
    long_name = {**put, "AnnotationName": "n" * 513, "AnnotationPayload": b"v"}
    assert _error(s3.put_object_annotation, **long_name) == ("AnnotationNameTooLong", 400)
    stale = {**put, "AnnotationPayload": b"v", "ObjectIfMatch": '"0123456789abcdef0123456789abcdef"'}
    assert _error(s3.put_object_annotation, **stale) == ("PreconditionFailed", 412)
    s3.put_object_annotation(**put, AnnotationPayload=b"v", ObjectIfMatch=etag)
    stale_delete = {**put, "ObjectIfMatch": stale["ObjectIfMatch"]}
    assert _error(s3.delete_object_annotation, **stale_delete) == ("PreconditionFailed", 412)
    assert s3.get_object_annotation(**put)["AnnotationPayload"].read() == b"v"
    missing = {"Bucket": s3_bucket, "Key": "missing", "AnnotationName": "n"}
    assert _error(s3.put_object_annotation, **missing, AnnotationPayload=b"v") == ("NoSuchKey", 404)
    assert _error(s3.get_object_annotation, **missing) == ("NoSuchKey", 404)


def test_at_most_a_thousand_annotations(s3: S3Client, s3_bucket: str, s3emu: S3Emulator) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    # 999 put straight into the store (a thousand requests would only slow the test down)
    s3emu.app.store.get_object(s3_bucket, "k").annotations = {
        f"n{i:04d}": Annotation(b"v", '"etag"') for i in range(999)
    }
    s3.put_object_annotation(Bucket=s3_bucket, Key="k", AnnotationName="last", AnnotationPayload=b"v")
    one_more = {"Bucket": s3_bucket, "Key": "k", "AnnotationName": "extra", "AnnotationPayload": b"v"}
    assert _error(s3.put_object_annotation, **one_more) == ("AnnotationLimitExceeded", 400)
    # replacing one of the thousand is fine
    s3.put_object_annotation(Bucket=s3_bucket, Key="k", AnnotationName="n0000", AnnotationPayload=b"new")


# --- UpdateObjectEncryption -----------------------------------------------------------------------


def test_update_object_encryption_to_sse_kms(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"secret")
    before = s3.head_object(Bucket=s3_bucket, Key="k")
    assert before["ServerSideEncryption"] == "AES256"
    encryption: Any = {"SSEKMS": {"KMSKeyArn": ACCOUNT_KEY, "BucketKeyEnabled": True}}
    response = s3.update_object_encryption(Bucket=s3_bucket, Key="k", ObjectEncryption=encryption)
    assert _status(response) == 200
    after = s3.head_object(Bucket=s3_bucket, Key="k")
    assert (after["ServerSideEncryption"], after["SSEKMSKeyId"], after["BucketKeyEnabled"]) == (
        "aws:kms",
        ACCOUNT_KEY,
        True,
    )
    # nothing else changes: no data is copied
    assert (after["ETag"], after["LastModified"]) == (before["ETag"], before["LastModified"])
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"secret"


def test_update_object_encryption_errors(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")

    def update(arn: str, key: str = "k", bucket: str = s3_bucket) -> tuple[str, int]:
        encryption: Any = {"SSEKMS": {"KMSKeyArn": arn}}
        return _error(s3.update_object_encryption, Bucket=bucket, Key=key, ObjectEncryption=encryption)

    assert update("arn:aws:kms:us-east-1:123456789012:alias/my-key") == ("InvalidRequest", 400)
    assert update("arn:aws:kms:us-east-1:111122223333:key/abcd-1234") == ("AccessDenied", 403)
    assert update(ACCOUNT_KEY, key="missing") == ("NoSuchKey", 404)
    assert update(ACCOUNT_KEY, bucket="no-such-bucket-sse") == ("NoSuchBucket", 404)
    s3.put_object(Bucket=s3_bucket, Key="dsse", Body=b"x", ServerSideEncryption="aws:kms:dsse")
    assert update(ACCOUNT_KEY, key="dsse") == ("InvalidRequest", 400)


def test_update_object_encryption_under_object_lock(s3: S3Client) -> None:
    bucket = f"t-{uuid.uuid4().hex[:24]}"
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")
    encryption: Any = {"SSEKMS": {"KMSKeyArn": ACCOUNT_KEY}}
    assert _error(s3.update_object_encryption, Bucket=bucket, Key="k", ObjectEncryption=encryption) == (
        "AccessDenied",
        403,
    )
    s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "OFF"})
    s3.update_object_encryption(Bucket=bucket, Key="k", ObjectEncryption=encryption)
    assert s3.head_object(Bucket=bucket, Key="k")["ServerSideEncryption"] == "aws:kms"


# --- operations AWS no longer offers a general purpose bucket ----------------------------------


def test_discontinued_operations_answer_not_implemented(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"a,b\n")
    calls: list[tuple[Callable[..., Any], dict[str, Any], str]] = [
        (s3.get_object_torrent, {}, "BitTorrent"),
        (s3.rename_object, {"RenameSource": f"{s3_bucket}/k"}, "directory buckets"),
        (
            s3.select_object_content,
            {
                "Expression": "select * from s3object",
                "ExpressionType": "SQL",
                "InputSerialization": {"CSV": {}},
                "OutputSerialization": {"CSV": {}},
            },
            "S3 Select",
        ),
    ]
    for call, extra, reason in calls:
        with pytest.raises(ClientError) as excinfo:
            call(Bucket=s3_bucket, Key="k", **extra)
        error: Any = excinfo.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            "NotImplemented",
            501,
        )
        assert reason in error["Error"]["Message"]
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"a,b\n"
