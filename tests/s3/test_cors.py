"""CORS in effect: preflights answered from the bucket's rules and Access-Control-* headers on
actual requests, as AWS answers them (LocalStack's recordings, tests/aws/services/s3/test_s3_cors.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from rawhttp import RawResponse, send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CORSRuleTypeDef

ORIGIN = "https://localhost:4200"
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
    "whitelisted by the resource's CORS spec."
)


def _configure(s3: S3Client, bucket: str, **rule: Any) -> None:
    cors_rule: CORSRuleTypeDef = {"AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET", "PUT"], **rule}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [cors_rule]})


def _options(emulator: S3Emulator, path: str, origin: str | None = ORIGIN, **headers: str) -> RawResponse:
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    if origin is not None:
        sent["Origin"] = origin
    return send(emulator, "OPTIONS", path, headers=sent)


def _cors_headers(response: RawResponse) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-") or k == "vary"}


@pytest.fixture
def bucket(s3: S3Client, s3_bucket: str) -> str:
    s3.put_object(Bucket=s3_bucket, Key="obj", Body=b"test-cors")
    return s3_bucket


# --- preflight --------------------------------------------------------------------------------------


@pytest.mark.http_only
def test_preflight_without_origin_is_400(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, MaxAgeSeconds=3000, AllowedHeaders=["*"])
    response = _options(s3emu, f"/{bucket}/obj", origin=None, Access_Control_Request_Method="PUT")
    assert response.status == 400
    error = response.error()
    assert error["Code"] == "BadRequest"
    assert error["Message"] == "Insufficient information. Origin request header needed."


@pytest.mark.http_only
def test_preflight_without_configuration_is_403(s3emu: S3Emulator, bucket: str) -> None:
    response = _options(s3emu, f"/{bucket}/obj", origin="whatever", Access_Control_Request_Method="PUT")
    assert response.status == 403
    error = response.error()
    assert error["Code"] == "AccessForbidden"
    assert error["Message"] == "CORSResponse: CORS is not enabled for this bucket."
    assert (error["Method"], error["ResourceType"]) == ("PUT", "BUCKET")
    # without a requested method S3 names OPTIONS itself
    assert _options(s3emu, f"/{bucket}/obj", origin="whatever").error()["Method"] == "OPTIONS"


@pytest.mark.http_only
def test_preflight_to_a_missing_bucket_is_403(s3emu: S3Emulator) -> None:
    response = _options(s3emu, "/no-such-bucket-cors-404/obj")
    assert response.status == 403
    error = response.error()
    assert (error["Code"], error["Message"]) == ("AccessForbidden", "CORSResponse: Bucket not found")
    assert (error["Method"], error["ResourceType"]) == ("OPTIONS", "BUCKET")


@pytest.mark.http_only
def test_preflight_from_the_rules_origin(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, MaxAgeSeconds=3000, AllowedHeaders=["*"])
    response = _options(s3emu, f"/{bucket}/obj", Access_Control_Request_Method="PUT")
    assert response.status == 200
    assert response.body == b""
    assert response.headers["content-length"] == "0"
    assert _cors_headers(response) == {
        "access-control-allow-origin": ORIGIN,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, PUT",
        "access-control-max-age": "3000",
        "vary": VARY,
    }


@pytest.mark.http_only
def test_preflight_from_another_origin_is_403(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, AllowedHeaders=["*"])
    response = _options(
        s3emu, f"/{bucket}/obj", origin="http://localhost:4200", Access_Control_Request_Method="PUT"
    )
    assert response.status == 403
    error = response.error()
    assert (error["Code"], error["Message"]) == ("AccessForbidden", NOT_ALLOWED)
    assert (error["Method"], error["ResourceType"]) == ("PUT", "OBJECT")
    assert _cors_headers(response) == {}


@pytest.mark.http_only
def test_preflight_for_a_method_not_allowed_is_403(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, AllowedMethods=["GET"])
    assert _options(s3emu, f"/{bucket}/obj", Access_Control_Request_Method="GET").status == 200
    response = _options(s3emu, f"/{bucket}/objnew", Access_Control_Request_Method="PUT")
    assert response.status == 403
    assert (response.error()["Code"], response.error()["Method"]) == ("AccessForbidden", "PUT")


@pytest.mark.http_only
def test_preflight_with_wildcard_origin(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, AllowedOrigins=["*"], MaxAgeSeconds=3000)
    response = _options(
        s3emu, f"/{bucket}/obj", origin="http://random:1234", Access_Control_Request_Method="PUT"
    )
    assert response.status == 200
    assert _cors_headers(response) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, PUT",
        "access-control-max-age": "3000",
        "vary": VARY,
    }


@pytest.mark.http_only
def test_preflight_with_partial_wildcard_origin(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, AllowedOrigins=["http://*.origin.com"])
    response = _options(
        s3emu, f"/{bucket}", origin="http://test.origin.com", Access_Control_Request_Method="GET"
    )
    assert response.status == 200
    assert response.headers["access-control-allow-origin"] == "http://test.origin.com"
    assert response.headers["access-control-allow-credentials"] == "true"
    # the trailing slash is part of the origin: it does not end like the pattern
    refused = _options(
        s3emu, f"/{bucket}", origin="http://test.origin.com/", Access_Control_Request_Method="GET"
    )
    assert refused.status == 403
    assert (refused.error()["Code"], refused.error()["ResourceType"]) == ("AccessForbidden", "BUCKET")


@pytest.mark.http_only
def test_preflight_requested_headers(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, AllowedMethods=["GET"], AllowedHeaders=["*"])
    two = "x-amz-request-payer, x-amz-expected-bucket-owner"
    response = _options(
        s3emu, f"/{bucket}/obj", Access_Control_Request_Method="GET", Access_Control_Request_Headers=two
    )
    assert response.status == 200
    assert response.headers["access-control-allow-headers"] == two
    _configure(
        s3,
        bucket,
        AllowedMethods=["GET"],
        AllowedHeaders=["x-amz-expected-bucket-owner", "x-AMZ-server-SIDE-encryption"],
    )
    refused = _options(
        s3emu,
        f"/{bucket}/obj",
        Access_Control_Request_Method="GET",
        Access_Control_Request_Headers="x-amz-request-payer",
    )
    assert refused.status == 403
    assert (refused.error()["Code"], refused.error()["Method"]) == ("AccessForbidden", "GET")
    # header names match whatever their case, and are answered lower-cased
    mixed = "x-AMZ-expected-BUCKET-owner, X-Amz-Server-Side-Encryption"
    allowed = _options(
        s3emu, f"/{bucket}/obj", Access_Control_Request_Method="GET", Access_Control_Request_Headers=mixed
    )
    assert allowed.status == 200
    assert allowed.headers["access-control-allow-headers"] == (
        "x-amz-expected-bucket-owner, x-amz-server-side-encryption"
    )


@pytest.mark.http_only
def test_preflight_with_headers_against_a_rule_without_allowed_headers(
    s3emu: S3Emulator, s3: S3Client, bucket: str
) -> None:
    _configure(s3, bucket, AllowedOrigins=["*"], AllowedMethods=["GET"])
    plain = _options(s3emu, f"/{bucket}/obj", origin="localhost:4566", Access_Control_Request_Method="GET")
    assert _cors_headers(plain) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET",
        "vary": VARY,
    }
    refused = _options(
        s3emu,
        f"/{bucket}/obj",
        origin="localhost:4566",
        Access_Control_Request_Method="GET",
        Access_Control_Request_Headers="x-amz-request-payer",
    )
    assert refused.status == 403
    assert refused.error()["Code"] == "AccessForbidden"


@pytest.mark.http_only
def test_preflight_expose_headers_and_first_matching_rule(
    s3emu: S3Emulator, s3: S3Client, bucket: str
) -> None:
    expose = ["x-amz-id-2", "x-amz-request-id", "x-amz-request-payer"]
    rules: list[CORSRuleTypeDef] = [
        {"AllowedOrigins": ["http://a.example"], "AllowedMethods": ["PUT"]},
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "ExposeHeaders": expose},
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD"], "MaxAgeSeconds": 1},
    ]
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    response = _options(
        s3emu, f"/{bucket}/obj", origin="http://a.example", Access_Control_Request_Method="GET"
    )
    assert response.status == 200
    assert response.headers["access-control-expose-headers"] == ", ".join(expose)
    assert response.headers["access-control-allow-methods"] == "GET"
    assert "access-control-max-age" not in response.headers


@pytest.mark.http_only
def test_preflight_is_not_authenticated_and_logged(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket)
    # an unsigned OPTIONS with a broken Authorization header is still a preflight
    response = _options(
        s3emu,
        f"/{bucket}/obj",
        Access_Control_Request_Method="GET",
        Authorization="AWS4-HMAC-SHA256 nonsense",
    )
    assert response.status == 200
    assert s3emu.log[-1].operation == "PreflightRequest"
    assert (s3emu.log[-1].bucket, s3emu.log[-1].key) == (bucket, "obj")


@pytest.mark.http_only
def test_preflight_on_a_virtual_host(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket)
    response = _options(s3emu, "/obj", Access_Control_Request_Method="PUT", Host=f"{bucket}.localhost")
    assert response.status == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN


# --- actual requests (both transports) ---------------------------------------------------------------


def _with_headers(s3: S3Client, headers: dict[str, str]) -> None:
    def add(request: Any, **_: Any) -> None:
        for name, value in headers.items():
            request.headers[name] = value

    s3.meta.events.register("before-sign.s3", add)


def test_get_from_the_rules_origin_has_cors_headers(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, MaxAgeSeconds=3000, ExposeHeaders=["ETag"])
    client = s3emu.client()
    _with_headers(client, {"Origin": ORIGIN})
    headers = client.get_object(Bucket=bucket, Key="obj")["ResponseMetadata"]["HTTPHeaders"]
    assert {k: v for k, v in headers.items() if k.startswith("access-control-") or k == "vary"} == {
        "access-control-allow-origin": ORIGIN,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, PUT",
        "access-control-expose-headers": "ETag",
        "access-control-max-age": "3000",
        "vary": VARY,
    }
    # a PUT that the rule allows is answered with them too
    put = client.put_object(Bucket=bucket, Key="new", Body=b"x")["ResponseMetadata"]["HTTPHeaders"]
    assert put["access-control-allow-origin"] == ORIGIN


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"Origin": "http://localhost:4200"},
        {"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"},
        {"Origin": ORIGIN, "Access-Control-Request-Headers": "x-amz-request-payer"},
    ],
    ids=["no-origin", "other-origin", "preflight-method", "preflight-headers"],
)
def test_get_not_matching_has_no_cors_headers(
    s3emu: S3Emulator, s3: S3Client, bucket: str, sent: dict[str, str]
) -> None:
    _configure(s3, bucket)
    client = s3emu.client()
    _with_headers(client, sent)
    response = client.get_object(Bucket=bucket, Key="obj")
    assert response["Body"].read() == b"test-cors"
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert not [name for name in headers if name.startswith("access-control-") or name == "vary"]


def test_get_without_configuration_has_no_cors_headers(s3emu: S3Emulator, bucket: str) -> None:
    client = s3emu.client()
    _with_headers(client, {"Origin": ORIGIN})
    headers = client.get_object(Bucket=bucket, Key="obj")["ResponseMetadata"]["HTTPHeaders"]
    assert not [name for name in headers if name.startswith("access-control-")]


def test_put_with_a_method_not_allowed_still_succeeds(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket, AllowedMethods=["GET"])
    client = s3emu.client()
    _with_headers(client, {"Origin": ORIGIN})
    response = client.put_object(Bucket=bucket, Key="objnew", Body=b"")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "access-control-allow-origin" not in response["ResponseMetadata"]["HTTPHeaders"]
    assert s3.head_object(Bucket=bucket, Key="objnew")["ContentLength"] == 0


def test_error_answers_carry_cors_headers(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    _configure(s3, bucket)
    client = s3emu.client()
    _with_headers(client, {"Origin": ORIGIN})
    with pytest.raises(client.exceptions.NoSuchKey) as caught:
        client.get_object(Bucket=bucket, Key="missing")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"
    assert caught.value.response["ResponseMetadata"]["HTTPHeaders"]["access-control-allow-origin"] == ORIGIN
