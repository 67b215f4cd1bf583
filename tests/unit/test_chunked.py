from __future__ import annotations

import base64
import io
import random
import zlib

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

from pytest_s3emu.chunked import AwsChunkedReader
from pytest_s3emu.errors import IncompleteBody, InvalidChunkSizeError, S3Error

SIG = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
TERMINATED = "The request body terminated unexpectedly"


class Dribble:
    """A raw stream returning 1..``most`` bytes per read, whatever is asked: chunk boundaries, CRLFs
    and trailer lines all end up split across reads. Records the largest request made of it."""

    def __init__(self, data: bytes, seed: int = 0, most: int = 7) -> None:
        self._stream = io.BytesIO(data)
        self._rng = random.Random(seed)
        self._most = most
        self.largest_request = 0

    def read(self, size: int, /) -> bytes:
        self.largest_request = max(self.largest_request, size)
        return self._stream.read(min(size, self._rng.randint(1, self._most)))


def encode(
    data: bytes,
    chunk_size: int = 8192,
    *,
    signed: bool = False,
    trailers: dict[str, str] | None = None,
    final_crlf: bool = True,
) -> bytes:
    """aws-chunked as the SDKs write it."""
    ext = f";chunk-signature={SIG}".encode() if signed else b""
    out = bytearray()
    for pos in range(0, len(data), chunk_size):
        piece = data[pos : pos + chunk_size]
        out += b"%x%s\r\n%s\r\n" % (len(piece), ext, piece)
    out += b"0%s\r\n" % ext
    for name, value in (trailers or {}).items():
        out += f"{name}:{value}\r\n".encode()
    if final_crlf:
        out += b"\r\n"
    return bytes(out)


def read_all(reader: AwsChunkedReader, size: int) -> bytes:
    out = bytearray()
    while piece := reader.read(size):
        out += piece
    return bytes(out)


PAYLOAD = random.Random(0).randbytes(50_000)


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("chunk_size", [8192, 10_000, 65_536])
@pytest.mark.parametrize("read_size", [1, 3, 4096, 1 << 20])
def test_round_trip_dribbled(signed: bool, chunk_size: int, read_size: int) -> None:
    trailers = {"x-amz-checksum-crc32": "AAAAAA=="}
    body = encode(PAYLOAD, chunk_size, signed=signed, trailers=trailers)
    reader = AwsChunkedReader(Dribble(body, seed=chunk_size), len(PAYLOAD), signed=signed)
    assert read_all(reader, read_size) == PAYLOAD
    assert reader.done
    assert reader.decoded == len(PAYLOAD)
    assert reader.trailers == trailers
    assert reader.read(10) == b""


def test_read_all_and_readinto() -> None:
    body = encode(PAYLOAD, 9000)
    assert AwsChunkedReader(io.BytesIO(body), len(PAYLOAD)).read() == PAYLOAD
    assert AwsChunkedReader(io.BytesIO(body)).read(None) == PAYLOAD
    reader = AwsChunkedReader(io.BytesIO(body))
    buf = bytearray(7000)
    got = bytearray()
    while n := reader.readinto(buf):
        got += buf[:n]
    assert bytes(got) == PAYLOAD
    assert reader.readable()


def test_many_small_chunks_when_size_check_is_off() -> None:
    body = encode(PAYLOAD[:3000], 1)
    reader = AwsChunkedReader(Dribble(body, seed=5), 3000, min_chunk_size=0)
    assert read_all(reader, 100) == PAYLOAD[:3000]


@pytest.mark.parametrize(
    "body",
    [
        b"0\r\n\r\n",
        b"0;chunk-signature=" + SIG.encode() + b"\r\n\r\n",
        b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
        b"0\r\n",  # lenient: no closing blank line at all
    ],
)
def test_empty_payload(body: bytes) -> None:
    reader = AwsChunkedReader(Dribble(body), 0)
    assert reader.read(100) == b""
    assert reader.done


def test_signed_trailer_variant() -> None:
    trailers = {"x-amz-checksum-crc64nvme": "AAAAAAAAAAA=", "x-amz-trailer-signature": SIG}
    body = encode(PAYLOAD, 16_384, signed=True, trailers=trailers)
    reader = AwsChunkedReader(io.BytesIO(body), len(PAYLOAD), signed=True)
    assert reader.read() == PAYLOAD
    assert reader.trailers == trailers


def test_trailer_names_lowered_and_whitespace_trimmed() -> None:
    body = b"5\r\nhello\r\n0\r\nX-Amz-Checksum-CRC32 : AAAAAA== \r\n\r\n"
    reader = AwsChunkedReader(io.BytesIO(body), 5)
    assert reader.read() == b"hello"
    assert reader.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


@pytest.mark.parametrize(
    "tail",
    [
        b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n",  # trailers without the final blank line
        b"0\r\nx-amz-checksum-crc32:AAAAAA==",  # ... nor the CRLF of the last trailer
    ],
)
def test_lenient_endings(tail: bytes) -> None:
    reader = AwsChunkedReader(Dribble(b"5\r\nhello\r\n" + tail, seed=2), 5)
    assert reader.read() == b"hello"
    assert reader.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_uppercase_hex_size() -> None:
    data = PAYLOAD[:0x2A3F]
    body = b"2A3F\r\n" + data + b"\r\n0\r\n\r\n"
    assert AwsChunkedReader(io.BytesIO(body), len(data)).read() == data


