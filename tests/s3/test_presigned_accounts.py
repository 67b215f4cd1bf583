"""Presigned URLs and signed aws-chunked uploads made by a second account: verified with that
account's secret, decided by what that account may do, and expiring on the emulator's clock."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from access_support import NO_RETRY, put_policy
from botocore.config import Config
from rawhttp import RawResponse, send, signed_chunks

from pytest_s3emu.server import AccountClient, S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

VERSIONS = ("s3", "s3v4")  # SigV2 and SigV4 query signing
# each presignable object operation, its HTTP method and the status S3 answers when allowed
OPERATIONS = (
    ("get_object", "GET", 200),
    ("head_object", "HEAD", 200),
    ("put_object", "PUT", 200),
    ("delete_object", "DELETE", 204),
)
DATA = b"0123456789abcdef" * 1024  # 16 KiB: two 8 KiB signed chunks and the final empty one
STREAMING = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(DATA))}


@pytest.fixture
def other(s3emu: S3Emulator) -> AccountClient:
    return s3emu.add_account("other")


def _signer(s3emu: S3Emulator, version: str, access_key: str, secret_key: str) -> S3Client:
    config = Config(signature_version=version, retries=NO_RETRY)
    return s3emu.client(aws_access_key_id=access_key, aws_secret_access_key=secret_key, config=config)


def _open(s3emu: S3Emulator, url: str, method: str) -> RawResponse:
    """The presigned URL sent as it is (PUT with a small body)."""
    parts = urlsplit(url)
    body = b"put by url" if method == "PUT" else None
    return send(s3emu, method, f"{parts.path}?{parts.query}", body, sign=False)


def _code(response: RawResponse, method: str) -> tuple[str, int]:
    """The error code and status; a HEAD answer has no body: its code is its status (as botocore says)."""
    return (str(response.status) if method == "HEAD" else response.error()["Code"]), response.status


def _allow_other(s3: S3Client, bucket: str, other: AccountClient) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": other.account.arn},
        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    put_policy(s3, bucket, statement)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("operation", "method", "status"), OPERATIONS, ids=[op[1] for op in OPERATIONS])
def test_another_accounts_presigned_url_obeys_its_access(
    s3emu: S3Emulator,
    s3: S3Client,
    s3_bucket: str,
    other: AccountClient,
    version: str,
    operation: str,
    method: str,
    status: int,
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"mine")
    signer = _signer(s3emu, version, other.access_key, other.secret_key)
    url = signer.generate_presigned_url(operation, Params={"Bucket": s3_bucket, "Key": "k"}, ExpiresIn=300)
    # the signature checks out (it is the other account's), but the bucket is private
    refused = _open(s3emu, url, method)
    assert _code(refused, method) == ("403" if method == "HEAD" else "AccessDenied", 403)
    _allow_other(s3, s3_bucket, other)
    assert _open(s3emu, url, method).status == status


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("operation", "method", "status"), OPERATIONS, ids=[op[1] for op in OPERATIONS])
def test_a_url_signed_with_a_wrong_secret_does_not_match(
    s3emu: S3Emulator, other: AccountClient, version: str, operation: str, method: str, status: int
) -> None:
    bucket = f"t-{uuid.uuid4().hex[:24]}"
    other.client.create_bucket(Bucket=bucket)
    other.client.put_object(Bucket=bucket, Key="k", Body=b"theirs")
    params = {"Bucket": bucket, "Key": "k"}
    good = _signer(s3emu, version, other.access_key, other.secret_key).generate_presigned_url(
        operation, Params=params
    )
    forged = _signer(s3emu, version, other.access_key, "not-" + other.secret_key).generate_presigned_url(
        operation, Params=params
    )
    wrong = _open(s3emu, forged, method)
    assert _code(wrong, method) == ("403" if method == "HEAD" else "SignatureDoesNotMatch", 403)
    # the account's own URL works on its own bucket
    assert _open(s3emu, good, method).status == status


@pytest.mark.parametrize("version", VERSIONS)
def test_another_accounts_presigned_url_expires_on_the_emulators_clock(
    s3emu: S3Emulator, other: AccountClient, version: str
) -> None:
    bucket = f"t-{uuid.uuid4().hex[:24]}"
    other.client.create_bucket(Bucket=bucket)
    other.client.put_object(Bucket=bucket, Key="k", Body=b"theirs")
    signer = _signer(s3emu, version, other.access_key, other.secret_key)
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    answer = _open(s3emu, url, "GET")
    assert (answer.status, answer.body) == (200, b"theirs")
    s3emu.clock.advance(seconds=3600)
    expired = _open(s3emu, url, "GET")
    assert _code(expired, "GET") == ("AccessDenied", 403)
    assert expired.error()["Message"] == "Request has expired"


def test_a_signed_chunked_upload_of_another_account(s3emu: S3Emulator, other: AccountClient) -> None:
    bucket = f"t-{uuid.uuid4().hex[:24]}"
    other.client.create_bucket(Bucket=bucket)
    keys = (other.access_key, other.secret_key)
    body, headers = signed_chunks(s3emu, f"/{bucket}/k", DATA, 8192, STREAMING, keys)
    response = send(s3emu, "PUT", f"/{bucket}/k", body, headers, sign=False)
    assert response.status == 200, response.body
    assert other.client.get_object(Bucket=bucket, Key="k")["Body"].read() == DATA


def test_a_wrong_chunk_signature_of_another_account(s3emu: S3Emulator, other: AccountClient) -> None:
    bucket = f"t-{uuid.uuid4().hex[:24]}"
    other.client.create_bucket(Bucket=bucket)
    body, headers = signed_chunks(
        s3emu, f"/{bucket}/k", DATA, 8192, STREAMING, (other.access_key, other.secret_key)
    )
    # the second chunk's signature, chained from the first, changed in one hex digit
    marker = b";chunk-signature="
    at = body.index(marker, body.index(marker) + 1) + len(marker)
    changed = body[:at] + (b"0" if body[at : at + 1] != b"0" else b"1") + body[at + 1 :]
    response = send(s3emu, "PUT", f"/{bucket}/k", changed, headers, sign=False)
    assert (response.status, response.error()["Code"]) == (403, "SignatureDoesNotMatch")
    assert other.client.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_chunks_signed_with_the_default_accounts_secret_do_not_match(
    s3emu: S3Emulator, other: AccountClient
) -> None:
    # the request is signed with the other account's key id, the chunks with another secret
    bucket = f"t-{uuid.uuid4().hex[:24]}"
    other.client.create_bucket(Bucket=bucket)
    default = s3emu.accounts.default.credentials
    body, headers = signed_chunks(
        s3emu, f"/{bucket}/k", DATA, 8192, STREAMING, (other.access_key, default.secret_key)
    )
    response = send(s3emu, "PUT", f"/{bucket}/k", body, headers, sign=False)
    assert (response.status, response.error()["Code"]) == (403, "SignatureDoesNotMatch")


def test_another_accounts_chunked_upload_to_a_private_bucket_is_access_denied(
    s3emu: S3Emulator, s3_bucket: str, other: AccountClient
) -> None:
    keys: Any = (other.access_key, other.secret_key)
    body, headers = signed_chunks(s3emu, f"/{s3_bucket}/k", DATA, 8192, STREAMING, keys)
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", body, headers, sign=False)
    assert (response.status, response.error()["Code"]) == (403, "AccessDenied")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_signature_age_condition_limits_presigned_urls(
    s3emu: S3Emulator, s3: S3Client, version: str
) -> None:
    # the S3 API reference's example: no presigned request signed more than ten minutes ago
    bucket = f"t-age-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"NumericGreaterThan": {"s3:signatureAge": "600000"}},
    }
    put_policy(s3, bucket, statement)
    url = _signer(s3emu, version, *_keys(s3emu)).generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=3600
    )
    assert _open(s3emu, url, "GET").status == 200
    s3emu.clock.advance(seconds=11 * 60)
    answer = _open(s3emu, url, "GET")
    # SigV2's signature age is always 0 (S3 API reference): only the SigV4 URL is too old
    expected = (200, None) if version == "s3" else (403, "AccessDenied")
    assert (answer.status, answer.error()["Code"] if answer.status != 200 else None) == expected
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"  # a header-signed request has none


def _keys(s3emu: S3Emulator) -> tuple[str, str]:
    keys = s3emu.accounts.default.credentials
    return keys.access_key, keys.secret_key
