"""Snapshots: s3emu.snapshot() / restore(), copy-on-access, shared bodies, the seed."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _keys(s3: S3Client, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_restore_brings_back_objects_and_buckets(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"1", Metadata={"m": "1"})
    s3.put_object_tagging(Bucket=s3_bucket, Key="a", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]})
    snap = s3emu.snapshot()
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"2", Metadata={"m": "2"})
    s3.put_object_tagging(Bucket=s3_bucket, Key="a", Tagging={"TagSet": []})
    s3.put_object(Bucket=s3_bucket, Key="b", Body=b"new")
    s3.create_bucket(Bucket=f"{s3_bucket}-2")
    s3emu.restore(snap)
    got = s3.get_object(Bucket=s3_bucket, Key="a")
    assert (got["Body"].read(), got["Metadata"]) == (b"1", {"m": "1"})
    assert s3.get_object_tagging(Bucket=s3_bucket, Key="a")["TagSet"] == [{"Key": "t", "Value": "1"}]
    assert _keys(s3, s3_bucket) == ["a"]
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [s3_bucket]


def test_a_snapshot_restores_again_and_again(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    snap = s3emu.snapshot()
    for round_ in range(3):
        s3emu.restore(snap)
        assert _keys(s3, s3_bucket) == ["k"]
        s3.delete_object(Bucket=s3_bucket, Key="k")
        s3.put_object(Bucket=s3_bucket, Key=f"other-{round_}", Body=b"x")
    s3emu.restore(snap)
    assert _keys(s3, s3_bucket) == ["k"]


def test_a_deleted_bucket_comes_back(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    snap = s3emu.snapshot()
    s3.delete_bucket(Bucket=s3_bucket)
    with pytest.raises(ClientError) as raised:
        s3.head_bucket(Bucket=s3_bucket)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3emu.restore(snap)
    s3.head_bucket(Bucket=s3_bucket)


def test_versions_and_uploads_are_restored(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"1")["VersionId"]
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="mp")["UploadId"]
    s3.upload_part(Bucket=s3_bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part")
    snap = s3emu.snapshot()
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"2")
    s3.abort_multipart_upload(Bucket=s3_bucket, Key="mp", UploadId=upload)
    s3emu.restore(snap)
    versions = s3.list_object_versions(Bucket=s3_bucket)["Versions"]
    assert [v["VersionId"] for v in versions] == [first]
    parts = s3.list_parts(Bucket=s3_bucket, Key="mp", UploadId=upload)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1]
    s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="mp",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": parts[0]["ETag"]}]},
    )
    assert s3.get_object(Bucket=s3_bucket, Key="mp")["Body"].read() == b"part"


@pytest.fixture
def small_spill(s3emu: S3Emulator) -> object:
    store = s3emu.app.store
    previous, store.spill_threshold = store.spill_threshold, 16
    yield
    store.spill_threshold = previous


@pytest.mark.usefixtures("small_spill")
def test_spilled_bodies_are_shared_not_copied(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    directory = s3emu.storage_dir
    assert directory is not None
    before = set(os.listdir(directory))
    s3.put_object(Bucket=s3_bucket, Key="big", Body=b"b" * 1000)
    spilled = set(os.listdir(directory)) - before
    assert len(spilled) == 1
    snap = s3emu.snapshot()
    s3.delete_object(Bucket=s3_bucket, Key="big")  # the file stays: the snapshot holds it
    s3emu.restore(snap)
    assert s3.get_object(Bucket=s3_bucket, Key="big")["Body"].read() == b"b" * 1000
    s3emu.restore(snap)
    assert set(os.listdir(directory)) - before == spilled  # no copy was made


def test_the_journal_is_not_part_of_a_snapshot(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    snap = s3emu.snapshot()
    s3.list_buckets()
    s3emu.restore(snap)
    assert s3emu.calls.operations()[-1] == "ListBuckets"
