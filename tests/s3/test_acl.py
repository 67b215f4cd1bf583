"""ACLs end to end: canned ACLs, grant headers and documents, Object Ownership, Block Public Access."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from pytest_s3emu.handlers.acl_grants import EMAIL_GRANTS_REMOVED
from pytest_s3emu.identity import Accounts
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
EC2_ID = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"
# the canonical user id of a second account, "other" (S3 takes grants to known accounts only)
OTHER_ID = Accounts.make("other").canonical_id
LOG_DELIVERY_WRITE: Any = "log-delivery-write"  # a bucket canned ACL the model's enum lacks


@pytest.fixture(autouse=True)
def _other_account(s3_other_account: S3Client) -> None:
    """Every test here knows the account OTHER_ID names."""


def _error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _grants(acl: Any) -> list[tuple[str, str]]:
    """(grantee id or group URI, permission) for each grant, in order."""
    return [(g["Grantee"].get("ID") or g["Grantee"]["URI"], g["Permission"]) for g in acl["Grants"]]


def _owner(s3: S3Client, bucket: str) -> str:
    owner: str = s3.get_bucket_acl(Bucket=bucket)["Owner"]["ID"]
    return owner


def _open_bucket(s3: S3Client, block_public_acls: bool = False) -> str:
    """A bucket with ACLs enabled (ObjectWriter); Block Public Access turned off unless asked."""
    name = f"t-{uuid.uuid4().hex[:24]}"
    s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
    if not block_public_acls:
        s3.delete_public_access_block(Bucket=name)
    return name


def test_new_bucket_and_object_report_the_owners_full_control(s3: S3Client, s3_bucket: str) -> None:
    acl = s3.get_bucket_acl(Bucket=s3_bucket)
    owner = acl["Owner"]["ID"]
    assert len(owner) == 64
    assert acl["Grants"] == [
        {
            "Grantee": {"Type": "CanonicalUser", "ID": owner, "DisplayName": acl["Owner"]["DisplayName"]},
            "Permission": "FULL_CONTROL",
        }
    ]
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    object_acl = s3.get_object_acl(Bucket=s3_bucket, Key="k")
    assert object_acl["Owner"]["ID"] == owner
    assert _grants(object_acl) == [(owner, "FULL_CONTROL")]


def test_new_buckets_have_acls_disabled(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    refused = "AccessControlListNotSupported", 400
    assert _error(s3.put_bucket_acl, Bucket=s3_bucket, ACL="private") == refused
    assert _error(s3.put_object_acl, Bucket=s3_bucket, Key="k", ACL="private") == refused
    for canned in ("private", "public-read"):
        assert _error(s3.put_object, Bucket=s3_bucket, Key="k", Body=b"x", ACL=canned) == refused
    assert _error(s3.create_multipart_upload, Bucket=s3_bucket, Key="m", ACL="public-read") == refused
    copy = {"Bucket": s3_bucket, "Key": "c", "CopySource": f"{s3_bucket}/k", "ACL": "private"}
    assert _error(s3.copy_object, **copy) == refused
    # the ownership check comes before the request's own consistency
    mixed = {"Bucket": s3_bucket, "ACL": "public-read", "GrantRead": f'id="{OTHER_ID}"'}
    assert _error(s3.put_bucket_acl, **mixed) == refused
    assert "c" not in [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]


def test_disabled_acls_accept_the_bucket_owners_full_control(s3: S3Client, s3_bucket: str) -> None:
    owner = _owner(s3, s3_bucket)
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=s3_bucket, Key="b", Body=b"x", GrantFullControl=f'id="{owner}"')
    s3.put_object_acl(Bucket=s3_bucket, Key="a", ACL="bucket-owner-full-control")
    for key in ("a", "b"):
        assert _grants(s3.get_object_acl(Bucket=s3_bucket, Key=key)) == [(owner, "FULL_CONTROL")]
    assert _error(s3.put_object, Bucket=s3_bucket, Key="c", Body=b"x", GrantRead=f'id="{OTHER_ID}"') == (
        "AccessControlListNotSupported",
        400,
    )


@pytest.mark.parametrize(
    ("canned", "extra"),
    [
        ("private", []),
        ("public-read", [(ALL_USERS, "READ")]),
        ("public-read-write", [(ALL_USERS, "READ"), (ALL_USERS, "WRITE")]),
        ("authenticated-read", [(AUTHENTICATED_USERS, "READ")]),
        ("aws-exec-read", [(EC2_ID, "READ")]),
        # the bucket owner is the object owner: its grant is the owner's own
        ("bucket-owner-read", []),
        ("bucket-owner-full-control", []),
    ],
)
def test_object_canned_acls(s3: S3Client, canned: Any, extra: list[tuple[str, str]]) -> None:
    bucket = _open_bucket(s3)
    owner = _owner(s3, bucket)
    s3.put_object(Bucket=bucket, Key="put", Body=b"x", ACL=canned)
    s3.put_object(Bucket=bucket, Key="later", Body=b"x")
    s3.put_object_acl(Bucket=bucket, Key="later", ACL=canned)
    for key in ("put", "later"):
        assert _grants(s3.get_object_acl(Bucket=bucket, Key=key)) == [(owner, "FULL_CONTROL"), *extra]


def test_bucket_canned_acls(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    owner = _owner(s3, bucket)
    s3.put_bucket_acl(Bucket=bucket, ACL=LOG_DELIVERY_WRITE)
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == [
        (owner, "FULL_CONTROL"),
        (LOG_DELIVERY, "WRITE"),
        (LOG_DELIVERY, "READ_ACP"),
    ]
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == [
        (owner, "FULL_CONTROL"),
        (ALL_USERS, "READ"),
        (ALL_USERS, "WRITE"),
    ]
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == [(owner, "FULL_CONTROL")]
    # log-delivery-write is a bucket ACL only
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert _error(s3.put_object_acl, Bucket=bucket, Key="k", ACL=LOG_DELIVERY_WRITE) == (
        "InvalidArgument",
        400,
    )


def test_grant_headers_are_kept_exactly(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    owner = _owner(s3, bucket)
    s3.put_object(
        Bucket=bucket,
        Key="k",
        Body=b"x",
        GrantRead=f'uri="{ALL_USERS}", id="{OTHER_ID}"',
        GrantReadACP=f"id={owner}",
    )
    # no FULL_CONTROL for the owner is added to explicit grants
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == [
        (ALL_USERS, "READ"),
        (OTHER_ID, "READ"),
        (owner, "READ_ACP"),
    ]
    s3.put_bucket_acl(Bucket=bucket, GrantWrite=f'uri="{LOG_DELIVERY}"', GrantFullControl=f'id="{owner}"')
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == [(owner, "FULL_CONTROL"), (LOG_DELIVERY, "WRITE")]


def test_acl_document_round_trip(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    policy: Any = s3.get_object_acl(Bucket=bucket, Key="k")
    del policy["ResponseMetadata"]
    policy["Grants"].append({"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ"})
    policy["Grants"].append(
        {
            "Grantee": {"Type": "CanonicalUser", "ID": OTHER_ID, "DisplayName": "other"},
            "Permission": "WRITE_ACP",
        }
    )
    s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy=policy)
    got = s3.get_object_acl(Bucket=bucket, Key="k")
    assert got["Grants"] == policy["Grants"]
    assert got["Owner"] == policy["Owner"]
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": policy["Owner"], "Grants": []})
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"] == []


def test_an_acl_request_takes_one_way_only(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    policy: Any = {"Owner": {"ID": _owner(s3, bucket)}, "Grants": []}
    assert _error(s3.put_bucket_acl, Bucket=bucket) == ("MissingSecurityHeader", 400)
    assert _error(s3.put_object_acl, Bucket=bucket, Key="k") == ("MissingSecurityHeader", 400)
    both = {"ACL": "private", "GrantRead": f'id="{OTHER_ID}"'}
    assert _error(s3.put_bucket_acl, Bucket=bucket, **both) == ("InvalidRequest", 400)
    assert _error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", **both) == ("InvalidRequest", 400)
    body_and_header = {"Bucket": bucket, "ACL": "private", "AccessControlPolicy": policy}
    assert _error(s3.put_bucket_acl, **body_and_header) == ("UnexpectedContent", 400)
    body_and_grant = {
        "Bucket": bucket,
        "Key": "k",
        "GrantRead": f'id="{OTHER_ID}"',
        "AccessControlPolicy": policy,
    }
    assert _error(s3.put_object_acl, **body_and_grant) == ("UnexpectedContent", 400)


@pytest.mark.parametrize(
    "grant",
    [
        'id="not-a-canonical-id"',
        'uri="http://acs.amazonaws.com/groups/global/Nobody"',
        "read=everyone",
        'id="",',
    ],
)
def test_invalid_grantees(s3: S3Client, grant: str) -> None:
    bucket = _open_bucket(s3)
    assert _error(s3.put_bucket_acl, Bucket=bucket, GrantRead=grant) == ("InvalidArgument", 400)
    assert _error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", GrantRead=grant) == (
        "InvalidArgument",
        400,
    )


def test_unknown_canned_acl(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    assert _error(s3.put_bucket_acl, Bucket=bucket, ACL="everyone") == ("InvalidArgument", 400)
    assert _error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ACL="everyone") == (
        "InvalidArgument",
        400,
    )


def test_email_grantees(s3: S3Client, s3emu: S3Emulator) -> None:
    # AWS stopped email grantees in some regions (405) and resolves them elsewhere
    bucket = _open_bucket(s3)
    region = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] or "us-east-1"
    expected = (
        ("MethodNotAllowed", 405)
        if region in EMAIL_GRANTS_REMOVED
        else ("UnresolvableGrantByEmailAddress", 400)
    )
    assert (
        _error(s3.put_bucket_acl, Bucket=bucket, GrantRead='emailAddress="someone@example.com"') == expected
    )
    # a bucket in eu-central-1, where S3 looks the address up and knows no such account
    central = s3emu.client(region_name="eu-central-1")
    name = f"t-{uuid.uuid4().hex[:24]}"
    central.create_bucket(
        Bucket=name,
        ObjectOwnership="ObjectWriter",
        CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
    )
    grant = 'emailAddress="someone@example.com"'
    assert _error(central.put_bucket_acl, Bucket=name, GrantRead=grant) == (
        "UnresolvableGrantByEmailAddress",
        400,
    )


def test_malformed_acl_documents(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    owner = {"ID": _owner(s3, bucket)}
    grant: Any = {"Grantee": {"Type": "CanonicalUser", "ID": OTHER_ID}, "Permission": "READ"}
    no_owner: Any = {"Grants": [grant]}
    assert _error(s3.put_bucket_acl, Bucket=bucket, AccessControlPolicy=no_owner) == (
        "MalformedACLError",
        400,
    )
    bad_permission: Any = {"Owner": owner, "Grants": [{**grant, "Permission": "EVERYTHING"}]}
    assert _error(s3.put_bucket_acl, Bucket=bucket, AccessControlPolicy=bad_permission) == (
        "MalformedACLError",
        400,
    )
    no_id: Any = {"Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser"}, "Permission": "READ"}]}
    assert _error(s3.put_bucket_acl, Bucket=bucket, AccessControlPolicy=no_id) == ("MalformedACLError", 400)
    # an ACL cannot give the bucket away
    other_owner: Any = {"Owner": {"ID": OTHER_ID}, "Grants": [grant]}
    assert _error(s3.put_bucket_acl, Bucket=bucket, AccessControlPolicy=other_owner) == (
        "InvalidArgument",
        400,
    )


def test_block_public_acls(s3: S3Client) -> None:
    bucket = _open_bucket(s3, block_public_acls=True)
    denied = "AccessDenied", 403
    assert _error(s3.put_object, Bucket=bucket, Key="k", Body=b"x", ACL="public-read") == denied
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="private")
    everyone = f'uri="{ALL_USERS}"'
    assert _error(s3.put_object_acl, Bucket=bucket, Key="k", GrantRead=everyone) == denied
    assert _error(s3.put_bucket_acl, Bucket=bucket, ACL="authenticated-read") == denied
    assert _error(s3.create_multipart_upload, Bucket=bucket, Key="m", ACL="public-read-write") == denied
    # the log delivery group is not the public
    s3.put_bucket_acl(Bucket=bucket, ACL=LOG_DELIVERY_WRITE)
    # with BlockPublicAcls off, the same ACL is taken
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": False})
    s3.put_object_acl(Bucket=bucket, Key="k", GrantRead=everyone)
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == [(ALL_USERS, "READ")]


def test_create_bucket_checks_its_acl(s3: S3Client) -> None:
    name = f"t-{uuid.uuid4().hex[:24]}"
    assert _error(s3.create_bucket, Bucket=name, ACL="public-read") == (
        "InvalidBucketAclWithObjectOwnership",
        400,
    )
    writer: Any = {"Bucket": name, "ObjectOwnership": "ObjectWriter"}
    public = ("InvalidBucketAclWithBlockPublicAccessError", 400)
    assert _error(s3.create_bucket, **writer, ACL="public-read") == public
    assert _error(s3.create_bucket, **writer, GrantRead=f"uri={ALL_USERS}") == public
    assert _error(s3.create_bucket, Bucket=name, ObjectOwnership="Nobody") == ("InvalidArgument", 400)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.create_bucket(**writer, GrantRead=f'id="{OTHER_ID}"')
    assert _grants(s3.get_bucket_acl(Bucket=name)) == [(OTHER_ID, "READ")]


def test_create_bucket_with_the_owners_acl(s3: S3Client, s3_bucket: str) -> None:
    owner = _owner(s3, s3_bucket)
    granted = f"t-{uuid.uuid4().hex[:24]}"
    s3.create_bucket(Bucket=granted, GrantFullControl=f'id="{owner}"')
    rules = s3.get_bucket_ownership_controls(Bucket=granted)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    # kept from before ACLs were off by default: the private canned ACL makes ACLs available
    private = f"t-{uuid.uuid4().hex[:24]}"
    s3.create_bucket(Bucket=private, ACL="private")
    rules = s3.get_bucket_ownership_controls(Bucket=private)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]
    enforced = f"t-{uuid.uuid4().hex[:24]}"
    s3.create_bucket(Bucket=enforced, ACL="private", ObjectOwnership="BucketOwnerEnforced")
    rules = s3.get_bucket_ownership_controls(Bucket=enforced)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_ownership_turns_acls_off_and_back_on(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    owner = _owner(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ACL="public-read")
    enforced: Any = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    # ACLs cannot be disabled while the bucket's own ACL grants others
    assert _error(s3.put_bucket_ownership_controls, Bucket=bucket, OwnershipControls=enforced) == (
        "InvalidBucketAclWithObjectOwnership",
        400,
    )
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=enforced)
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == [(owner, "FULL_CONTROL")]
    preferred: Any = {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=preferred)
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == [
        (owner, "FULL_CONTROL"),
        (ALL_USERS, "READ"),
    ]
    # without ownership controls, ACLs are on (as on buckets made before the setting existed)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=enforced)
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert _grants(s3.get_bucket_acl(Bucket=bucket)) == [(owner, "FULL_CONTROL"), (ALL_USERS, "READ")]


def test_new_objects_get_their_requests_acl(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    owner = _owner(s3, bucket)
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", ACL="public-read")
    # a copy takes the copy request's ACL, never its source's
    s3.copy_object(Bucket=bucket, Key="plain", CopySource=f"{bucket}/src")
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="plain")) == [(owner, "FULL_CONTROL")]
    s3.copy_object(Bucket=bucket, Key="granted", CopySource=f"{bucket}/src", ACL="authenticated-read")
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="granted"))[1] == (AUTHENTICATED_USERS, "READ")
    # an overwrite replaces the ACL too
    s3.put_object(Bucket=bucket, Key="src", Body=b"y")
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="src")) == [(owner, "FULL_CONTROL")]
    # a multipart upload's ACL is given at its start
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="public-read")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="mp")) == [
        (owner, "FULL_CONTROL"),
        (ALL_USERS, "READ"),
    ]


def test_object_acl_by_version(s3: S3Client) -> None:
    bucket = _open_bucket(s3)
    owner = _owner(s3, bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"2")
    s3.put_object_acl(Bucket=bucket, Key="k", VersionId=first, ACL="public-read")
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k", VersionId=first))[1] == (ALL_USERS, "READ")
    assert _grants(s3.get_object_acl(Bucket=bucket, Key="k")) == [(owner, "FULL_CONTROL")]
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    assert _error(s3.get_object_acl, Bucket=bucket, Key="k") == ("NoSuchKey", 404)
    on_marker = {"Bucket": bucket, "Key": "k", "VersionId": marker, "ACL": "private"}
    assert _error(s3.put_object_acl, **on_marker) == ("MethodNotAllowed", 405)


def test_missing_bucket_or_key(s3: S3Client, s3_bucket: str) -> None:
    gone = "no-such-bucket-acl"
    assert _error(s3.get_bucket_acl, Bucket=gone) == ("NoSuchBucket", 404)
    assert _error(s3.put_bucket_acl, Bucket=gone, ACL="private") == ("NoSuchBucket", 404)
    assert _error(s3.put_object, Bucket=gone, Key="k", Body=b"x", ACL="private") == ("NoSuchBucket", 404)
    assert _error(s3.get_object_acl, Bucket=s3_bucket, Key="missing") == ("NoSuchKey", 404)
    assert _error(s3.put_object_acl, Bucket=s3_bucket, Key="missing", ACL="private") == ("NoSuchKey", 404)
