"""obstore (Rust object_store) against the emulator: put, get, list, delete, multipart, checksums.

Run through test_native_clients.py, in a child process (see there why).
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import TYPE_CHECKING

import pytest
from client_support import MIB, WireRequest, keys, sha256_b64, stored

from pytest_s3emu.server import ACCESS_KEY, SECRET_KEY, S3Emulator

obs = pytest.importorskip("obstore")
obstore_store = pytest.importorskip("obstore.store")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def test_put_get_list_delete_with_no_configuration(s3: S3Client, bucket: str) -> None:
    store = obstore_store.S3Store(bucket)  # endpoint, credentials, region and http from the environment
    obs.put(store, "a/one.txt", b"one")
    obs.put(store, "a/two.txt", b"two")
    obs.put(store, "b.txt", b"bee")
    assert bytes(obs.get(store, "a/one.txt").bytes()) == b"one"
    assert obs.head(store, "a/two.txt")["size"] == 3
    listed = sorted(meta["path"] for batch in obs.list(store) for meta in batch)
    assert listed == ["a/one.txt", "a/two.txt", "b.txt"]
    assert sorted(meta["path"] for meta in obs.list_with_delimiter(store, "a/")["objects"]) == [
        "a/one.txt",
        "a/two.txt",
    ]
    assert stored(s3, bucket, "b.txt") == b"bee"
    obs.delete(store, ["a/one.txt", "a/two.txt"])  # DeleteObjects
    assert keys(s3, bucket) == ["b.txt"]


def test_explicit_configuration(s3: S3Client, s3emu: S3Emulator, bucket: str) -> None:
    store = obstore_store.S3Store(
        bucket,
        endpoint=s3emu.endpoint_url,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        region=s3emu.region,
        client_options={"allow_http": True},
    )
    obs.put(store, "k", b"explicit")
    assert stored(s3, bucket, "k") == b"explicit"


def test_unsigned_payload_with_a_checksum_header(s3: S3Client, bucket: str, wire: list[WireRequest]) -> None:
    store = obstore_store.S3Store(bucket, unsigned_payload=True, checksum_algorithm="SHA256")
    obs.put(store, "small.txt", b"hello")
    put = next(r for r in wire if r.method == "PUT" and r.path == f"/{bucket}/small.txt")
    assert put.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert put.headers["x-amz-checksum-sha256"] == sha256_b64(b"hello")
    assert "x-amz-sdk-checksum-algorithm" not in put.headers
    head = s3.head_object(Bucket=bucket, Key="small.txt", ChecksumMode="ENABLED")
    assert (head.get("ChecksumSHA256"), head.get("ChecksumType")) == (sha256_b64(b"hello"), "FULL_OBJECT")
    # obstore also sends Content-MD5 and a checksum on DeleteObjects
    obs.delete(store, ["small.txt"])
    assert keys(s3, bucket) == []


def test_multipart_with_sha256_is_a_composite_checksum(s3: S3Client, bucket: str) -> None:
    store = obstore_store.S3Store(bucket, unsigned_payload=True, checksum_algorithm="SHA256")
    data = os.urandom(11 * MIB)
    obs.put(store, "big.bin", data, chunk_size=5 * MIB)
    assert bytes(obs.get(store, "big.bin").bytes()) == data
    assert stored(s3, bucket, "big.bin") == data
    chunks = [data[i : i + 5 * MIB] for i in range(0, len(data), 5 * MIB)]
    digests = b"".join(hashlib.sha256(chunk).digest() for chunk in chunks)
    expected = f"{base64.b64encode(hashlib.sha256(digests).digest()).decode()}-{len(chunks)}"
    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert (head.get("ChecksumSHA256"), head.get("ChecksumType")) == (expected, "COMPOSITE")
    got = s3.get_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    got["Body"].close()
    assert got.get("ChecksumSHA256") == expected
    ranged = s3.get_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED", Range="bytes=0-9")
    assert ranged["Body"].read() == data[:10]
    assert "ChecksumSHA256" not in ranged  # S3 returns no checksum for a range
    attributes = s3.get_object_attributes(
        Bucket=bucket, Key="big.bin", ObjectAttributes=["Checksum", "ObjectParts"]
    )
    # the same composite value (captures of real S3 show it there without the "-N" suffix)
    assert attributes["Checksum"]["ChecksumSHA256"].split("-")[0] == expected.split("-")[0]
    parts = attributes["ObjectParts"]["Parts"]
    assert [part.get("ChecksumSHA256") for part in parts] == [sha256_b64(chunk) for chunk in chunks]


def test_missing_object(bucket: str) -> None:
    store = obstore_store.S3Store(bucket)
    with pytest.raises(FileNotFoundError):
        obs.get(store, "nothing-here")
