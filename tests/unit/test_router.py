"""router.match against every operation of the model, fed the exact requests botocore sends."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.config import Config
from botocore.model import OperationModel, Shape
from botocore_oracle import BotocoreCapture

from pytest_s3emu import model, router
from pytest_s3emu.errors import MethodNotAllowed, NotImplementedOperation
from pytest_s3emu.request import HttpRequest, parse_query

BUCKET = "bucket"
KEY = "some/key"

# Operations whose requests are byte-for-byte those of another operation. The router cannot tell
# them apart, so the current (non-deprecated, non-S3-Express) one must win.
WIRE_TWINS: dict[str, str] = {
    "GetBucketLifecycle": "GetBucketLifecycleConfiguration",
    "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
    "GetBucketNotification": "GetBucketNotificationConfiguration",
    "PutBucketNotification": "PutBucketNotificationConfiguration",
    # S3 Express' control plane: GET / on another host on AWS; same path on a custom endpoint
    "ListDirectoryBuckets": "ListBuckets",
}

OPERATION_NAMES = [operation.name for operation in model.all_operations()]


def _example(shape: Shape, name: str) -> Any:
    """A minimal valid value: only required members, the first member of a tagged union."""
    kind = shape.type_name
    if kind == "structure":
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]  # StructureShape
        if getattr(shape, "is_tagged_union", False):
            first = next(iter(members))
            return {first: _example(members[first], first)}
        required: list[str] = shape.required_members
        return {member: _example(members[member], member) for member in required}
    if kind == "list":
        return [_example(shape.member, name)]  # type: ignore[attr-defined]  # ListShape
    if kind == "map":
        return {"k": "v"}
    if kind in ("integer", "long"):
        return 1
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime(2030, 1, 1, tzinfo=timezone.utc)
    if kind == "blob":
        return b"x"
    if shape.enum:  # type: ignore[attr-defined]  # StringShape
        return shape.enum[0]  # type: ignore[attr-defined]
    # "x" repeated up to the member's minimum length (KMS key ARNs must be 20 long)
    return {"Bucket": BUCKET, "Key": KEY}.get(name, "x" * shape.metadata.get("min", 1))


def _minimal_params(operation: OperationModel) -> dict[str, Any]:
    shape = operation.input_shape
    return {} if shape is None else dict(_example(shape, ""))


def _request(method: str, target: str, host: str = "127.0.0.1:1234", **headers: str) -> HttpRequest:
    path, _, query = target.partition("?")
    return HttpRequest(method, path, parse_query(query), {"host": host, **headers}, io.BytesIO())


@pytest.mark.parametrize("name", OPERATION_NAMES)
def test_every_operation_routes_to_itself(botocore_capture: BotocoreCapture, name: str) -> None:
    operation = model.operation(name)
    params = _minimal_params(operation)
    request = botocore_capture.request(name, **params)
    found = router.match(request)
    assert found.operation.name == WIRE_TWINS.get(name, name), (request.method, request.raw_path)
    uri = operation.http["requestUri"]
    assert found.bucket == (BUCKET if "{Bucket}" in uri else None)
    assert found.key == (KEY if "{Key+}" in uri else None)


def test_operation_list_is_the_models() -> None:
    # the parametrization above covers the whole model, whatever botocore version is installed
    assert len(OPERATION_NAMES) == len(model.service_model().operation_names) > 100
    assert set(WIRE_TWINS) | set(WIRE_TWINS.values()) <= set(OPERATION_NAMES)


@pytest.mark.parametrize("deprecated", [n for n in WIRE_TWINS if n != "ListDirectoryBuckets"])
def test_wire_twins_are_deprecated_ones(deprecated: str) -> None:
    old, new = model.operation(deprecated), model.operation(WIRE_TWINS[deprecated])
    assert old.deprecated and not new.deprecated
    assert old.http["method"] == new.http["method"]
    assert old.http["requestUri"] == new.http["requestUri"]


def test_list_directory_buckets_wins_with_its_own_query(botocore_capture: BotocoreCapture) -> None:
    request = botocore_capture.request("ListDirectoryBuckets", MaxDirectoryBuckets=5)
    assert request.query == {"max-directory-buckets": ["5"]}
    assert router.match(request).operation.name == "ListDirectoryBuckets"
    request = botocore_capture.request("ListBuckets", MaxBuckets=5, Prefix="p")
    assert router.match(request).operation.name == "ListBuckets"


def test_write_get_object_response_host_prefix(botocore_capture: BotocoreCapture) -> None:
    # botocore prepends "{RequestRoute}." to the endpoint's host: the literal path still decides
    prepared = botocore_capture.prepared(
        "WriteGetObjectResponse", RequestRoute="route", RequestToken="token", Body=b"data"
    )
    assert prepared.url.startswith("http://route.127.0.0.1:9/WriteGetObjectResponse")
    found = router.match(
        botocore_capture.request("WriteGetObjectResponse", RequestRoute="r", RequestToken="t")
    )
    assert (found.operation.name, found.bucket, found.key) == ("WriteGetObjectResponse", None, None)


def test_create_session_is_path_style_on_custom_endpoint(botocore_capture: BotocoreCapture) -> None:
    prepared = botocore_capture.prepared("CreateSession", Bucket=BUCKET)
    assert prepared.url == f"http://127.0.0.1:9/{BUCKET}?session"
    found = router.match(botocore_capture.request("CreateSession", Bucket=BUCKET))
    assert (found.operation.name, found.bucket) == ("CreateSession", BUCKET)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("ListObjects", {}),
        ("ListObjectsV2", {"MaxKeys": 3}),
        ("ListObjectVersions", {"KeyMarker": "k"}),
        ("ListMultipartUploads", {"Prefix": "p"}),
        ("PutObject", {"Key": KEY, "Body": b"x"}),
        ("UploadPart", {"Key": KEY, "PartNumber": 2, "UploadId": "u", "Body": b"x"}),
        ("UploadPartCopy", {"Key": KEY, "PartNumber": 2, "UploadId": "u", "CopySource": "src/k"}),
        ("CopyObject", {"Key": KEY, "CopySource": "src/k"}),
        ("ListParts", {"Key": KEY, "UploadId": "u", "MaxParts": 2}),
        ("GetObject", {"Key": KEY, "VersionId": "v", "PartNumber": 1, "Range": "bytes=0-1"}),
        ("DeleteObject", {"Key": KEY, "VersionId": "v"}),
        ("SelectObjectContent", {"Key": KEY}),
    ],
)
def test_specific_operation_wins_with_optional_members(
    botocore_capture: BotocoreCapture, name: str, params: dict[str, Any]
) -> None:
    operation = model.operation(name)
    full = {**_minimal_params(operation), **params}
    assert router.match(botocore_capture.request(name, **full)).operation.name == name


KEYS = [
    "with space",
    "a+b",
    "100%",
    "what?x=1",
    "hash#tag",
    "ünï/日本語/😀",
    "a//b",
    "/leading",
    "//",
    "trailing/",
    "a%2Fb",
    "%",
    "~tilde",
    "a&b=c;d:e@f$g,h",
    "'\"<>{}|\\^`[]",
    "x/./y",
    "../up",
    "..",
    "tab\tnew\nline",
    "k" * 1024,
    "é" * 512,
]


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
@pytest.mark.parametrize("name", ["GetObject", "PutObject", "HeadObject", "GetObjectTagging"])
def test_key_is_preserved(botocore_capture: BotocoreCapture, name: str, key: str) -> None:
    params = {**_minimal_params(model.operation(name)), "Key": key}
    found = router.match(botocore_capture.request(name, **params))
    assert (found.operation.name, found.bucket, found.key) == (name, BUCKET, key)


def test_copy_source_header_is_left_alone(botocore_capture: BotocoreCapture) -> None:
    # the router reads the key from the path only; the copy source stays an undecoded header
    request = botocore_capture.request(
        "CopyObject", Bucket=BUCKET, Key="dst key", CopySource={"Bucket": "src", "Key": "a b?c"}
    )
    found = router.match(request)
    assert (found.operation.name, found.key) == ("CopyObject", "dst key")
    assert request.headers["x-amz-copy-source"] == "src/a%20b%3Fc"


@pytest.fixture(scope="module")
def sigv4_capture() -> BotocoreCapture:
    return BotocoreCapture(config=Config(signature_version="s3v4"))


@pytest.mark.parametrize(
    ("method", "params", "name"),
    [
        ("get_object", {"Key": "a b/ü", "ResponseContentType": "text/plain"}, "GetObject"),
        ("put_object", {"Key": "a b/ü"}, "PutObject"),
        ("upload_part", {"Key": "a b/ü", "UploadId": "u", "PartNumber": 2}, "UploadPart"),
        ("head_object", {"Key": "a b/ü"}, "HeadObject"),
        ("list_objects_v2", {}, "ListObjectsV2"),
    ],
)
def test_presigned_urls(
    botocore_capture: BotocoreCapture,
    sigv4_capture: BotocoreCapture,
    method: str,
    params: dict[str, Any],
    name: str,
) -> None:
    # the signature's query parameters (SigV2 and SigV4) must not get in the way
    http_method = model.operation(name).http["method"]
    for capture, marker in ((botocore_capture, "Signature="), (sigv4_capture, "X-Amz-Signature=")):
        url = capture.client.generate_presigned_url(
            method, Params={"Bucket": BUCKET, **params}, HttpMethod=http_method
        )
        parts = urlsplit(url)
        assert marker in parts.query
        found = router.match(_request(http_method, f"{parts.path}?{parts.query}"))
        assert (found.operation.name, found.bucket, found.key) == (name, BUCKET, params.get("Key"))


@pytest.mark.parametrize(
    ("method", "target", "name"),
    [
        ("PUT", "/b/k?x-id=PutObject", "PutObject"),  # other SDKs add x-id=<Operation>
        ("GET", "/b/k?x-id=GetObject", "GetObject"),
        ("GET", "/b?tagging=", "GetBucketTagging"),  # a sub-resource sent with an empty value
        ("POST", "/b/k?uploads=", "CreateMultipartUpload"),
        ("GET", "/b?list-type=1", "ListObjects"),
        ("GET", "/b?list-type=2&tagging", "GetBucketTagging"),
        ("GET", "/b/k?uploadId=u&partNumber=1", "ListParts"),
        ("GET", "/b/k?partNumber=1", "GetObject"),
        ("DELETE", "/b/k?uploadId=u", "AbortMultipartUpload"),
        ("GET", "/b/k?acl&versionId=v", "GetObjectAcl"),
        ("GET", "/?max-buckets=1&continuation-token=c", "ListBuckets"),
        ("GET", "/?continuation-token=c", "ListBuckets"),
        ("GET", "/?max-directory-buckets=1&continuation-token=c", "ListDirectoryBuckets"),
    ],
)
def test_query_scoring(method: str, target: str, name: str) -> None:
    assert router.match(_request(method, target)).operation.name == name


def test_copy_header_makes_upload_part_copy() -> None:
    target = "/b/k?partNumber=1&uploadId=u"
    assert router.match(_request("PUT", target)).operation.name == "UploadPart"
    found = router.match(_request("PUT", target, **{"x-amz-copy-source": "src/k"}))
    assert found.operation.name == "UploadPartCopy"
    assert (
        router.match(_request("PUT", "/b/k", **{"x-amz-copy-source": "s/k"})).operation.name == "CopyObject"
    )


@pytest.mark.parametrize(
    ("host", "target", "name", "bucket", "key"),
    [
        ("bucket.localhost:1234", "/key", "GetObject", "bucket", "key"),
        ("bucket.localhost:1234", "/a/b%20c/", "GetObject", "bucket", "a/b c/"),
        ("bucket.localhost:1234", "//lead", "GetObject", "bucket", "/lead"),
        ("bucket.localhost:1234", "/", "ListObjects", "bucket", None),
        ("bucket.localhost:1234", "/?list-type=2", "ListObjectsV2", "bucket", None),
        ("my.dotted.bucket.localhost:1234", "/k", "GetObject", "my.dotted.bucket", "k"),
        ("bucket.localhost", "/k", "GetObject", "bucket", "k"),
        ("localhost:1234", "/bucket/k", "GetObject", "bucket", "k"),
        ("localhost:1234", "/", "ListBuckets", None, None),
        ("127.0.0.1:1234", "/bucket/", "ListObjects", "bucket", None),
        ("127.0.0.1:1234", "/bucket", "ListObjects", "bucket", None),
        ("127.0.0.1:1234", "/bucket/?tagging", "GetBucketTagging", "bucket", None),
        ("127.0.0.1:1234", "/b%2Fc/k", "GetObject", "b/c", "k"),  # never split on an encoded slash
        ("[::1]:1234", "/bucket/k", "GetObject", "bucket", "k"),
    ],
)
def test_path_and_virtual_hosted_style(
    host: str, target: str, name: str, bucket: str | None, key: str | None
) -> None:
    found = router.match(_request("GET", target, host=host))
    assert (found.operation.name, found.bucket, found.key) == (name, bucket, key)


def test_virtual_hosted_style_from_botocore() -> None:
    capture = BotocoreCapture("http://localhost:1234", Config(s3={"addressing_style": "virtual"}))
    prepared = capture.prepared("PutObject", Bucket="vbucket", Key="dir/a b", Body=b"x")
    assert prepared.url.startswith("http://vbucket.localhost:1234/dir/a%20b")
    found = router.match(capture.request("PutObject", Bucket="vbucket", Key="dir/a b", Body=b"x"))
    assert (found.operation.name, found.bucket, found.key) == ("PutObject", "vbucket", "dir/a b")


def test_unknown_domain_is_path_style() -> None:
    found = router.match(_request("GET", "/k", host="bucket.example.com"), domains=("localhost",))
    assert (found.bucket, found.key) == ("k", None)
    found = router.match(_request("GET", "/k", host="bucket.example.com"), domains=("example.com",))
    assert (found.bucket, found.key) == ("bucket", "k")


@pytest.mark.parametrize(
    ("method", "target", "resource"),
    [
        ("PATCH", "/bucket/key", "OBJECT"),
        ("PATCH", "/bucket", "BUCKET"),
        ("TRACE", "/", "SERVICE"),
        ("DELETE", "/", "SERVICE"),
        ("PUT", "/", "SERVICE"),
        # AWS answers a plain POST on an object 405 (no ?uploads, ?uploadId, ?restore or ?select)
        ("POST", "/bucket/key", "OBJECT"),
    ],
)
def test_unknown_method_is_method_not_allowed(method: str, target: str, resource: str) -> None:
    with pytest.raises(MethodNotAllowed) as raised:
        router.match(_request(method, target))
    assert raised.value.fields == {"Method": method, "ResourceType": resource}
    assert (raised.value.code, raised.value.status) == ("MethodNotAllowed", 405)


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("POST", "/bucket"),  # browser-form POST uploads are not in the model
    ],
)
def test_no_fitting_operation_is_not_implemented(method: str, target: str) -> None:
    with pytest.raises(NotImplementedOperation) as raised:
        router.match(_request(method, target))
    assert (raised.value.code, raised.value.status) == ("NotImplemented", 501)
    assert method in raised.value.text


def test_route_table_is_built_once() -> None:
    assert router.route_table() is router.route_table()
    routes = [route for group in router.route_table().values() for route in group]
    assert len(routes) == len(OPERATION_NAMES)
