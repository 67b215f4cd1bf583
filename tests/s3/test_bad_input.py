"""Bad input S3 answers with a 4xx error, and nothing is half-done: names that are not UTF-8,
signatures with non-ASCII characters, undecodable bodies and unknown algorithms or encodings."""

from __future__ import annotations

import base64
import hashlib
from email.utils import formatdate
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from rawhttp import send, signed

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# S3 answers a URI whose percent-encoding does not decode as UTF-8 with this error (ceph/s3-tests'
# test_object_read_unreadable; gaul/s3proxy#201 shows AWS's 400 for HEAD of the key %AE%8A-)
INVALID_URI = ("InvalidURI", 400, "Couldn't parse the specified URI.")
UNSUPPORTED_ALGORITHM = (
    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
    "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
)


def _content_md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def _error(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _invalid_uri(status: int, error: dict[str, str]) -> tuple[str, int, str]:
    return error["Code"], status, error["Message"]


# --- names whose percent-encoding is not UTF-8 ---------------------------------------------------


@pytest.mark.http_only
def test_put_object_with_a_key_that_is_not_utf8_stores_nothing(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    response = send(s3emu, "PUT", f"/{s3_bucket}/bad%FFkey", b"data")
    assert _invalid_uri(response.status, response.error()) == INVALID_URI
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_bucket)
    assert "Contents" not in s3.list_objects(Bucket=s3_bucket)


@pytest.mark.http_only
def test_create_multipart_upload_with_a_key_that_is_not_utf8_creates_no_upload(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    response = send(s3emu, "POST", f"/{s3_bucket}/bad%C3key?uploads")
    assert _invalid_uri(response.status, response.error()) == INVALID_URI
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=s3_bucket)


@pytest.mark.http_only
@pytest.mark.parametrize("path", ["/{bucket}/missing%FF", "/{bucket}/%ED%A0%80", "/bucket%FF", "/%FF/key"])
def test_an_error_naming_a_name_that_is_not_utf8_is_an_s3_error(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, path: str
) -> None:
    response = send(s3emu, "GET", path.format(bucket=s3_bucket))
    assert response.headers["content-type"] == "application/xml"
    assert _invalid_uri(response.status, response.error()) == INVALID_URI


@pytest.mark.http_only
def test_a_signed_request_with_a_key_that_is_not_utf8(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    path = f"/{s3_bucket}/k%FE"
    response = send(s3emu, "PUT", path, b"data", signed(s3emu, "PUT", path, b"data"))
    assert _invalid_uri(response.status, response.error()) == INVALID_URI
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_bucket)


# --- signatures with non-ASCII characters ----------------------------------------------------------


@pytest.mark.http_only
@pytest.mark.parametrize("forged", ["\u00e9" * 64, "0" * 63 + "\u00ff"])
def test_a_sigv4_signature_with_non_ascii_characters_does_not_match(
    s3emu: S3Emulator, s3_bucket: str, forged: str
) -> None:
    headers = signed(s3emu, "GET", f"/{s3_bucket}")
    authorization, _, _ = headers["Authorization"].rpartition("Signature=")
    headers["Authorization"] = authorization + "Signature=" + forged  # sent as latin-1 bytes
    response = send(s3emu, "GET", f"/{s3_bucket}", headers=headers)
    assert (response.status, response.error()["Code"]) == (403, "SignatureDoesNotMatch")


@pytest.mark.http_only
def test_a_sigv2_signature_with_non_ascii_characters_does_not_match(
    s3emu: S3Emulator, s3_bucket: str
) -> None:
    headers = {"Authorization": "AWS s3emu-access-key:\u00e9t\u00e9", "Date": formatdate(usegmt=True)}
    response = send(s3emu, "GET", f"/{s3_bucket}", headers=headers)
    assert (response.status, response.error()["Code"]) == (403, "SignatureDoesNotMatch")


# --- bodies and algorithms ---------------------------------------------------------------------------


@pytest.mark.http_only
@pytest.mark.parametrize("policy", [b'{"Version": "2012-10-17\xff"}', b"\xff\xfe{\x00}\x00", b"{\xc3}"])
def test_a_bucket_policy_that_is_not_utf8_is_malformed(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, policy: bytes
) -> None:
    headers = {"Content-MD5": _content_md5(policy)}
    response = send(s3emu, "PUT", f"/{s3_bucket}?policy", policy, headers)
    assert (response.status, response.error()["Code"]) == (400, "MalformedPolicy")
    with pytest.raises(ClientError) as raised:
        s3.get_bucket_policy(Bucket=s3_bucket)
    assert raised.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


@pytest.mark.parametrize("algorithm", ["MD4", "crc33", "SHA-256"])
def test_copy_object_with_an_unknown_checksum_algorithm(s3: S3Client, s3_bucket: str, algorithm: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="source", Body=b"data")
    with pytest.raises(ClientError) as raised:
        s3.copy_object(
            Bucket=s3_bucket,
            Key="copy",
            CopySource={"Bucket": s3_bucket, "Key": "source"},
            ChecksumAlgorithm=algorithm,  # type: ignore[arg-type]  # not one of the model's values on purpose
        )
    assert _error(raised) == ("InvalidRequest", 400, UNSUPPORTED_ALGORITHM)
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]] == ["source"]


def test_create_multipart_upload_with_an_unknown_checksum_algorithm(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        s3.create_multipart_upload(
            Bucket=s3_bucket,
            Key="k",
            ChecksumAlgorithm="MD4",  # type: ignore[arg-type]  # not one of the model's values on purpose
        )
    assert _error(raised) == ("InvalidRequest", 400, UNSUPPORTED_ALGORITHM)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=s3_bucket)


@pytest.mark.http_only
@pytest.mark.parametrize("encoding", ["bogus", "rot13", "base64", "utf-32", "idna"])
def test_an_xml_declaration_naming_an_unknown_encoding_is_malformed_xml(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, encoding: str
) -> None:
    body = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
    ).encode()
    response = send(s3emu, "PUT", f"/{s3_bucket}?tagging", body, {"Content-MD5": _content_md5(body)})
    assert (response.status, response.error()["Code"]) == (400, "MalformedXML")
    with pytest.raises(ClientError) as raised:
        s3.get_bucket_tagging(Bucket=s3_bucket)
    assert raised.value.response["Error"]["Code"] == "NoSuchTagSet"


# --- JSON nested deeper than Python's parser goes -------------------------------------------------


def test_a_bucket_policy_nested_too_deep_is_malformed(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        s3.put_bucket_policy(Bucket=s3_bucket, Policy='{"a":' + "[" * 30000)
    assert _error(raised)[:2] == ("MalformedPolicy", 400)


def test_an_encryption_context_nested_too_deep_is_invalid(s3: S3Client, s3_bucket: str) -> None:
    context = base64.b64encode(b'{"a":' + b"[" * 30000).decode()
    with pytest.raises(ClientError) as raised:
        s3.put_object(
            Bucket=s3_bucket,
            Key="k",
            Body=b"x",
            ServerSideEncryption="aws:kms",
            SSEKMSEncryptionContext=context,
        )
    assert _error(raised)[:2] == ("InvalidArgument", 400)
