"""Bucket policy conditions through boto3: every operator family, the condition keys S3 fills
in, NotPrincipal/NotAction/NotResource, and S3's check of the operators at PutBucketPolicy.

Each case sends a request that satisfies the condition and one that does not; a refusal is
``403 AccessDenied``. Deny statements apply to the bucket owner too, so most cases need no
second account and no change to Block Public Access."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from access_support import anonymous_client, put_policy, refused
from botocore.exceptions import ClientError
from rawhttp import send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import TaggingTypeDef

KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = "arn:aws:kms:us-east-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab"
DENIED = ("AccessDenied", 403)


def _outcome(call: Callable[[], Any]) -> str:
    """ "allowed", or the error code and status of the refusal."""
    try:
        call()
    except ClientError as error:
        response = error.response
        return f"{response['Error']['Code']} {response['ResponseMetadata']['HTTPStatusCode']}"
    return "allowed"


def _deny(action: str | list[str], resource: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": condition,
    }


def _deny_listing(s3: S3Client, bucket: str, condition: dict[str, Any]) -> None:
    put_policy(s3, bucket, _deny("s3:ListBucket", f"arn:aws:s3:::{bucket}", condition))


def _list(s3: S3Client, bucket: str, **params: Any) -> Callable[[], Any]:
    return lambda: s3.list_objects_v2(Bucket=bucket, **params)


# --- string operators, over s3:prefix ----------------------------------------------------------

ABSENT = None


@pytest.mark.parametrize(
    ("operator", "values", "prefix", "denied"),
    [
        ("StringEquals", "logs/", "logs/", True),
        ("StringEquals", "logs/", "Logs/", False),  # case-sensitive
        ("StringEquals", "logs/", ABSENT, False),  # a missing key fails a positive operator
        ("StringEquals", ["a/", "logs/"], "logs/", True),  # values of one key are or-ed
        ("StringNotEquals", "logs/", "logs/", False),
        ("StringNotEquals", "logs/", "other/", True),
        ("StringNotEquals", "logs/", ABSENT, True),  # ... and passes a negated one
        ("StringNotEquals", ["a/", "logs/"], "a/", False),
        ("StringEqualsIgnoreCase", "LOGS/", "logs/", True),
        ("StringEqualsIgnoreCase", "LOGS/", "other/", False),
        ("StringEqualsIgnoreCase", "LOGS/", ABSENT, False),
        ("StringNotEqualsIgnoreCase", "LOGS/", "Logs/", False),
        ("StringNotEqualsIgnoreCase", "LOGS/", "other/", True),
        ("StringNotEqualsIgnoreCase", "LOGS/", ABSENT, True),
        ("StringLike", "lo?s/*", "logs/2024/", True),
        ("StringLike", "lo?s/*", "lags/", False),
        ("StringLike", "lo?s/*", ABSENT, False),
        ("StringNotLike", "logs/*", "logs/a", False),
        ("StringNotLike", "logs/*", "other/", True),
        ("StringNotLike", "logs/*", ABSENT, True),
        ("StringEqualsIfExists", "logs/", ABSENT, True),  # IfExists: a missing key passes
        ("StringEqualsIfExists", "logs/", "other/", False),
        ("StringNotLikeIfExists", "logs/*", ABSENT, True),
        ("StringNotLikeIfExists", "logs/*", "logs/x", False),
        ("ForAnyValue:StringEquals", "logs/", ABSENT, False),  # ForAnyValue of nothing: false
        ("ForAnyValue:StringEquals", "logs/", "logs/", True),
        ("ForAllValues:StringEquals", "logs/", ABSENT, True),  # ForAllValues of nothing: true
        ("ForAllValues:StringEquals", "logs/", "other/", False),
    ],
)
def test_string_operators(
    s3: S3Client, s3_bucket: str, operator: str, values: Any, prefix: str | None, denied: bool
) -> None:
    _deny_listing(s3, s3_bucket, {operator: {"s3:prefix": values}})
    call = _list(s3, s3_bucket) if prefix is None else _list(s3, s3_bucket, Prefix=prefix)
    assert _outcome(call) == ("AccessDenied 403" if denied else "allowed")


def test_keys_and_operators_are_and_ed(s3: S3Client, s3_bucket: str) -> None:
    _deny_listing(
        s3,
        s3_bucket,
        {"StringEquals": {"s3:prefix": "a/", "s3:delimiter": "/"}, "NumericLessThan": {"s3:max-keys": 10}},
    )
    assert refused(_list(s3, s3_bucket, Prefix="a/", Delimiter="/", MaxKeys=5)) == DENIED
    assert _outcome(_list(s3, s3_bucket, Prefix="a/", Delimiter="/")) == "allowed"
    assert _outcome(_list(s3, s3_bucket, Prefix="a/", MaxKeys=5)) == "allowed"
    assert _outcome(_list(s3, s3_bucket, Prefix="b/", Delimiter="/", MaxKeys=5)) == "allowed"


def test_delimiter_condition(s3: S3Client, s3_bucket: str) -> None:
    _deny_listing(s3, s3_bucket, {"StringNotEquals": {"s3:delimiter": "/"}})
    assert _outcome(_list(s3, s3_bucket, Delimiter="/")) == "allowed"
    assert refused(_list(s3, s3_bucket)) == DENIED
    assert refused(_list(s3, s3_bucket, Delimiter="-")) == DENIED


# --- numeric operators, over s3:max-keys -------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "denied_at", "allowed_at"),
    [
        ("NumericEquals", 10, 11),
        ("NumericNotEquals", 11, 10),
        ("NumericLessThan", 9, 10),
        ("NumericLessThanEquals", 10, 11),
        ("NumericGreaterThan", 11, 10),
        ("NumericGreaterThanEquals", 10, 9),
    ],
)
def test_numeric_operators(
    s3: S3Client, s3_bucket: str, operator: str, denied_at: int, allowed_at: int
) -> None:
    _deny_listing(s3, s3_bucket, {operator: {"s3:max-keys": "10"}})
    assert refused(_list(s3, s3_bucket, MaxKeys=denied_at)) == DENIED
    assert _outcome(_list(s3, s3_bucket, MaxKeys=allowed_at)) == "allowed"
    # no max-keys in the request: only the negated operator holds
    expected = "AccessDenied 403" if operator == "NumericNotEquals" else "allowed"
    assert _outcome(_list(s3, s3_bucket)) == expected


def test_numeric_if_exists_and_json_numbers(s3: S3Client, s3_bucket: str) -> None:
    _deny_listing(s3, s3_bucket, {"NumericGreaterThanIfExists": {"s3:max-keys": 100}})
    assert refused(_list(s3, s3_bucket)) == DENIED
    assert refused(_list(s3, s3_bucket, MaxKeys=101)) == DENIED
    assert _outcome(_list(s3, s3_bucket, MaxKeys=100)) == "allowed"


# --- date operators, over aws:CurrentTime and aws:EpochTime ------------------------------------

MOMENT = datetime.datetime(2030, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
EPOCH = int(MOMENT.timestamp())


@pytest.mark.parametrize(
    ("operator", "key", "value", "denied"),
    [
        ("DateEquals", "aws:CurrentTime", "2030-01-01T12:00:00Z", True),
        ("DateEquals", "aws:CurrentTime", "2030-01-01T12:00:01Z", False),
        ("DateNotEquals", "aws:CurrentTime", "2030-01-01T12:00:00Z", False),
        ("DateNotEquals", "aws:CurrentTime", "2029-01-01T00:00:00Z", True),
        ("DateLessThan", "aws:CurrentTime", "2030-01-01T12:00:01Z", True),
        ("DateLessThan", "aws:CurrentTime", "2030-01-01T12:00:00Z", False),
        ("DateLessThanEquals", "aws:CurrentTime", "2030-01-01T12:00:00Z", True),
        ("DateLessThanEquals", "aws:CurrentTime", "2030-01-01T11:59:59Z", False),
        ("DateGreaterThan", "aws:CurrentTime", "2030-01-01T11:59:59Z", True),
        ("DateGreaterThan", "aws:CurrentTime", "2030-01-01T12:00:00Z", False),
        ("DateGreaterThanEquals", "aws:CurrentTime", "2030-01-01T12:00:00Z", True),
        ("DateGreaterThanEquals", "aws:CurrentTime", "2030-01-01T12:00:01Z", False),
        ("DateGreaterThan", "aws:CurrentTime", "2030-01-01", True),  # a date alone: midnight
        ("DateLessThan", "aws:CurrentTime", "2030-01-01T13:00:00+01:00", False),  # with an offset
        ("DateLessThan", "aws:CurrentTime", EPOCH + 1, True),  # epoch seconds against ISO 8601
        ("DateEquals", "aws:EpochTime", "2030-01-01T12:00:00Z", True),  # ISO 8601 against epoch
        ("DateGreaterThan", "aws:EpochTime", EPOCH, False),
        ("NumericEquals", "aws:EpochTime", EPOCH, True),
        ("NumericLessThan", "aws:EpochTime", EPOCH, False),
    ],
)
def test_date_operators(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str, operator: str, key: str, value: Any, denied: bool
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    put_policy(s3, s3_bucket, _deny("s3:GetObject", f"arn:aws:s3:::{s3_bucket}/*", {operator: {key: value}}))
    s3emu.clock.freeze()
    s3emu.clock.set(MOMENT)
    outcome = _outcome(lambda: s3.get_object(Bucket=s3_bucket, Key="k"))
    assert outcome == ("AccessDenied 403" if denied else "allowed")


# --- Bool, IpAddress, Null ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "denied"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, True),  # the emulator serves plain HTTP
        ({"Bool": {"aws:SecureTransport": False}}, True),  # a JSON boolean is the same
        ({"Bool": {"aws:SecureTransport": "true"}}, False),
        ({"BoolIfExists": {"aws:SecureTransport": "true"}}, False),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, True),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.1"}}, True),  # no mask: the one address
        ({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.1/32"]}}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),
        ({"IpAddress": {"aws:SourceIp": "::1/128"}}, False),
        ({"NotIpAddress": {"aws:SourceIp": "127.0.0.1/32"}}, False),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
        ({"Null": {"s3:x-amz-server-side-encryption": "true"}}, True),  # GetObject names none
        ({"Null": {"aws:SourceIp": "true"}}, False),
        ({"Null": {"s3:x-amz-server-side-encryption": ["false", "true"]}}, True),  # or-ed
        ({"Null": {"s3:x-amz-server-side-encryption": []}}, False),
    ],
)
def test_bool_ip_address_and_null(
    s3: S3Client, s3_bucket: str, condition: dict[str, Any], denied: bool
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    put_policy(s3, s3_bucket, _deny("s3:GetObject", f"arn:aws:s3:::{s3_bucket}/*", condition))
    outcome = _outcome(lambda: s3.get_object(Bucket=s3_bucket, Key="k"))
    assert outcome == ("AccessDenied 403" if denied else "allowed")


def test_null_tests_whether_a_key_is_present(s3: S3Client, s3_bucket: str) -> None:
    objects = f"arn:aws:s3:::{s3_bucket}/*"
    put_policy(
        s3, s3_bucket, _deny("s3:PutObject", objects, {"Null": {"s3:x-amz-server-side-encryption": "true"}})
    )
    assert refused(lambda: s3.put_object(Bucket=s3_bucket, Key="plain", Body=b"")) == DENIED
    s3.put_object(Bucket=s3_bucket, Key="sse", Body=b"", ServerSideEncryption="AES256")
    put_policy(
        s3, s3_bucket, _deny("s3:PutObject", objects, {"Null": {"s3:x-amz-server-side-encryption": "false"}})
    )
    s3.put_object(Bucket=s3_bucket, Key="plain", Body=b"")
    assert refused(
        lambda: s3.put_object(Bucket=s3_bucket, Key="sse", Body=b"", ServerSideEncryption="AES256")
    ) == (DENIED)


@pytest.mark.parametrize("value", ["not-an-address", "10.0.0.0/33"])
def test_an_invalid_ip_address_is_malformed_policy(s3: S3Client, s3_bucket: str, value: str) -> None:
    condition = {"IpAddress": {"aws:SourceIp": value}}
    with pytest.raises(ClientError) as caught:
        put_policy(s3, s3_bucket, _deny("s3:GetObject", f"arn:aws:s3:::{s3_bucket}/*", condition))
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("MalformedPolicy", 400)
    assert error["Error"]["Message"] == "Invalid IP address in Conditions"


# --- ARN operators, over aws:PrincipalArn ------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "pattern", "denied"),
    [
        ("ArnEquals", "{arn}", True),
        ("ArnEquals", "arn:aws:iam::*:root", True),  # ArnEquals takes wildcards too
        ("ArnLike", "arn:aws:iam::*:root", True),
        ("ArnLike", "arn:aws:iam::{account}:*", True),
        ("ArnLike", "arn:aws:iam::????????????:root", True),
        ("ArnLike", "arn:aws:iam::*", False),  # a wildcard never spans the ARN's colons
        ("ArnLike", "arn:aws:*", False),
        ("ArnLike", "arn:aws:IAM::*:root", False),  # case-sensitive
        ("ArnLike", "arn:aws:iam::999999999999:root", False),
        ("ArnNotEquals", "{arn}", False),
        ("ArnNotEquals", "arn:aws:iam::999999999999:root", True),
        ("ArnNotLike", "arn:aws:iam::*:root", False),
        ("ArnNotLike", "arn:aws:iam::*", True),
        ("ArnLikeIfExists", "arn:aws:iam::*:root", True),
    ],
)
def test_arn_operators(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str, operator: str, pattern: str, denied: bool
) -> None:
    owner = s3emu.accounts.default
    value = pattern.format(arn=owner.arn, account=owner.account_id)
    _deny_listing(s3, s3_bucket, {operator: {"aws:PrincipalArn": value}})
    assert _outcome(_list(s3, s3_bucket)) == ("AccessDenied 403" if denied else "allowed")


# --- who is asking: aws:PrincipalAccount, NotPrincipal -----------------------------------------


def test_principal_account_condition_with_a_wildcard_principal(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    other = s3emu.accounts.named("other")
    # a fixed aws:PrincipalAccount makes the policy not public, so Block Public Access accepts it
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": other.account_id}},
        },
    )
    assert s3_other_account.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v"
    third = s3emu.add_account("third").client
    assert refused(lambda: third.get_object(Bucket=s3_bucket, Key="k")) == DENIED


def test_anonymous_callers_have_no_principal_keys(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    # a fixed aws:SourceIp range makes the policy not public, so Block Public Access accepts it
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            # no account: only unsigned requests; and only from the local network
            "Condition": {
                "Null": {"aws:PrincipalAccount": "true"},
                "IpAddress": {"aws:SourceIp": "127.0.0.0/8"},
            },
        },
    )
    anonymous = anonymous_client(s3emu)
    assert anonymous.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v"
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="k")) == DENIED


def test_not_principal_denies_everyone_else(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    objects = f"arn:aws:s3:::{s3_bucket}/*"
    other = s3emu.accounts.named("other")
    put_policy(
        s3,
        s3_bucket,
        {"Effect": "Allow", "Principal": {"AWS": other.arn}, "Action": "s3:GetObject", "Resource": objects},
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": s3emu.accounts.default.arn},
            "Action": "s3:GetObject",
            "Resource": objects,
        },
    )
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="k")) == DENIED
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v"


def test_not_action_and_explicit_deny_winning(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    s3.put_object(Bucket=s3_bucket, Key="private/k", Body=b"v")
    objects = f"arn:aws:s3:::{s3_bucket}/*"
    other = {"AWS": s3emu.accounts.named("other").account_id}
    put_policy(
        s3,
        s3_bucket,
        {"Effect": "Allow", "Principal": other, "Action": "s3:*", "Resource": objects},
        {"Effect": "Deny", "Principal": other, "NotAction": "s3:GetObject", "Resource": objects},
        {
            "Effect": "Deny",
            "Principal": other,
            "Action": "s3:GetObject",
            "Resource": f"{objects[:-1]}private/*",
        },
    )
    assert s3_other_account.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v"
    assert refused(lambda: s3_other_account.put_object(Bucket=s3_bucket, Key="k", Body=b"")) == DENIED
    assert refused(lambda: s3_other_account.delete_object(Bucket=s3_bucket, Key="k")) == DENIED
    # the Allow of s3:* does not outweigh an explicit Deny
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="private/k")) == DENIED


def test_not_resource(s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="public/a", Body=b"a")
    s3.put_object(Bucket=s3_bucket, Key="private/b", Body=b"b")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": s3emu.accounts.named("other").arn},
            "Action": "s3:GetObject",
            "NotResource": f"arn:aws:s3:::{s3_bucket}/private/*",
        },
    )
    assert s3_other_account.get_object(Bucket=s3_bucket, Key="public/a")["Body"].read() == b"a"
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="private/b")) == DENIED


# --- request keys of writes --------------------------------------------------------------------


def test_acl_condition_for_another_accounts_writes(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": s3emu.accounts.named("other").account_id},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    )
    s3_other_account.put_object(Bucket=s3_bucket, Key="k", Body=b"", ACL="bucket-owner-full-control")
    assert refused(lambda: s3_other_account.put_object(Bucket=s3_bucket, Key="k", Body=b"")) == DENIED


def _require_kms(s3: S3Client, bucket: str) -> None:
    """The S3 User Guide's policy: uploads must ask for SSE-KMS with one key."""
    objects = f"arn:aws:s3:::{bucket}/*"
    put_policy(
        s3,
        bucket,
        _deny("s3:PutObject", objects, {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}),
        _deny("s3:PutObject", objects, {"Null": {"s3:x-amz-server-side-encryption": "true"}}),
        _deny(
            "s3:PutObject",
            objects,
            {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY}},
        ),
    )


