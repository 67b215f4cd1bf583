"""Request authentication: SigV4 signatures, clock skew and presigned URL expiry, as S3 checks them."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
from collections.abc import Callable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from rawhttp import send, signed

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


def test_an_unsigned_amz_header_added_after_signing_is_refused(s3: S3Client, s3_bucket: str) -> None:
    def tamper(request: object, **_: object) -> None:
        # after signing: SignedHeaders does not name it
        request.headers["x-amz-meta-extra"] = "added after signing"  # type: ignore[attr-defined]
        request.headers["X-Amz-Acl"] = "public-read"  # type: ignore[attr-defined]

    s3.meta.events.register("before-send.s3.PutObject", tamper)
    try:
        with pytest.raises(ClientError) as raised:
            s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v", Metadata={"a": "b"})
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", tamper)
    # S3 wants every x-amz-* header of a SigV4 request signed, and names the ones that are not
    assert _error(raised) == ("AccessDenied", 403)
    error = raised.value.response["Error"]
    assert error["Message"] == "There were headers present in the request which were not signed"
    assert error["HeadersNotSigned"] == "x-amz-acl, x-amz-meta-extra"
    assert s3.list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 0


def test_an_unsigned_plain_header_added_after_signing_is_accepted(s3: S3Client, s3_bucket: str) -> None:
    def tamper(request: object, **_: object) -> None:
        request.headers["Cache-Control"] = "no-cache"  # type: ignore[attr-defined]

    s3.meta.events.register("before-send.s3.PutObject", tamper)
    try:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", tamper)
    # only x-amz-* headers must be signed: others may be added on the way
    assert s3.head_object(Bucket=s3_bucket, Key="k")["CacheControl"] == "no-cache"


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


def test_an_unknown_access_key_is_invalid_access_key_id(s3emu: S3Emulator) -> None:
    client = s3emu.client(aws_access_key_id="someone-else", aws_secret_access_key="whatever")
    with pytest.raises(ClientError) as raised:
        client.list_buckets()
    assert _error(raised) == ("InvalidAccessKeyId", 403)
    assert raised.value.response["Error"]["AWSAccessKeyId"] == "someone-else"


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


def test_a_presigned_url_with_unsigned_amz_headers_is_refused(s3emu: S3Emulator, s3_bucket: str) -> None:
    client = _v4_client(s3emu)
    client.put_object(Bucket=s3_bucket, Key="doc.txt", Body=b"hello")
    url = client.generate_presigned_url("get_object", Params={"Bucket": s3_bucket, "Key": "doc.txt"})
    extra = {"x-amz-date": "20260101T000000Z", "x-amz-expires": "60"}
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(urllib.request.Request(url, headers=extra))
    body = raised.value.read()
    # what AWS answered for x-amz-* headers a presigned URL did not sign (LocalStack's snapshots)
    assert raised.value.code == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert b"<Message>There were headers present in the request which were not signed</Message>" in body
    assert b"<HeadersNotSigned>x-amz-date, x-amz-expires</HeadersNotSigned>" in body
    # a payload hash header is no such refusal for a presigned URL (it signs UNSIGNED-PAYLOAD)
    payload = urllib.request.Request(url, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    with urllib.request.urlopen(payload) as response:
        assert response.read() == b"hello"


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


# --- malformed Authorization headers (hand-made: botocore never sends them) -----------------------

_SCOPE = "s3emu-access-key/20260101/us-east-1/s3/aws4_request"


@pytest.mark.http_only
@pytest.mark.parametrize(
    ("header", "status", "code", "message"),
    [
        # ceph/s3-tests test_object_create_bad_authorization_empty: 403 AccessDenied
        ("", 403, "AccessDenied", "Access Denied"),
        # ceph/s3-tests test_bucket_create_bad_authorization_invalid_aws4 ("AWS4 HAHAHA"): 400 InvalidArgument
        ("AWS4 HAHAHA", 400, "InvalidArgument", "Unsupported Authorization Type"),
        ("Bearer token", 400, "InvalidArgument", "Unsupported Authorization Type"),
        # ceph/s3-tests test_object_create_bad_authorization_invalid_aws2: 400 InvalidArgument
        (
            "AWS HAHAHA",
            400,
            "InvalidArgument",
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
        ),
        (
            "AWS  key:sig",
            400,
            "InvalidArgument",
            "Authorization header is invalid -- one and only one ' ' (space) required",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=" + _SCOPE,
            400,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; the authorization header requires three components: "
            "Credential, SignedHeaders, and Signature.",
        ),
        (
            f"AWS4-HMAC-SHA256 Credential={_SCOPE}, SignedHeaders, Signature=abc",
            400,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; "
            'the authorization component "SignedHeaders" is malformed.',
        ),
        (
            "AWS4-HMAC-SHA256 Credential=key/20260101/us-east-1/s3, SignedHeaders=host, Signature=abc",
            400,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        ),
        (
            "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s3/aws4_reques,SignedHeaders=host,Signature=a",
            400,
            "AuthorizationHeaderMalformed",
            'The authorization header is malformed; incorrect terminal "aws4_reques". '
            'This endpoint uses "aws4_request".',
        ),
        (
            "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/s4/aws4_request,SignedHeaders=host,Signature=a",
            400,
            "AuthorizationHeaderMalformed",
            'The authorization header is malformed; incorrect service "s4". This endpoint belongs to "s3".',
        ),
    ],
)
def test_a_malformed_authorization_header_is_refused_as_s3_does(
    s3emu: S3Emulator, header: str, status: int, code: str, message: str
) -> None:
    answer = send(s3emu, "GET", "/", headers={"Authorization": header, "x-amz-date": "20260101T000000Z"})
    error = answer.error()
    assert (answer.status, error["Code"], error["Message"]) == (status, code, message)
    if code == "InvalidArgument":
        assert (error["ArgumentName"], error["ArgumentValue"]) == ("Authorization", header)


# --- the signing date: x-amz-date, else Date ---------------------------------------------------------


def _tampered(client: S3Client, change: Callable[[dict[str, str]], None]) -> S3Client:
    """``client`` with ``change`` applied to each request's headers after signing."""

    def hook(request: Any, **_: object) -> None:
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        change(headers)
        for name in list(request.headers.keys()):
            del request.headers[name]
        for name, value in headers.items():
            request.headers[name] = value

    client.meta.events.register("before-send.s3.ListBuckets", hook)
    return client


