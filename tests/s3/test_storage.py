"""Storage that scales: bodies above the spill threshold live in temporary files of the emulator's
own directory, removed whenever the object (or part) goes away; S3's default CRC64NVME checksum.

These tests run their own emulator with a 1 KiB threshold, so small bodies exercise the file paths.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from rawhttp import send, signed_head, signed_headers

from pytest_s3emu import checksums
from pytest_s3emu.blobs import Blob, BlobWriter, ConcatBlob, FileBlob, MemoryBlob
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

SPILL = 1024
SMALL = b"s" * SPILL  # stays in memory: the threshold is inclusive
LARGE = bytes(range(256)) * 16  # 4 KiB: a temporary file
MIB = 1024 * 1024
# CRC-64/NVME of "123456789" is 0xAE8B14860A799888 (the catalogue's check value)
CHECK_INPUT = b"123456789"
CHECK_CRC64NVME = base64.b64encode(bytes.fromhex("AE8B14860A799888")).decode()


@pytest.fixture(scope="module")
def _spilling_server() -> Iterator[S3Emulator]:
    emulator = S3Emulator(spill_threshold=SPILL)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(_spilling_server: S3Emulator) -> Iterator[S3Emulator]:
    _spilling_server.reset()
    yield _spilling_server
    _spilling_server.check()
    crashed = [call for call in _spilling_server.log if call.status == 500]
    assert not crashed, f"the emulator answered 500 to {crashed}"


@pytest.fixture
def client(emulator: S3Emulator) -> S3Client:
    return emulator.default_client()


@pytest.fixture
def bucket(client: S3Client, bucket_name: str) -> str:
    client.create_bucket(Bucket=bucket_name)
    return bucket_name


def _files(emulator: S3Emulator) -> list[str]:
    assert emulator.storage_dir is not None
    return sorted(os.listdir(emulator.storage_dir))


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _plain(emulator: S3Emulator) -> S3Client:
    """A client that sends no checksum unless asked (as before botocore 1.36, or presigned URLs)."""
    return emulator.client(config=Config(request_checksum_calculation="when_required"))


# --- where bodies live ------------------------------------------------------------------------


def test_storage_dir_is_the_emulators_own(emulator: S3Emulator) -> None:
    assert emulator.storage_dir is not None
    assert os.path.basename(emulator.storage_dir).startswith("s3emu-")
    assert emulator.spill_threshold == SPILL


def test_small_bodies_stay_in_memory(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="small", Body=SMALL)
    assert _files(emulator) == []
    client.put_object(Bucket=bucket, Key="large", Body=LARGE)
    assert len(_files(emulator)) == 1
    assert client.get_object(Bucket=bucket, Key="small")["Body"].read() == SMALL
    assert client.get_object(Bucket=bucket, Key="large")["Body"].read() == LARGE


def test_file_backed_ranges(client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="k", Body=LARGE)
    got = client.get_object(Bucket=bucket, Key="k", Range="bytes=1000-3000")
    assert got["Body"].read() == LARGE[1000:3001]
    assert got["ContentRange"] == f"bytes 1000-3000/{len(LARGE)}"
    tail = client.get_object(Bucket=bucket, Key="k", Range="bytes=-10")["Body"].read()
    assert tail == LARGE[-10:]


def test_overwrite_removes_the_old_file(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="k", Body=LARGE)
    first = _files(emulator)
    client.put_object(Bucket=bucket, Key="k", Body=LARGE[::-1])
    second = _files(emulator)
    assert len(first) == len(second) == 1
    assert first != second
    client.put_object(Bucket=bucket, Key="k", Body=SMALL)
    assert _files(emulator) == []


def test_copy_over_a_file_backed_object(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="src", Body=LARGE)
    client.put_object(Bucket=bucket, Key="dst", Body=LARGE[::-1])
    client.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert len(_files(emulator)) == 2  # src and its copy; the old dst is gone
    assert client.get_object(Bucket=bucket, Key="dst")["Body"].read() == LARGE
    client.delete_object(Bucket=bucket, Key="src")
    client.delete_object(Bucket=bucket, Key="dst")
    assert _files(emulator) == []


def test_delete_object_removes_the_file(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="k", Body=LARGE)
    client.delete_object(Bucket=bucket, Key="k")
    assert _files(emulator) == []


def test_delete_objects_removes_the_files(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    for key in ("a", "b", "c"):
        client.put_object(Bucket=bucket, Key=key, Body=LARGE)
    assert len(_files(emulator)) == 3
    client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "c"}]})
    assert len(_files(emulator)) == 1
    assert client.get_object(Bucket=bucket, Key="b")["Body"].read() == LARGE


def test_bad_digest_leaves_no_file(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    wrong = base64.b64encode((12345).to_bytes(4, "big")).decode()
    with pytest.raises(ClientError) as excinfo:
        client.put_object(Bucket=bucket, Key="k", Body=LARGE, ChecksumCRC32=wrong)
    assert _error(excinfo) == ("BadDigest", 400)
    md5_of_other = base64.b64encode(b"\0" * 16).decode()
    with pytest.raises(ClientError) as excinfo:
        _plain(emulator).put_object(Bucket=bucket, Key="k", Body=LARGE, ContentMD5=md5_of_other)
    assert _error(excinfo) == ("BadDigest", 400)
    assert _files(emulator) == []


def _half_sent_put(emulator: S3Emulator, path: str, declared: int, sent: bytes) -> bytes:
    """PUT ``sent`` of a body declared ``declared`` bytes long, then stop sending; the raw answer."""
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        head = signed_head(emulator, f"PUT {path} HTTP/1.1\r\nContent-Length: {declared}".encode())
        sock.sendall(head + b"\r\n\r\n" + sent)
        sock.shutdown(socket.SHUT_WR)  # the server reads EOF mid-body, as when a client dies
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_client_gone_mid_upload_leaves_no_file(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    answer = _half_sent_put(emulator, f"/{bucket}/k", 10 * len(LARGE), LARGE * 2)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"<Code>IncompleteBody</Code>" in answer
    assert _files(emulator) == []
    with pytest.raises(ClientError) as excinfo:
        client.head_object(Bucket=bucket, Key="k")
    assert _error(excinfo) == ("404", 404)


def test_client_gone_mid_part_leaves_no_file(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    answer = _half_sent_put(
        emulator, f"/{bucket}/k?partNumber=1&uploadId={upload}", 10 * len(LARGE), LARGE * 2
    )
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert _files(emulator) == []
    assert "Parts" not in client.list_parts(Bucket=bucket, Key="k", UploadId=upload)


# --- multipart uploads ------------------------------------------------------------------------


def _part(client: S3Client, bucket: str, upload: str, number: int, body: bytes) -> CompletedPartTypeDef:
    etag = client.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=number, Body=body)["ETag"]
    return {"PartNumber": number, "ETag": etag}


def test_abort_removes_the_part_files(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    _part(client, bucket, upload, 1, LARGE)
    _part(client, bucket, upload, 2, LARGE)
    _part(client, bucket, upload, 2, LARGE[::-1])  # replaces part 2: its first file goes
    assert len(_files(emulator)) == 2
    client.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)
    assert _files(emulator) == []


def test_the_threshold_holds_for_a_whole_upload(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    # each part is below the threshold, the upload is not: only what fits stays in memory
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    _part(client, bucket, upload, 1, SMALL[:600])
    assert _files(emulator) == []
    _part(client, bucket, upload, 2, SMALL[:600])
    assert len(_files(emulator)) == 1
    _part(client, bucket, upload, 1, SMALL[:300])  # replaces the part in memory: room for 724 bytes
    _part(client, bucket, upload, 3, SMALL[:700])
    assert len(_files(emulator)) == 1
    _part(client, bucket, upload, 4, SMALL[:100])
    assert len(_files(emulator)) == 2
    client.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload)
    assert _files(emulator) == []


def test_complete_keeps_only_the_chosen_parts(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    first = os.urandom(5 * MIB)
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = [_part(client, bucket, upload, 1, first), _part(client, bucket, upload, 2, LARGE)]
    _part(client, bucket, upload, 3, LARGE)  # uploaded, never used
    assert len(_files(emulator)) == 3
    client.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    assert len(_files(emulator)) == 2
    assert client.get_object(Bucket=bucket, Key="k")["Body"].read() == first + LARGE
    across = client.get_object(Bucket=bucket, Key="k", Range=f"bytes={5 * MIB - 10}-{5 * MIB + 9}")
    assert across["Body"].read() == (first + LARGE)[5 * MIB - 10 : 5 * MIB + 10]
    second = client.get_object(Bucket=bucket, Key="k", PartNumber=2)
    assert second["Body"].read() == LARGE
    client.delete_object(Bucket=bucket, Key="k")
    assert _files(emulator) == []


def test_delete_bucket_removes_unfinished_uploads(
    emulator: S3Emulator, client: S3Client, bucket: str
) -> None:
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    _part(client, bucket, upload, 1, LARGE)
    client.delete_bucket(Bucket=bucket)
    assert _files(emulator) == []


# --- reset and stop ---------------------------------------------------------------------------


def test_reset_removes_every_file(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="k", Body=LARGE)
    upload = client.create_multipart_upload(Bucket=bucket, Key="u")["UploadId"]
    client.upload_part(Bucket=bucket, Key="u", UploadId=upload, PartNumber=1, Body=LARGE)
    assert len(_files(emulator)) == 2
    emulator.reset()
    assert _files(emulator) == []


def test_stop_removes_the_directory(bucket_name: str) -> None:
    emulator = S3Emulator(spill_threshold=SPILL)
    with emulator:
        directory = emulator.storage_dir
        assert directory is not None
        client = emulator.client()
        client.create_bucket(Bucket=bucket_name)
        client.put_object(Bucket=bucket_name, Key="k", Body=LARGE)
        assert len(os.listdir(directory)) == 1
    assert emulator.storage_dir is None
    assert not os.path.exists(directory)
    # a restarted emulator gets a new directory
    with emulator:
        assert emulator.storage_dir is not None
        assert os.path.isdir(emulator.storage_dir)
        restarted = emulator.storage_dir
    assert not os.path.exists(restarted)


def test_negative_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="spill_threshold"):
        S3Emulator(spill_threshold=-1)


# --- concurrency ------------------------------------------------------------------------------


def _streaming_get(emulator: S3Emulator, path: str) -> tuple[http.client.HTTPConnection, Any]:
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", path, headers=signed_headers(emulator, "GET", path))
    return conn, conn.getresponse()


@pytest.mark.parametrize("change", ["overwrite", "delete", "reset"])
def test_get_survives_a_concurrent_change(
    emulator: S3Emulator, client: S3Client, bucket: str, change: str
) -> None:
    old = os.urandom(8 * MIB)  # larger than the socket buffers: the server is mid-stream
    client.put_object(Bucket=bucket, Key="k", Body=old)
    conn, response = _streaming_get(emulator, f"/{bucket}/k")
    try:
        assert response.status == 200
        head = response.read(MIB)
        if change == "overwrite":
            client.put_object(Bucket=bucket, Key="k", Body=LARGE)
        elif change == "delete":
            client.delete_object(Bucket=bucket, Key="k")
        else:
            emulator.reset()
        assert len(_files(emulator)) == (1 if change == "overwrite" else 0)
        rest = response.read()
    finally:
        conn.close()
    assert head + rest == old


def test_get_of_a_multipart_object_survives_its_deletion(
    emulator: S3Emulator, client: S3Client, bucket: str
) -> None:
    first, second = os.urandom(5 * MIB), os.urandom(3 * MIB)
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = [_part(client, bucket, upload, 1, first), _part(client, bucket, upload, 2, second)]
    client.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    conn, response = _streaming_get(emulator, f"/{bucket}/k")
    try:
        head = response.read(MIB)
        client.delete_object(Bucket=bucket, Key="k")
        rest = response.read()
    finally:
        conn.close()
    assert head + rest == first + second
    # a part the reader had not reached yet stayed (pinned) until it was opened
    assert _files(emulator) == []


def test_many_threads(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    bodies = {f"k{i}": bytes([i]) * (SPILL * (i + 1) + 1) for i in range(8)}

    def work(key: str) -> None:
        body = bodies[key]
        for round_ in range(5):
            client.put_object(Bucket=bucket, Key=key, Body=body)
            client.put_object(Bucket=bucket, Key="shared", Body=body)  # every thread overwrites it
            assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == body
            assert client.get_object(Bucket=bucket, Key="shared")["Body"].read() in bodies.values()
            if round_ % 2:
                client.delete_object(Bucket=bucket, Key=key)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, bodies))
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert {entry["Key"] for entry in listed} == {*bodies, "shared"}
    # one file per stored object above the threshold (every k<i> and "shared"), nothing leaked
    assert len(_files(emulator)) == len(bodies) + 1
    for key, body in bodies.items():
        assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == body


# --- S3's default checksum: CRC64NVME, for every object written without a checksum -------------


def _settled(emulator: S3Emulator, bucket: str, key: str) -> bool:
    return emulator.app.store.get_object(bucket, key).default_checksum is not None


def test_default_checksum_of_an_upload_without_one(emulator: S3Emulator, bucket: str) -> None:
    plain = _plain(emulator)
    put: Any = plain.put_object(Bucket=bucket, Key="k", Body=CHECK_INPUT)
    # API reference, PutObject: x-amz-checksum-crc64nvme is present when S3 added the default
    # checksum; x-amz-checksum-type is always FULL_OBJECT for PutObject
    assert put["ChecksumCRC64NVME"] == CHECK_CRC64NVME
    assert put["ChecksumType"] == "FULL_OBJECT"
    assert _settled(emulator, bucket, "k")  # computed while the body streamed in
    listed = plain.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["ChecksumAlgorithm"] == ["CRC64NVME"]
    assert listed["ChecksumType"] == "FULL_OBJECT"
    head: Any = plain.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == CHECK_CRC64NVME
    assert head["ChecksumType"] == "FULL_OBJECT"
    no_mode: Any = plain.head_object(Bucket=bucket, Key="k")
    assert "ChecksumCRC64NVME" not in no_mode


def test_default_checksum_of_a_raw_unsigned_payload_upload(emulator: S3Emulator, bucket: str) -> None:
    # a plain HTTP PUT with no checksum header at all (curl, requests, older SDKs)
    data = os.urandom(3 * MIB + 5)
    response = send(emulator, "PUT", f"/{bucket}/k", data, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    assert response.status == 200
    assert response.headers["x-amz-checksum-crc64nvme"] == checksums.checksum_b64("CRC64NVME", data)
    assert response.headers["x-amz-checksum-type"] == "FULL_OBJECT"


def test_a_restored_snapshot_keeps_the_default_checksum(emulator: S3Emulator, bucket: str) -> None:
    plain = _plain(emulator)
    plain.put_object(Bucket=bucket, Key="k", Body=CHECK_INPUT)
    snapshot = emulator.snapshot()
    plain.delete_object(Bucket=bucket, Key="k")
    emulator.restore(snapshot)
    head: Any = plain.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == CHECK_CRC64NVME
    copied: Any = plain.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "k"})
    assert copied["CopyObjectResult"]["ChecksumCRC64NVME"] == CHECK_CRC64NVME


def test_default_checksum_on_get_and_attributes(emulator: S3Emulator, client: S3Client, bucket: str) -> None:
    _plain(emulator).put_object(Bucket=bucket, Key="k", Body=CHECK_INPUT)
    # botocore asks for checksums on every GetObject; it cannot check CRC64NVME without awscrt
    got: Any = client.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == CHECK_INPUT
    assert got["ChecksumCRC64NVME"] == CHECK_CRC64NVME
    ranged: Any = client.get_object(Bucket=bucket, Key="k", Range="bytes=0-3", ChecksumMode="ENABLED")
    assert "ChecksumCRC64NVME" not in ranged
    attributes = client.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Checksum"])
    assert attributes["Checksum"] == {"ChecksumCRC64NVME": CHECK_CRC64NVME, "ChecksumType": "FULL_OBJECT"}


def test_default_checksum_of_a_file_backed_object(emulator: S3Emulator, bucket: str) -> None:
    data = os.urandom(3 * MIB + 17)
    plain = _plain(emulator)
    plain.put_object(Bucket=bucket, Key="k", Body=data)
    assert len(_files(emulator)) == 1
    attributes = plain.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Checksum"])
    assert attributes["Checksum"]["ChecksumCRC64NVME"] == checksums.checksum_b64("CRC64NVME", data)


def test_explicit_checksum_is_not_replaced(client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key="k", Body=CHECK_INPUT, ChecksumAlgorithm="CRC32")
    listed = client.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["ChecksumAlgorithm"] == ["CRC32"]
    head: Any = client.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert "ChecksumCRC64NVME" not in head
    assert head["ChecksumCRC32"] == base64.b64encode(bytes.fromhex("CBF43926")).decode()


def test_default_checksum_computed_once_under_concurrency(emulator: S3Emulator, bucket: str) -> None:
    data = os.urandom(2 * MIB)
    plain = _plain(emulator)
    plain.put_object(Bucket=bucket, Key="k", Body=data)
    start = threading.Barrier(6)

    def head(_: int) -> str:
        start.wait(timeout=10)
        found: Any = plain.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
        return str(found["ChecksumCRC64NVME"])

    with ThreadPoolExecutor(max_workers=6) as pool:
        values = set(pool.map(head, range(6)))
    assert values == {checksums.checksum_b64("CRC64NVME", data)}


@pytest.mark.parametrize("size", [len(CHECK_INPUT), 3 * MIB])
def test_default_checksum_of_a_copy(emulator: S3Emulator, bucket: str, size: int) -> None:
    data = CHECK_INPUT if size == len(CHECK_INPUT) else os.urandom(size)
    expected = checksums.checksum_b64("CRC64NVME", data)
    plain = _plain(emulator)
    plain.put_object(Bucket=bucket, Key="src", Body=data)
    copied: Any = plain.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyObjectResult"]["ChecksumCRC64NVME"] == expected
    assert copied["CopyObjectResult"]["ChecksumType"] == "FULL_OBJECT"
    head: Any = plain.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == expected


def test_copy_with_an_algorithm_has_no_default(client: S3Client, emulator: S3Emulator, bucket: str) -> None:
    _plain(emulator).put_object(Bucket=bucket, Key="src", Body=CHECK_INPUT)
    copied: Any = client.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"}, ChecksumAlgorithm="SHA256"
    )
    result = copied["CopyObjectResult"]
    assert "ChecksumCRC64NVME" not in result
    assert result["ChecksumSHA256"] == checksums.checksum_b64("SHA256", CHECK_INPUT)


@pytest.mark.parametrize("part_checksums", ["none", "crc32", "copy"])
def test_default_checksum_of_a_multipart_upload(
    emulator: S3Emulator, client: S3Client, bucket: str, part_checksums: str
) -> None:
    # no ChecksumAlgorithm at CreateMultipartUpload: S3 still gives the object a full-object CRC64NVME
    uploader = _plain(emulator) if part_checksums == "none" else client
    first, second = os.urandom(5 * MIB), b"tail" * 100
    upload = uploader.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = [_part(uploader, bucket, upload, 1, first)]
    if part_checksums == "copy":
        uploader.put_object(Bucket=bucket, Key="src", Body=b"head" + second)
        copied = uploader.upload_part_copy(
            Bucket=bucket,
            Key="k",
            UploadId=upload,
            PartNumber=2,
            CopySource={"Bucket": bucket, "Key": "src"},
            CopySourceRange=f"bytes=4-{len(second) + 3}",
        )
        parts.append({"PartNumber": 2, "ETag": copied["CopyPartResult"]["ETag"]})
    else:
        parts.append(_part(uploader, bucket, upload, 2, second))
    done: Any = uploader.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    expected = checksums.checksum_b64("CRC64NVME", first + second)
    assert (done["ChecksumCRC64NVME"], done["ChecksumType"]) == (expected, "FULL_OBJECT")
    assert _settled(emulator, bucket, "k")  # combined from the parts, no data read again
    listed = client.list_objects_v2(Bucket=bucket, Prefix="k")["Contents"][0]
    assert (listed["ChecksumAlgorithm"], listed["ChecksumType"]) == (["CRC64NVME"], "FULL_OBJECT")
    head: Any = client.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == expected
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_default_checksum_combined_from_crc64nvme_parts(
    emulator: S3Emulator, client: S3Client, bucket: str
) -> None:
    # botocore needs awscrt for CRC64NVME: the parts go by hand, each with its CRC64NVME
    first, second = os.urandom(5 * MIB), CHECK_INPUT
    upload = client.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts: list[CompletedPartTypeDef] = []
    for number, body in enumerate((first, second), start=1):
        value = checksums.checksum_b64("CRC64NVME", body)
        path = f"/{bucket}/k?partNumber={number}&uploadId={upload}"
        response = send(emulator, "PUT", path, body, {"x-amz-checksum-crc64nvme": value})
        assert response.status == 200
        parts.append({"PartNumber": number, "ETag": response.headers["etag"]})
    client.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    attributes = client.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["Checksum"])
    assert attributes["Checksum"]["ChecksumCRC64NVME"] == checksums.checksum_b64("CRC64NVME", first + second)


# --- the building blocks ----------------------------------------------------------------------


def test_blob_writer_spills_past_the_threshold(tmp_path: Any) -> None:
    writer = BlobWriter(10, str(tmp_path))
    writer.write(b"0123456789")
    assert os.listdir(tmp_path) == []
    writer.write(b"a")
    assert len(os.listdir(tmp_path)) == 1
    blob = writer.finish()
    assert isinstance(blob, FileBlob)
    assert b"".join(blob.open_range(0, 10)) == b"0123456789a"
    blob.release()
    assert os.listdir(tmp_path) == []


def test_blob_writer_discard_removes_the_file(tmp_path: Any) -> None:
    writer = BlobWriter(4, str(tmp_path))
    writer.write(b"too long")
    writer.discard()
    assert os.listdir(tmp_path) == []


def test_reader_close_releases_the_file(tmp_path: Any) -> None:
    writer = BlobWriter(0, str(tmp_path))
    writer.write(b"x" * 100)
    blob = writer.finish()
    reader = blob.open_range(10, 19)
    blob.release()  # the reader keeps the data readable
    assert os.listdir(tmp_path) == []
    assert next(reader) == b"x" * 10
    reader.close()
    with pytest.raises(StopIteration):
        next(reader)


def _file_blobs(directory: str, bodies: list[bytes]) -> list[Blob]:
    blobs = []
    for body in bodies:
        writer = BlobWriter(0, directory)
        writer.write(body)
        blobs.append(writer.finish())
    return blobs


def _open_files(directory: str) -> int:
    links = [os.path.join("/proc/self/fd", fd) for fd in os.listdir("/proc/self/fd")]
    return sum(1 for link in links if os.path.realpath(link).startswith(directory))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc")
def test_concatenated_parts_open_one_at_a_time(tmp_path: Any) -> None:
    directory = os.path.realpath(tmp_path)
    bodies = [bytes([n]) * 3000 for n in range(5)]
    blob = ConcatBlob(_file_blobs(directory, bodies))
    reader = blob.open_range(2000, 14999 - 1000)
    assert _open_files(directory) == 0  # pinned, not opened
    blob.release()  # deleted while a reader waits: the files stay until it has opened them
    assert len(os.listdir(directory)) == 5
    blocks = []
    for block in reader:
        assert _open_files(directory) == 1
        blocks.append(block)
    assert b"".join(blocks) == b"".join(bodies)[2000:14000]
    assert _open_files(directory) == 0
    assert os.listdir(directory) == []


def test_closing_a_concatenated_reader_unpins_the_rest(tmp_path: Any) -> None:
    bodies = [b"a" * 100, b"b" * 100, b"c" * 100]
    blob = ConcatBlob(_file_blobs(str(tmp_path), bodies))
    reader = blob.open_range(0, 299)
    assert next(reader) == b"a" * 100
    blob.release()
    assert len(os.listdir(tmp_path)) == 2  # the first part is open (and unlinked), two wait
    reader.close()
    assert os.listdir(tmp_path) == []
    dropped = blob.open_range(0, 299)
    del dropped  # never read nor closed: dropping it unpins too
    assert os.listdir(tmp_path) == []


def test_memory_blob_ranges() -> None:
    data = os.urandom(2 * MIB + 5)
    blob = MemoryBlob(data)
    blocks = list(blob.open_range(0, len(data) - 1))
    assert [len(b) for b in blocks] == [MIB, MIB, 5]
    assert b"".join(blob.open_range(7, MIB + 7)) == data[7 : MIB + 8]
    small = MemoryBlob(b"abc")
    assert list(small.open_range(0, 2)) == [b"abc"]
    assert list(small.open_range(1, 1)) == [b"b"]


# --- the ini option ---------------------------------------------------------------------------


def test_spill_threshold_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ns3emu_spill_threshold = 100\n")
    pytester.makepyfile(
        """
        import os

        def test_spills(s3emu, s3, s3_bucket):
            assert s3emu.spill_threshold == 100
            s3.put_object(Bucket=s3_bucket, Key="small", Body=b"x" * 100)
            assert os.listdir(s3emu.storage_dir) == []
            s3.put_object(Bucket=s3_bucket, Key="large", Body=b"x" * 101)
            assert len(os.listdir(s3emu.storage_dir)) == 1
        """
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_spill_threshold_ini_option_must_be_bytes(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ns3emu_spill_threshold = 8MiB\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*s3emu_spill_threshold must be a number of bytes, not '8MiB'*"])