def test_require_sse_kms_with_one_key_on_put_object(s3: S3Client, s3_bucket: str) -> None:
    _require_kms(s3, s3_bucket)
    put = s3.put_object
    assert refused(lambda: put(Bucket=s3_bucket, Key="k", Body=b"")) == DENIED
    assert refused(lambda: put(Bucket=s3_bucket, Key="k", Body=b"", ServerSideEncryption="AES256")) == DENIED
    assert refused(lambda: put(Bucket=s3_bucket, Key="k", Body=b"", ServerSideEncryption="aws:kms")) == DENIED
    assert (
        refused(
            lambda: put(
                Bucket=s3_bucket, Key="k", Body=b"", ServerSideEncryption="aws:kms", SSEKMSKeyId=OTHER_KEY
            )
        )
        == DENIED
    )
    put(Bucket=s3_bucket, Key="k", Body=b"v", ServerSideEncryption="aws:kms", SSEKMSKeyId=KMS_KEY)
    assert s3.head_object(Bucket=s3_bucket, Key="k")["ServerSideEncryption"] == "aws:kms"


def test_require_sse_kms_on_copy_object(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"v")
    _require_kms(s3, s3_bucket)
    source = f"{s3_bucket}/src"
    assert refused(lambda: s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=source)) == DENIED
    assert (
        refused(
            lambda: s3.copy_object(
                Bucket=s3_bucket, Key="dst", CopySource=source, ServerSideEncryption="AES256"
            )
        )
        == DENIED
    )
    s3.copy_object(
        Bucket=s3_bucket, Key="dst", CopySource=source, ServerSideEncryption="aws:kms", SSEKMSKeyId=KMS_KEY
    )


