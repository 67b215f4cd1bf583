"""CopyObject and UploadPartCopy end to end: sources, directives, source conditions, ranges."""

from __future__ import annotations

import base64
import hashlib
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import XMLNS, send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MIN_PART = 5 * 1024 * 1024
DATA = b"copy me, please\n" * 64


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def _tags(s3: S3Client, bucket: str, key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def _source(s3: S3Client, bucket: str, key: str = "src", **kwargs: Any) -> str:
    kwargs.setdefault("Body", DATA)
    return s3.put_object(Bucket=bucket, Key=key, **kwargs)["ETag"]


# --- basics --------------------------------------------------------------------------------------


def test_copy_within_a_bucket(s3: S3Client, s3_bucket: str) -> None:
    etag = _source(
        s3,
        s3_bucket,
        ContentType="text/plain",
        Metadata={"colour": "blue"},
        CacheControl="max-age=60",
        ContentDisposition="inline",
    )
    copied = s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource={"Bucket": s3_bucket, "Key": "src"})
    assert copied["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert copied["CopyObjectResult"]["ETag"] == etag == _etag(DATA)
    assert isinstance(copied["CopyObjectResult"]["LastModified"], datetime)
    got = s3.get_object(Bucket=s3_bucket, Key="dst")
    assert got["Body"].read() == DATA
    assert got["ETag"] == etag
    # the default metadata directive is COPY: content headers and user metadata come along
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"colour": "blue"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "inline"
    assert s3.get_object(Bucket=s3_bucket, Key="src")["Body"].read() == DATA


def test_copy_across_buckets(s3: S3Client, s3_bucket: str, bucket_name: str) -> None:
    s3.create_bucket(Bucket=bucket_name)
    _source(s3, s3_bucket)
    s3.copy_object(Bucket=bucket_name, Key="elsewhere", CopySource=f"{s3_bucket}/src")
    assert s3.get_object(Bucket=bucket_name, Key="elsewhere")["Body"].read() == DATA


@pytest.mark.parametrize("key", ["with space", "plus+sign", "per%cent", "q?mark&amp", "ünï/cødé", "a//b"])
def test_copy_source_is_url_decoded(s3: S3Client, s3_bucket: str, key: str) -> None:
    _source(s3, s3_bucket, key=key)
    s3.copy_object(Bucket=s3_bucket, Key="from-dict", CopySource={"Bucket": s3_bucket, "Key": key})
    s3.copy_object(Bucket=s3_bucket, Key="from-str", CopySource=f"{s3_bucket}/{key}")
    for target in ("from-dict", "from-str"):
        assert s3.get_object(Bucket=s3_bucket, Key=target)["Body"].read() == DATA


def _copy_result(body: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(body)
    assert root.tag == f"{XMLNS}CopyObjectResult"
    return root


def test_raw_copy_source_forms(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, key="a b")
    # a leading slash and a ?versionId= suffix ("null" names the version of an unversioned object)
    for source in (f"/{s3_bucket}/{quote('a b')}", f"{s3_bucket}/{quote('a b')}?versionId=null"):
        response = send(s3emu, "PUT", f"/{s3_bucket}/dst", headers={"x-amz-copy-source": source})
        assert response.status == 200, response.body
        assert _copy_result(response.body).findtext(f"{XMLNS}ETag") == _etag(DATA)


def test_copy_result_xml(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket)
    response = send(s3emu, "PUT", f"/{s3_bucket}/dst", headers={"x-amz-copy-source": f"{s3_bucket}/src"})
    assert response.status == 200
    assert response.body.startswith(b"<?xml")
    root = _copy_result(response.body)
    assert root.findtext(f"{XMLNS}ETag") == _etag(DATA)
    assert root.findtext(f"{XMLNS}LastModified", "").endswith("Z")


@pytest.mark.http_only  # hand-made requests only
def test_bad_copy_source(s3emu: S3Emulator, s3_bucket: str) -> None:
    for source in ("just-a-bucket", f"{s3_bucket}/"):
        response = send(s3emu, "PUT", f"/{s3_bucket}/dst", headers={"x-amz-copy-source": source})
        assert response.status == 400
        assert response.error()["Code"] == "InvalidArgument"


def test_missing_source_or_target(s3: S3Client, s3_bucket: str, bucket_name: str) -> None:
    _source(s3, s3_bucket)
    cases: list[tuple[dict[str, Any], tuple[str, int]]] = [
        ({"Bucket": s3_bucket, "Key": "dst", "CopySource": f"{s3_bucket}/missing"}, ("NoSuchKey", 404)),
        ({"Bucket": s3_bucket, "Key": "dst", "CopySource": f"{bucket_name}/src"}, ("NoSuchBucket", 404)),
        ({"Bucket": bucket_name, "Key": "dst", "CopySource": f"{s3_bucket}/src"}, ("NoSuchBucket", 404)),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ClientError) as excinfo:
            s3.copy_object(**kwargs)
        assert _error(excinfo) == expected


def test_copy_of_an_archived_object_needs_a_restore(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, StorageClass="GLACIER")
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src")
    assert _error(excinfo) == ("InvalidObjectState", 403)


# --- directives ----------------------------------------------------------------------------------


def test_replace_metadata(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, ContentType="text/plain", Metadata={"old": "1"}, CacheControl="max-age=60")
    s3.copy_object(
        Bucket=s3_bucket,
        Key="dst",
        CopySource=f"{s3_bucket}/src",
        MetadataDirective="REPLACE",
        Metadata={"new": "2"},
        ContentType="application/json",
    )
    got = s3.get_object(Bucket=s3_bucket, Key="dst")
    assert got["Metadata"] == {"new": "2"}
    assert got["ContentType"] == "application/json"
    assert "CacheControl" not in got  # REPLACE drops everything the request does not repeat


def test_metadata_sent_with_copy_directive_is_ignored(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, Metadata={"old": "1"})
    s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", Metadata={"new": "2"})
    assert s3.head_object(Bucket=s3_bucket, Key="dst")["Metadata"] == {"old": "1"}


def test_storage_class_is_not_copied(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, StorageClass="STANDARD_IA")
    s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src")
    assert "StorageClass" not in s3.head_object(Bucket=s3_bucket, Key="dst")
    s3.copy_object(Bucket=s3_bucket, Key="ia", CopySource=f"{s3_bucket}/src", StorageClass="ONEZONE_IA")
    assert s3.head_object(Bucket=s3_bucket, Key="ia")["StorageClass"] == "ONEZONE_IA"


def test_website_redirect_is_not_copied(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, WebsiteRedirectLocation="/elsewhere")
    s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src")
    assert "WebsiteRedirectLocation" not in s3.head_object(Bucket=s3_bucket, Key="dst")


def test_unknown_directive(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket)
    for header in ("x-amz-metadata-directive", "x-amz-tagging-directive"):
        headers = {"x-amz-copy-source": f"{s3_bucket}/src", header: "MERGE"}
        response = send(s3emu, "PUT", f"/{s3_bucket}/dst", headers=headers)
        assert response.status == 400
        assert response.error()["Code"] == "InvalidArgument"


def test_tagging_directive(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, Tagging="a=1&b=2")
    s3.copy_object(Bucket=s3_bucket, Key="copied", CopySource=f"{s3_bucket}/src", Tagging="ignored=1")
    assert _tags(s3, s3_bucket, "copied") == {"a": "1", "b": "2"}
    s3.copy_object(
        Bucket=s3_bucket,
        Key="replaced",
        CopySource=f"{s3_bucket}/src",
        TaggingDirective="REPLACE",
        Tagging="c=3",
    )
    assert _tags(s3, s3_bucket, "replaced") == {"c": "3"}
    s3.copy_object(Bucket=s3_bucket, Key="dropped", CopySource=f"{s3_bucket}/src", TaggingDirective="REPLACE")
    assert _tags(s3, s3_bucket, "dropped") == {}


# --- copying onto itself -------------------------------------------------------------------------


def test_copy_onto_itself_without_a_change_is_refused(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, Metadata={"m": "1"})
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="src", CopySource=f"{s3_bucket}/src")
    assert _error(excinfo) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="src", CopySource=f"{s3_bucket}/src", MetadataDirective="COPY")
    assert _error(excinfo) == ("InvalidRequest", 400)


