"""Request authentication: SigV4 signatures, clock skew and presigned URL expiry, as S3 checks them."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import botocore.auth
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from rawhttp import send

from pytest_s3emu.server import ACCESS_KEY, S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_wrong_secret_is_signature_does_not_match(s3emu: S3Emulator) -> None:
    client = s3emu.client(aws_access_key_id=ACCESS_KEY, aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError) as raised:
        client.list_buckets()
    assert _error(raised) == ("SignatureDoesNotMatch", 403)
    assert raised.value.response["Error"]["AWSAccessKeyId"] == ACCESS_KEY


def test_an_unsigned_header_added_after_signing_is_accepted(s3: S3Client, s3_bucket: str) -> None:
    def tamper(request: object, **_: object) -> None:
        # after signing: the signed x-amz-content-sha256 no longer matches what is sent
        request.headers["x-amz-meta-extra"] = "added after signing"  # type: ignore[attr-defined]

    client = s3
    client.meta.events.register("before-send.s3.PutObject", tamper)
    try:
        client.put_object(Bucket=s3_bucket, Key="k", Body=b"v", Metadata={"a": "b"})
        stored = client.head_object(Bucket=s3_bucket, Key="k")["Metadata"]
    finally:
        client.meta.events.unregister("before-send.s3.PutObject", tamper)
    # an unsigned header may be added on the way: S3 only checks the signed ones
    assert stored == {"a": "b", "extra": "added after signing"}


def test_a_signed_header_changed_after_signing_is_refused(s3: S3Client, s3_bucket: str) -> None:
    def tamper(request: object, **_: object) -> None:
        request.headers["x-amz-meta-a"] = "changed"  # type: ignore[attr-defined]

    s3.meta.events.register("before-send.s3.PutObject", tamper)
    try:
        with pytest.raises(ClientError) as raised:
            s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v", Metadata={"a": "b"})
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", tamper)
    assert _error(raised) == ("SignatureDoesNotMatch", 403)


def test_other_access_keys_are_accepted_unverified(s3emu: S3Emulator) -> None:
    client = s3emu.client(aws_access_key_id="someone-else", aws_secret_access_key="whatever")
    assert client.list_buckets()["Buckets"] == []


def test_signed_requests_with_tricky_keys_and_queries_verify(s3: S3Client, s3_bucket: str) -> None:
    key = "a b+c/ü~!*'()%20;=&?#"
    s3.put_object(Bucket=s3_bucket, Key=key, Body=b"v", Tagging="t=a b&u=c+d")
    listed = s3.list_objects_v2(Bucket=s3_bucket, Prefix="a b+", Delimiter="/", StartAfter="a ")
    assert listed["CommonPrefixes"] == [{"Prefix": "a b+c/"}]
    assert (
        s3.get_object(Bucket=s3_bucket, Key=key, ResponseContentType="text/x y")["ContentType"] == "text/x y"
    )


def test_a_request_signed_long_ago_is_too_skewed(s3emu: S3Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    client = s3emu.client()
    old = datetime.datetime(2020, 1, 1, 12, 0, 0)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: old)
    with pytest.raises(ClientError) as raised:
        client.list_buckets()
    assert _error(raised) == ("RequestTimeTooSkewed", 403)
    assert raised.value.response["Error"]["RequestTime"] == "20200101T120000Z"


def _v4_client(s3emu: S3Emulator) -> S3Client:
    return s3emu.client(config=Config(signature_version="s3v4"))


def _changed(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query[name] = [value]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _refusal(url: str) -> tuple[int, bytes]:
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url)
    return raised.value.code, raised.value.read()


@pytest.mark.parametrize("version", ["s3", "s3v4"])
def test_presigned_urls_work_and_a_changed_one_does_not(
    s3emu: S3Emulator, s3_bucket: str, version: str
) -> None:
    client = s3emu.client(config=Config(signature_version=version))
    client.put_object(Bucket=s3_bucket, Key="a b+c.txt", Body=b"hello")
    params = {"Bucket": s3_bucket, "Key": "a b+c.txt", "ResponseContentType": "text/plain"}
    url = client.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    with urllib.request.urlopen(url) as response:
        assert response.read() == b"hello"
        assert response.headers["Content-Type"] == "text/plain"
    # a signed parameter changed after signing breaks the signature
    code, body = _refusal(_changed(url, "response-content-type", "text/html"))
    assert code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in body


def test_an_expired_sigv4_presigned_url_is_access_denied(
    s3emu: S3Emulator, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _v4_client(s3emu)
    client.put_object(Bucket=s3_bucket, Key="doc.txt", Body=b"hello")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime.datetime(2020, 1, 1))
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": s3_bucket, "Key": "doc.txt"}, ExpiresIn=60
    )
    code, body = _refusal(url)
    assert code == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert b"<Message>Request has expired</Message>" in body
    assert b"<X-Amz-Expires>60</X-Amz-Expires>" in body


def test_an_expired_sigv2_presigned_url_is_access_denied(s3emu: S3Emulator, s3_bucket: str) -> None:
    client = s3emu.client(config=Config(signature_version="s3"))
    url = client.generate_presigned_url("list_objects", Params={"Bucket": s3_bucket}, ExpiresIn=60)
    assert "Expires=" in url
    # the deadline is checked before the signature, as on S3
    code, body = _refusal(_changed(url, "Expires", "1577836800"))
    assert code == 403
    assert b"<Message>Request has expired</Message>" in body


def test_presigned_expiry_over_a_week_is_refused(s3emu: S3Emulator, s3_bucket: str) -> None:
    url = _v4_client(s3emu).generate_presigned_url(
        "list_objects_v2", Params={"Bucket": s3_bucket}, ExpiresIn=604801
    )
    code, body = _refusal(url)
    assert code == 400
    assert b"<Code>AuthorizationQueryParametersError</Code>" in body


def test_a_malformed_credential_is_authorization_header_malformed(s3emu: S3Emulator) -> None:
    request = urllib.request.Request(
        s3emu.endpoint_url + "/",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=onlykey, SignedHeaders=host, Signature=abc",
            "x-amz-date": "20260101T000000Z",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 400
    assert b"<Code>AuthorizationHeaderMalformed</Code>" in raised.value.read()


@pytest.mark.http_only  # hand-made Authorization headers
def test_empty_and_foreign_authorization_headers(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    empty = send(s3emu, "GET", f"/{s3_bucket}/k", headers={"Authorization": ""})
    assert (empty.status, empty.error()["Code"]) == (403, "AccessDenied")
    bearer = send(s3emu, "GET", f"/{s3_bucket}/k", headers={"Authorization": "Bearer abc"})
    assert bearer.status == 400
    assert bearer.error() | {"RequestId": "", "HostId": ""} == {
        "Code": "InvalidArgument",
        "Message": "Unsupported Authorization Type",
        "ArgumentName": "Authorization",
        "ArgumentValue": "Bearer abc",
        "RequestId": "",
        "HostId": "",
    }
    refused = send(s3emu, "PUT", f"/{s3_bucket}/other", b"x", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert refused.status == 400
    assert (
        "Contents" in s3.list_objects_v2(Bucket=s3_bucket)
        and len(s3.list_objects_v2(Bucket=s3_bucket)["Contents"]) == 1
    )