@pytest.mark.parametrize("size", [0, 1, 8191, 8192, 100_000, 3 * 1024 * 1024 + 5])
@pytest.mark.parametrize("chunk_size", [8192, 1024 * 1024])
def test_botocore_wrapper_with_crc32_trailer(size: int, chunk_size: int) -> None:
    data = random.Random(size).randbytes(size)
    wrapper = AwsChunkedWrapper(
        io.BytesIO(data),
        checksum_cls=Crc32Checksum,
        checksum_name="x-amz-checksum-crc32",
        chunk_size=chunk_size,
    )
    body = wrapper.read()
    reader = AwsChunkedReader(Dribble(body, seed=size) if size < 200_000 else io.BytesIO(body), size)
    assert read_all(reader, 65_536) == data
    expected = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert reader.trailers == {"x-amz-checksum-crc32": expected}


def test_botocore_wrapper_without_checksum() -> None:
    body = AwsChunkedWrapper(io.BytesIO(PAYLOAD), chunk_size=16_384).read()
    reader = AwsChunkedReader(io.BytesIO(body), len(PAYLOAD))
    assert reader.read() == PAYLOAD
    assert reader.trailers == {}


def test_memory_stays_bounded() -> None:
    data = random.Random(9).randbytes(4 * 1024 * 1024)
    raw = Dribble(encode(data, 1024 * 1024), most=100_000)
    reader = AwsChunkedReader(raw, len(data))
    total = 0
    while piece := reader.read(32_768):
        assert len(piece) <= 32_768
        total += len(piece)
    assert total == len(data)
    # never asked the raw stream for more than one look-ahead block or one read's worth
    assert raw.largest_request <= 64 * 1024


def _decode(body: bytes, decoded_length: int | None = None, **kwargs: object) -> S3Error:
    reader = AwsChunkedReader(Dribble(body, seed=len(body)), decoded_length, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(S3Error) as exc:
        read_all(reader, 1000)
    # the failure sticks: later reads fail the same way
    with pytest.raises(type(exc.value)):
        reader.read(1)
    return exc.value


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty body"),
        pytest.param(b"zz\r\nhello\r\n0\r\n\r\n", id="non-hex size"),
        pytest.param(b"0x5\r\nhello\r\n0\r\n\r\n", id="0x prefix"),
        pytest.param(b"+5\r\nhello\r\n0\r\n\r\n", id="sign"),
        pytest.param(b" 5\r\nhello\r\n0\r\n\r\n", id="space"),
        pytest.param(b"\r\nhello\r\n0\r\n\r\n", id="empty size"),
        pytest.param(b"5\nhello\r\n0\r\n\r\n", id="bare LF after size"),
        pytest.param(b"5\r\nhel", id="data shorter than declared"),
        pytest.param(b"5\r\nhelloXY0\r\n\r\n", id="no CRLF after data"),
        pytest.param(b"5\r\nhello\r", id="CR but no LF after data"),
        pytest.param(b"5\r\nhello\r\n", id="no final chunk"),
        pytest.param(b"5\r\nhello\r\n0", id="final chunk header cut short"),
        pytest.param(b"5\r\nhello\r\n0\r\n\r\ngarbage", id="bytes after the end"),
        pytest.param(b"5\r\nhello\r\n0\r\nno-colon-here\r\n\r\n", id="trailer without colon"),
        pytest.param(b"5\r\nhello\r\n0\r\n:value\r\n\r\n", id="trailer without name"),
        pytest.param(b"5;chunk-signature=\r\nhello\r\n0\r\n\r\n", id="empty signature"),
        pytest.param(b"5;chunk-signature=xyz\r\nhello\r\n0\r\n\r\n", id="non-hex signature"),
        pytest.param(b"5;foo=bar\r\nhello\r\n0\r\n\r\n", id="unknown extension"),
        pytest.param(b"5" * 5000 + b"\r\n", id="endless header line"),
        pytest.param(b"12345678901234567\r\n", id="size beyond 64 bits"),
    ],
)
def test_malformed_is_incomplete_body(body: bytes) -> None:
    err = _decode(body)
    assert isinstance(err, IncompleteBody)
    assert (err.code, err.status, err.text) == ("IncompleteBody", 400, TERMINATED)


@pytest.mark.parametrize("declared", [0, 4, 6, 1000])
def test_decoded_length_mismatch(declared: int) -> None:
    err = _decode(b"5\r\nhello\r\n0\r\n\r\n", declared)
    assert isinstance(err, IncompleteBody)
    assert (err.code, err.status) == ("IncompleteBody", 400)
    assert err.text == "You did not provide the number of bytes specified by the Content-Length HTTP header"
    assert err.fields == {"NumberBytesExpected": str(declared), "NumberBytesProvided": "5"}


def test_short_chunk_before_the_last_is_invalid_chunk_size() -> None:
    body = b"3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"
    err = _decode(body, 5)
    assert isinstance(err, InvalidChunkSizeError)
    assert (err.code, err.status) == ("InvalidChunkSizeError", 403)
    assert err.fields == {"Chunk": "2", "BadChunkSize": "3"}
    # the last data chunk may be short, and so may every chunk when the check is off
    assert AwsChunkedReader(io.BytesIO(body), 5, min_chunk_size=0).read() == b"hello"
    assert AwsChunkedReader(io.BytesIO(encode(PAYLOAD[:8195], 8192)), 8195).read() == PAYLOAD[:8195]


def test_signature_presence_enforced_when_mode_known() -> None:
    signed_body = encode(b"hello", signed=True)
    unsigned_body = encode(b"hello")
    assert isinstance(_decode(unsigned_body, 5, signed=True), IncompleteBody)
    assert isinstance(_decode(signed_body, 5, signed=False), IncompleteBody)
    assert AwsChunkedReader(io.BytesIO(signed_body), 5).read() == b"hello"
    assert AwsChunkedReader(io.BytesIO(unsigned_body), 5).read() == b"hello"
