"""The store under concurrent requests from many threads: no lost or torn writes, no 500s.

Readers must see a whole old body or a whole new one: every GET's body hashes to the ETag it came
with, and is a body some writer sent. (tests/s3/conftest.py fails the test on any 500.)
"""

from __future__ import annotations

import hashlib
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from rawhttp import send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

THREADS = 16
CYCLES = 30
KEYS = ["shared/a", "shared/b", "shared/c", "shared/d"]
BODY_SIZE = 64 * 1024


@pytest.fixture
def pooled(s3emu: S3Emulator) -> S3Client:
    """A client with a connection per thread; no retries, so that every answer is seen."""
    # total_max_attempts counts the first attempt; max_attempts=1 would still allow one retry
    config = Config(max_pool_connections=THREADS * 2, retries={"total_max_attempts": 1})
    return s3emu.client(config=config)


def test_the_pooled_client_makes_one_attempt(pooled: S3Client) -> None:
    # botocore's resolved setting: the attempts of a call, the first one included
    assert pooled.meta.config.retries is not None
    assert pooled.meta.config.retries["total_max_attempts"] == 1


class Written:
    """The MD5 of every body any writer sent (recorded before the PUT goes out)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.md5s: set[str] = set()

    def new_body(self, rng: random.Random) -> bytes:
        body = rng.randbytes(BODY_SIZE)
        with self.lock:
            self.md5s.add(hashlib.md5(body).hexdigest())
        return body

    def __contains__(self, md5: str) -> bool:
        with self.lock:
            return md5 in self.md5s


def _check_read(s3: S3Client, bucket: str, key: str, written: Written) -> bool:
    """GET ``key``: False if it is missing; else its body must match its ETag and be one written."""
    try:
        got = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        response: Any = error.response
        assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
            "NoSuchKey",
            404,
        )
        return False
    body = got["Body"].read()
    md5 = hashlib.md5(body).hexdigest()
    assert len(body) == BODY_SIZE == got["ContentLength"]
    assert got["ETag"] == f'"{md5}"', "a torn read: the body does not match its ETag"
    assert md5 in written, "a body nobody wrote"
    return True


# heavy (~2,000 requests): run once, through the threaded HTTP server; the tests below race
# the in-process transport too
@pytest.mark.http_only
def test_many_writers_and_readers_on_the_same_keys(pooled: S3Client, s3_bucket: str) -> None:
    written = Written()
    barrier = threading.Barrier(THREADS + 1)
    done = threading.Event()

    def worker(seed: int) -> int:
        rng = random.Random(seed)
        barrier.wait(timeout=10)
        reads = 0
        for _ in range(CYCLES):
            key = rng.choice(KEYS)
            put = pooled.put_object(Bucket=s3_bucket, Key=key, Body=written.new_body(rng))
            assert put["ETag"].strip('"') in written
            reads += _check_read(pooled, s3_bucket, key, written)
            pooled.put_object(Bucket=s3_bucket, Key=key, Body=written.new_body(rng))  # overwrite
            pooled.delete_object(Bucket=s3_bucket, Key=rng.choice(KEYS))
        return reads

    def lister() -> int:
        barrier.wait(timeout=10)
        listings = 0
        while not done.is_set():
            for entry in pooled.list_objects_v2(Bucket=s3_bucket, Prefix="shared/").get("Contents", []):
                assert entry["Key"] in KEYS
                assert entry["Size"] == BODY_SIZE
                assert entry["ETag"].strip('"') in written
            listings += 1
        return listings

    with ThreadPoolExecutor(max_workers=THREADS + 1) as pool:
        listing = pool.submit(lister)
        workers = [pool.submit(worker, seed) for seed in range(THREADS)]
        reads = sum(future.result() for future in workers)
        done.set()
        assert listing.result() > 0
    assert reads > 0  # most reads find the key: each one follows a put of the same key
    # what is left is whole, and the listing agrees with the objects
    remaining = [key for key in KEYS if _check_read(pooled, s3_bucket, key, written)]
    listed = [e["Key"] for e in pooled.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert listed == remaining


def test_no_lost_writes_on_distinct_keys(pooled: S3Client, s3_bucket: str) -> None:
    def worker(index: int) -> dict[str, str]:
        written = {}
        for cycle in range(10):
            key = f"t{index:02d}/{cycle}"
            written[key] = pooled.put_object(Bucket=s3_bucket, Key=key, Body=f"{index}:{cycle}".encode())[
                "ETag"
            ]
        return written

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        expected: dict[str, str] = {}
        for written in pool.map(worker, range(THREADS)):
            expected.update(written)
    pages = pooled.get_paginator("list_objects_v2").paginate(Bucket=s3_bucket)
    listed = {e["Key"]: e["ETag"] for page in pages for e in page.get("Contents", [])}
    assert listed == expected


def test_parallel_part_uploads(pooled: S3Client, s3_bucket: str) -> None:
    upload_id = pooled.create_multipart_upload(Bucket=s3_bucket, Key="mp")["UploadId"]
    bodies = {number: f"part {number} ".encode() * 100 for number in range(1, THREADS + 1)}

    def upload(number: int) -> tuple[int, str]:
        # every part twice: the later upload of a part number replaces the earlier one
        for _ in range(2):
            response = pooled.upload_part(
                Bucket=s3_bucket, Key="mp", UploadId=upload_id, PartNumber=number, Body=bodies[number]
            )
        return number, response["ETag"]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        etags = dict(pool.map(upload, bodies))
    listed = pooled.list_parts(Bucket=s3_bucket, Key="mp", UploadId=upload_id)["Parts"]
    assert {p["PartNumber"]: p["ETag"] for p in listed} == etags
    assert [p["PartNumber"] for p in listed] == sorted(bodies)
    # only the last part may be small: complete with just that one
    last = THREADS
    pooled.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="mp",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": last, "ETag": etags[last]}]},
    )
    assert pooled.get_object(Bucket=s3_bucket, Key="mp")["Body"].read() == bodies[last]


# bigger than the loopback socket buffers together: once this much is sent, the emulator has begun
# reading the body, so its UploadPart request has begun too
_HOLD_BACK = 24 * 1024 * 1024


@pytest.mark.http_only
def test_a_part_uploaded_twice_keeps_the_later_request(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    """Two uploads of part 1; the one begun first ends last. S3's latest timestamp wins (its
    consistency model: "the request with the latest timestamp wins"), and UploadPart overwrites
    the previously uploaded part: the later request's part is kept, whole, and ListParts and
    CompleteMultipartUpload agree on it."""
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="k")["UploadId"]
    slow_body = [b"s" * _HOLD_BACK, b"slow tail"]
    slow_sent, fast_done = threading.Event(), threading.Event()

    def slow_chunks() -> Any:
        yield slow_body[0]
        slow_sent.set()
        assert fast_done.wait(timeout=30)
        yield slow_body[1]

    path = f"/{s3_bucket}/k?partNumber=1&uploadId={upload}"
    headers = {"Content-Length": str(sum(map(len, slow_body)))}
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(send, s3emu, "PUT", path, slow_chunks(), headers)
        assert slow_sent.wait(timeout=30)
        try:
            fast_etag = s3.upload_part(
                Bucket=s3_bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"fast"
            )["ETag"]
        finally:
            fast_done.set()
        slow_answer = slow.result(timeout=60)
    slow_etag = f'"{hashlib.md5(b"".join(slow_body)).hexdigest()}"'
    assert (slow_answer.status, slow_answer.headers["etag"]) == (200, slow_etag)
    parts = s3.list_parts(Bucket=s3_bucket, Key="k", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, fast_etag, 4)]
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(
            Bucket=s3_bucket,
            Key="k",
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": slow_etag}]},
        )
    error: Any = excinfo.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidPart", 400)
    s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="k",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": fast_etag}]},
    )
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"fast"