def test_require_sse_kms_on_multipart_uploads(s3: S3Client, s3_bucket: str) -> None:
    _require_kms(s3, s3_bucket)
    create = s3.create_multipart_upload
    assert refused(lambda: create(Bucket=s3_bucket, Key="k")) == DENIED
    assert refused(lambda: create(Bucket=s3_bucket, Key="k", ServerSideEncryption="AES256")) == DENIED
    upload = create(Bucket=s3_bucket, Key="k", ServerSideEncryption="aws:kms", SSEKMSKeyId=KMS_KEY)
    # UploadPart is s3:PutObject too and carries no encryption header, so this policy denies it,
    # as S3 does (botocore issue #471, aws-cli issue #1674)
    part = lambda: s3.upload_part(  # noqa: E731
        Bucket=s3_bucket, Key="k", UploadId=upload["UploadId"], PartNumber=1, Body=b"v"
    )
    assert refused(part) == DENIED


def test_existing_object_tag_condition(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="shared", Body=b"s", Tagging="share=yes")
    s3.put_object(Bucket=s3_bucket, Key="kept", Body=b"k", Tagging="share=no")
    s3.put_object(Bucket=s3_bucket, Key="untagged", Body=b"u")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": s3emu.accounts.named("other").account_id},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/share": "yes"}},
        },
    )
    assert s3_other_account.get_object(Bucket=s3_bucket, Key="shared")["Body"].read() == b"s"
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="kept")) == DENIED
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="untagged")) == DENIED


