"""ACL grants resolved against the emulator's accounts, and what they then let each caller do."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from access_support import NO_RETRY, anonymous_client
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu.server import AccountClient, S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
NOBODYS_ID = "b" * 64  # a well-formed canonical user id no account has
# S3 still looks e-mail grantees up here (it answers 405 in the regions that dropped them)
EMAIL_REGION = "eu-central-1"


def _refused(call: Callable[..., Any], **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response: Any = caught.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _denied(call: Callable[..., Any], **kwargs: Any) -> tuple[str, int]:
    return _refused(call, **kwargs)[:2]


def _open_bucket(s3: S3Client, region: str | None = None) -> str:
    """A bucket with ACLs enabled (ObjectWriter) and Block Public Access off."""
    name = f"t-{uuid.uuid4().hex[:24]}"
    extra: Any = {"CreateBucketConfiguration": {"LocationConstraint": region}} if region else {}
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", **extra)
    s3.delete_public_access_block(Bucket=name)
    return name


@pytest.fixture
def other(s3emu: S3Emulator) -> AccountClient:
    return s3emu.add_account("other")


@pytest.fixture
def anonymous(s3emu: S3Emulator) -> S3Client:
    return anonymous_client(s3emu)


def _in_region(s3emu: S3Emulator, account: AccountClient | None = None) -> S3Client:
    if account is None:
        return s3emu.client(region_name=EMAIL_REGION)
    return s3emu.client(
        region_name=EMAIL_REGION,
        aws_access_key_id=account.access_key,
        aws_secret_access_key=account.secret_key,
        config=Config(retries=NO_RETRY),
    )


# --- resolution -----------------------------------------------------------------------------


def test_a_grant_by_email_is_kept_as_the_accounts_canonical_user(
    s3emu: S3Emulator, other: AccountClient
) -> None:
    owner, theirs = _in_region(s3emu), _in_region(s3emu, other)
    bucket = _open_bucket(owner, EMAIL_REGION)
    owner.put_object(
        Bucket=bucket, Key="k", Body=b"shared", GrantRead=f'emailAddress="{other.account.email}"'
    )
    grants = owner.get_object_acl(Bucket=bucket, Key="k")["Grants"]
    # S3 reports the account the address belongs to, not the address
    assert grants == [
        {
            "Grantee": {"Type": "CanonicalUser", "ID": other.account.canonical_id, "DisplayName": "other"},
            "Permission": "READ",
        }
    ]
    assert theirs.get_object(Bucket=bucket, Key="k")["Body"].read() == b"shared"
    # READ is not READ_ACP
    assert _denied(theirs.get_object_acl, Bucket=bucket, Key="k") == ("AccessDenied", 403)


def test_a_grant_by_email_in_a_document(s3emu: S3Emulator, other: AccountClient) -> None:
    owner, theirs = _in_region(s3emu), _in_region(s3emu, other)
    bucket = _open_bucket(owner, EMAIL_REGION)
    acl: Any = owner.get_bucket_acl(Bucket=bucket)
    policy: Any = {
        "Owner": acl["Owner"],
        "Grants": [
            *acl["Grants"],
            {
                "Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "OTHER@example.com"},
                "Permission": "READ",
            },
        ],
    }
    owner.put_bucket_acl(Bucket=bucket, AccessControlPolicy=policy)
    ids = [
        (g["Grantee"]["Type"], g["Grantee"]["ID"], g["Permission"])
        for g in owner.get_bucket_acl(Bucket=bucket)["Grants"]
    ]
    assert ids[1] == ("CanonicalUser", other.account.canonical_id, "READ")
    assert theirs.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_an_email_no_account_has_is_unresolvable(s3emu: S3Emulator) -> None:
    owner = _in_region(s3emu)
    bucket = _open_bucket(owner, EMAIL_REGION)
    message = "The e-mail address you provided does not match any account on record."
    unresolvable = ("UnresolvableGrantByEmailAddress", 400, message)
    grant = 'emailAddress="nobody@example.com"'
    assert _refused(owner.put_bucket_acl, Bucket=bucket, GrantRead=grant) == unresolvable
    assert _refused(owner.put_object, Bucket=bucket, Key="k", Body=b"", GrantRead=grant) == unresolvable
    owner.put_object(Bucket=bucket, Key="k", Body=b"")
    assert _refused(owner.put_object_acl, Bucket=bucket, Key="k", GrantWrite=grant) == unresolvable


def test_an_id_no_account_has_is_invalid(s3: S3Client, s3_bucket: str) -> None:
    bucket = _open_bucket(s3)
    invalid = ("InvalidArgument", 400, "Invalid id")
    grant = f'id="{NOBODYS_ID}"'
    assert _refused(s3.put_bucket_acl, Bucket=bucket, GrantRead=grant) == invalid
    assert _refused(s3.put_object, Bucket=bucket, Key="k", Body=b"", GrantRead=grant) == invalid
    name = f"t-{uuid.uuid4().hex[:24]}"
    assert _refused(s3.create_bucket, Bucket=name, ObjectOwnership="ObjectWriter", GrantRead=grant) == invalid
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    acl: Any = s3.get_object_acl(Bucket=bucket, Key="k")
    policy: Any = {
        "Owner": acl["Owner"],
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": NOBODYS_ID}, "Permission": "READ"}],
    }
    assert _refused(s3.put_object_acl, Bucket=bucket, Key="k", AccessControlPolicy=policy) == invalid


def test_an_unknown_group_is_invalid(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    grant = 'uri="http://acs.amazonaws.com/groups/global/Everybody"'
    assert _denied(s3.put_object, Bucket=bucket, Key="k", Body=b"", GrantRead=grant) == (
        "InvalidArgument",
        400,
    )


def test_a_grant_by_id_shows_the_accounts_display_name(s3: S3Client, other: AccountClient) -> None:
    bucket = _open_bucket(s3)
    s3.put_bucket_acl(
        Bucket=bucket, GrantReadACP=f'id="{other.account.canonical_id}"', GrantWrite=f'uri="{LOG_DELIVERY}"'
    )
    grants = other.client.get_bucket_acl(Bucket=bucket)["Grants"]
    assert grants[0]["Grantee"] == {
        "Type": "CanonicalUser",
        "ID": other.account.canonical_id,
        "DisplayName": "other",
    }
    assert grants[1]["Grantee"] == {"Type": "Group", "URI": LOG_DELIVERY}


def test_another_accounts_bucket_reports_that_account_as_owner(
    s3emu: S3Emulator, other: AccountClient
) -> None:
    theirs = other.client
    bucket = f"t-{uuid.uuid4().hex[:24]}"
    theirs.create_bucket(Bucket=bucket, ObjectOwnership="ObjectWriter", ACL="private")
    theirs.put_object(Bucket=bucket, Key="k", Body=b"", ACL="private")
    expected_owner = {"DisplayName": "other", "ID": other.account.canonical_id}
    for acl in (theirs.get_bucket_acl(Bucket=bucket), theirs.get_object_acl(Bucket=bucket, Key="k")):
        assert acl["Owner"] == expected_owner
        assert acl["Grants"] == [
            {"Grantee": {"Type": "CanonicalUser", **expected_owner}, "Permission": "FULL_CONTROL"}
        ]
    # a document must name the resource's owner, that account
    mine = s3emu.accounts.default.owner()
    policy: Any = {"Owner": mine, "Grants": []}
    assert _denied(theirs.put_bucket_acl, Bucket=bucket, AccessControlPolicy=policy) == (
        "InvalidArgument",
        400,
    )
    theirs.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": expected_owner, "Grants": []})


# --- the grants take effect -----------------------------------------------------------------


def test_a_bucket_write_grant_lets_another_account_put(s3: S3Client, other: AccountClient) -> None:
    bucket = _open_bucket(s3)
    owner_id = s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
    assert _denied(other.client.put_object, Bucket=bucket, Key="theirs", Body=b"") == ("AccessDenied", 403)
    s3.put_bucket_acl(
        Bucket=bucket, GrantFullControl=f'id="{owner_id}"', GrantWrite=f'id="{other.account.canonical_id}"'
    )
    other.client.put_object(Bucket=bucket, Key="theirs", Body=b"written by other")
    # ObjectWriter: the object belongs to the account that wrote it
    acl = other.client.get_object_acl(Bucket=bucket, Key="theirs")
    assert acl["Owner"] == {"DisplayName": "other", "ID": other.account.canonical_id}
    assert other.client.get_object(Bucket=bucket, Key="theirs")["Body"].read() == b"written by other"
    # WRITE on the bucket is not READ on it
    assert _denied(other.client.list_objects_v2, Bucket=bucket) == ("AccessDenied", 403)


def test_authenticated_users_lets_every_account_read_but_not_anonymous(
    s3: S3Client, other: AccountClient, anonymous: S3Client
) -> None:
    bucket = _open_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"signed only", GrantRead=f'uri="{AUTHENTICATED_USERS}"')
    assert other.client.get_object(Bucket=bucket, Key="k")["Body"].read() == b"signed only"
    assert _denied(anonymous.get_object, Bucket=bucket, Key="k") == ("AccessDenied", 403)
    s3.put_object_acl(Bucket=bucket, Key="k", GrantRead=f'uri="{ALL_USERS}"')
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"signed only"


def test_listings_name_each_objects_owner(s3: S3Client, other: AccountClient) -> None:
    bucket = _open_bucket(s3)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    owner_id = s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
    s3.put_bucket_acl(
        Bucket=bucket, GrantFullControl=f'id="{owner_id}"', GrantWrite=f'id="{other.account.canonical_id}"'
    )
    s3.put_object(Bucket=bucket, Key="mine", Body=b"")
    other.client.put_object(Bucket=bucket, Key="theirs", Body=b"")
    mine = {"DisplayName": "s3emu", "ID": owner_id}
    theirs = {"DisplayName": "other", "ID": other.account.canonical_id}
    expected = {"mine": mine, "theirs": theirs}
    v1 = s3.list_objects(Bucket=bucket)["Contents"]
    v2 = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    for listing in (v1, v2, versions):
        assert {item["Key"]: item["Owner"] for item in listing} == expected
    # in another account's own bucket, that account is the owner
    name = f"t-{uuid.uuid4().hex[:24]}"
    other.client.create_bucket(Bucket=name)
    other.client.put_object(Bucket=name, Key="k", Body=b"")
    assert other.client.list_objects(Bucket=name)["Contents"][0]["Owner"] == theirs


def test_multipart_listings_name_the_uploads_owner(s3: S3Client, other: AccountClient) -> None:
    bucket = _open_bucket(s3)
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    s3.put_bucket_acl(
        Bucket=bucket, GrantFullControl=f'id="{owner["ID"]}"', GrantWrite=f'id="{other.account.canonical_id}"'
    )
    theirs = other.client.create_multipart_upload(Bucket=bucket, Key="theirs")["UploadId"]
    mine = s3.create_multipart_upload(Bucket=bucket, Key="mine")["UploadId"]
    expected = {"ID": other.account.canonical_id, "DisplayName": other.account.name}
    listed = {u["Key"]: u for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]}
    assert (listed["theirs"]["Owner"], listed["theirs"]["Initiator"]) == (expected, expected)
    assert listed["mine"]["Owner"] == owner
    parts = other.client.list_parts(Bucket=bucket, Key="theirs", UploadId=theirs)
    assert (parts["Owner"], parts["Initiator"]) == (expected, expected)
    assert s3.list_parts(Bucket=bucket, Key="mine", UploadId=mine)["Owner"] == owner
    # the initiator may list and abort its own upload, not another's
    denied = _denied(other.client.list_parts, Bucket=bucket, Key="mine", UploadId=mine)
    assert denied == ("AccessDenied", 403)
    other.client.abort_multipart_upload(Bucket=bucket, Key="theirs", UploadId=theirs)
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == ["mine"]
