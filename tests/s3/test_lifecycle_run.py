"""Lifecycle execution: rules act when the clock moves and on run_lifecycle(), with S3's headers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# 10:30 UTC: every "Days" rule is due at a midnight after creation + days
CREATED = datetime(2030, 1, 15, 10, 30, tzinfo=timezone.utc)
BIG = b"x" * (128 * 1024)  # S3 transitions nothing smaller by default


def _rule(rule_id: str = "r1", **members: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {"ID": rule_id, "Status": "Enabled", "Filter": {}}
    rule.update(members)
    return rule


def _configure(s3: S3Client, bucket: str, *rules: dict[str, Any], **extra: Any) -> None:
    config: Any = {"Rules": list(rules)}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=config, **extra)


def _start(s3emu: S3Emulator) -> None:
    s3emu.clock.set(CREATED)
    s3emu.clock.freeze()


def _keys(s3: S3Client, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _at(day: int, hour: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, tzinfo=timezone.utc)


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _versions(s3: S3Client, bucket: str) -> tuple[list[str], list[str]]:
    listing = s3.list_object_versions(Bucket=bucket)
    versions = [v["VersionId"] for v in listing.get("Versions", [])]
    markers = [m["VersionId"] for m in listing.get("DeleteMarkers", [])]
    return versions, markers


# Expiration


def test_days_expiration_is_due_at_the_midnight_after_creation_plus_days(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    _configure(s3, s3_bucket, _rule(Expiration={"Days": 3}))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    # 2030-01-15 10:30 + 3 days = 2030-01-18 10:30, rounded up to 2030-01-19 00:00 UTC
    s3emu.clock.set(_at(18, 23))
    assert _keys(s3, s3_bucket) == ["k"]
    s3emu.clock.set(_at(19))
    assert _keys(s3, s3_bucket) == []


def test_a_version_written_at_midnight_is_due_at_the_following_midnight(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    s3emu.clock.set(_at(15))
    s3emu.clock.freeze()
    _configure(s3, s3_bucket, _rule("one-day", Expiration={"Days": 1}))
    put = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    # 2030-01-15 00:00 + 1 day is a midnight already: S3 rounds to the next day's midnight
    assert put["Expiration"] == 'expiry-date="Thu, 17 Jan 2030 00:00:00 GMT", rule-id="one-day"'
    s3emu.clock.set(_at(16, 23))
    assert _keys(s3, s3_bucket) == ["k"]
    s3emu.clock.set(_at(17))
    assert _keys(s3, s3_bucket) == []


def test_a_zero_day_transition_is_due_at_the_midnight_after_creation(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    _configure(s3, s3_bucket, _rule(Transitions=[{"Days": 0, "StorageClass": "GLACIER"}]))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=BIG)
    assert s3emu.run_lifecycle() == []
    s3emu.clock.set(_at(16))
    assert s3.head_object(Bucket=s3_bucket, Key="k")["StorageClass"] == "GLACIER"


def test_date_expiration_removes_what_matches_from_the_date_on(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    _configure(s3, s3_bucket, _rule(Expiration={"Date": _at(20)}))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    s3emu.clock.set(_at(19, 23))
    assert _keys(s3, s3_bucket) == ["k"]
    s3emu.clock.set(_at(20))
    assert _keys(s3, s3_bucket) == []


def test_expiration_in_a_versioned_bucket_adds_a_delete_marker(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    _configure(s3, s3_bucket, _rule(Expiration={"Days": 1}))
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")["VersionId"]
    s3emu.clock.advance(days=2)
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket=s3_bucket, Key="k")
    assert _error(missing) == ("NoSuchKey", 404)
    versions, markers = _versions(s3, s3_bucket)
    assert versions == [version] and len(markers) == 1
    assert s3.get_object(Bucket=s3_bucket, Key="k", VersionId=version)["Body"].read() == b"v"


def test_run_lifecycle_applies_the_rules_at_the_current_time(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    s3emu.clock.set(CREATED)  # not frozen: the clock runs on from here
    _configure(s3, s3_bucket, _rule("expire-all", Expiration={"Date": _at(1)}))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    assert _keys(s3, s3_bucket) == ["k"]  # nothing runs per request
    done = s3emu.run_lifecycle()
    assert [(a.action, a.bucket, a.key, a.rule_id) for a in done] == [
        ("Expiration", s3_bucket, "k", "expire-all")
    ]
    assert _keys(s3, s3_bucket) == []


def test_a_disabled_rule_does_nothing(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _start(s3emu)
    rule = _rule(Expiration={"Days": 1}, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1})
    rule["Status"] = "Disabled"
    _configure(s3, s3_bucket, rule)
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    s3.create_multipart_upload(Bucket=s3_bucket, Key="u")
    s3emu.clock.advance(days=30)
    assert _keys(s3, s3_bucket) == ["k"]
    assert len(s3.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])) == 1
    assert "Expiration" not in s3.head_object(Bucket=s3_bucket, Key="k")


def test_expired_object_delete_marker_goes_once_no_version_is_left(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    _configure(s3, s3_bucket, _rule(Expiration={"ExpiredObjectDeleteMarker": True}))
    kept = s3.put_object(Bucket=s3_bucket, Key="kept", Body=b"v")["VersionId"]
    s3.delete_object(Bucket=s3_bucket, Key="kept")
    gone = s3.put_object(Bucket=s3_bucket, Key="gone", Body=b"v")["VersionId"]
    s3.delete_object(Bucket=s3_bucket, Key="gone")
    s3.delete_object(Bucket=s3_bucket, Key="gone", VersionId=gone)
    s3emu.clock.advance(days=1)
    listing = s3.list_object_versions(Bucket=s3_bucket)
    assert [(m["Key"]) for m in listing["DeleteMarkers"]] == ["kept"]  # a version is behind it
    assert [v["VersionId"] for v in listing["Versions"]] == [kept]


def test_a_days_expiration_clears_a_lone_delete_marker_once_it_is_old_enough(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    _configure(s3, s3_bucket, _rule(Expiration={"Days": 2}))
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")["VersionId"]
    s3.delete_object(Bucket=s3_bucket, Key="k")
    s3.delete_object(Bucket=s3_bucket, Key="k", VersionId=version)
    # the marker, written 2030-01-15 10:30, is old enough for the 2-day rule at 2030-01-18 00:00
    s3emu.clock.set(_at(17, 23))
    assert len(_versions(s3, s3_bucket)[1]) == 1
    s3emu.clock.set(_at(18))
    assert _versions(s3, s3_bucket) == ([], [])


def test_expiration_in_a_suspended_bucket_replaces_the_null_version_with_a_null_marker(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    kept = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1")["VersionId"]
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"2")
    _configure(s3, s3_bucket, _rule(Expiration={"Days": 1}))
    s3emu.clock.advance(days=2)
    assert _versions(s3, s3_bucket) == ([kept], ["null"])


# NoncurrentVersionExpiration


def test_noncurrent_days_count_from_when_the_version_became_noncurrent(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    _configure(s3, s3_bucket, _rule(NoncurrentVersionExpiration={"NoncurrentDays": 2}))
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1")["VersionId"]
    s3emu.clock.set(_at(20, 12))
    new = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"2")["VersionId"]
    # noncurrent from 2030-01-20 12:00: due 2030-01-23 00:00, whatever its age
    s3emu.clock.set(_at(22, 23))
    assert _versions(s3, s3_bucket)[0] == [new, old]
    s3emu.clock.set(_at(23))
    assert _versions(s3, s3_bucket)[0] == [new]


def test_newer_noncurrent_versions_are_kept(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    expiration = {"NoncurrentDays": 1, "NewerNoncurrentVersions": 2}
    _configure(s3, s3_bucket, _rule(NoncurrentVersionExpiration=expiration))
    ids = [s3.put_object(Bucket=s3_bucket, Key="k", Body=str(n).encode())["VersionId"] for n in range(5)]
    s3emu.clock.advance(days=10)
    # the current version and the two newest noncurrent ones stay
    assert _versions(s3, s3_bucket)[0] == ids[:1:-1]


def test_expiration_then_noncurrent_expiration_in_one_long_jump(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    rule = _rule(
        Expiration={"Days": 30},
        NoncurrentVersionExpiration={"NoncurrentDays": 10},
    )
    _configure(s3, s3_bucket, rule)
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    # the delete marker is dated when the rule was due, so the version's noncurrent days ran out too
    s3emu.clock.advance(days=60)
    versions, markers = _versions(s3, s3_bucket)
    assert versions == [] and len(markers) == 1


def test_locked_noncurrent_versions_are_not_expired(s3emu: S3Emulator, s3: S3Client) -> None:
    _start(s3emu)
    bucket = "lifecycle-locked-noncurrent"
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    _configure(s3, bucket, _rule(NoncurrentVersionExpiration={"NoncurrentDays": 1}))
    until = CREATED + timedelta(days=100)
    old = s3.put_object(
        Bucket=bucket, Key="k", Body=b"1", ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until
    )["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
    s3emu.clock.advance(days=5)
    assert _versions(s3, bucket)[0] == [new, old]
    s3emu.clock.advance(days=100)
    assert _versions(s3, bucket)[0] == [new]


# AbortIncompleteMultipartUpload


def test_incomplete_uploads_are_aborted_days_after_initiation(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    rule = _rule(
        "abort-7", Filter={"Prefix": "tmp/"}, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7}
    )
    _configure(s3, s3_bucket, rule)
    created = s3.create_multipart_upload(Bucket=s3_bucket, Key="tmp/big")
    other = s3.create_multipart_upload(Bucket=s3_bucket, Key="keep/big")
    assert created["AbortDate"] == _at(23)
    assert created["AbortRuleId"] == "abort-7"
    assert "AbortDate" not in other
    s3.upload_part(Bucket=s3_bucket, Key="tmp/big", UploadId=created["UploadId"], PartNumber=1, Body=b"p")
    parts = s3.list_parts(Bucket=s3_bucket, Key="tmp/big", UploadId=created["UploadId"])
    assert (parts["AbortDate"], parts["AbortRuleId"]) == (_at(23), "abort-7")
    s3emu.clock.set(_at(22, 23))
    assert len(s3.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]) == 2
    s3emu.clock.set(_at(23))
    uploads = s3.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]
    assert [u["Key"] for u in uploads] == ["keep/big"]
    with pytest.raises(ClientError) as gone:
        s3.list_parts(Bucket=s3_bucket, Key="tmp/big", UploadId=created["UploadId"])
    assert _error(gone) == ("NoSuchUpload", 404)


# Transitions


def test_transitions_change_the_storage_class_step_by_step(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    transitions = [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}]
    _configure(s3, s3_bucket, _rule(Transitions=transitions))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=BIG)
    s3emu.clock.advance(days=31)
    assert s3.head_object(Bucket=s3_bucket, Key="k")["StorageClass"] == "STANDARD_IA"
    s3emu.clock.advance(days=60)
    assert s3.head_object(Bucket=s3_bucket, Key="k")["StorageClass"] == "GLACIER"
    listed = s3.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert listed[0]["StorageClass"] == "GLACIER"
    with pytest.raises(ClientError) as archived:
        s3.get_object(Bucket=s3_bucket, Key="k")
    assert _error(archived) == ("InvalidObjectState", 403)


def test_objects_under_128_kib_are_not_transitioned_by_default(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    transitions = [{"Days": 0, "StorageClass": "GLACIER"}]
    _configure(
        s3,
        s3_bucket,
        _rule("default-size", Filter={"Prefix": "a"}, Transitions=transitions),
        _rule(
            "own-size", Filter={"And": {"Prefix": "b", "ObjectSizeGreaterThan": 1}}, Transitions=transitions
        ),
    )
    for key in ("a-small", "b-small"):
        s3.put_object(Bucket=s3_bucket, Key=key, Body=b"tiny")
    s3.put_object(Bucket=s3_bucket, Key="a-big", Body=BIG)
    s3emu.clock.advance(days=1)
    classes = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    # a size filter of the rule's own replaces the 128 KiB minimum
    assert classes == {"a-big": "GLACIER", "a-small": "STANDARD", "b-small": "GLACIER"}


def test_varies_by_storage_class_lets_small_objects_reach_glacier(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    rules = (
        _rule("ia", Filter={"Prefix": "ia/"}, Transitions=[{"Days": 30, "StorageClass": "STANDARD_IA"}]),
        _rule("glacier", Filter={"Prefix": "g/"}, Transitions=[{"Days": 1, "StorageClass": "GLACIER"}]),
    )
    _configure(s3, s3_bucket, *rules, TransitionDefaultMinimumObjectSize="varies_by_storage_class")
    s3.put_object(Bucket=s3_bucket, Key="ia/small", Body=b"tiny")
    s3.put_object(Bucket=s3_bucket, Key="g/small", Body=b"tiny")
    s3emu.clock.advance(days=40)
    classes = {o["Key"]: o["StorageClass"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]}
    assert classes == {"g/small": "GLACIER", "ia/small": "STANDARD"}


def test_noncurrent_version_transitions(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    moves = [{"NoncurrentDays": 30, "StorageClass": "GLACIER"}]
    _configure(s3, s3_bucket, _rule(NoncurrentVersionTransitions=moves))
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=BIG)["VersionId"]
    new = s3.put_object(Bucket=s3_bucket, Key="k", Body=BIG)["VersionId"]
    s3emu.clock.advance(days=31)
    assert s3.head_object(Bucket=s3_bucket, Key="k", VersionId=old)["StorageClass"] == "GLACIER"
    assert "StorageClass" not in s3.head_object(Bucket=s3_bucket, Key="k", VersionId=new)


def test_a_transition_due_with_an_expiration_comes_before_the_delete_marker(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    _configure(
        s3,
        s3_bucket,
        _rule("move", Transitions=[{"Days": 1, "StorageClass": "GLACIER"}]),
        _rule("expire", Expiration={"Days": 1}),
    )
    version = s3.put_object(Bucket=s3_bucket, Key="k", Body=BIG)["VersionId"]
    s3.put_object(Bucket=s3_bucket, Key="tiny", Body=b"v")
    s3emu.clock.freeze()
    s3emu.clock.set(_at(17))
    assert s3.head_object(Bucket=s3_bucket, Key="k", VersionId=version)["StorageClass"] == "GLACIER"
    assert len(_versions(s3, s3_bucket)[1]) == 2  # both keys now end in a delete marker
    assert s3emu.run_lifecycle() == []  # nothing left to do at this time


# Filters


@pytest.mark.parametrize(
    ("rule_filter", "expired"),
    [
        ({"Prefix": "logs/"}, {"logs/small", "logs/big-tagged"}),
        ({"Tag": {"Key": "tier", "Value": "temp"}}, {"logs/big-tagged", "data/tagged"}),
        ({"ObjectSizeGreaterThan": 10}, {"logs/big-tagged"}),
        ({"ObjectSizeLessThan": 10}, {"logs/small", "data/tagged"}),
        (
            {
                "And": {
                    "Prefix": "logs/",
                    "Tags": [{"Key": "tier", "Value": "temp"}],
                    "ObjectSizeGreaterThan": 5,
                }
            },
            {"logs/big-tagged"},
        ),
        ({}, {"logs/small", "logs/big-tagged", "data/tagged"}),
    ],
    ids=["prefix", "tag", "size-greater", "size-less", "and", "empty"],
)
def test_filters_choose_what_expires(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str, rule_filter: dict[str, Any], expired: set[str]
) -> None:
    _start(s3emu)
    _configure(s3, s3_bucket, _rule(Filter=rule_filter, Expiration={"Days": 1}))
    s3.put_object(Bucket=s3_bucket, Key="logs/small", Body=b"1234")
    s3.put_object(Bucket=s3_bucket, Key="logs/big-tagged", Body=b"x" * 20, Tagging="tier=temp")
    s3.put_object(Bucket=s3_bucket, Key="data/tagged", Body=b"x" * 5, Tagging="tier=temp&k=v")
    before = set(_keys(s3, s3_bucket))
    s3emu.clock.advance(days=2)
    assert before - set(_keys(s3, s3_bucket)) == expired


def test_the_older_rule_level_prefix_filters_too(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _start(s3emu)
    rule = {"ID": "legacy", "Status": "Enabled", "Prefix": "tmp/", "Expiration": {"Days": 1}}
    _configure(s3, s3_bucket, rule)
    s3.put_object(Bucket=s3_bucket, Key="tmp/a", Body=b"1")
    s3.put_object(Bucket=s3_bucket, Key="keep/a", Body=b"1")
    s3emu.clock.advance(days=2)
    assert _keys(s3, s3_bucket) == ["keep/a"]


# x-amz-expiration


def test_x_amz_expiration_on_put_head_get_copy_and_complete(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    _configure(s3, s3_bucket, _rule("picture-deletion-rule", Expiration={"Days": 3}))
    expected = 'expiry-date="Sat, 19 Jan 2030 00:00:00 GMT", rule-id="picture-deletion-rule"'
    assert s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")["Expiration"] == expected
    assert s3.head_object(Bucket=s3_bucket, Key="k")["Expiration"] == expected
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Expiration"] == expected
    copied = s3.copy_object(Bucket=s3_bucket, Key="c", CopySource={"Bucket": s3_bucket, "Key": "k"})
    assert copied["Expiration"] == expected
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="m")["UploadId"]
    etag = s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="m",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert done["Expiration"] == expected


def test_x_amz_expiration_names_the_earliest_matching_rule(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _start(s3emu)
    _configure(
        s3,
        s3_bucket,
        _rule("year", Expiration={"Days": 365}),
        _rule("week", Filter={"Prefix": "tmp/"}, Expiration={"Days": 7}),
        _rule("on/a date", Filter={"Prefix": "tmp/x"}, Expiration={"Date": _at(30)}),
    )
    head = s3.put_object(Bucket=s3_bucket, Key="tmp/a", Body=b"v")
    assert head["Expiration"] == 'expiry-date="Wed, 23 Jan 2030 00:00:00 GMT", rule-id="week"'
    other = s3.put_object(Bucket=s3_bucket, Key="other", Body=b"v")
    assert other["Expiration"] == 'expiry-date="Thu, 16 Jan 2031 00:00:00 GMT", rule-id="year"'
    dated = s3.put_object(Bucket=s3_bucket, Key="tmp/x", Body=b"v")
    assert dated["Expiration"] == 'expiry-date="Wed, 23 Jan 2030 00:00:00 GMT", rule-id="week"'


def test_no_x_amz_expiration_without_a_matching_rule(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    assert "Expiration" not in s3.head_object(Bucket=s3_bucket, Key="k")
    _configure(s3, s3_bucket, _rule(Filter={"Prefix": "logs/"}, Expiration={"Days": 3}))
    assert "Expiration" not in s3.head_object(Bucket=s3_bucket, Key="k")
    assert "Expiration" not in s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")


def test_x_amz_expiration_only_without_a_version_id(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _start(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    _configure(s3, s3_bucket, _rule(Expiration={"Days": 3}))
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1")["VersionId"]
    current = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"2")
    assert "Expiration" in current
    assert "Expiration" in s3.head_object(Bucket=s3_bucket, Key="k")
    # a request naming a version, even the current one, gets no x-amz-expiration
    for version in (old, current["VersionId"]):
        assert "Expiration" not in s3.head_object(Bucket=s3_bucket, Key="k", VersionId=version)
        assert "Expiration" not in s3.get_object(Bucket=s3_bucket, Key="k", VersionId=version)


def test_deleting_the_configuration_stops_the_rules(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _start(s3emu)
    _configure(s3, s3_bucket, _rule(Expiration={"Days": 1}))
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    s3.delete_bucket_lifecycle(Bucket=s3_bucket)
    s3emu.clock.advance(days=5)
    assert _keys(s3, s3_bucket) == ["k"]