def test_existing_object_tag_of_the_version_asked_for(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"old", Tagging="share=yes")["VersionId"]
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new", Tagging="share=no")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": s3emu.accounts.named("other").account_id},
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/share": "yes"}},
        },
    )
    read = s3_other_account.get_object(Bucket=s3_bucket, Key="k", VersionId=old)
    assert read["Body"].read() == b"old"
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="k")) == DENIED


def test_request_object_tag_condition(s3: S3Client, s3_bucket: str) -> None:
    condition = {"StringEquals": {"s3:RequestObjectTag/class": "secret"}}
    put_policy(
        s3,
        s3_bucket,
        _deny(["s3:PutObject", "s3:PutObjectTagging"], f"arn:aws:s3:::{s3_bucket}/*", condition),
    )
    put = s3.put_object
    assert refused(lambda: put(Bucket=s3_bucket, Key="k", Body=b"", Tagging="team=a&class=secret")) == DENIED
    put(Bucket=s3_bucket, Key="k", Body=b"", Tagging="class=open")
    put(Bucket=s3_bucket, Key="k", Body=b"")
    # PutObjectTagging's tags are the request's too
    tags: TaggingTypeDef = {"TagSet": [{"Key": "class", "Value": "secret"}]}
    assert refused(lambda: s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging=tags)) == DENIED
    s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging={"TagSet": [{"Key": "class", "Value": "open"}]})