def test_copy_onto_itself_with_a_change(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket, Metadata={"m": "1"})
    s3.copy_object(
        Bucket=s3_bucket,
        Key="src",
        CopySource=f"{s3_bucket}/src",
        MetadataDirective="REPLACE",
        Metadata={"m": "2"},
    )
    assert s3.head_object(Bucket=s3_bucket, Key="src")["Metadata"] == {"m": "2"}
    s3.copy_object(Bucket=s3_bucket, Key="src", CopySource=f"{s3_bucket}/src", StorageClass="STANDARD_IA")
    head = s3.head_object(Bucket=s3_bucket, Key="src")
    assert head["StorageClass"] == "STANDARD_IA"
    assert s3.get_object(Bucket=s3_bucket, Key="src")["Body"].read() == DATA


# --- source conditions ---------------------------------------------------------------------------


def test_copy_source_conditions(s3: S3Client, s3_bucket: str) -> None:
    etag = _source(s3, s3_bucket)
    modified = s3.head_object(Bucket=s3_bucket, Key="src")["LastModified"]
    # dates are compared in whole seconds, "since" is strictly after; no future dates (HTTP lets a
    # server ignore those)
    before = modified - timedelta(days=1)
    failing: list[dict[str, Any]] = [
        {"CopySourceIfMatch": '"0123456789abcdef0123456789abcdef"'},
        {"CopySourceIfNoneMatch": etag},
        {"CopySourceIfUnmodifiedSince": before},
        {"CopySourceIfModifiedSince": modified},
        # If-None-Match decides alone when both are sent
        {"CopySourceIfNoneMatch": etag, "CopySourceIfModifiedSince": before},
    ]
    for condition in failing:
        with pytest.raises(ClientError) as excinfo:
            s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", **condition)
        assert _error(excinfo) == ("PreconditionFailed", 412), condition
    passing: list[dict[str, Any]] = [
        {"CopySourceIfMatch": etag},
        {"CopySourceIfNoneMatch": '"0123456789abcdef0123456789abcdef"'},
        {"CopySourceIfUnmodifiedSince": modified},
        {"CopySourceIfModifiedSince": before},
        # If-Match decides alone when both are sent
        {"CopySourceIfMatch": etag, "CopySourceIfUnmodifiedSince": before},
    ]
    for condition in passing:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", **condition)


