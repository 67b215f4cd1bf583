"""Object tags end to end: x-amz-tagging on writes, Put/Get/DeleteObjectTagging, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _tags(s3: S3Client, bucket: str, key: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}


def _tag_set(tags: dict[str, str]) -> Any:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}


def test_tagging_header_on_put(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", Tagging="project=apollo&empty=&sp%20ace=a%26b")
    assert _tags(s3, s3_bucket, "k") == {"project": "apollo", "empty": "", "sp ace": "a&b"}
    assert s3.get_object(Bucket=s3_bucket, Key="k")["TagCount"] == 3
    assert (
        s3.head_object(Bucket=s3_bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"]
        == "3"
    )


def test_untagged_object(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    assert s3.get_object_tagging(Bucket=s3_bucket, Key="k")["TagSet"] == []
    assert "TagCount" not in s3.get_object(Bucket=s3_bucket, Key="k")


def test_put_get_delete_tagging(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", Tagging="old=1")
    put = s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging=_tag_set({"a": "1", "b": "two words"}))
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    # a put replaces the whole set
    assert _tags(s3, s3_bucket, "k") == {"a": "1", "b": "two words"}
    deleted = s3.delete_object_tagging(Bucket=s3_bucket, Key="k")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert _tags(s3, s3_bucket, "k") == {}
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"x"  # the object stays


def test_overwrite_drops_the_old_tags(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", Tagging="a=1")
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"y")
    assert _tags(s3, s3_bucket, "k") == {}


def test_tagging_a_missing_object(s3: S3Client, s3_bucket: str) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: s3.get_object_tagging(Bucket=s3_bucket, Key="missing"),
        lambda: s3.put_object_tagging(Bucket=s3_bucket, Key="missing", Tagging=_tag_set({"a": "1"})),
        lambda: s3.delete_object_tagging(Bucket=s3_bucket, Key="missing"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == ("NoSuchKey", 404)


def test_ten_tags_at_most(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    ten = {f"k{i}": str(i) for i in range(10)}
    s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging=_tag_set(ten))
    assert _tags(s3, s3_bucket, "k") == ten
    eleven = {**ten, "k10": "10"}
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging=_tag_set(eleven))
    # S3 answers BadRequest, not InvalidTag, for the count
    assert _error(excinfo) == ("BadRequest", 400)
    assert excinfo.value.response["Error"]["Message"] == "Object tags cannot be greater than 10"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(
            Bucket=s3_bucket, Key="k2", Body=b"x", Tagging="&".join(f"{k}={v}" for k, v in eleven.items())
        )
    assert _error(excinfo) == ("BadRequest", 400)
    assert _tags(s3, s3_bucket, "k") == ten


def test_tag_key_and_value_lengths(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging=_tag_set({"k" * 128: "v" * 256}))
    for tags in ({"k" * 129: "v"}, {"k": "v" * 257}):
        with pytest.raises(ClientError) as excinfo:
            s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging=_tag_set(tags))
        assert _error(excinfo) == ("InvalidTag", 400)


def test_duplicate_tag_keys(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    duplicated: Any = {"TagSet": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_tagging(Bucket=s3_bucket, Key="k", Tagging=duplicated)
    assert _error(excinfo) == ("InvalidTag", 400)
    # in the header S3 names its own encoding rule instead
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k2", Body=b"x", Tagging="a=1&a=2")
    assert _error(excinfo) == ("InvalidArgument", 400)


def test_tags_on_copy_and_multipart(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"x", Tagging="from=put")
    s3.copy_object(Bucket=s3_bucket, Key="copy", CopySource=f"{s3_bucket}/src")
    assert _tags(s3, s3_bucket, "copy") == {"from": "put"}
    s3.copy_object(
        Bucket=s3_bucket,
        Key="retagged",
        CopySource=f"{s3_bucket}/src",
        TaggingDirective="REPLACE",
        Tagging="x=y",
    )
    assert _tags(s3, s3_bucket, "retagged") == {"x": "y"}
    upload_id = s3.create_multipart_upload(Bucket=s3_bucket, Key="mp", Tagging="from=mpu")["UploadId"]
    etag = s3.upload_part(Bucket=s3_bucket, Key="mp", UploadId=upload_id, PartNumber=1, Body=b"x")["ETag"]
    s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert _tags(s3, s3_bucket, "mp") == {"from": "mpu"}