def _refused(client: S3Client) -> tuple[str, int, dict[str, Any]]:
    with pytest.raises(ClientError) as raised:
        client.list_buckets()
    response: Any = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


def test_x_amz_date_takes_precedence_over_date(s3emu: S3Emulator) -> None:
    # ceph/s3-tests test_object_create_bad_date_before_today_aws4: a stale Date beside x-amz-date is fine
    client = _tampered(s3emu.client(), lambda h: h.update(Date="Tue, 07 Jul 2010 21:53:04 GMT"))
    assert client.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_sigv4_without_x_amz_date_signs_with_date(s3emu: S3Emulator) -> None:
    def to_date(headers: dict[str, str]) -> None:
        sent = datetime.datetime.strptime(headers.pop("X-Amz-Date"), "%Y%m%dT%H%M%SZ")
        headers["Date"] = formatdate(sent.replace(tzinfo=datetime.timezone.utc).timestamp(), usegmt=True)

    # the date rules run before the access key is looked up: a Date in place of X-Amz-Date passes
    # them, and an access key no account has is then InvalidAccessKeyId (not a date error)
    client = s3emu.client(aws_access_key_id="someone-else", aws_secret_access_key="whatever")
    code, status, _ = _refused(_tampered(client, to_date))
    assert (code, status) == ("InvalidAccessKeyId", 403)


class _ZonedDateSigner(botocore.auth.S3SigV4Auth):
    """SigV4 dated by a signed ``Date`` header in +0200 in place of ``X-Amz-Date``."""

    def _modify_request_before_signing(self, request: Any) -> None:
        super()._modify_request_before_signing(request)
        sent = datetime.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
        del request.headers["X-Amz-Date"]
        zone = datetime.timezone(datetime.timedelta(hours=2))
        moment = sent.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
        request.headers["Date"] = moment.strftime("%a, %d %b %Y %H:%M:%S +0200")


def test_sigv4_date_in_another_zone_is_the_same_moment(s3emu: S3Emulator) -> None:
    # signed for the UTC moment; the header names it in +0200 (an HTTP date may carry any zone)
    request = AWSRequest(method="GET", url=s3emu.endpoint_url + "/")
    keys = s3emu.accounts.default.credentials
    signer = _ZonedDateSigner(Credentials(keys.access_key, keys.secret_key), "s3", s3emu.region)
    signer.add_auth(request)
    headers = dict(request.headers.items())
    assert "X-Amz-Date" not in headers and headers["Date"].endswith("+0200")
    response = send(s3emu, "GET", "/", headers=headers)
    assert response.status == 200, response.body


@pytest.mark.parametrize(
    "change",
    [
        lambda h: h.pop("X-Amz-Date"),  # ceph/s3-tests test_object_create_bad_amz_date_none_aws4
        lambda h: h.update({"X-Amz-Date": "Bad Date"}),  # test_object_create_bad_amz_date_invalid_aws4
        lambda h: h.update({"X-Amz-Date": ""}),  # test_object_create_bad_amz_date_empty_aws4
    ],
    ids=["none", "invalid", "empty"],
)
def test_sigv4_without_a_valid_date_is_access_denied(
    s3emu: S3Emulator, change: Callable[[dict[str, str]], None]
) -> None:
    code, status, error = _refused(_tampered(s3emu.client(), change))
    assert (code, status) == ("AccessDenied", 403)
    assert error["Message"] == "AWS authentication requires a valid Date or x-amz-date header"


