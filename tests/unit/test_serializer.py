"""serializer.serialize round trips: botocore's own response parser must give the result dict back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from botocore import handlers
from botocore.awsrequest import HeadersDict
from botocore.model import OperationModel, Shape, StructureShape
from botocore.parsers import create_parser

from pytest_s3emu import model, serializer
from pytest_s3emu.errors import (
    InvalidArgument,
    InvalidRange,
    NoSuchBucket,
    NoSuchKey,
    NotModified,
    PreconditionFailed,
    S3Error,
)

UTC = timezone.utc
WHEN = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
XMLNS = "{" + model.S3_XMLNS + "}"


def _headers(pairs: list[tuple[str, str]]) -> HeadersDict:
    headers = HeadersDict()
    for name, value in pairs:
        assert name.lower() not in headers, f"duplicate header {name}"
        headers[name] = value
    return headers


def _serialize(name: str, result: dict[str, Any]) -> tuple[int, HeadersDict, bytes]:
    status, headers, body = serializer.serialize(model.operation(name), dict(result))
    return status, _headers(headers), b"".join(body)


def _output(operation: OperationModel) -> StructureShape:
    shape = operation.output_shape
    assert shape is not None
    return shape


def _botocore_parse(
    operation: OperationModel, status: int, headers: HeadersDict, body: bytes
) -> dict[str, Any]:
    response = {"status_code": status, "headers": headers, "body": body}
    parsed: dict[str, Any] = create_parser("rest-xml").parse(response, _output(operation))
    parsed.pop("ResponseMetadata", None)
    return parsed


def _round_trip(name: str, result: dict[str, Any]) -> dict[str, Any]:
    status, headers, body = _serialize(name, result)
    return _botocore_parse(model.operation(name), status, headers, body)


def _root(body: bytes) -> ET.Element:
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(body)


ROUND_TRIPS: list[tuple[str, dict[str, Any]]] = [
    (
        "ListObjectsV2",
        {
            "IsTruncated": True,
            "Contents": [
                {
                    "Key": "a b/ü",
                    "LastModified": datetime(2020, 1, 1, 1, 2, 3, 456000, tzinfo=UTC),
                    "ETag": '"e"',
                    "Size": 3,
                    "StorageClass": "STANDARD",
                    "ChecksumAlgorithm": ["CRC32"],
                    "ChecksumType": "FULL_OBJECT",
                    "Owner": {"ID": "o", "DisplayName": "d"},
                },
                {"Key": "<&>", "LastModified": WHEN, "ETag": '"f"', "Size": 0, "StorageClass": "STANDARD"},
            ],
            "Name": "b",
            "Prefix": "",
            "Delimiter": "/",
            "MaxKeys": 1000,
            "CommonPrefixes": [{"Prefix": "p/"}, {"Prefix": "q/"}],
            "EncodingType": "url",
            "KeyCount": 4,
            "ContinuationToken": "t",
            "NextContinuationToken": "n",
            "StartAfter": "s",
        },
    ),
    ("ListObjectsV2", {"IsTruncated": False, "Name": "b", "Prefix": "", "MaxKeys": 0, "KeyCount": 0}),
    (
        "ListBuckets",
        {
            "Buckets": [
                {"Name": "a", "CreationDate": WHEN, "BucketRegion": "us-east-1"},
                {"Name": "b", "CreationDate": WHEN, "BucketRegion": "eu-west-1"},
            ],
            "Owner": {"ID": "o", "DisplayName": "d"},
            "ContinuationToken": "c",
            "Prefix": "p",
        },
    ),
    ("ListBuckets", {"Buckets": [], "Owner": {"ID": "o"}}),
    (
        "CopyObject",
        {
            "CopyObjectResult": {
                "ETag": '"e"',
                "LastModified": WHEN,
                "ChecksumCRC32": "AAAAAA==",
                "ChecksumType": "FULL_OBJECT",
            },
            "VersionId": "v",
            "CopySourceVersionId": "cv",
            "ServerSideEncryption": "AES256",
            "BucketKeyEnabled": False,
        },
    ),
    ("GetBucketTagging", {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]}),
    ("GetObjectTagging", {"TagSet": [], "VersionId": "v"}),
    (
        "GetObjectAcl",
        {
            "Owner": {"ID": "o", "DisplayName": "d"},
            "Grants": [
                {
                    "Grantee": {"Type": "CanonicalUser", "ID": "x", "DisplayName": "n"},
                    "Permission": "FULL_CONTROL",
                },
                {
                    "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                    "Permission": "READ",
                },
                {
                    "Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@b.c"},
                    "Permission": "WRITE",
                },
            ],
        },
    ),
    (
        "DeleteObjects",
        {
            "Deleted": [
                {"Key": "a"},
                {"Key": "b", "VersionId": "v", "DeleteMarker": True, "DeleteMarkerVersionId": "dv"},
            ],
            "Errors": [{"Key": "c", "VersionId": "v", "Code": "AccessDenied", "Message": "Access Denied"}],
        },
    ),
    ("DeleteObjects", {"Errors": [{"Key": " spaced ", "Code": "InternalError", "Message": "m"}]}),
    (
        "CompleteMultipartUpload",
        {
            "Location": "http://127.0.0.1/b/k",
            "Bucket": "b",
            "Key": "k",
            "ETag": '"e-2"',
            "ChecksumCRC32": "AAAAAA==",
            "ChecksumType": "COMPOSITE",
            "VersionId": "v",
            "ServerSideEncryption": "AES256",
        },
    ),
    ("CreateMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u", "ChecksumAlgorithm": "CRC32"}),
    (
        "GetBucketLifecycleConfiguration",
        {
            "Rules": [
                {
                    "ID": "r1",
                    "Status": "Enabled",
                    "Filter": {
                        "And": {
                            "Prefix": "x/",
                            "Tags": [{"Key": "k", "Value": "v"}],
                            "ObjectSizeGreaterThan": 1,
                        }
                    },
                    "Expiration": {"Date": WHEN},
                    "Transitions": [
                        {"Days": 10, "StorageClass": "GLACIER"},
                        {"Days": 90, "StorageClass": "DEEP_ARCHIVE"},
                    ],
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 5},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                },
                {
                    "ID": "r2",
                    "Status": "Disabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"ExpiredObjectDeleteMarker": True},
                },
            ],
            "TransitionDefaultMinimumObjectSize": "all_storage_classes_128K",
        },
    ),
    (
        "ListParts",
        {
            "Bucket": "b",
            "Key": "k",
            "UploadId": "u",
            "PartNumberMarker": 0,
            "NextPartNumberMarker": 2,
            "MaxParts": 2,
            "IsTruncated": True,
            "Parts": [
                {
                    "PartNumber": 1,
                    "LastModified": WHEN,
                    "ETag": '"e1"',
                    "Size": 5,
                    "ChecksumCRC32": "AAAAAA==",
                },
                {"PartNumber": 2, "LastModified": WHEN, "ETag": '"e2"', "Size": 6},
            ],
            "Initiator": {"ID": "i", "DisplayName": "d"},
            "Owner": {"ID": "o"},
            "StorageClass": "STANDARD",
            "ChecksumAlgorithm": "CRC32",
            "ChecksumType": "COMPOSITE",
            "AbortDate": WHEN,
            "AbortRuleId": "r",
        },
    ),
    (
        "GetObjectAttributes",
        {
            "DeleteMarker": False,
            "LastModified": WHEN,
            "VersionId": "v",
            "ETag": "e",
            "Checksum": {"ChecksumCRC32": "AAAAAA==", "ChecksumType": "COMPOSITE"},
            "ObjectParts": {
                "TotalPartsCount": 2,
                "PartNumberMarker": 0,
                "NextPartNumberMarker": 1,
                "MaxParts": 1,
                "IsTruncated": True,
                "Parts": [{"PartNumber": 1, "Size": 5, "ChecksumCRC32": "AAAAAA=="}],
            },
            "StorageClass": "STANDARD",
            "ObjectSize": 10,
        },
    ),
    (
        "ListObjectVersions",
        {
            "IsTruncated": False,
            "KeyMarker": "",
            "VersionIdMarker": "",
            "Versions": [
                {
                    "Key": "a",
                    "VersionId": "1",
                    "IsLatest": True,
                    "Size": 1,
                    "LastModified": WHEN,
                    "ETag": '"e"',
                }
            ],
            "DeleteMarkers": [{"Key": "a", "VersionId": "2", "IsLatest": False, "LastModified": WHEN}],
            "Name": "b",
            "MaxKeys": 1000,
            "CommonPrefixes": [{"Prefix": "p/"}],
        },
    ),
    ("GetBucketVersioning", {"Status": "Enabled", "MFADelete": "Disabled"}),
    ("GetBucketVersioning", {}),
    ("GetObjectRetention", {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": WHEN}}),
    ("GetBucketPolicy", {"Policy": '{"Version": "2012-10-17"}'}),
    (
        "HeadObject",
        {
            "ContentLength": 0,
            "ContentType": "text/plain",
            "ETag": '"e"',
            "LastModified": WHEN,
            "Metadata": {"a": "1", "mixed-case": "two words"},
            "ObjectLockRetainUntilDate": WHEN,
            "ObjectLockMode": "GOVERNANCE",
            "PartsCount": 3,
            "TagCount": 2,
            "Expires": WHEN,
            "ArchiveStatus": "ARCHIVE_ACCESS",
            "BucketKeyEnabled": True,
        },
    ),
    ("UploadPart", {"ETag": '"e"', "ChecksumCRC32": "AAAAAA=="}),
]


@pytest.mark.parametrize(
    ("name", "result"), ROUND_TRIPS, ids=[f"{i}-{name}" for i, (name, _) in enumerate(ROUND_TRIPS)]
)
def test_round_trip(name: str, result: dict[str, Any]) -> None:
    assert _round_trip(name, result) == result


def test_get_object_headers_and_body() -> None:
    result = {
        "Body": b"abc",
        "ContentLength": 3,
        "ContentRange": "bytes 0-2/10",
        "AcceptRanges": "bytes",
        "LastModified": WHEN,
        "Metadata": {"a": "1", "b-c": ""},
        "ETag": '"e"',
        "ChecksumCRC32": "AAAAAA==",
        "ObjectLockRetainUntilDate": datetime(2030, 1, 1, 12, 0, tzinfo=UTC),
        "Expires": datetime(2030, 1, 1, tzinfo=UTC),
        "DeleteMarker": True,
        "PartsCount": 2,
        "TagCount": 1,
        "Restore": 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"',
        "VersionId": "v",
    }
    status, headers, body = _serialize("GetObject", {**result, serializer.STATUS: 206})
    assert (status, body) == (206, b"abc")
    assert "content-type" not in headers  # a stream payload gets no application/xml
    assert headers["Last-Modified"] == "Thu, 02 Jan 2020 03:04:05 GMT"
    assert headers["x-amz-object-lock-retain-until-date"] == "2030-01-01T12:00:00.000Z"
    assert headers["x-amz-meta-b-c"] == ""
    parsed = _botocore_parse(model.operation("GetObject"), status, headers, body)
    assert parsed.pop("Body") == "abc"  # botocore decodes a bytes payload; a real response is a stream
    assert parsed == {name: value for name, value in result.items() if name != "Body"}


def test_stream_payload_is_passed_through() -> None:
    chunks = iter([b"a", b"b"])
    status, _, body = serializer.serialize(model.operation("GetObject"), {"Body": chunks})
    assert status == 200 and body is chunks


def test_get_bucket_location_is_the_root_text() -> None:
    # botocore cannot model this document and parses it by hand (handlers.parse_get_bucket_location)
    for region, text in (("eu-west-1", "eu-west-1"), (None, None)):
        _, _, body = _serialize("GetBucketLocation", {"LocationConstraint": region})
        root = _root(body)
        assert (root.tag, root.text, list(root)) == (XMLNS + "LocationConstraint", text, [])
        parsed: dict[str, Any] = {}
        handlers.parse_get_bucket_location(parsed, SimpleNamespace(raw=True, content=body))
        assert parsed == {"LocationConstraint": text}


def test_grantee_declares_the_xsi_namespace() -> None:
    grant = {"Grantee": {"Type": "CanonicalUser", "ID": "x"}, "Permission": "READ"}
    _, _, body = _serialize("GetBucketAcl", {"Owner": {"ID": "o"}, "Grants": [grant]})
    grantee = _root(body).find(f"{XMLNS}AccessControlList/{XMLNS}Grant/{XMLNS}Grantee")
    assert grantee is not None
    assert grantee.attrib == {"{http://www.w3.org/2001/XMLSchema-instance}type": "CanonicalUser"}


def test_response_codes_from_the_model() -> None:
    assert _serialize("DeleteObject", {})[0] == 204
    assert _serialize("PutObject", {"ETag": '"e"'})[0] == 200
    assert _serialize("GetObject", {serializer.STATUS: 206, "Body": b""})[0] == 206


@pytest.mark.parametrize(
    ("value", "iso", "http"),
    [
        (WHEN, "2020-01-02T03:04:05.000Z", "Thu, 02 Jan 2020 03:04:05 GMT"),
        (WHEN.replace(microsecond=678999), "2020-01-02T03:04:05.678Z", "Thu, 02 Jan 2020 03:04:05 GMT"),
        (
            datetime(2020, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            "2020-01-02T03:04:05.000Z",
            "Thu, 02 Jan 2020 03:04:05 GMT",
        ),
        (
            datetime(1999, 12, 31, 23, 59, 59, 1000, tzinfo=UTC),
            "1999-12-31T23:59:59.001Z",
            "Fri, 31 Dec 1999 23:59:59 GMT",
        ),
    ],
)
def test_timestamp_formats(value: datetime, iso: str, http: str) -> None:
    # ISO 8601 with milliseconds in XML (and iso8601 headers), RFC 7231 dates in other headers
    assert serializer.iso8601(value) == iso
    assert serializer.http_date(value) == http
    _, headers, body = _serialize("ListBuckets", {"Buckets": [{"Name": "b", "CreationDate": value}]})
    assert _root(body).findtext(f"{XMLNS}Buckets/{XMLNS}Bucket/{XMLNS}CreationDate") == iso
    _, headers, _ = _serialize("HeadObject", {"LastModified": value, "ObjectLockRetainUntilDate": value})
    assert headers["Last-Modified"] == http
    assert headers["x-amz-object-lock-retain-until-date"] == iso


# ---- every output shape of the model ----------------------------------------------------------


def _wire_names(shape: Shape) -> list[str]:
    return [m.serialization.get("name", n) for n, m in shape.members.items()]  # type: ignore[attr-defined]


def _example(shape: Shape, depth: int = 0) -> Any:
    """A value for every member: two items per list, so lists and flattening are exercised."""
    kind = shape.type_name
    if kind == "structure":
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]  # StructureShape
        if getattr(shape, "is_tagged_union", False):
            first = next(iter(members))
            return {first: _example(members[first], depth + 1)}
        names = _wire_names(shape)
        return {
            name: _example(member, depth + 1)
            for name, member in members.items()
            # the deprecated notification shapes map Event and Events to one element: ambiguous
            if names.count(member.serialization.get("name", name)) == 1 and depth < 10
        }
    if kind == "list":
        return [_example(shape.member, depth + 1) for _ in range(2)]  # type: ignore[attr-defined]
    if kind == "map":
        return {"k1": "v1", "k2": "v2"}
    if kind in ("integer", "long"):
        return 7
    if kind in ("float", "double"):
        return 1.5
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return WHEN
    if kind == "blob":
        return b"\x00blob"
    enum: list[str] = shape.enum  # type: ignore[attr-defined]  # StringShape
    return enum[-1] if enum else "x <&> y"


def _document_operations() -> list[str]:
    names = []
    for operation in model.all_operations():
        shape = operation.output_shape
        if shape is None or operation.name == "GetBucketLocation":  # see its own test
            continue
        payload = shape.serialization.get("payload")
        member = shape.members[payload] if payload else None
        if member is not None and (
            member.type_name != "structure" or member.serialization.get("eventstream")
        ):
            continue  # streams: test_get_object_headers_and_body
        names.append(operation.name)
    return names


@pytest.mark.parametrize("name", _document_operations())
def test_every_output_shape_round_trips(name: str) -> None:
    operation = model.operation(name)
    shape = _output(operation)
    result = _example(shape)
    status, headers, body = _serialize(name, result)
    assert _botocore_parse(operation, status, headers, body) == result
    payload = shape.serialization.get("payload")
    if payload:
        root_name = shape.members[payload].serialization.get("name", payload)
    elif any(not m.serialization.get("location") for m in shape.members.values()):
        root_name = model.ROOT_TAGS[shape.name]
    else:
        assert body == b"" and headers.get("content-type") != "application/xml"
        return
    assert _root(body).tag == XMLNS + root_name
    assert headers["Content-Type"] == "application/xml"


def test_root_tags_cover_every_document_output() -> None:
    needed, outputs = set(), set()
    for operation in model.all_operations():
        shape = operation.output_shape
        if shape is None:
            continue
        outputs.add(shape.name)
        in_body = [m for m in shape.members.values() if not m.serialization.get("location")]
        if in_body and not shape.serialization.get("payload"):
            needed.add(shape.name)
    assert needed - set(model.ROOT_TAGS) == set()
    assert set(model.ROOT_TAGS) - outputs == set(), "ROOT_TAGS names a shape that is no output"


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "operation"),
    [
        (NoSuchKey(Key="a/b <&>"), "GetObject"),
        (NoSuchBucket(BucketName="b"), "ListObjectsV2"),
        (InvalidArgument("bad", ArgumentName="max-keys", ArgumentValue="x"), "ListObjects"),
        (PreconditionFailed(Condition="If-Match"), "PutObject"),
        (S3Error(), "CreateBucket"),
    ],
)
def test_error_document(error: S3Error, operation: str) -> None:
    status, headers, chunks = serializer.serialize_error(error, "REQ123", "host/id+=", "GET")
    body = b"".join(chunks)
    root = _root(body)
    children = [(child.tag, child.text) for child in root]
    assert root.tag == "Error" and root.attrib == {}
    assert children == [
        ("Code", error.code),
        ("Message", error.text),
        *error.fields.items(),
        ("RequestId", "REQ123"),
        ("HostId", "host/id+="),
    ]
    response_headers = _headers([*headers, ("x-amz-request-id", "REQ123"), ("x-amz-id-2", "host/id+=")])
    parsed = create_parser("rest-xml").parse(
        {"status_code": status, "headers": response_headers, "body": body},
        _output(model.operation(operation)),
    )
    assert parsed["Error"] == {"Code": error.code, "Message": error.text, **error.fields}
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == error.status
    assert parsed["ResponseMetadata"]["RequestId"] == "REQ123"
    assert parsed["ResponseMetadata"]["HostId"] == "host/id+="


def test_an_error_naming_an_undecodable_value_still_serializes() -> None:
    # a name decoded with surrogateescape keeps its bad bytes as lone surrogates
    error = NoSuchKey(Key=b"bad\xffkey".decode("utf-8", "surrogateescape"))
    status, _, chunks = serializer.serialize_error(error, "r", "h", "GET")
    root = _root(b"".join(chunks))
    assert (status, root.findtext("Code"), root.findtext("Key")) == (404, "NoSuchKey", "bad\ufffdkey")


def test_every_character_gives_well_formed_xml() -> None:
    # XML 1.0 has no way to write C0 controls but tab, LF and CR: those become U+FFFD; CR is
    # written &#13;, so that botocore does not read it back as LF
    key = "".join(chr(code) for code in range(0x20)) + "\x7f\ufffe\uffff"
    expected = "".join(c if c in "\t\n\r\x7f" else "\ufffd" for c in key)
    assert _round_trip("CreateMultipartUpload", {"Key": key, "UploadId": "u"})["Key"] == expected


def test_error_extra_headers() -> None:
    error = InvalidRange(RangeRequested="bytes=9-", ActualObjectSize="3")
    error.headers["Content-Range"] = "bytes */3"
    status, headers, _ = serializer.serialize_error(error, "r", "h", "GET")
    assert status == 416
    assert ("Content-Range", "bytes */3") in headers


@pytest.mark.parametrize(
    ("error", "method"), [(NoSuchKey(), "HEAD"), (NoSuchBucket(), "HEAD"), (NotModified(), "GET")]
)
def test_head_and_304_errors_have_no_body(error: S3Error, method: str) -> None:
    status, headers, body = serializer.serialize_error(error, "r", "h", method)
    assert (status, list(body)) == (error.status, [])
    assert all(name.lower() != "content-type" for name, _ in headers)
    if method == "HEAD":
        # what botocore makes of a body-less error: the status code becomes the error code
        parsed = _botocore_parse(model.operation("HeadObject"), status, _headers(headers), b"")
        assert parsed["Error"]["Code"] == str(error.status)


def test_request_ids_are_fresh() -> None:
    first, second = serializer.request_ids(), serializer.request_ids()
    assert first != second
    request_id, host_id = first
    assert len(request_id) == 16 and request_id.isupper()
    assert len(host_id) > 40


@pytest.mark.parametrize(
    ("stored", "answered"),
    [
        ("plain value", "plain value"),
        ("tab\tkept", "tab\tkept"),
        ("=?UTF-8?B?w6k=?=", "=?UTF-8?B?w6k=?="),  # already an encoded word: ASCII, as is
        ("\x04mymeta", "=?UTF-8?Q?=04mymeta?="),
        ("Mini\u00c3\u00b6", "=?UTF-8?Q?Mini=C3=83=C2=B6?="),
        ("\u00c3\u00b6", "=?UTF-8?B?w4PCtg==?="),
        ("a b=c?_\x7f", "=?UTF-8?Q?a_b=3Dc=3F=5F=7F?="),
    ],
)
def test_metadata_values_are_made_mail_safe(stored: str, answered: str) -> None:
    assert serializer.mail_safe(stored) == answered
    operation = model.operation("HeadObject")
    _, headers, _ = serializer.serialize(operation, {"Metadata": {"k": stored}})
    assert ("x-amz-meta-k", answered) in headers
