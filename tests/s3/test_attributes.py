"""GetObjectAttributes end to end: ETag, checksum, parts (paged), storage class, size."""

from __future__ import annotations

import base64
import hashlib
import random
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from rawhttp import send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import ObjectAttributesType

MIN_PART = 5 * 1024 * 1024
ALL: list[ObjectAttributesType] = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_single_part_object(s3: S3Client, s3_bucket: str) -> None:
    data = b"attributes"
    put = s3.put_object(
        Bucket=s3_bucket, Key="k", Body=data, ChecksumAlgorithm="SHA256", StorageClass="STANDARD_IA"
    )
    attributes: Any = s3.get_object_attributes(Bucket=s3_bucket, Key="k", ObjectAttributes=ALL)
    assert attributes["ETag"] == put["ETag"].strip('"')  # unquoted in this document
    assert attributes["ObjectSize"] == len(data)
    assert attributes["StorageClass"] == "STANDARD_IA"
    assert attributes["Checksum"]["ChecksumSHA256"] == _sha256(data)
    assert attributes["Checksum"]["ChecksumType"] == "FULL_OBJECT"
    assert "ObjectParts" not in attributes  # not made by a multipart upload
    assert attributes["LastModified"] == s3.head_object(Bucket=s3_bucket, Key="k")["LastModified"]


def test_only_what_was_asked(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    attributes: Any = s3.get_object_attributes(Bucket=s3_bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert attributes["ObjectSize"] == 1
    for name in ("ETag", "Checksum", "StorageClass", "ObjectParts"):
        assert name not in attributes


def test_multipart_object_parts_page(s3: S3Client, s3_bucket: str) -> None:
    first, second = random.Random(4).randbytes(MIN_PART), b"tail"
    upload_id = s3.create_multipart_upload(Bucket=s3_bucket, Key="mp", ChecksumAlgorithm="SHA256")["UploadId"]
    parts: list[Any] = []
    for number, data in enumerate([first, second], start=1):
        response = s3.upload_part(
            Bucket=s3_bucket,
            Key="mp",
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="SHA256",
        )
        parts.append(
            {"PartNumber": number, "ETag": response["ETag"], "ChecksumSHA256": response["ChecksumSHA256"]}
        )
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )

    attributes: Any = s3.get_object_attributes(Bucket=s3_bucket, Key="mp", ObjectAttributes=ALL)
    assert attributes["ETag"] == done["ETag"].strip('"')
    assert attributes["ETag"].endswith("-2")
    assert attributes["ObjectSize"] == MIN_PART + 4
    assert attributes["Checksum"]["ChecksumType"] == "COMPOSITE"
    assert attributes["Checksum"]["ChecksumSHA256"] == done["ChecksumSHA256"]
    object_parts = attributes["ObjectParts"]
    assert object_parts["TotalPartsCount"] == 2
    assert object_parts["IsTruncated"] is False
    assert [p["PartNumber"] for p in object_parts["Parts"]] == [1, 2]
    assert [p["Size"] for p in object_parts["Parts"]] == [MIN_PART, 4]
    assert [p["ChecksumSHA256"] for p in object_parts["Parts"]] == [_sha256(first), _sha256(second)]

    page: Any = s3.get_object_attributes(
        Bucket=s3_bucket, Key="mp", ObjectAttributes=["ObjectParts"], MaxParts=1
    )
    assert [p["PartNumber"] for p in page["ObjectParts"]["Parts"]] == [1]
    assert page["ObjectParts"]["IsTruncated"] is True
    assert page["ObjectParts"]["NextPartNumberMarker"] == 1
    assert page["ObjectParts"]["MaxParts"] == 1
    rest: Any = s3.get_object_attributes(
        Bucket=s3_bucket, Key="mp", ObjectAttributes=["ObjectParts"], PartNumberMarker=1
    )
    assert [p["PartNumber"] for p in rest["ObjectParts"]["Parts"]] == [2]
    assert rest["ObjectParts"]["IsTruncated"] is False
    assert rest["ObjectParts"]["PartNumberMarker"] == 1


def test_missing_object_or_bucket(s3: S3Client, s3_bucket: str, bucket_name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=s3_bucket, Key="missing", ObjectAttributes=["ETag"])
    assert _error(excinfo) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket_name, Key="k", ObjectAttributes=["ETag"])
    assert _error(excinfo) == ("NoSuchBucket", 404)


def test_unknown_attribute(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=s3_bucket, Key="k", ObjectAttributes=["ETag", "Colour"])  # type: ignore[list-item]  # on purpose
    assert _error(excinfo) == ("InvalidArgument", 400)


def test_raw_attributes_header(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    response = send(
        s3emu, "GET", f"/{s3_bucket}/k?attributes", headers={"x-amz-object-attributes": "ETag, ObjectSize"}
    )
    assert response.status == 200
    assert b"<ObjectSize>1</ObjectSize>" in response.body
    assert b"<ETag>9dd4e461268c8034f5c8564e155c67a6</ETag>" in response.body
    empty = send(s3emu, "GET", f"/{s3_bucket}/k?attributes", headers={"x-amz-object-attributes": " , "})
    assert empty.status == 400
    assert empty.error()["Code"] == "InvalidArgument"
