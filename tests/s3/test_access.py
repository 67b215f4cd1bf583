"""Identity and access control through boto3: two accounts and anonymous callers, with S3's
answers for unknown keys, bad signatures, ownership, canned ACLs and bucket policies."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from access_support import NO_RETRY, anonymous_client, put_policy, refused
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture
def anonymous(s3emu: S3Emulator) -> S3Client:
    """A client that signs nothing, as a browser or curl would ask."""
    return anonymous_client(s3emu)


def _name() -> str:
    return f"s3emu-access-{uuid.uuid4().hex[:16]}"


# --- who is calling -------------------------------------------------------------------------


def test_unknown_access_key_is_invalid_access_key_id(s3emu: S3Emulator) -> None:
    stranger = s3emu.client(
        aws_access_key_id="AKIDNOBODYHAS", aws_secret_access_key="whatever", config=Config(retries=NO_RETRY)
    )
    assert refused(stranger.list_buckets) == ("InvalidAccessKeyId", 403)


def test_wrong_secret_is_signature_does_not_match(s3emu: S3Emulator, s3_bucket: str) -> None:
    keys = s3emu.accounts.default.credentials
    forger = s3emu.client(
        aws_access_key_id=keys.access_key,
        aws_secret_access_key="not-" + keys.secret_key,
        config=Config(retries=NO_RETRY),
    )
    assert refused(forger.list_buckets) == ("SignatureDoesNotMatch", 403)
    assert refused(lambda: forger.head_bucket(Bucket=s3_bucket)) == ("403", 403)  # a HEAD has no body


def test_wrong_secret_of_a_second_account(s3emu: S3Emulator, s3_other_account: S3Client) -> None:
    other = s3emu.accounts.named("other").credentials
    forger = s3emu.client(
        aws_access_key_id=other.access_key, aws_secret_access_key="guess", config=Config(retries=NO_RETRY)
    )
    assert refused(forger.list_buckets) == ("SignatureDoesNotMatch", 403)


def test_anonymous_list_buckets_is_access_denied(anonymous: S3Client, s3_bucket: str) -> None:
    assert refused(anonymous.list_buckets) == ("AccessDenied", 403)


def test_anonymous_read_of_a_private_bucket_is_access_denied(
    s3: S3Client, anonymous: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"secret")
    assert refused(lambda: anonymous.get_object(Bucket=s3_bucket, Key="k")) == ("AccessDenied", 403)
    assert refused(lambda: anonymous.list_objects_v2(Bucket=s3_bucket)) == ("AccessDenied", 403)
    assert refused(lambda: anonymous.put_object(Bucket=s3_bucket, Key="x", Body=b"")) == (
        "AccessDenied",
        403,
    )


def test_journal_names_the_callers_account(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, anonymous: S3Client, s3_bucket: str
) -> None:
    s3.list_buckets()
    s3_other_account.list_buckets()
    refused(anonymous.list_buckets)
    owner, other, nobody = s3emu.calls.filter("ListBuckets")
    assert owner.account == s3emu.accounts.default.account_id
    assert other.account == s3emu.accounts.named("other").account_id
    assert (nobody.account, nobody.access_key, nobody.error) == (None, None, "AccessDenied")


# --- ownership ------------------------------------------------------------------------------


def test_list_buckets_shows_only_the_callers_buckets(
    s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    theirs = _name()
    s3_other_account.create_bucket(Bucket=theirs)
    mine = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    assert s3_bucket in mine and theirs not in mine
    assert [bucket["Name"] for bucket in s3_other_account.list_buckets()["Buckets"]] == [theirs]


def test_create_bucket_another_account_owns_is_bucket_already_exists(
    s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    assert refused(lambda: s3_other_account.create_bucket(Bucket=s3_bucket)) == ("BucketAlreadyExists", 409)
    # the owner's own second create in us-east-1 answers 200 (S3's CreateBucket reference: the
    # legacy behaviour of that region; elsewhere it is BucketAlreadyOwnedByYou)
    if s3.meta.region_name == "us-east-1":
        assert s3.create_bucket(Bucket=s3_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_another_account_cannot_read_a_private_bucket(
    s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"mine")
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="k")) == ("AccessDenied", 403)
    assert refused(lambda: s3_other_account.list_objects_v2(Bucket=s3_bucket)) == ("AccessDenied", 403)


# --- ACLs (legacy bucket defaults) -----------------------------------------------------------


@pytest.fixture
def legacy() -> Iterator[S3Emulator]:
    """An emulator whose new buckets get S3's pre-2023 defaults (ObjectWriter, no Block Public Access)."""
    with S3Emulator(bucket_defaults="legacy") as emulator:
        yield emulator


