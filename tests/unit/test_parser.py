"""parser.parse round trips: botocore serializes a request, the parser must give the input back."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore_oracle import BotocoreCapture

from pytest_s3emu import parser, router
from pytest_s3emu.body import RequestBody
from pytest_s3emu.errors import InvalidArgument, MalformedXML
from pytest_s3emu.request import HttpRequest, parse_query

UTC = timezone.utc
# members botocore fills in on its own (flexible checksums, list encoding); checked separately
ADDED_BY_BOTOCORE = {"ChecksumAlgorithm", "EncodingType"}


def _parse(capture: BotocoreCapture, name: str, params: dict[str, Any]) -> dict[str, Any]:
    request = capture.request(name, **params)
    found = router.match(request)
    assert found.operation.name == name
    parsed = parser.parse(request, found, RequestBody(request, found.operation.http_checksum))
    algorithm = request.headers.get("x-amz-sdk-checksum-algorithm")
    if "ChecksumAlgorithm" not in params and algorithm is not None:
        assert parsed.pop("ChecksumAlgorithm") == algorithm
        # the checksum itself, when botocore sends it as a header rather than a trailer
        member = "Checksum" + algorithm
        if member not in params and member in parsed:
            assert parsed.pop(member) == request.headers["x-amz-checksum-" + algorithm.lower()]
    if "EncodingType" not in params and "encoding-type" in request.query:
        assert parsed.pop("EncodingType") == "url"
    assert not (ADDED_BY_BOTOCORE - set(params)) & set(parsed)
    return parsed


LIFECYCLE = {
    "Rules": [
        {
            "ID": "r1",
            "Status": "Enabled",
            "Filter": {"Prefix": "logs/"},
            "Expiration": {"Days": 30},
            "Transitions": [
                {"Days": 10, "StorageClass": "GLACIER"},
                {"Date": datetime(2030, 1, 1, tzinfo=UTC), "StorageClass": "DEEP_ARCHIVE"},
            ],
            "NoncurrentVersionTransitions": [{"NoncurrentDays": 3, "StorageClass": "STANDARD_IA"}],
            "NoncurrentVersionExpiration": {"NoncurrentDays": 5, "NewerNoncurrentVersions": 2},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        },
        {
            "ID": "r2",
            "Status": "Disabled",
            "Filter": {
                "And": {
                    "Prefix": "x/",
                    "Tags": [{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": "v2"}],
                    "ObjectSizeGreaterThan": 10,
                    "ObjectSizeLessThan": 10_000_000_000,
                }
            },
            "Expiration": {"ExpiredObjectDeleteMarker": True},
        },
        {
            "ID": "r3",
            "Status": "Enabled",
            "Filter": {"And": {"Tags": [{"Key": "only", "Value": "one"}]}},
            "Expiration": {"Date": datetime(2031, 1, 1, tzinfo=UTC)},
        },
        {"ID": "r4", "Status": "Enabled", "Filter": {"Tag": {"Key": "t", "Value": "u"}}},
    ]
}

ROUND_TRIPS: list[tuple[str, dict[str, Any]]] = [
    ("CreateBucket", {"Bucket": "b", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
    (
        "CreateBucket",
        {
            "Bucket": "b",
            "ACL": "public-read",
            "ObjectLockEnabledForBucket": True,
            "ObjectOwnership": "BucketOwnerEnforced",
            "CreateBucketConfiguration": {
                "LocationConstraint": "eu-west-1",
                "Tags": [{"Key": "team", "Value": "a"}],
            },
        },
    ),
    ("CreateBucket", {"Bucket": "b"}),
    (
        "DeleteObjects",
        {
            "Bucket": "b",
            "Delete": {
                "Objects": [{"Key": "a"}, {"Key": "b/c d", "VersionId": "v1"}, {"Key": "<&>"}],
                "Quiet": True,
            },
        },
    ),
    ("DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "only"}]}}),
    (
        "PutBucketTagging",
        {"Bucket": "b", "Tagging": {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "empty", "Value": ""}]}},
    ),
    ("PutObjectTagging", {"Bucket": "b", "Key": "k", "Tagging": {"TagSet": []}}),
    ("PutBucketLifecycleConfiguration", {"Bucket": "b", "LifecycleConfiguration": LIFECYCLE}),
    (
        "PutBucketAcl",
        {
            "Bucket": "b",
            "AccessControlPolicy": {
                "Grants": [
                    {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"},
                    {
                        "Grantee": {
                            "Type": "Group",
                            "URI": "http://acs.amazonaws.com/groups/global/AllUsers",
                        },
                        "Permission": "READ",
                    },
                    {
                        "Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@b.c"},
                        "Permission": "WRITE",
                    },
                ],
                "Owner": {"ID": "owner", "DisplayName": "me"},
            },
        },
    ),
    ("PutBucketAcl", {"Bucket": "b", "GrantRead": 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'}),
    (
        "CompleteMultipartUpload",
        {
            "Bucket": "b",
            "Key": "k",
            "UploadId": "u p",
            "IfNoneMatch": "*",
            "MultipartUpload": {
                "Parts": [
                    {"ETag": '"e1"', "PartNumber": 1, "ChecksumCRC32": "AAAAAA=="},
                    {"ETag": '"e2"', "PartNumber": 10000},
                ]
            },
        },
    ),
    (
        "PutBucketCors",
        {
            "Bucket": "b",
            "CORSConfiguration": {
                "CORSRules": [
                    {
                        "ID": "c",
                        "AllowedMethods": ["GET", "PUT"],
                        "AllowedOrigins": ["*"],
                        "AllowedHeaders": ["a", "b"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 300,
                    },
                    {"AllowedMethods": ["HEAD"], "AllowedOrigins": ["http://x"]},
                ]
            },
        },
    ),
    (
        "PutBucketNotificationConfiguration",
        {
            "Bucket": "b",
            "NotificationConfiguration": {
                "QueueConfigurations": [
                    {
                        "Id": "q",
                        "QueueArn": "arn:q",
                        "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a"}]}},
                    }
                ],
                "EventBridgeConfiguration": {},
            },
        },
    ),
    (
        "PutBucketVersioning",
        {"Bucket": "b", "VersioningConfiguration": {"Status": "Enabled", "MFADelete": "Disabled"}},
    ),
    ("PutBucketPolicy", {"Bucket": "b", "Policy": '{"Version": "2012-10-17", "Statement": []}'}),
    (
        "ListObjectsV2",
        {
            "Bucket": "b",
            "Prefix": "p/ü&=+",
            "Delimiter": "/",
            "MaxKeys": 10,
            "StartAfter": "s",
            "FetchOwner": True,
            "ContinuationToken": "t+/=",
            "EncodingType": "url",
            "RequestPayer": "requester",
            "OptionalObjectAttributes": ["RestoreStatus"],
        },
    ),
    ("ListObjectsV2", {"Bucket": "b", "FetchOwner": False, "MaxKeys": 0}),
    ("ListObjects", {"Bucket": "b", "Marker": "m", "MaxKeys": 1000}),
    ("ListObjectVersions", {"Bucket": "b", "KeyMarker": "k", "VersionIdMarker": "v", "Prefix": ""}),
    (
        "GetObjectAttributes",
        {"Bucket": "b", "Key": "k", "ObjectAttributes": ["ETag", "Checksum", "ObjectSize"], "MaxParts": 5},
    ),
    (
        "PutObjectRetention",
        {
            "Bucket": "b",
            "Key": "k",
            "BypassGovernanceRetention": True,
            "Retention": {
                "Mode": "GOVERNANCE",
                "RetainUntilDate": datetime(2030, 1, 1, 12, 30, 5, tzinfo=UTC),
            },
        },
    ),
    (
        "GetObject",
        {
            "Bucket": "b",
            "Key": "k",
            "Range": "bytes=0-9",
            "IfMatch": '"etag"',
            "IfModifiedSince": datetime(2020, 2, 29, 23, 59, 59, tzinfo=UTC),
            "IfUnmodifiedSince": datetime(2021, 1, 1, tzinfo=UTC),
            "ResponseExpires": datetime(2022, 1, 1, tzinfo=UTC),
            "ResponseContentType": "text/plain; charset=utf-8",
            "VersionId": "v",
            "PartNumber": 2,
            "ChecksumMode": "ENABLED",
        },
    ),
    (
        "UploadPart",
        {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumber": 3, "ContentLength": 4, "Body": b"part"},
    ),
    (
        "RestoreObject",
        {"Bucket": "b", "Key": "k", "RestoreRequest": {"Days": 2, "GlacierJobParameters": {"Tier": "Bulk"}}},
    ),
    (
        "PutBucketEncryption",
        {
            "Bucket": "b",
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": "kid",
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "params"), ROUND_TRIPS, ids=[f"{i}-{name}" for i, (name, _) in enumerate(ROUND_TRIPS)]
)
def test_round_trip(botocore_capture: BotocoreCapture, name: str, params: dict[str, Any]) -> None:
    parsed = _parse(botocore_capture, name, params)
    body = parsed.pop("Body", None)
    if isinstance(body, RequestBody):
        # the stream is handed over undecoded; reading it runs the checksum/sha256 checks
        assert body.read_all(1 << 20) == params["Body"]
        parsed["Body"] = params["Body"]
    assert parsed == params


def test_put_object_headers_and_metadata(botocore_capture: BotocoreCapture) -> None:
    params: dict[str, Any] = {
        "Bucket": "b",
        "Key": "dir/k ü",
        "Body": b"hello",
        "ContentLength": 5,
        "ContentType": "text/plain",
        "CacheControl": "no-cache",
        "ContentDisposition": 'attachment; filename="a.txt"',
        "ContentEncoding": "identity",
        "ContentLanguage": "en",
        "Expires": datetime(2030, 1, 1, tzinfo=UTC),
        "StorageClass": "STANDARD_IA",
        "Tagging": "a=b&c=d",
        "ACL": "private",
        "ServerSideEncryption": "AES256",
        "WebsiteRedirectLocation": "/other",
        "ObjectLockMode": "COMPLIANCE",
        "ObjectLockLegalHoldStatus": "ON",
        "ObjectLockRetainUntilDate": datetime(2030, 1, 1, 12, 30, tzinfo=UTC),
        "BucketKeyEnabled": True,
        "IfNoneMatch": "*",
        "Metadata": {"a": "1", "Mixed-Case": "two words", "empty": ""},
    }
    parsed = _parse(botocore_capture, "PutObject", params)
    body = parsed.pop("Body")
    assert isinstance(body, RequestBody)
    assert body.read_all(100) == b"hello"
    assert body.checksums == {"CRC32": "NhCmhg=="}
    # S3 keeps user metadata names lower-cased: HTTP header names are case-insensitive
    expected = {**params, "Metadata": {"a": "1", "mixed-case": "two words", "empty": ""}}
    del expected["Body"]
    assert parsed == expected


def test_copy_source_header_is_kept_encoded(botocore_capture: BotocoreCapture) -> None:
    params = {
        "Bucket": "b",
        "Key": "k",
        "UploadId": "u",
        "PartNumber": 3,
        "CopySource": {"Bucket": "src", "Key": "a b/ü", "VersionId": "v"},
        "CopySourceRange": "bytes=0-9",
        "CopySourceIfModifiedSince": datetime(2020, 1, 1, tzinfo=UTC),
    }
    parsed = _parse(botocore_capture, "UploadPartCopy", params)
    assert parsed == {**params, "CopySource": "src/a%20b/%C3%BC?versionId=v"}


def test_content_md5_and_checksum_headers(botocore_capture: BotocoreCapture) -> None:
    params = {"Bucket": "b", "Key": "k", "Body": b"abc", "ChecksumAlgorithm": "SHA256"}
    parsed = _parse(botocore_capture, "PutObject", params)
    assert parsed["ChecksumAlgorithm"] == "SHA256"
    assert parsed["ChecksumSHA256"] == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    assert parsed["Body"].read_all(10) == b"abc"


def _raw(method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None) -> HttpRequest:
    path, _, query = target.partition("?")
    all_headers = {
        "host": "127.0.0.1:1234",
        "content-length": str(len(body)),
        # PutBucketTagging, DeleteObjects... require an integrity check
        "content-md5": base64.b64encode(hashlib.md5(body).digest()).decode(),
        **(headers or {}),
    }
    return HttpRequest(method, path, parse_query(query), all_headers, io.BytesIO(body))


def _parse_raw(request: HttpRequest) -> dict[str, Any]:
    found = router.match(request)
    return parser.parse(request, found, RequestBody(request, found.operation.http_checksum))


TAGGING = "PUT", "/b?tagging"
XMLNS = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


@pytest.mark.parametrize(
    ("target", "body"),
    [
        pytest.param(TAGGING, b"not xml at all", id="garbage"),
        pytest.param(TAGGING, b"<Tagging><TagSet></Tagging>", id="unbalanced"),
        pytest.param(TAGGING, b"", id="empty-required-payload"),
        pytest.param(TAGGING, b"<Tagging/><Tagging/>", id="two-roots"),
        pytest.param(TAGGING, f"<Taggin{XMLNS}><TagSet/></Taggin>".encode(), id="wrong-root"),
        pytest.param(TAGGING, b"<Tagging><TagSet/><Bogus/></Tagging>", id="unknown-child"),
        pytest.param(TAGGING, b"<Tagging><TagSet><Bogus/></TagSet></Tagging>", id="unknown-list-item"),
        pytest.param(TAGGING, b"<Tagging></Tagging>", id="missing-required-member"),
        pytest.param(
            TAGGING, b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>", id="missing-value"
        ),
        pytest.param(TAGGING, b"<Tagging>text</Tagging>", id="text-for-structure"),
        pytest.param(TAGGING, b"<Tagging>text<TagSet/></Tagging>", id="mixed-content"),
        pytest.param(TAGGING, b"<Tagging><TagSet>text</TagSet></Tagging>", id="text-for-list"),
        pytest.param(
            TAGGING,
            b"<Tagging><TagSet><Tag><Key><b>a</b></Key><Value/></Tag></TagSet></Tagging>",
            id="element-for-text",
        ),
        pytest.param(
            ("PUT", "/b?lifecycle"),
            b"<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>ten</Days>"
            b"</Expiration></Rule></LifecycleConfiguration>",
            id="bad-integer",
        ),
        pytest.param(
            ("POST", "/b?delete"),
            b"<Delete><Object><Key>a</Key></Object><Quiet>yes</Quiet></Delete>",
            id="bad-boolean",
        ),
        pytest.param(
            ("PUT", "/b/k?retention"),
            b"<Retention><RetainUntilDate>next tuesday</RetainUntilDate></Retention>",
            id="bad-timestamp",
        ),
        pytest.param(
            TAGGING,
            b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "boom">]><Tagging><TagSet>&e;</TagSet></Tagging>',
            id="entity",
        ),
    ],
)
def test_malformed_xml(target: tuple[str, str], body: bytes) -> None:
    with pytest.raises(MalformedXML) as raised:
        _parse_raw(_raw(*target, body=body))
    assert (raised.value.code, raised.value.status) == ("MalformedXML", 400)


def test_namespace_prefixes_and_missing_xmlns_are_accepted() -> None:
    body = (
        b'<s3:Tagging xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:TagSet><s3:Tag>'
        b"<s3:Key>a</s3:Key><s3:Value>1</s3:Value></s3:Tag></s3:TagSet></s3:Tagging>"
    )
    assert _parse_raw(_raw(*TAGGING, body=body))["Tagging"] == {"TagSet": [{"Key": "a", "Value": "1"}]}
    body = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>"
    assert _parse_raw(_raw(*TAGGING, body=body))["Tagging"] == {"TagSet": [{"Key": "a", "Value": "1"}]}


def test_whitespace_in_values_is_kept(botocore_capture: BotocoreCapture) -> None:
    # S3 keys may begin or end with spaces, or be a newline: XML text is taken as is
    params = {"Bucket": "b", "Delete": {"Objects": [{"Key": " a "}, {"Key": "\n"}, {"Key": "b\t"}]}}
    assert _parse(botocore_capture, "DeleteObjects", params) == params
    params = {"Bucket": "b", "Tagging": {"TagSet": [{"Key": " k", "Value": "v "}]}}
    assert _parse(botocore_capture, "PutBucketTagging", params) == params


def test_pretty_printed_document() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Rule>
        <ID>r</ID>
        <Filter>
            <And>
                <Prefix>p/</Prefix>
                <Tag>
                    <Key>k</Key>
                    <Value>v</Value>
                </Tag>
            </And>
        </Filter>
        <Status>Enabled</Status>
        <Transition>
            <Date>2030-01-01T00:00:00</Date>
            <StorageClass>GLACIER</StorageClass>
        </Transition>
    </Rule>
</LifecycleConfiguration>
"""
    parsed = _parse_raw(_raw("PUT", "/b?lifecycle", body=body))
    assert parsed["LifecycleConfiguration"] == {
        "Rules": [
            {
                "ID": "r",
                "Filter": {"And": {"Prefix": "p/", "Tags": [{"Key": "k", "Value": "v"}]}},
                "Status": "Enabled",
                # a timestamp without an offset is UTC, never a naive datetime
                "Transitions": [{"Date": datetime(2030, 1, 1, tzinfo=UTC), "StorageClass": "GLACIER"}],
            }
        ]
    }
    empty = b"<Tagging>\n  <TagSet>\n  </TagSet>\n</Tagging>\n"
    assert _parse_raw(_raw(*TAGGING, body=empty))["Tagging"] == {"TagSet": []}


