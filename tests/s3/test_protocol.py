"""The HTTP protocol around every operation: request ids, the error document, unknown operations."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import XMLNS, exchange, send

from pytest_s3emu.handlers import HANDLERS
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# (operation, boto3 method, its arguments besides Bucket): rarely used operations, one of which
# the emulator is expected to lack for a while
UNIMPLEMENTED_CANDIDATES: list[tuple[str, str, dict[str, Any]]] = [
    ("GetBucketAnalyticsConfiguration", "get_bucket_analytics_configuration", {"Id": "a1"}),
    ("GetBucketMetricsConfiguration", "get_bucket_metrics_configuration", {"Id": "m1"}),
    ("GetBucketInventoryConfiguration", "get_bucket_inventory_configuration", {"Id": "i1"}),
    (
        "GetBucketIntelligentTieringConfiguration",
        "get_bucket_intelligent_tiering_configuration",
        {"Id": "t1"},
    ),
    ("GetBucketWebsite", "get_bucket_website", {}),
]


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, dict[str, Any]]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


def _unimplemented() -> tuple[str, str, dict[str, Any]]:
    for candidate in UNIMPLEMENTED_CANDIDATES:
        if candidate[0] not in HANDLERS:
            return candidate
    pytest.skip("every candidate operation is implemented now: add a new one to the list")


# --- request ids --------------------------------------------------------------------------------


def test_every_response_has_request_ids(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    seen: list[tuple[int, dict[str, str]]] = []

    def record(http_response: Any, **kwargs: Any) -> None:
        seen.append((http_response.status_code, dict(http_response.headers)))

    s3.meta.events.register("after-call.s3", record)
    etag = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"0123456789")["ETag"]
    s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read()
    s3.get_object(Bucket=s3_bucket, Key="k", Range="bytes=0-1")["Body"].read()
    s3.head_object(Bucket=s3_bucket, Key="k")
    s3.list_buckets()
    s3.get_bucket_location(Bucket=s3_bucket)
    failing: list[Callable[[], object]] = [
        lambda: s3.head_object(Bucket=s3_bucket, Key="missing"),
        lambda: s3.get_object(Bucket=s3_bucket, Key="missing"),
        lambda: s3.get_object(Bucket=s3_bucket, Key="k", IfNoneMatch=etag),
        lambda: s3.get_object(Bucket=s3_bucket, Key="k", Range="bytes=50-60"),
        lambda: s3.create_bucket(Bucket="Invalid_Name"),
    ]
    for call in failing:
        with pytest.raises(ClientError):
            call()
    s3.delete_object(Bucket=s3_bucket, Key="k")

    statuses = [status for status, _ in seen]
    assert statuses == [200, 200, 206, 200, 200, 200, 404, 404, 304, 416, 400, 204]
    request_ids = set()
    for _, headers in seen:
        lowered = {k.lower(): v for k, v in headers.items()}
        assert re.fullmatch(r"[0-9A-F]{16}", lowered["x-amz-request-id"])
        assert lowered["x-amz-id-2"]
        request_ids.add(lowered["x-amz-request-id"])
    assert len(request_ids) == len(seen)


def test_request_ids_in_error_metadata(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="missing")
    metadata: Any = excinfo.value.response["ResponseMetadata"]
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amz-request-id"]
    assert metadata["HostId"] == metadata["HTTPHeaders"]["x-amz-id-2"]


# --- the error document -------------------------------------------------------------------------


@pytest.mark.http_only
def test_error_document_shape(s3emu: S3Emulator) -> None:
    bucket = f"missing-{uuid.uuid4().hex[:12]}"
    response = send(s3emu, "GET", f"/{bucket}/some/key")
    assert response.status == 404
    assert response.headers["content-type"] == "application/xml"
    assert int(response.headers["content-length"]) == len(response.body)
    assert response.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(response.body)
    assert root.tag == "Error"  # no namespace on error documents
    children = [(child.tag, child.text) for child in root]
    assert [tag for tag, _ in children] == ["Code", "Message", "BucketName", "RequestId", "HostId"]
    values = dict(children)
    assert values["Code"] == "NoSuchBucket"
    assert values["Message"] == "The specified bucket does not exist"
    assert values["BucketName"] == bucket
    assert values["RequestId"] == response.headers["x-amz-request-id"]
    assert values["HostId"] == response.headers["x-amz-id-2"]


def test_error_document_of_missing_key(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    response = send(s3emu, "GET", f"/{s3_bucket}/dir/na%20me")
    assert response.status == 404
    error = response.error()
    assert error["Code"] == "NoSuchKey"
    assert error["Key"] == "dir/na me"  # the decoded key
    assert set(error) == {"Code", "Message", "Key", "RequestId", "HostId"}


def test_head_error_has_no_body(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    response = send(s3emu, "HEAD", f"/{s3_bucket}/missing")
    assert response.status == 404
    assert response.body == b""
    assert response.headers["x-amz-request-id"]
    assert response.headers["x-amz-id-2"]


def test_success_documents_carry_the_s3_namespace(s3: S3Client, s3emu: S3Emulator) -> None:
    name = f"ns-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    listing = send(s3emu, "GET", "/")
    assert listing.status == 200
    assert listing.headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(listing.body)
    assert root.tag == f"{XMLNS}ListAllMyBucketsResult"
    names = [node.text for node in root.iter(f"{XMLNS}Name")]
    assert names == [name]
    location = ElementTree.fromstring(send(s3emu, "GET", f"/{name}?location").body)
    assert (location.tag, location.text) == (f"{XMLNS}LocationConstraint", "eu-west-1")


def test_virtual_hosted_style_request(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="vh/key", Body=b"hosted")
    port = s3emu.endpoint_url.rsplit(":", 1)[1]
    response = send(s3emu, "GET", "/vh/key", headers={"Host": f"{s3_bucket}.localhost:{port}"})
    assert response.status == 200
    assert response.body == b"hosted"
    assert s3emu.log[-1].bucket == s3_bucket


# --- operations the emulator does not handle ----------------------------------------------------


def test_unimplemented_operation_is_501(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    operation, method, arguments = _unimplemented()
    with pytest.raises(ClientError) as excinfo:
        getattr(s3, method)(Bucket=s3_bucket, **arguments)
    code, status, error = _error(excinfo)
    assert (code, status) == ("NotImplemented", 501)
    assert operation in error["Message"]
    assert s3emu.log[-1].operation == operation
    assert s3emu.log[-1].error == "NotImplemented"


@pytest.mark.http_only
@pytest.mark.parametrize(
    ("method", "path", "resource"),
    [
        ("PATCH", "/b/k", "OBJECT"),
        ("PATCH", "/b", "BUCKET"),
        ("POST", "/", "SERVICE"),
        ("PUT", "/", "SERVICE"),
    ],
)
def test_method_not_allowed(s3emu: S3Emulator, method: str, path: str, resource: str) -> None:
    # AWS answers a method the resource does not support with 405 MethodNotAllowed naming the
    # method and resource type. Unsure: whether AWS treats a method it does not know at all
    # (PATCH) the same way or answers 501; the emulator answers 405.
    response = send(s3emu, method, path)
    assert response.status == 405
    error = response.error()
    assert error["Code"] == "MethodNotAllowed"
    assert error["Message"] == "The specified method is not allowed against this resource."
    assert (error["Method"], error["ResourceType"]) == (method, resource)


# --- the request log and connections ------------------------------------------------------------


def test_mixed_workload_never_answers_500(s3: S3Client, s3emu: S3Emulator) -> None:
    bucket = f"mix-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    attempts: list[Callable[[], object]] = [
        lambda: s3.delete_bucket(Bucket=bucket),
        lambda: s3.get_object(Bucket=bucket, Key="a", Range="bytes=9-"),
        lambda: s3.put_object(Bucket=bucket, Key="b" * 1025, Body=b""),
        lambda: s3.list_buckets(MaxBuckets=20000),
        lambda: s3.create_bucket(Bucket="a..b"),
    ]
    for attempt in attempts:
        with pytest.raises(ClientError):
            attempt()
    send(s3emu, "PUT", f"/{bucket}/c", b"x", {"Content-MD5": "bad"})
    send(s3emu, "DELETE", "/")
    statuses = [call.status for call in s3emu.log]
    assert len(statuses) == 9
    assert all(status < 500 for status in statuses), s3emu.log


@pytest.mark.http_only
def test_calls_reuse_one_connection(s3emu: S3Emulator, caplog: pytest.LogCaptureFixture) -> None:
    client = s3emu.client()
    bucket = f"ka-{uuid.uuid4().hex[:12]}"
    with caplog.at_level(logging.DEBUG, logger="urllib3.connectionpool"):
        client.create_bucket(Bucket=bucket)
        client.put_object(Bucket=bucket, Key="k", Body=b"x" * 100_000)
        client.get_object(Bucket=bucket, Key="k")["Body"].read()
        with pytest.raises(ClientError):
            client.get_object(Bucket=bucket, Key="missing")  # an error answer keeps it too
        with pytest.raises(ClientError):
            client.head_object(Bucket=bucket, Key="missing")
        client.delete_object(Bucket=bucket, Key="k")
        client.list_buckets()
    opened = [r for r in caplog.records if r.getMessage().startswith("Starting new HTTP connection")]
    assert len(opened) == 1
    assert len(s3emu.log) == 7


@pytest.mark.http_only
@pytest.mark.parametrize(
    ("line", "status", "code"),
    [
        (b"GET / HTTP/2.0", 505, "HttpVersionNotSupported"),
        (b"GET /a b HTTP/1.1", 505, "HttpVersionNotSupported"),  # S3's answer, JuliaCloud/AWS.jl#223
        (b"GET /", 400, "BadRequest"),
    ],
)
def test_a_malformed_request_line_gets_an_s3_error(
    s3emu: S3Emulator, line: bytes, status: int, code: str
) -> None:
    response = exchange(s3emu, line + b"\r\nHost: x\r\n\r\n")
    assert response is not None
    assert response.status == status
    assert response.headers["connection"] == "close"
    assert response.error()["Code"] == code
