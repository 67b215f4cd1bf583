"""The access rules for POST object (the form's signer, or anonymous, must be allowed PutObject)
and for reads of missing keys (AccessDenied, not NoSuchKey, to a caller that may not list)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from access_support import anonymous_client, put_policy, refused
from botocore.config import Config
from rawhttp import RawResponse, send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _post(emulator: S3Emulator, bucket: str, fields: dict[str, str], data: bytes = b"content") -> RawResponse:
    """A browser's form upload: the fields, then the file part; no Authorization header."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return send(emulator, "POST", f"/{bucket}", body, headers, sign=False)


def _signed_form(client: S3Client, bucket: str, key: str, **fields: str) -> dict[str, str]:
    """The fields of a form ``client``'s account signed (each extra field a condition too)."""
    conditions: list[Any] = [{name: value} for name, value in fields.items()]
    post = client.generate_presigned_post(bucket, key, Fields=fields or None, Conditions=conditions or None)
    return dict(post["fields"])


def _denied(response: RawResponse) -> str:
    error = response.error()
    assert (response.status, error["Code"]) == (403, "AccessDenied"), error
    return error["Message"]


def _keys(s3: S3Client, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _name() -> str:
    return f"s3emu-access-post-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def legacy() -> Iterator[S3Emulator]:
    """An emulator whose new buckets get S3's pre-2023 defaults (ObjectWriter, no Block Public Access)."""
    with S3Emulator(bucket_defaults="legacy") as emulator:
        yield emulator


# --- POST object ------------------------------------------------------------------------------


@pytest.mark.http_only  # a browser's form upload: HTTP itself
def test_anonymous_post_to_a_default_bucket_is_access_denied(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    assert _denied(_post(s3emu, s3_bucket, {"key": "anon"})) == "Access Denied"
    assert _keys(s3, s3_bucket) == []


@pytest.mark.http_only
def test_anonymous_post_with_a_public_read_write_acl_and_legacy_defaults(legacy: S3Emulator) -> None:
    s3 = legacy.client()
    bucket = _name()
    s3.create_bucket(Bucket=bucket)
    _denied(_post(legacy, bucket, {"key": "anon"}))  # a private bucket
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    assert _post(legacy, bucket, {"key": "anon"}).status == 204
    # the anonymous user owns it: its private ACL keeps out even the bucket owner, as on S3
    assert refused(lambda: s3.get_object(Bucket=bucket, Key="anon")) == ("AccessDenied", 403)
    assert _post(legacy, bucket, {"key": "shared", "acl": "bucket-owner-read"}).status == 204
    assert s3.get_object(Bucket=bucket, Key="shared")["Body"].read() == b"content"


@pytest.mark.http_only
def test_anonymous_post_with_a_public_policy_and_block_public_access_off(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    s3.delete_public_access_block(Bucket=s3_bucket)
    write = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{s3_bucket}/uploads/*",
    }
    put_policy(s3, s3_bucket, write)
    assert _post(s3emu, s3_bucket, {"key": "uploads/a"}).status == 204
    # only where the policy says
    _denied(_post(s3emu, s3_bucket, {"key": "elsewhere"}))
    assert _keys(s3, s3_bucket) == ["uploads/a"]


@pytest.mark.http_only
def test_another_accounts_signed_post_to_a_private_bucket_is_access_denied(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    other = s3emu.accounts.named("other")
    message = _denied(_post(s3emu, s3_bucket, _signed_form(s3_other_account, s3_bucket, "k")))
    assert message == (
        f"User: {other.arn} is not authorized to perform: s3:PutObject on resource: "
        f'"arn:aws:s3:::{s3_bucket}/k" because no resource-based policy allows the s3:PutObject action'
    )
    # a SigV4 form of that account too
    keys = other.credentials
    v4 = s3emu.client(
        aws_access_key_id=keys.access_key,
        aws_secret_access_key=keys.secret_key,
        config=Config(signature_version="s3v4"),
    )
    form = _signed_form(v4, s3_bucket, "k")
    assert "x-amz-signature" in form
    _denied(_post(s3emu, s3_bucket, form))
    call = s3emu.calls.filter(operation="PostObject")[-1]
    assert (call.account, call.error) == (other.account_id, "AccessDenied")  # the signer's
    assert _keys(s3, s3_bucket) == []
    # the owner's own form is accepted
    assert _post(s3emu, s3_bucket, _signed_form(s3, s3_bucket, "k")).status == 204
    assert s3emu.calls.filter(operation="PostObject")[-1].account == s3emu.accounts.default.account_id


@pytest.mark.http_only
def test_a_policy_condition_on_the_forms_acl(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    # the bucket lets the other account write only objects the bucket owner fully controls
    other = s3emu.accounts.named("other")
    put_policy(
        s3,
        s3_bucket,
        {
            "Effect": "Allow",
            "Principal": {"AWS": other.arn},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{s3_bucket}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    )
    _denied(_post(s3emu, s3_bucket, _signed_form(s3_other_account, s3_bucket, "plain")))
    form = _signed_form(s3_other_account, s3_bucket, "granted", acl="bucket-owner-full-control")
    assert _post(s3emu, s3_bucket, form).status == 204
    assert _keys(s3, s3_bucket) == ["granted"]


@pytest.mark.http_only
def test_an_explicit_deny_refuses_the_owners_form(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{s3_bucket}/locked/*",
    }
    put_policy(s3, s3_bucket, deny)
    message = _denied(_post(s3emu, s3_bucket, _signed_form(s3, s3_bucket, "locked/x")))
    assert message.endswith("with an explicit deny in a resource-based policy")
    assert _post(s3emu, s3_bucket, _signed_form(s3, s3_bucket, "open")).status == 204


@pytest.mark.http_only
def test_signature_and_policy_are_checked_before_access(
    s3emu: S3Emulator, s3_other_account: S3Client, s3_bucket: str
) -> None:
    # a forged form of the other account: SignatureDoesNotMatch, although it may not write anyway
    form = _signed_form(s3_other_account, s3_bucket, "k")
    signature = "signature" if "signature" in form else "x-amz-signature"  # SigV2 or SigV4 form
    response = _post(s3emu, s3_bucket, {**form, signature: "forged"})
    assert (response.status, response.error()["Code"]) == (403, "SignatureDoesNotMatch")
    # a form its own policy refuses: the policy's AccessDenied, not the bucket's
    off_policy = {**form, "key": "other-key"}
    assert _denied(_post(s3emu, s3_bucket, off_policy)).startswith(
        "Invalid according to Policy: Policy Condition failed"
    )


# --- missing keys -----------------------------------------------------------------------------


def _read_policy(s3: S3Client, bucket: str, principal: Any, listing: bool) -> None:
    statements = [
        {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    ]
    if listing:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        )
    put_policy(s3, bucket, *statements)


def test_missing_key_is_access_denied_without_list_bucket(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    other = s3emu.accounts.named("other")
    s3.put_object(Bucket=s3_bucket, Key="there", Body=b"x")
    _read_policy(s3, s3_bucket, {"AWS": other.arn}, listing=False)
    assert s3_other_account.get_object(Bucket=s3_bucket, Key="there")["Body"].read() == b"x"
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="gone")) == (
        "AccessDenied",
        403,
    )
    # HEAD has no body: botocore names the error by its status
    assert refused(lambda: s3_other_account.head_object(Bucket=s3_bucket, Key="gone")) == ("403", 403)
    # the owner may always list: NoSuchKey as before
    assert refused(lambda: s3.get_object(Bucket=s3_bucket, Key="gone")) == ("NoSuchKey", 404)
    # a caller allowed s3:ListBucket too is told the key is missing
    _read_policy(s3, s3_bucket, {"AWS": other.arn}, listing=True)
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="gone")) == ("NoSuchKey", 404)
    assert refused(lambda: s3_other_account.head_object(Bucket=s3_bucket, Key="gone")) == ("404", 404)


def test_deleted_key_is_access_denied_to_anonymous_without_list_bucket(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    anonymous = anonymous_client(s3emu)
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=s3_bucket, Key="k")  # the newest version is a delete marker
    s3.delete_public_access_block(Bucket=s3_bucket)
    _read_policy(s3, s3_bucket, "*", listing=False)
    assert refused(lambda: anonymous.get_object(Bucket=s3_bucket, Key="k")) == ("AccessDenied", 403)
    _read_policy(s3, s3_bucket, "*", listing=True)
    assert refused(lambda: anonymous.get_object(Bucket=s3_bucket, Key="k")) == ("NoSuchKey", 404)


def test_missing_key_with_list_bucket_only_or_an_explicit_deny(
    s3emu: S3Emulator, s3: S3Client, s3_other_account: S3Client, s3_bucket: str
) -> None:
    other = s3emu.accounts.named("other")
    listing = {
        "Effect": "Allow",
        "Principal": {"AWS": other.arn},
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{s3_bucket}",
    }
    put_policy(s3, s3_bucket, listing)
    # the caller may list, so S3 may say the key is not there
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="gone")) == ("NoSuchKey", 404)
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": other.arn},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{s3_bucket}/*",
    }
    put_policy(s3, s3_bucket, listing, deny)
    assert refused(lambda: s3_other_account.get_object(Bucket=s3_bucket, Key="gone")) == (
        "AccessDenied",
        403,
    )


@pytest.mark.http_only
def test_a_policy_on_the_auth_type_tells_forms_apart(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    deny_forms = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{s3_bucket}/*",
        "Condition": {"StringEquals": {"s3:authType": "POST"}},
    }
    put_policy(s3, s3_bucket, deny_forms)
    _denied(_post(s3emu, s3_bucket, _signed_form(s3, s3_bucket, "form")))
    s3.put_object(Bucket=s3_bucket, Key="rest", Body=b"")  # REST-HEADER: not denied
    assert _keys(s3, s3_bucket) == ["rest"]
