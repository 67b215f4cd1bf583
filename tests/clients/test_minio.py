"""minio-py against the emulator: objects, listings, multipart, DeleteObjects and presigned URLs.

minio sends DeleteObjects with Content-MD5 only (no flexible checksum), and its presigned PUT is
often sent by urllib or curl, which add ``Content-Type: application/x-www-form-urlencoded``: the
body is the object all the same.
"""

from __future__ import annotations

import io
import os
import urllib.request
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from client_support import MIB, WireRequest, keys, stored

from pytest_s3emu.server import ACCESS_KEY, SECRET_KEY, S3Emulator

minio = pytest.importorskip("minio")
minio_delete = pytest.importorskip("minio.deleteobjects")
minio_error = pytest.importorskip("minio.error")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture
def client(s3emu: S3Emulator) -> Any:
    # minio reads no AWS environment variable: it takes host:port and its keys explicitly
    return minio.Minio(
        urlsplit(s3emu.endpoint_url).netloc,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        secure=False,
        region=s3emu.region,
    )


def test_put_get_stat_list(client: Any, s3: S3Client, bucket: str) -> None:
    assert client.bucket_exists(bucket)
    client.put_object(
        bucket,
        "dir/a.txt",
        io.BytesIO(b"alpha"),
        5,
        content_type="text/plain",
        metadata={"x-amz-meta-k": "v"},
    )
    client.put_object(bucket, "b.txt", io.BytesIO(b"beta"), 4)
    response = client.get_object(bucket, "dir/a.txt")
    try:
        assert response.read() == b"alpha"
    finally:
        response.close()
        response.release_conn()
    stat = client.stat_object(bucket, "dir/a.txt")
    assert (stat.size, stat.content_type, stat.metadata.get("x-amz-meta-k")) == (5, "text/plain", "v")
    assert sorted(o.object_name for o in client.list_objects(bucket, recursive=True)) == [
        "b.txt",
        "dir/a.txt",
    ]
    assert sorted(o.object_name for o in client.list_objects(bucket)) == ["b.txt", "dir/"]
    head = s3.head_object(Bucket=bucket, Key="dir/a.txt")
    assert (head["ContentType"], head["Metadata"]) == ("text/plain", {"k": "v"})
    assert stored(s3, bucket, "b.txt") == b"beta"


def test_make_and_remove_bucket(client: Any, s3: S3Client, bucket_name: str) -> None:
    client.make_bucket(bucket_name)
    s3.head_bucket(Bucket=bucket_name)
    client.remove_bucket(bucket_name)
    assert not client.bucket_exists(bucket_name)


def test_multipart_upload_of_unknown_length(client: Any, s3: S3Client, bucket: str) -> None:
    data = os.urandom(6 * MIB)
    client.put_object(bucket, "big.bin", io.BytesIO(data), -1, part_size=5 * MIB)
    assert client.stat_object(bucket, "big.bin").etag.endswith("-2")
    response = client.get_object(bucket, "big.bin")
    try:
        assert response.read() == data
    finally:
        response.close()
        response.release_conn()
    assert stored(s3, bucket, "big.bin") == data


def test_remove_objects_sends_content_md5_only(
    client: Any, s3: S3Client, bucket: str, wire: list[WireRequest]
) -> None:
    for name in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=name, Body=name.encode())
    errors = list(
        client.remove_objects(bucket, [minio_delete.DeleteObject("a"), minio_delete.DeleteObject("b")])
    )
    assert errors == []
    assert keys(s3, bucket) == ["c"]
    (delete,) = [r for r in wire if r.operation == "DeleteObjects"]
    assert "content-md5" in delete.headers
    assert not any(name.startswith("x-amz-checksum-") for name in delete.headers)


def test_missing_object_error(client: Any, bucket: str) -> None:
    with pytest.raises(minio_error.S3Error) as excinfo:
        client.stat_object(bucket, "nope")
    assert excinfo.value.code == "NoSuchKey"
    with pytest.raises(minio_error.S3Error) as excinfo:
        client.get_object(bucket, "nope")
    assert (excinfo.value.code, excinfo.value.response.status) == ("NoSuchKey", 404)


def test_presigned_put_with_urllib_is_not_a_form(client: Any, s3: S3Client, bucket: str) -> None:
    url = client.presigned_put_object(bucket, "upload.txt", expires=timedelta(hours=1))
    request = urllib.request.Request(url, data=b"a=1&b=2", method="PUT")  # urllib adds the form type
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert stored(s3, bucket, "upload.txt") == b"a=1&b=2"
    assert (
        s3.head_object(Bucket=bucket, Key="upload.txt")["ContentType"] == "application/x-www-form-urlencoded"
    )
    with urllib.request.urlopen(client.presigned_get_object(bucket, "upload.txt"), timeout=10) as response:
        assert response.read() == b"a=1&b=2"
