"""Request bodies end to end: Content-MD5, flexible checksums, x-amz-content-sha256, aws-chunked."""

from __future__ import annotations

import base64
import hashlib
import socket
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import crc32c
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from rawhttp import send, send_raw, signed_chunks, signed_head

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DATA = b"The quick brown fox jumps over the lazy dog\n" * 500  # 22,000 bytes


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, dict[str, Any]]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _crc64nvme(data: bytes) -> int:
    """CRC-64/NVME bit by bit (reflected, poly 0xAD93D23594C93659, init and xorout all ones)."""
    poly = 0x9A6C9329AC4BC9B5  # the polynomial bit-reversed
    crc = (1 << 64) - 1
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ ((1 << 64) - 1)


def _expected(algorithm: str, data: bytes) -> str:
    if algorithm == "CRC32":
        return _b64(zlib.crc32(data).to_bytes(4, "big"))
    if algorithm == "CRC32C":
        return _b64(crc32c.crc32c(data).to_bytes(4, "big"))
    if algorithm == "CRC64NVME":
        return _b64(_crc64nvme(data).to_bytes(8, "big"))
    return _b64(hashlib.new(algorithm.lower(), data).digest())


def _assert_missing(s3: S3Client, bucket: str, key: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key=key)
    assert _error(excinfo)[:2] == ("404", 404)


def test_crc64nvme_oracle_check_value() -> None:
    # the catalogue check value of CRC-64/NVME: the test's own oracle must be right
    assert _crc64nvme(b"123456789") == 0xAE8B14860A799888


# --- Content-MD5 --------------------------------------------------------------------------------


def test_content_md5_correct(s3: S3Client, s3_bucket: str) -> None:
    md5 = _b64(hashlib.md5(DATA).digest())
    put = s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA, ContentMD5=md5)
    assert put["ETag"] == f'"{hashlib.md5(DATA).hexdigest()}"'


def test_content_md5_mismatch_is_bad_digest(s3: S3Client, s3_bucket: str) -> None:
    wrong = _b64(hashlib.md5(b"something else").digest())
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA, ContentMD5=wrong)
    code, status, error = _error(excinfo)
    assert (code, status) == ("BadDigest", 400)
    assert error["Message"] == "The Content-MD5 you specified did not match what we received."
    _assert_missing(s3, s3_bucket, "k")


def test_content_md5_mismatch_keeps_the_old_object(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"old")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new", ContentMD5=_b64(hashlib.md5(b"x").digest()))
    assert _error(excinfo)[:2] == ("BadDigest", 400)
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"old"


@pytest.mark.parametrize("value", ["not base64!", "AAAA", _b64(b"\0" * 17)])
def test_content_md5_malformed_is_invalid_digest(s3: S3Client, s3_bucket: str, value: str) -> None:
    # not base64 at all, or base64 of something that is not 16 bytes long
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA, ContentMD5=value)
    code, status, error = _error(excinfo)
    assert (code, status) == ("InvalidDigest", 400)
    assert error["Message"] == "The Content-MD5 you specified was invalid."
    _assert_missing(s3, s3_bucket, "k")


# --- flexible checksums through botocore --------------------------------------------------------


def test_default_crc32_is_stored(s3: S3Client, s3_bucket: str) -> None:
    # botocore sends x-amz-checksum-crc32 on PutObject unless told otherwise
    put = s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA)
    assert put["ChecksumCRC32"] == _expected("CRC32", DATA)
    assert put["ChecksumType"] == "FULL_OBJECT"
    head = s3.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == _expected("CRC32", DATA)
    assert head["ChecksumType"] == "FULL_OBJECT"


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_checksum_algorithm_stored_and_returned(s3: S3Client, s3_bucket: str, algorithm: str) -> None:
    member = f"Checksum{algorithm}"
    expected = _expected(algorithm, DATA)
    extra: Any = {"ChecksumAlgorithm": algorithm}
    put: Any = s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA, **extra)
    assert put[member] == expected
    got: Any = s3.get_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA
    assert got[member] == expected
    assert got["ChecksumType"] == "FULL_OBJECT"
    head: Any = s3.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert head[member] == expected
    assert [name for name in head if name.startswith("Checksum") and name != "ChecksumType"] == [member]


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_checksum_value_sent_by_caller(s3: S3Client, s3_bucket: str, algorithm: str) -> None:
    # botocore computes CRC32C only with awscrt; a value the caller computed is sent as it is
    member = f"Checksum{algorithm}"
    expected = _expected(algorithm, DATA)
    extra: Any = {member: expected}
    put: Any = s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA, **extra)
    assert put[member] == expected
    head: Any = s3.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert head[member] == expected