def test_optional_payload_may_be_empty() -> None:
    assert _parse_raw(_raw("PUT", "/b")) == {"Bucket": "b"}


@pytest.mark.parametrize(
    ("target", "headers", "argument"),
    [
        ("/b?list-type=2&max-keys=abc", {}, "max-keys"),
        ("/b?max-keys=1.5", {}, "max-keys"),
        ("/b/k?uploadId=u&max-parts=x", {}, "max-parts"),
        ("/b/k?partNumber=one", {}, "partNumber"),
        ("/b?list-type=2&max-keys=2147483648", {}, "max-keys"),  # beyond a 32-bit integer
        ("/b?max-keys=", {}, "max-keys"),
    ],
)
def test_integer_query_is_invalid_argument(target: str, headers: dict[str, str], argument: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        _parse_raw(_raw("GET", target, headers=headers))
    assert (raised.value.code, raised.value.status) == ("InvalidArgument", 400)
    assert raised.value.fields["ArgumentName"] == argument


def test_integer_limits() -> None:
    parsed = _parse_raw(_raw("GET", "/b?list-type=2&max-keys=2147483647"))
    assert parsed["MaxKeys"] == 2**31 - 1
    # a long is 64-bit: a 1 TiB object length is fine (the body is not read here)
    parsed = _parse_raw(_raw("PUT", "/b/k", headers={"content-length": str(2**40)}))
    assert parsed["ContentLength"] == 2**40


def test_integer_header_is_invalid_argument() -> None:
    request = _raw(
        "GET", "/b/k?attributes", headers={"x-amz-object-attributes": "ETag", "x-amz-max-parts": "many"}
    )
    with pytest.raises(InvalidArgument) as raised:
        _parse_raw(request)
    assert raised.value.fields == {"ArgumentName": "x-amz-max-parts", "ArgumentValue": "many"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wed, 01 Jan 2020 10:20:30 GMT", datetime(2020, 1, 1, 10, 20, 30, tzinfo=UTC)),
        ("2020-01-01T10:20:30Z", datetime(2020, 1, 1, 10, 20, 30, tzinfo=UTC)),
        ("2020-01-01T10:20:30.123Z", datetime(2020, 1, 1, 10, 20, 30, 123000, tzinfo=UTC)),
        ("2020-01-01T12:20:30+02:00", datetime(2020, 1, 1, 10, 20, 30, tzinfo=UTC)),
        ("2020-01-01T10:20:30", datetime(2020, 1, 1, 10, 20, 30, tzinfo=UTC)),
        ("yesterday", None),
    ],
)
def test_parse_timestamp(raw: str, expected: datetime | None) -> None:
    parsed = parser.parse_timestamp(raw)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() in (timedelta(0), timedelta(hours=2))


def test_unparseable_header_timestamp_is_ignored() -> None:
    # S3 ignores an If-Modified-Since it cannot read rather than failing the request
    parsed = _parse_raw(_raw("GET", "/b/k", headers={"if-modified-since": "garbage"}))
    assert parsed == {"Bucket": "b", "Key": "k"}