def test_copy_with_write_conditions_on_the_target(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket)
    s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", IfNoneMatch="*")
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", IfNoneMatch="*")
    assert _error(excinfo) == ("PreconditionFailed", 412)


# --- checksums -----------------------------------------------------------------------------------


def test_copy_with_a_new_checksum_algorithm(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket)
    copied: Any = s3.copy_object(
        Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", ChecksumAlgorithm="SHA256"
    )
    expected = base64.b64encode(hashlib.sha256(DATA).digest()).decode()
    assert copied["CopyObjectResult"]["ChecksumSHA256"] == expected
    head: Any = s3.head_object(Bucket=s3_bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == expected


# --- UploadPartCopy ------------------------------------------------------------------------------


def test_upload_part_copy_with_ranges(s3: S3Client, s3_bucket: str, bucket_name: str) -> None:
    s3.create_bucket(Bucket=bucket_name)
    data = random.Random(3).randbytes(MIN_PART + 1000)
    s3.put_object(Bucket=bucket_name, Key="source", Body=data)
    upload_id = s3.create_multipart_upload(Bucket=s3_bucket, Key="assembled")["UploadId"]
    parts: list[Any] = []
    for number, (first, last) in enumerate([(0, MIN_PART - 1), (MIN_PART, len(data) - 1)], start=1):
        copied = s3.upload_part_copy(
            Bucket=s3_bucket,
            Key="assembled",
            UploadId=upload_id,
            PartNumber=number,
            CopySource={"Bucket": bucket_name, "Key": "source"},
            CopySourceRange=f"bytes={first}-{last}",
        )
        assert copied["CopyPartResult"]["ETag"] == _etag(data[first : last + 1])
        parts.append({"PartNumber": number, "ETag": copied["CopyPartResult"]["ETag"]})
    listed = s3.list_parts(Bucket=s3_bucket, Key="assembled", UploadId=upload_id)["Parts"]
    assert [p["Size"] for p in listed] == [MIN_PART, 1000]
    s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="assembled", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert s3.get_object(Bucket=s3_bucket, Key="assembled")["Body"].read() == data


def test_upload_part_copy_of_a_whole_object(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket)
    upload_id = s3.create_multipart_upload(Bucket=s3_bucket, Key="dst")["UploadId"]
    copied = s3.upload_part_copy(
        Bucket=s3_bucket, Key="dst", UploadId=upload_id, PartNumber=1, CopySource=f"{s3_bucket}/src"
    )
    part: Any = {"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]}
    s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="dst", UploadId=upload_id, MultipartUpload={"Parts": [part]}
    )
    assert s3.get_object(Bucket=s3_bucket, Key="dst")["Body"].read() == DATA


def test_upload_part_copy_range_errors(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket)
    upload_id = s3.create_multipart_upload(Bucket=s3_bucket, Key="dst")["UploadId"]

    def copy(source_range: str) -> None:
        s3.upload_part_copy(
            Bucket=s3_bucket,
            Key="dst",
            UploadId=upload_id,
            PartNumber=1,
            CopySource=f"{s3_bucket}/src",
            CopySourceRange=source_range,
        )

    # malformed ranges (ceph/s3-tests test_multipart_copy_improper_range)
    for improper in ("bytes=-1-2", "bytes=0-", "bytes=-", "bytes=0-2,3-5", "0-2", "bytes=5-2"):
        with pytest.raises(ClientError) as excinfo:
            copy(improper)
        assert _error(excinfo) == ("InvalidArgument", 400), improper
    # a well-formed range past the end (s3-tests test_multipart_copy_invalid_range: 400 or 416)
    with pytest.raises(ClientError) as excinfo:
        copy(f"bytes=0-{len(DATA)}")
    assert _error(excinfo)[0] == "InvalidRange"
    copy(f"bytes=0-{len(DATA) - 1}")


def test_upload_part_copy_source_conditions_and_errors(s3: S3Client, s3_bucket: str) -> None:
    _source(s3, s3_bucket)
    upload_id = s3.create_multipart_upload(Bucket=s3_bucket, Key="dst")["UploadId"]
    modified = s3.head_object(Bucket=s3_bucket, Key="src")["LastModified"]
    base: dict[str, Any] = {"Bucket": s3_bucket, "Key": "dst", "UploadId": upload_id, "PartNumber": 1}
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part_copy(**base, CopySource=f"{s3_bucket}/src", CopySourceIfMatch='"nope"')
    assert _error(excinfo) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part_copy(**base, CopySource=f"{s3_bucket}/missing")
    assert _error(excinfo) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part_copy(**{**base, "UploadId": "nope"}, CopySource=f"{s3_bucket}/src")
    assert _error(excinfo) == ("NoSuchUpload", 404)
    s3.upload_part_copy(**base, CopySource=f"{s3_bucket}/src", CopySourceIfUnmodifiedSince=modified)