@pytest.mark.parametrize(
    ("member", "name", "bogus"),
    [
        ("ChecksumCRC32", "CRC32", "AAAAAA=="),
        ("ChecksumCRC32C", "CRC32C", "AAAAAA=="),
        ("ChecksumSHA1", "SHA1", _b64(b"\0" * 20)),
        ("ChecksumSHA256", "SHA256", _b64(b"\0" * 32)),
    ],
)
def test_checksum_mismatch_is_bad_digest(
    s3: S3Client, s3_bucket: str, member: str, name: str, bogus: str
) -> None:
    extra: Any = {member: bogus}
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA, **extra)
    code, status, error = _error(excinfo)
    assert (code, status) == ("BadDigest", 400)
    assert error["Message"] == f"The {name} you specified did not match the calculated checksum."
    _assert_missing(s3, s3_bucket, "k")


@pytest.mark.parametrize("value", ["not-base64", _b64(b"\0" * 5)])
def test_checksum_malformed_value_is_invalid_request(s3: S3Client, s3_bucket: str, value: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=DATA, ChecksumCRC32=value)
    code, status, error = _error(excinfo)
    assert (code, status) == ("InvalidRequest", 400)
    assert error["Message"] == "Value for x-amz-checksum-crc32 header is invalid."
    _assert_missing(s3, s3_bucket, "k")


def test_checksums_need_checksum_mode(s3emu: S3Emulator, s3_bucket: str) -> None:
    # botocore asks for checksums on every GetObject by default; this client does not
    plain = s3emu.client(config=Config(response_checksum_validation="when_required"))
    plain.put_object(Bucket=s3_bucket, Key="k", Body=DATA, ChecksumAlgorithm="SHA256")
    for response in (
        plain.get_object(Bucket=s3_bucket, Key="k"),
        plain.head_object(Bucket=s3_bucket, Key="k"),
    ):
        assert not [h for h in response["ResponseMetadata"]["HTTPHeaders"] if h.startswith("x-amz-checksum")]


def test_no_checksum_sent(s3emu: S3Emulator, s3_bucket: str) -> None:
    # Unsure: AWS now adds a CRC64NVME checksum to objects uploaded without one; the emulator
    # stores none, so only the absence of the algorithms nobody sent is checked here.
    plain = s3emu.client(config=Config(request_checksum_calculation="when_required"))
    put: Any = plain.put_object(Bucket=s3_bucket, Key="k", Body=DATA)
    assert "ChecksumCRC32" not in put
    head: Any = plain.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    for member in ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumSHA1", "ChecksumSHA256"):
        assert member not in head


# --- raw requests: CRC64NVME, x-amz-content-sha256 ----------------------------------------------