def test_request_object_tag_keys_with_set_operators(s3: S3Client, s3_bucket: str) -> None:
    objects = f"arn:aws:s3:::{s3_bucket}/*"
    put = s3.put_object
    # only these tag keys: deny when any key is another one
    allowed_keys = {"ForAnyValue:StringNotEquals": {"s3:RequestObjectTagKeys": ["project", "team"]}}
    put_policy(s3, s3_bucket, _deny("s3:PutObject", objects, allowed_keys))
    put(Bucket=s3_bucket, Key="k", Body=b"", Tagging="project=a&team=b")
    put(Bucket=s3_bucket, Key="k", Body=b"")  # ForAnyValue of no values: false
    assert refused(lambda: put(Bucket=s3_bucket, Key="k", Body=b"", Tagging="project=a&cost=1")) == DENIED
    # deny when every key is one of these, which no tags at all satisfies too
    only_known = {"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["project", "team"]}}
    put_policy(s3, s3_bucket, _deny("s3:PutObject", objects, only_known))
    put(Bucket=s3_bucket, Key="k", Body=b"", Tagging="project=a&cost=1")
    assert refused(lambda: put(Bucket=s3_bucket, Key="k", Body=b"", Tagging="team=b")) == DENIED
    assert refused(lambda: put(Bucket=s3_bucket, Key="k", Body=b"")) == DENIED


def test_content_sha256_condition_denies_unsigned_payloads(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    condition = {"StringEquals": {"s3:x-amz-content-sha256": "UNSIGNED-PAYLOAD"}}
    put_policy(s3, s3_bucket, _deny("s3:PutObject", f"arn:aws:s3:::{s3_bucket}/*", condition))
    s3.put_object(Bucket=s3_bucket, Key="signed", Body=b"v")  # botocore hashes the body over HTTP
    headers = {"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "Content-Length": "1"}
    response = send(s3emu, "PUT", f"/{s3_bucket}/unsigned", b"v", headers)
    assert (response.status, response.error()["Code"]) == (403, "AccessDenied")
    s3.delete_bucket_policy(Bucket=s3_bucket)
    assert send(s3emu, "PUT", f"/{s3_bucket}/unsigned", b"v", headers).status == 200


# --- what PutBucketPolicy refuses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "operator",
    [
        "StringEqualz",
        "ForSomeValues:StringEquals",
        "NullIfExists",
        "ForAnyValue:Null",
        "IfExists",
        "stringequals",
    ],
)
def test_an_unknown_condition_operator_is_malformed_policy(
    s3: S3Client, s3_bucket: str, operator: str
) -> None:
    condition = {operator: {"s3:prefix": "a"}}
    with pytest.raises(ClientError) as caught:
        _deny_listing(s3, s3_bucket, condition)
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("MalformedPolicy", 400)
    assert error["Error"]["Message"] == f"Invalid Condition type : {operator}"
    assert _outcome(lambda: s3.get_bucket_policy(Bucket=s3_bucket)) == "NoSuchBucketPolicy 404"


def test_require_sse_c_on_put_object(s3: S3Client, s3_bucket: str) -> None:
    # deny uploads that do not name a customer key's algorithm (the SSE-C header)
    put_policy(
        s3,
        s3_bucket,
        _deny(
            "s3:PutObject",
            f"arn:aws:s3:::{s3_bucket}/*",
            {"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "true"}},
        ),
    )
    key = b"k" * 32
    assert refused(lambda: s3.put_object(Bucket=s3_bucket, Key="k", Body=b"")) == DENIED
    answer = refused(
        lambda: s3.put_object(Bucket=s3_bucket, Key="k", Body=b"", ServerSideEncryption="AES256")
    )
    assert answer == DENIED
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    got = s3.get_object(Bucket=s3_bucket, Key="k", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    assert got["Body"].read() == b"v"