def test_a_scope_date_other_than_the_signing_date_is_malformed(s3emu: S3Emulator) -> None:
    def other_day(headers: dict[str, str]) -> None:
        day = headers["X-Amz-Date"][:8]
        headers["Authorization"] = headers["Authorization"].replace(f"/{day}/", "/20100707/")

    code, status, error = _refused(_tampered(s3emu.client(), other_day))
    assert (code, status) == ("AuthorizationHeaderMalformed", 400)
    assert error["Message"] == (
        "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date."
    )


def _v2_client(s3emu: S3Emulator) -> S3Client:
    return s3emu.client(config=Config(signature_version="s3"))


def test_sigv2_with_date_only_verifies(s3emu: S3Emulator) -> None:
    seen: dict[str, str] = {}
    client = _tampered(_v2_client(s3emu), seen.update)
    assert client.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert seen["Authorization"].startswith("AWS ")
    assert "Date" in seen and "X-Amz-Date" not in seen


def test_sigv2_without_date_is_access_denied(s3emu: S3Emulator) -> None:
    # ceph/s3-tests test_object_create_bad_date_none_aws2: 403 AccessDenied
    code, status, error = _refused(_tampered(_v2_client(s3emu), lambda h: h.pop("Date")))
    assert (code, status) == ("AccessDenied", 403)
    assert error["Message"] == "AWS authentication requires a valid Date or x-amz-date header"


def test_sigv2_signed_long_ago_is_too_skewed(s3emu: S3Emulator) -> None:
    stale = "Tue, 07 Jul 2010 21:53:04 GMT"
    code, status, error = _refused(_tampered(_v2_client(s3emu), lambda h: h.update(Date=stale)))
    assert (code, status) == ("RequestTimeTooSkewed", 403)
    assert (error["RequestTime"], error["MaxAllowedSkewMilliseconds"]) == (stale, "900000")


@pytest.mark.http_only  # hand-made SigV4 headers
def test_a_security_token_header_must_be_signed_too(s3emu: S3Emulator, s3_bucket: str) -> None:
    path = f"/{s3_bucket}"
    token = {"x-amz-security-token": "session-token"}
    assert send(s3emu, "GET", path, headers=signed(s3emu, "GET", path, headers=token)).status == 200
    response = send(s3emu, "GET", path, headers={**signed(s3emu, "GET", path), **token})
    assert response.status == 403
    error = response.error()
    assert (error["Code"], error["HeadersNotSigned"]) == ("AccessDenied", "x-amz-security-token")


def test_sigv2_header_requests_still_verify_after_the_clock_moves(s3emu: S3Emulator) -> None:
    # the signature is dated in the emulator's time, as a SigV4 one is (docs/clock.md)
    s3emu.clock.advance(days=2)
    assert _v2_client(s3emu).list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_sigv2_header_signed_clients_work_on_bucket_and_object_requests(
    s3emu: S3Emulator, style: str
) -> None:
    # botocore signs a path-style bucket request "/bucket" as "/bucket/", which S3 accepts; a
    # virtual-hosted one signs "/bucket" + path although the bucket is in the Host
    config = Config(signature_version="s3", s3={"addressing_style": style}, retries={"total_max_attempts": 1})
    client = s3emu.client(endpoint_url=f"http://localhost:{s3emu.port}", config=config)

    def to_loopback(request: Any, **_: Any) -> None:
        # <bucket>.localhost need not resolve here: connect to 127.0.0.1, keep the Host it signed
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{s3emu.port}"))

    client.meta.events.register("before-send.s3", to_loopback)
    bucket = f"sigv2-{style}"
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="a b+c", Body=b"one")
    assert [o["Key"] for o in client.list_objects(Bucket=bucket)["Contents"]] == ["a b+c"]
    assert client.list_objects_v2(Bucket=bucket, Prefix="a")["KeyCount"] == 1
    assert client.get_object(Bucket=bucket, Key="a b+c")["Body"].read() == b"one"
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert client.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "k", "Value": "v"}]
    client.delete_object(Bucket=bucket, Key="a b+c")
    client.delete_bucket(Bucket=bucket)


def test_sigv2_wrong_secret_on_a_bucket_request_is_refused(s3emu: S3Emulator) -> None:
    client = s3emu.client(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="not-the-secret",
        config=Config(signature_version="s3", retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as excinfo:
        client.create_bucket(Bucket="sigv2-wrong")
    assert _error(excinfo) == ("SignatureDoesNotMatch", 403)


def test_sigv2_header_signing_by_another_account(s3emu: S3Emulator) -> None:
    other = s3emu.add_account("sigv2-other")
    config = Config(signature_version="s3", retries={"total_max_attempts": 1})
    theirs = s3emu.client(
        aws_access_key_id=other.access_key, aws_secret_access_key=other.secret_key, config=config
    )
    theirs.create_bucket(Bucket="sigv2-theirs")
    assert [b["Name"] for b in theirs.list_buckets()["Buckets"]] == ["sigv2-theirs"]
    forged = s3emu.client(aws_access_key_id=other.access_key, aws_secret_access_key="forged", config=config)
    with pytest.raises(ClientError) as excinfo:
        forged.list_buckets()
    assert _error(excinfo) == ("SignatureDoesNotMatch", 403)