@pytest.mark.http_only  # its own emulator, over HTTP
def test_public_read_acl_with_legacy_defaults_lets_anonymous_get(legacy: S3Emulator) -> None:
    s3 = legacy.client()
    anonymous = anonymous_client(legacy)
    bucket = _name()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="public", Body=b"for all", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private", Body=b"mine")
    assert anonymous.get_object(Bucket=bucket, Key="public")["Body"].read() == b"for all"
    assert refused(lambda: anonymous.get_object(Bucket=bucket, Key="private")) == ("AccessDenied", 403)
    # the object ACL grants no listing: that takes the bucket's ACL
    assert refused(lambda: anonymous.list_objects_v2(Bucket=bucket)) == ("AccessDenied", 403)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert [item["Key"] for item in anonymous.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "private",
        "public",
    ]


def test_public_read_acl_is_refused_with_2023_defaults(s3: S3Client, s3_bucket: str) -> None:
    # BucketOwnerEnforced: ACLs are disabled, and S3 refuses one other than bucket-owner-full-control
    code, status = refused(lambda: s3.put_object(Bucket=s3_bucket, Key="k", Body=b"", ACL="public-read"))
    assert (code, status) == ("AccessControlListNotSupported", 400)


# --- bucket policies ------------------------------------------------------------------------


def test_public_policy_with_block_public_access_off_lets_anonymous_read(
    s3: S3Client, anonymous: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"shared")
    read = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{s3_bucket}/*",
    }
    # Block Public Access (on for a new bucket) refuses the public policy itself
    assert refused(lambda: put_policy(s3, s3_bucket, read)) == ("AccessDenied", 403)
    s3.delete_public_access_block(Bucket=s3_bucket)
    put_policy(s3, s3_bucket, read)
    assert anonymous.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"shared"
    # only what the policy names: no listing, no writes
    assert refused(lambda: anonymous.list_objects_v2(Bucket=s3_bucket)) == ("AccessDenied", 403)
    assert refused(lambda: anonymous.put_object(Bucket=s3_bucket, Key="x", Body=b"")) == (
        "AccessDenied",
        403,
    )


def test_policy_grants_another_account_by_arn(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"for other")
    other = s3emu.accounts.named("other")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": other.arn},
            "Action": ["s3:GetObject"],
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
        },
    )
    assert s3_other_account.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"for other"
    assert refused(lambda: s3_other_account.delete_object(Bucket=s3_bucket, Key="k")) == (
        "AccessDenied",
        403,
    )


def test_explicit_deny_wins_over_the_owner(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"kept")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:DeleteObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
        },
    )
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=s3_bucket, Key="k")
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
    assert "with an explicit deny in a resource-based policy" in error["Error"]["Message"]
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"kept"
    # the owner may always take the policy away again
    s3.delete_bucket_policy(Bucket=s3_bucket)
    s3.delete_object(Bucket=s3_bucket, Key="k")


def test_deny_on_insecure_transport(s3: S3Client, s3_bucket: str) -> None:
    # the usual "HTTPS only" policy: the emulator serves plain HTTP, so it denies
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    assert refused(lambda: s3.get_object(Bucket=s3_bucket, Key="k")) == ("AccessDenied", 403)
    s3.head_bucket(Bucket=s3_bucket)  # what the statement does not name still works


def test_allow_with_a_prefix_condition(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="public/a", Body=b"")
    s3.put_object(Bucket=s3_bucket, Key="private/b", Body=b"")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": s3emu.accounts.named("other").account_id},
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{s3_bucket}",
            "Condition": {"StringLike": {"s3:prefix": "public/*"}},
        },
    )
    listed = s3_other_account.list_objects_v2(Bucket=s3_bucket, Prefix="public/")
    assert [item["Key"] for item in listed["Contents"]] == ["public/a"]
    assert refused(lambda: s3_other_account.list_objects_v2(Bucket=s3_bucket)) == ("AccessDenied", 403)
    answer = refused(lambda: s3_other_account.list_objects_v2(Bucket=s3_bucket, Prefix="private/"))
    assert answer == ("AccessDenied", 403)


def test_current_time_condition_follows_the_emulators_clock(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2100-01-01T00:00:00Z"}},
        },
    )
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v"
    s3emu.clock.set(datetime.datetime(2100, 6, 1, tzinfo=datetime.timezone.utc))
    assert refused(lambda: s3.get_object(Bucket=s3_bucket, Key="k")) == ("AccessDenied", 403)