def test_crc64nvme_header(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    # botocore needs awscrt for CRC64NVME: send the header by hand
    value = _expected("CRC64NVME", DATA)
    response = send(s3emu, "PUT", f"/{s3_bucket}/nvme", DATA, {"x-amz-checksum-crc64nvme": value})
    assert response.status == 200
    assert response.headers["x-amz-checksum-crc64nvme"] == value
    head: Any = s3.head_object(Bucket=s3_bucket, Key="nvme", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == value
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_crc64nvme_mismatch(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    wrong = _expected("CRC64NVME", DATA + b"!")
    response = send(s3emu, "PUT", f"/{s3_bucket}/nvme", DATA, {"x-amz-checksum-crc64nvme": wrong})
    assert response.status == 400
    error = response.error()
    assert error["Code"] == "BadDigest"
    assert error["Message"] == "The CRC64NVME you specified did not match the calculated checksum."
    _assert_missing(s3, s3_bucket, "nvme")


def test_two_checksum_headers_are_refused(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    headers = {
        "x-amz-checksum-crc32": _expected("CRC32", DATA),
        "x-amz-checksum-sha1": _expected("SHA1", DATA),
    }
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", DATA, headers)
    assert response.status == 400
    assert response.error()["Code"] == "InvalidRequest"
    _assert_missing(s3, s3_bucket, "k")


def test_content_sha256_correct(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    headers = {"x-amz-content-sha256": hashlib.sha256(DATA).hexdigest()}
    assert send(s3emu, "PUT", f"/{s3_bucket}/k", DATA, headers).status == 200
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == DATA


def test_content_sha256_mismatch(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    claimed = hashlib.sha256(b"other").hexdigest()
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", DATA, {"x-amz-content-sha256": claimed})
    assert response.status == 400
    error = response.error()
    assert error["Code"] == "XAmzContentSHA256Mismatch"
    assert error["ClientComputedContentSHA256"] == claimed
    assert error["S3ComputedContentSHA256"] == hashlib.sha256(DATA).hexdigest()
    _assert_missing(s3, s3_bucket, "k")


def test_content_sha256_garbage(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", DATA, {"x-amz-content-sha256": "nonsense"})
    assert response.status == 400
    assert response.error()["Code"] == "InvalidArgument"
    _assert_missing(s3, s3_bucket, "k")


def test_signed_payload_through_botocore(s3emu: S3Emulator, s3_bucket: str) -> None:
    # with payload signing on, botocore sends the body's SHA-256 in x-amz-content-sha256
    signing = s3emu.client(config=Config(s3={"payload_signing_enabled": True}))
    sent: dict[str, str] = {}

    def record(request: Any, **kwargs: Any) -> None:
        sent.update(
            {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        )

    signing.meta.events.register("before-send.s3.PutObject", record)
    signing.put_object(Bucket=s3_bucket, Key="k", Body=DATA)
    assert sent["x-amz-content-sha256"] == hashlib.sha256(DATA).hexdigest()
    assert signing.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == DATA


# --- aws-chunked: botocore's own encoder --------------------------------------------------------


@pytest.fixture
def chunked_s3(s3emu: S3Emulator) -> Iterator[tuple[S3Client, dict[str, str]]]:
    """A client whose PutObject sends aws-chunked with a trailing checksum, as botocore does over TLS.

    botocore only streams trailers over https; the checksum context it resolved is switched to
    "trailer" before the request is built, so its own AwsChunkedWrapper encodes the body.
    """
    client = s3emu.client()
    sent: dict[str, str] = {}

    def use_trailer(params: Any, **kwargs: Any) -> None:
        algorithm = params["context"].get("checksum", {}).get("request_algorithm")
        if isinstance(algorithm, dict):
            algorithm["in"] = "trailer"

    def record(request: Any, **kwargs: Any) -> None:
        sent.update(
            {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        )

    client.meta.events.register("before-call.s3.PutObject", use_trailer)
    client.meta.events.register("before-send.s3.PutObject", record)
    yield client, sent


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_botocore_aws_chunked_upload(
    chunked_s3: tuple[S3Client, dict[str, str]], s3_bucket: str, algorithm: str
) -> None:
    client, sent = chunked_s3
    data = DATA * 3  # 66,000 bytes: several chunks
    extra: Any = {"ChecksumAlgorithm": algorithm}
    put: Any = client.put_object(Bucket=s3_bucket, Key="k", Body=data, **extra)
    assert sent["content-encoding"] == "aws-chunked"
    assert sent["transfer-encoding"] == "chunked"
    assert sent["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert sent["x-amz-trailer"] == f"x-amz-checksum-{algorithm.lower()}"
    assert put[f"Checksum{algorithm}"] == _expected(algorithm, data)
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got: Any = client.get_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got[f"Checksum{algorithm}"] == _expected(algorithm, data)
    assert "ContentEncoding" not in got  # aws-chunked is a transfer detail, not stored


def test_botocore_aws_chunked_keeps_other_content_encoding(
    chunked_s3: tuple[S3Client, dict[str, str]], s3_bucket: str
) -> None:
    client, sent = chunked_s3
    packed = zlib.compress(DATA)
    client.put_object(Bucket=s3_bucket, Key="k", Body=packed, ContentEncoding="deflate")
    assert sent["content-encoding"] == "deflate,aws-chunked"
    got = client.get_object(Bucket=s3_bucket, Key="k")
    assert got["ContentEncoding"] == "deflate"
    assert got["Body"].read() == packed


def test_botocore_aws_chunked_empty_body(chunked_s3: tuple[S3Client, dict[str, str]], s3_bucket: str) -> None:
    client, sent = chunked_s3
    put: Any = client.put_object(Bucket=s3_bucket, Key="empty", Body=b"")
    assert sent["content-encoding"] == "aws-chunked"
    assert put["ChecksumCRC32"] == "AAAAAA=="
    assert client.get_object(Bucket=s3_bucket, Key="empty")["Body"].read() == b""


# --- aws-chunked: hand-made bodies --------------------------------------------------------------


def _aws_chunked(
    data: bytes, trailers: dict[str, str], chunk: int = 8192, signature: str | None = None
) -> bytes:
    ext = f";chunk-signature={signature}" if signature else ""
    out = b""
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        out += f"{len(piece):x}{ext}\r\n".encode() + piece + b"\r\n"
    out += f"0{ext}\r\n".encode()
    out += b"".join(f"{name}:{value}\r\n".encode() for name, value in trailers.items())
    return out + b"\r\n"


def _chunked_headers(data: bytes, trailer: str | None) -> dict[str, str]:
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": str(len(data)),
    }
    if trailer:
        headers["x-amz-trailer"] = trailer
    return headers


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_hand_made_aws_chunked_with_trailer(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, algorithm: str
) -> None:
    trailer = f"x-amz-checksum-{algorithm.lower()}"
    value = _expected(algorithm, DATA)
    body = _aws_chunked(DATA, {trailer: value})
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", body, _chunked_headers(DATA, trailer))
    assert response.status == 200, response.body
    assert response.headers[trailer] == value
    assert response.headers["etag"] == f'"{hashlib.md5(DATA).hexdigest()}"'
    head: Any = s3.head_object(Bucket=s3_bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(DATA)
    assert head[f"Checksum{algorithm}"] == value
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == DATA


def test_aws_chunked_over_http_chunked_without_content_length(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    # what aws-sdk-cpp sends: aws-chunked inside Transfer-Encoding: chunked, no Content-Length
    value = _expected("CRC32", DATA)
    body = _aws_chunked(DATA, {"x-amz-checksum-crc32": value})
    pieces = [body[i : i + 5000] for i in range(0, len(body), 5000)]
    headers = _chunked_headers(DATA, "x-amz-checksum-crc32")
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", iter(pieces), headers, encode_chunked=True)
    assert response.status == 200, response.body
    assert response.headers["x-amz-checksum-crc32"] == value
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == DATA


_STREAMING = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(DATA))}


def test_aws_chunked_signed_chunks(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    # SigV4 streaming: each chunk header carries a signature, chained from the request's own
    body, headers = signed_chunks(s3emu, f"/{s3_bucket}/k", DATA, 8192, _STREAMING)
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", body, headers, sign=False)
    assert response.status == 200, response.body
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == DATA


def test_aws_chunked_changed_data_breaks_its_chunk_signature(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    body, headers = signed_chunks(s3emu, f"/{s3_bucket}/k", DATA, 8192, _STREAMING)
    index = body.index(b"\r\n") + 2  # the first data byte
    changed = body[:index] + bytes([body[index] ^ 1]) + body[index + 1 :]
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", changed, headers, sign=False)
    assert response.status == 403
    assert response.error()["Code"] == "SignatureDoesNotMatch"
    _assert_missing(s3, s3_bucket, "k")


@pytest.mark.parametrize("chunk", [0, 1], ids=["first", "last"])
def test_aws_chunked_changed_chunk_signature_is_signature_does_not_match(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, chunk: int
) -> None:
    # DATA fits one 8 KiB-or-more chunk: chunk 0 holds it, chunk 1 is the final empty one
    body, headers = signed_chunks(s3emu, f"/{s3_bucket}/k", DATA, len(DATA), _STREAMING)
    marker = b";chunk-signature="
    at = -1
    for _ in range(chunk + 1):
        at = body.index(marker, at + 1)
    start = at + len(marker)
    flipped = b"0" if body[start : start + 1] != b"0" else b"1"
    changed = body[:start] + flipped + body[start + 1 :]
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", changed, headers, sign=False)
    assert response.status == 403
    assert response.error()["Code"] == "SignatureDoesNotMatch"
    _assert_missing(s3, s3_bucket, "k")


def test_aws_chunked_bad_trailer_checksum(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    body = _aws_chunked(DATA, {"x-amz-checksum-crc32": "AAAAAA=="})
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", body, _chunked_headers(DATA, "x-amz-checksum-crc32"))
    assert response.status == 400
    error = response.error()
    assert error["Code"] == "BadDigest"
    assert error["Message"] == "The CRC32 you specified did not match the calculated checksum."
    _assert_missing(s3, s3_bucket, "k")


def test_aws_chunked_missing_trailer(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    # x-amz-trailer promises a checksum the body never sends
    body = _aws_chunked(DATA, {})
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", body, _chunked_headers(DATA, "x-amz-checksum-crc32"))
    assert response.status == 400
    assert response.error()["Code"] == "InvalidRequest"
    _assert_missing(s3, s3_bucket, "k")


def test_aws_chunked_truncated_body(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    # a chunk declares 8192 bytes, the (complete) HTTP body ends after 100 of them
    body = b"2000\r\n" + DATA[:100]
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", body, _chunked_headers(DATA, None))
    assert response.status == 400
    assert response.error()["Code"] == "IncompleteBody"
    _assert_missing(s3, s3_bucket, "k")


def test_aws_chunked_decoded_length_mismatch(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    headers = _chunked_headers(DATA, None)
    headers["x-amz-decoded-content-length"] = str(len(DATA) + 1)
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", _aws_chunked(DATA, {}), headers)
    assert response.status == 400
    assert response.error()["Code"] == "IncompleteBody"
    _assert_missing(s3, s3_bucket, "k")


def test_aws_chunked_small_middle_chunk(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    # in a signed streaming upload every chunk but the last must hold at least 8 KiB
    body, headers = signed_chunks(s3emu, f"/{s3_bucket}/k", DATA, 1000, _STREAMING)
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", body, headers, sign=False)
    assert response.status == 403
    assert response.error()["Code"] == "InvalidChunkSizeError"
    _assert_missing(s3, s3_bucket, "k")


# --- bodies that end early ----------------------------------------------------------------------


def _raw_exchange(emulator: S3Emulator, request: bytes) -> bytes:
    """Send ``request``, close our sending side, and read whatever comes back (10 s at most)."""
    url = urlsplit(emulator.endpoint_url)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=10) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def test_body_shorter_than_content_length_does_not_hang(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str
) -> None:
    head = signed_head(s3emu, f"PUT /{s3_bucket}/short HTTP/1.1\r\nContent-Length: 1000\r\n".encode())
    request = head + b"\r\n\r\n" + b"only a few bytes"
    answer = _raw_exchange(s3emu, request)  # a hang would end in TimeoutError
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"<Code>IncompleteBody</Code>" in answer
    _assert_missing(s3, s3_bucket, "short")


def test_http_chunked_body_cut_off_does_not_hang(s3: S3Client, s3emu: S3Emulator, s3_bucket: str) -> None:
    head = signed_head(s3emu, f"PUT /{s3_bucket}/cut HTTP/1.1\r\nTransfer-Encoding: chunked\r\n".encode())
    request = head + b"\r\n\r\n" + b"400\r\n" + b"x" * 10
    answer = _raw_exchange(s3emu, request)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"<Code>IncompleteBody</Code>" in answer
    _assert_missing(s3, s3_bucket, "cut")


# --- framing: an upload without Content-Length ----------------------------------------------------


@pytest.mark.http_only
def test_put_object_without_content_length_is_411_and_stores_nothing(
    s3emu: S3Emulator, s3_bucket: str
) -> None:
    # AWS's error list: MissingContentLength, 411, "You must provide the Content-Length HTTP header."
    answer = send_raw(s3emu, f"PUT /{s3_bucket}/k HTTP/1.1\r\nHost: x\r\n".encode())
    assert answer.status == 411
    assert answer.error()["Code"] == "MissingContentLength"
    assert answer.error()["Message"] == "You must provide the Content-Length HTTP header."
    assert "Contents" not in s3emu.client().list_objects_v2(Bucket=s3_bucket)


@pytest.mark.http_only
def test_upload_part_without_content_length_is_411(s3emu: S3Emulator, s3_bucket: str) -> None:
    client = s3emu.client()
    upload = client.create_multipart_upload(Bucket=s3_bucket, Key="k")["UploadId"]
    head = f"PUT /{s3_bucket}/k?partNumber=1&uploadId={upload} HTTP/1.1\r\nHost: x\r\n"
    answer = send_raw(s3emu, head.encode())
    assert (answer.status, answer.error()["Code"]) == (411, "MissingContentLength")
    assert "Parts" not in client.list_parts(Bucket=s3_bucket, Key="k", UploadId=upload)


@pytest.mark.http_only
def test_put_object_with_transfer_encoding_chunked_is_stored(s3emu: S3Emulator, s3_bucket: str) -> None:
    # the SigV4 streaming guide allows Transfer-Encoding instead of Content-Length (botocore's
    # aws-chunked uploads send it), and ceph/s3-tests expects a plain chunked PUT to succeed
    head = f"PUT /{s3_bucket}/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    answer = send_raw(s3emu, head.encode(), b"5\r\nhello\r\n0\r\n\r\n")
    assert answer.status == 200
    assert s3emu.client().get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"hello"


@pytest.mark.http_only
def test_create_bucket_without_content_length_is_accepted(s3emu: S3Emulator, s3_bucket: str) -> None:
    # ceph/s3-tests (test_bucket_create_contentlength_none): only uploads need the length
    answer = send_raw(s3emu, f"PUT /{s3_bucket}-2 HTTP/1.1\r\nHost: x\r\n".encode())
    assert answer.status == 200
    s3emu.client().head_bucket(Bucket=f"{s3_bucket}-2")
