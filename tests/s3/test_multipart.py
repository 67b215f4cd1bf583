"""Multipart uploads end to end: create, parts, complete, abort, listings, checksums, managed transfers."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import crc32c
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from pytest_s3emu.checksums import crc64nvme

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MIB = 1024 * 1024
MIN_PART = 5 * MIB
BIG = random.Random(1).randbytes(MIN_PART)  # the smallest allowed non-final part
TAIL = b"the last part may be as small as it likes\n" * 3


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def _multipart_etag(*parts: bytes) -> str:
    return f'"{hashlib.md5(b"".join(_md5(p) for p in parts)).hexdigest()}-{len(parts)}"'


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _digest(algorithm: str, data: bytes) -> bytes:
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return crc32c.crc32c(data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return crc64nvme(data).to_bytes(8, "big")
    return hashlib.new(algorithm.lower(), data).digest()


def _create(s3: S3Client, bucket: str, key: str, **kwargs: Any) -> str:
    return s3.create_multipart_upload(Bucket=bucket, Key=key, **kwargs)["UploadId"]


def _upload(s3: S3Client, bucket: str, key: str, upload_id: str, parts: list[bytes]) -> list[Any]:
    """Upload ``parts`` as parts 1..n; the list CompleteMultipartUpload wants."""
    done = []
    for number, data in enumerate(parts, start=1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data)[
            "ETag"
        ]
        done.append({"PartNumber": number, "ETag": etag})
    return done


def _complete(s3: S3Client, bucket: str, key: str, upload_id: str, parts: Any) -> Any:
    return s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )


# --- the happy path ------------------------------------------------------------------------------


def test_round_trip_with_attributes_from_create(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(
        s3,
        s3_bucket,
        "big.bin",
        ContentType="application/x-test",
        Metadata={"Origin": "multipart"},
        Tagging="stage=done&team=a%20b",
        CacheControl="no-cache",
    )
    parts = _upload(s3, s3_bucket, "big.bin", upload_id, [BIG, TAIL])
    done = _complete(s3, s3_bucket, "big.bin", upload_id, parts)
    assert done["ETag"] == _multipart_etag(BIG, TAIL)
    assert done["Bucket"] == s3_bucket
    assert done["Key"] == "big.bin"
    assert done["Location"].endswith(f"/{s3_bucket}/big.bin")

    got = s3.get_object(Bucket=s3_bucket, Key="big.bin")
    assert got["Body"].read() == BIG + TAIL
    assert got["ETag"] == done["ETag"]
    assert got["ContentLength"] == len(BIG) + len(TAIL)
    assert got["ContentType"] == "application/x-test"
    assert got["CacheControl"] == "no-cache"
    assert got["Metadata"] == {"origin": "multipart"}
    assert got["TagCount"] == 2
    tags = s3.get_object_tagging(Bucket=s3_bucket, Key="big.bin")["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"stage": "done", "team": "a b"}
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=s3_bucket)


def test_part_number_reads(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    _complete(s3, s3_bucket, "k", upload_id, _upload(s3, s3_bucket, "k", upload_id, [BIG, TAIL]))
    first = s3.get_object(Bucket=s3_bucket, Key="k", PartNumber=1)
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert first["PartsCount"] == 2
    assert first["ContentLength"] == MIN_PART
    assert first["ContentRange"] == f"bytes 0-{MIN_PART - 1}/{MIN_PART + len(TAIL)}"
    assert first["Body"].read() == BIG
    second = s3.get_object(Bucket=s3_bucket, Key="k", PartNumber=2)
    assert second["Body"].read() == TAIL
    head = s3.head_object(Bucket=s3_bucket, Key="k", PartNumber=2)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-mp-parts-count"] == "2"
    assert head["ContentLength"] == len(TAIL)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k", PartNumber=3)
    assert _error(excinfo) == ("InvalidPartNumber", 416)


def test_parts_may_skip_numbers_and_be_replaced(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    s3.upload_part(Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=7, Body=b"old")
    etag = s3.upload_part(Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=7, Body=b"new")["ETag"]
    unused = s3.upload_part(Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=9, Body=b"unused")
    assert unused["ETag"] != etag
    # part numbers need not start at 1 or be contiguous, and uploaded parts may be left out
    done = _complete(s3, s3_bucket, "k", upload_id, [{"PartNumber": 7, "ETag": etag}])
    assert done["ETag"] == _multipart_etag(b"new")
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"new"


def test_a_single_small_part_is_allowed(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "tiny")
    _complete(s3, s3_bucket, "tiny", upload_id, _upload(s3, s3_bucket, "tiny", upload_id, [b"x"]))
    assert s3.get_object(Bucket=s3_bucket, Key="tiny")["Body"].read() == b"x"


def test_complete_replaces_an_existing_object(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"before", Metadata={"old": "1"})
    upload_id = _create(s3, s3_bucket, "k")
    _complete(s3, s3_bucket, "k", upload_id, _upload(s3, s3_bucket, "k", upload_id, [b"after"]))
    got = s3.get_object(Bucket=s3_bucket, Key="k")
    assert got["Body"].read() == b"after"
    assert got["Metadata"] == {}


# --- errors --------------------------------------------------------------------------------------


def test_every_part_but_the_last_must_be_5_mib(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    small = BIG[:-1]
    parts = _upload(s3, s3_bucket, "k", upload_id, [small, TAIL])
    with pytest.raises(ClientError) as excinfo:
        _complete(s3, s3_bucket, "k", upload_id, parts)
    assert _error(excinfo) == ("EntityTooSmall", 400)
    # the upload survives a failed complete
    assert len(s3.list_parts(Bucket=s3_bucket, Key="k", UploadId=upload_id)["Parts"]) == 2
    with pytest.raises(ClientError):
        s3.head_object(Bucket=s3_bucket, Key="k")


def test_parts_must_be_in_ascending_order(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    first, second = _upload(s3, s3_bucket, "k", upload_id, [b"a", b"b"])
    for parts in ([second, first], [first, first]):
        with pytest.raises(ClientError) as excinfo:
            _complete(s3, s3_bucket, "k", upload_id, parts)
        assert _error(excinfo) == ("InvalidPartOrder", 400)


def test_unknown_part_or_wrong_etag(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    (part,) = _upload(s3, s3_bucket, "k", upload_id, [b"a"])
    wrong_etag = {"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}
    for parts in ([{"PartNumber": 2, "ETag": part["ETag"]}], [wrong_etag]):
        with pytest.raises(ClientError) as excinfo:
            _complete(s3, s3_bucket, "k", upload_id, parts)
        assert _error(excinfo) == ("InvalidPart", 400)
    # the ETag may come with or without its quotes
    unquoted = {"PartNumber": 1, "ETag": part["ETag"].strip('"')}
    assert _complete(s3, s3_bucket, "k", upload_id, [unquoted])["ETag"] == _multipart_etag(b"a")


def test_complete_without_parts_is_malformed(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    _upload(s3, s3_bucket, "k", upload_id, [b"a"])
    with pytest.raises(ClientError) as excinfo:
        _complete(s3, s3_bucket, "k", upload_id, [])
    assert _error(excinfo) == ("MalformedXML", 400)


@pytest.mark.parametrize("number", [0, 10001])
def test_part_numbers_run_from_1_to_10000(s3: S3Client, s3_bucket: str, number: int) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=number, Body=b"x")
    assert _error(excinfo) == ("InvalidArgument", 400)
    s3.upload_part(Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=10000, Body=b"x")


def test_unknown_upload(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "real")
    calls: list[Callable[[], Any]] = [
        lambda: s3.upload_part(Bucket=s3_bucket, Key="k", UploadId="nope", PartNumber=1, Body=b"x"),
        lambda: _complete(s3, s3_bucket, "k", "nope", [{"PartNumber": 1, "ETag": '"x"'}]),
        lambda: s3.abort_multipart_upload(Bucket=s3_bucket, Key="k", UploadId="nope"),
        lambda: s3.list_parts(Bucket=s3_bucket, Key="k", UploadId="nope"),
        # an upload id belongs to its key
        lambda: s3.upload_part(Bucket=s3_bucket, Key="other", UploadId=upload_id, PartNumber=1, Body=b"x"),
        lambda: s3.list_parts(Bucket=s3_bucket, Key="other", UploadId=upload_id),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == ("NoSuchUpload", 404)


def test_create_in_a_missing_bucket(s3: S3Client, bucket_name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.create_multipart_upload(Bucket=bucket_name, Key="k")
    assert _error(excinfo) == ("NoSuchBucket", 404)


def test_a_completed_upload_is_gone(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    parts = _upload(s3, s3_bucket, "k", upload_id, [b"a"])
    first = _complete(s3, s3_bucket, "k", upload_id, parts)
    # a retry of a completion that succeeded answers the same 200 on S3 (clients retry a
    # completion whose answer was lost); checked against real S3 by adobe/S3Mock#2586 and
    # minio/minio#13318
    again = _complete(s3, s3_bucket, "k", upload_id, parts)
    assert (again["ETag"], again["Key"]) == (first["ETag"], "k")
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])] == []
    # anything else about a completed upload is NoSuchUpload
    with pytest.raises(ClientError) as excinfo:
        _complete(s3, s3_bucket, "k", upload_id, [{"PartNumber": 1, "ETag": '"0123"'}])
    assert _error(excinfo) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=2, Body=b"b")
    assert _error(excinfo) == ("NoSuchUpload", 404)


def test_abort(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    parts = _upload(s3, s3_bucket, "k", upload_id, [b"a"])
    aborted = s3.abort_multipart_upload(Bucket=s3_bucket, Key="k", UploadId=upload_id)
    assert aborted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        _complete(s3, s3_bucket, "k", upload_id, parts)
    assert _error(excinfo) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=s3_bucket, Key="k")


def test_object_size_check_on_complete(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k")
    parts = _upload(s3, s3_bucket, "k", upload_id, [b"abc"])
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(
            Bucket=s3_bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": parts}, MpuObjectSize=4
        )
    assert _error(excinfo) == ("InvalidRequest", 400)
    s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": parts}, MpuObjectSize=3
    )


# --- ListParts and ListMultipartUploads ----------------------------------------------------------


def test_list_parts_pages(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k", StorageClass="STANDARD_IA")
    bodies = [b"one", b"two", b"three"]
    parts = _upload(s3, s3_bucket, "k", upload_id, bodies)
    first = s3.list_parts(Bucket=s3_bucket, Key="k", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert [p["ETag"] for p in first["Parts"]] == [p["ETag"] for p in parts[:2]]
    assert [p["Size"] for p in first["Parts"]] == [3, 3]
    assert first["IsTruncated"] is True
    assert first["NextPartNumberMarker"] == 2
    assert first["StorageClass"] == "STANDARD_IA"
    assert first["UploadId"] == upload_id
    rest = s3.list_parts(Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]
    assert rest["IsTruncated"] is False
    paginator = s3.get_paginator("list_parts")
    pages = paginator.paginate(
        Bucket=s3_bucket, Key="k", UploadId=upload_id, PaginationConfig={"PageSize": 1}
    )
    assert [p["PartNumber"] for page in pages for p in page["Parts"]] == [1, 2, 3]


def test_list_multipart_uploads(s3: S3Client, s3_bucket: str) -> None:
    ids = {key: _create(s3, s3_bucket, key) for key in ["b/2", "a/1", "c", "b/1", "d"]}
    second_c = _create(s3, s3_bucket, "c")
    listed = s3.list_multipart_uploads(Bucket=s3_bucket)
    assert [u["Key"] for u in listed["Uploads"]] == ["a/1", "b/1", "b/2", "c", "c", "d"]
    assert {u["UploadId"] for u in listed["Uploads"]} == {*ids.values(), second_c}
    assert listed["IsTruncated"] is False
    grouped = s3.list_multipart_uploads(Bucket=s3_bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/", "b/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["c", "c", "d"]
    prefixed = s3.list_multipart_uploads(Bucket=s3_bucket, Prefix="b/")
    assert [u["Key"] for u in prefixed["Uploads"]] == ["b/1", "b/2"]
    after = s3.list_multipart_uploads(Bucket=s3_bucket, KeyMarker="b/2")
    assert [u["Key"] for u in after["Uploads"]] == ["c", "c", "d"]


@pytest.mark.parametrize("delimiter", ["", "/"])
def test_list_multipart_uploads_pages_return_everything_once(
    s3: S3Client, s3_bucket: str, delimiter: str
) -> None:
    keys = ["a/1", "a/2", "a/3", "b", "b", "b", "c/1", "d"]
    for key in keys:
        _create(s3, s3_bucket, key)
    paginator = s3.get_paginator("list_multipart_uploads")
    pages = list(paginator.paginate(Bucket=s3_bucket, Delimiter=delimiter, PaginationConfig={"PageSize": 1}))
    uploads = [u["Key"] for page in pages for u in page.get("Uploads", [])]
    prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
    if delimiter:
        assert uploads == ["b", "b", "b", "d"]
        assert prefixes == ["a/", "c/"]
    else:
        assert uploads == keys
        assert prefixes == []
    ids = [u["UploadId"] for page in pages for u in page.get("Uploads", [])]
    assert len(ids) == len(set(ids))


# --- checksums -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
def test_full_object_checksum(s3: S3Client, s3_bucket: str, algorithm: Any) -> None:
    # CRC64NVME is FULL_OBJECT by default; the 32-bit CRCs must ask for it
    kind: Any = {} if algorithm == "CRC64NVME" else {"ChecksumType": "FULL_OBJECT"}
    created = s3.create_multipart_upload(Bucket=s3_bucket, Key="k", ChecksumAlgorithm=algorithm, **kind)
    assert created["ChecksumAlgorithm"] == algorithm
    assert created["ChecksumType"] == "FULL_OBJECT"
    upload_id = created["UploadId"]
    parts: list[Any] = []
    for number, data in enumerate([BIG, TAIL], start=1):
        # botocore computes CRC-64/NVME only with awscrt installed: send the value ourselves
        value = _b64(_digest(algorithm, data))
        checksum: dict[str, Any] = {f"Checksum{algorithm}": value}
        response: Any = s3.upload_part(
            Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=number, Body=data, **checksum
        )
        assert response[f"Checksum{algorithm}"] == value
        parts.append({"PartNumber": number, "ETag": response["ETag"], f"Checksum{algorithm}": value})
    whole = _b64(_digest(algorithm, BIG + TAIL))
    done: Any = _complete(s3, s3_bucket, "k", upload_id, parts)
    assert done[f"Checksum{algorithm}"] == whole
    assert done["ChecksumType"] == "FULL_OBJECT"
    head: Any = s3.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == whole
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_full_object_checksum_sent_on_complete_is_verified(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k", ChecksumAlgorithm="CRC64NVME")
    value = _b64(_digest("CRC64NVME", b"data"))
    etag = s3.upload_part(
        Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"data", ChecksumCRC64NVME=value
    )["ETag"]
    parts: Any = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    wrong = _b64(_digest("CRC64NVME", b"other"))
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(
            Bucket=s3_bucket, Key="k", UploadId=upload_id, MultipartUpload=parts, ChecksumCRC64NVME=wrong
        )
    assert _error(excinfo) == ("BadDigest", 400)
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="k", UploadId=upload_id, MultipartUpload=parts, ChecksumCRC64NVME=value
    )
    assert done["ChecksumCRC64NVME"] == value


@pytest.mark.parametrize("algorithm", ["CRC32C", "SHA256"])
def test_composite_checksum(s3: S3Client, s3_bucket: str, algorithm: Any) -> None:
    created = s3.create_multipart_upload(Bucket=s3_bucket, Key="k", ChecksumAlgorithm=algorithm)
    assert created["ChecksumType"] == "COMPOSITE"  # the default for every algorithm but CRC64NVME
    upload_id = created["UploadId"]
    parts: list[Any] = []
    for number, data in enumerate([BIG, TAIL], start=1):
        # botocore computes SHA256 itself, CRC32C only with awscrt installed
        checksum: dict[str, Any] = (
            {"ChecksumAlgorithm": algorithm}
            if algorithm == "SHA256"
            else {f"Checksum{algorithm}": _b64(_digest(algorithm, data))}
        )
        response: Any = s3.upload_part(
            Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=number, Body=data, **checksum
        )
        assert response[f"Checksum{algorithm}"] == _b64(_digest(algorithm, data))
        parts.append(
            {
                "PartNumber": number,
                "ETag": response["ETag"],
                f"Checksum{algorithm}": response[f"Checksum{algorithm}"],
            }
        )
    # base64(alg(concat(part digests)))-N
    expected = _b64(_digest(algorithm, _digest(algorithm, BIG) + _digest(algorithm, TAIL))) + "-2"
    done: Any = _complete(s3, s3_bucket, "k", upload_id, parts)
    assert done[f"Checksum{algorithm}"] == expected
    assert done["ChecksumType"] == "COMPOSITE"
    head: Any = s3.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    assert head["ChecksumType"] == "COMPOSITE"
    listed: Any = s3.list_objects_v2(Bucket=s3_bucket)["Contents"][0]
    assert listed["ChecksumAlgorithm"] == [algorithm]
    assert listed["ChecksumType"] == "COMPOSITE"
    # a part read gives the part's own checksum
    part: Any = s3.get_object(Bucket=s3_bucket, Key="k", PartNumber=2, ChecksumMode="ENABLED")
    assert part[f"Checksum{algorithm}"] == _b64(_digest(algorithm, TAIL))


def test_composite_complete_needs_every_part_checksum(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k", ChecksumAlgorithm="SHA256")
    etag = s3.upload_part(
        Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"x", ChecksumAlgorithm="SHA256"
    )["ETag"]
    with pytest.raises(ClientError) as excinfo:
        _complete(s3, s3_bucket, "k", upload_id, [{"PartNumber": 1, "ETag": etag}])
    assert _error(excinfo) == ("InvalidRequest", 400)
    wrong = _b64(_digest("SHA256", b"y"))
    with pytest.raises(ClientError) as excinfo:
        _complete(s3, s3_bucket, "k", upload_id, [{"PartNumber": 1, "ETag": etag, "ChecksumSHA256": wrong}])
    assert _error(excinfo) == ("InvalidPart", 400)


def test_part_checksum_must_use_the_upload_algorithm(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k", ChecksumAlgorithm="SHA256")
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(
            Bucket=s3_bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"x", ChecksumAlgorithm="CRC32"
        )
    assert _error(excinfo) == ("InvalidRequest", 400)


def test_part_checksum_mismatch(s3: S3Client, s3_bucket: str) -> None:
    upload_id = _create(s3, s3_bucket, "k", ChecksumAlgorithm="CRC32C")
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(
            Bucket=s3_bucket,
            Key="k",
            UploadId=upload_id,
            PartNumber=1,
            Body=b"x",
            ChecksumCRC32C=_b64(_digest("CRC32C", b"y")),
        )
    assert _error(excinfo) == ("BadDigest", 400)
    assert "Parts" not in s3.list_parts(Bucket=s3_bucket, Key="k", UploadId=upload_id)


@pytest.mark.parametrize(
    ("algorithm", "kind"), [("SHA256", "FULL_OBJECT"), ("SHA1", "FULL_OBJECT"), ("CRC64NVME", "COMPOSITE")]
)
def test_unsupported_checksum_type(s3: S3Client, s3_bucket: str, algorithm: Any, kind: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.create_multipart_upload(Bucket=s3_bucket, Key="k", ChecksumAlgorithm=algorithm, ChecksumType=kind)
    assert _error(excinfo) == ("InvalidRequest", 400)


# --- boto3's managed transfers -------------------------------------------------------------------


def test_managed_transfer_round_trip(s3: S3Client, s3_bucket: str) -> None:
    data = random.Random(2).randbytes(20 * MIB)
    config = TransferConfig(multipart_threshold=MIN_PART, multipart_chunksize=MIN_PART, max_concurrency=4)
    s3.upload_fileobj(io.BytesIO(data), s3_bucket, "twenty", Config=config)
    head = s3.head_object(Bucket=s3_bucket, Key="twenty")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == _multipart_etag(*(data[i : i + MIN_PART] for i in range(0, len(data), MIN_PART)))
    out = io.BytesIO()
    s3.download_fileobj(s3_bucket, "twenty", out, Config=config)
    assert out.getvalue() == data
