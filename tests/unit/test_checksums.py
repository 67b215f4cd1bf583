from __future__ import annotations

import base64
import hashlib
import random
import zlib
from collections.abc import Callable

import crc32c
import pytest
from botocore import httpchecksum

from pytest_s3emu import checksums
from pytest_s3emu.checksums import (
    ALGORITHMS,
    ChecksumSet,
    checksum_b64,
    combine_parts,
    composite,
    crc64nvme,
    crc_combine,
    decode_checksum,
    header_for,
    parse_content_md5,
    verify,
    verify_content_md5,
)
from pytest_s3emu.errors import BadDigest, InvalidDigest, InvalidRequest

# sizes around the thresholds of the fast CRC-64 path (16 KiB minimum, 256-byte blocks)
SIZES = [0, 1, 7, 8, 255, 256, 257, 4095, 16383, 16384, 16385, 16384 + 255, 70_001, 200_000]


def _bitwise_crc64nvme(data: bytes) -> int:
    """Reference straight from the definition: reflected, poly 0xAD93D23594C93659, init/xorout ~0."""
    poly_reflected = int(f"{0xAD93D23594C93659:064b}"[::-1], 2)
    reg = (1 << 64) - 1
    for byte in data:
        reg ^= byte
        for _ in range(8):
            reg = (reg >> 1) ^ (poly_reflected if reg & 1 else 0)
    return reg ^ ((1 << 64) - 1)


def _crc32c_bitwise(data: bytes) -> int:
    reg = 0xFFFFFFFF
    for byte in data:
        reg ^= byte
        for _ in range(8):
            reg = (reg >> 1) ^ (0x82F63B78 if reg & 1 else 0)
    return reg ^ 0xFFFFFFFF


CRC_FUNCS: dict[str, Callable[[bytes], int]] = {
    "CRC32": zlib.crc32,
    "CRC32C": crc32c.crc32c,
    "CRC64NVME": crc64nvme,
}


def test_reflected_polynomial_constant() -> None:
    assert int(f"{0xAD93D23594C93659:064b}"[::-1], 2) == 0x9A6C9329AC4BC9B5


def test_crc64nvme_check_value() -> None:
    assert crc64nvme(b"123456789") == 0xAE8B14860A799888
    assert _bitwise_crc64nvme(b"123456789") == 0xAE8B14860A799888
    assert crc64nvme(b"") == 0


@pytest.mark.parametrize("size", SIZES)
def test_crc64nvme_matches_bitwise_reference(size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert crc64nvme(data) == _bitwise_crc64nvme(data)


def test_crc64nvme_large_and_continued() -> None:
    rng = random.Random(1)
    data = rng.randbytes(1_300_007)
    whole = crc64nvme(data)
    # continuing from a previous value must equal one pass, whatever the split
    for cut in (0, 3, 16_384, 700_001, len(data)):
        assert crc64nvme(data[cut:], crc64nvme(data[:cut])) == whole
    assert crc64nvme(memoryview(data)) == whole
    assert crc64nvme(bytearray(data)) == whole
    # the fast path against the engine's own bytewise loop, on a size the bitwise reference is too slow for
    mask = (1 << 64) - 1
    assert checksums._CRC64.bytewise(mask, data[:300_000]) ^ mask == crc64nvme(data[:300_000])


def test_crc64nvme_other_vectors() -> None:
    # independent vectors, each from the bitwise reference
    for data in (
        b"\x00" * 32,
        b"\xff" * 32,
        bytes(range(256)),
        b"The quick brown fox jumps over the lazy dog",
    ):
        assert crc64nvme(data) == _bitwise_crc64nvme(data)


def test_crc32c_check_value() -> None:
    assert crc32c.crc32c(b"123456789") == 0xE3069283 == _crc32c_bitwise(b"123456789")
    assert checksum_b64("CRC32C", b"123456789") == base64.b64encode(bytes.fromhex("e3069283")).decode()


def test_streaming_matches_one_shot_for_all_algorithms() -> None:
    rng = random.Random(7)
    data = rng.randbytes(600_000)
    hasher = ChecksumSet(ALGORITHMS)
    pos = 0
    while pos < len(data):
        # a mix of tiny and large updates exercises the CRC-64 batching
        step = rng.choice([1, 13, 1000, 16_384, 100_000])
        hasher.update(data[pos : pos + step])
        pos += step
    assert hasher.size == len(data)
    assert hasher.md5_hex() == hashlib.md5(data).hexdigest()
    assert hasher.digest("SHA1") == hashlib.sha1(data).digest()
    assert hasher.digest("SHA256") == hashlib.sha256(data).digest()
    assert hasher.digest("CRC32") == zlib.crc32(data).to_bytes(4, "big")
    assert hasher.digest("CRC32C") == crc32c.crc32c(data).to_bytes(4, "big")
    assert hasher.digest("crc64nvme") == crc64nvme(data).to_bytes(8, "big")
    # any bytes-like input, and digests can be taken mid-stream
    viewed = ChecksumSet(ALGORITHMS)
    viewed.update(memoryview(data))
    for alg in ALGORITHMS:
        assert viewed.b64(alg) == checksum_b64(alg, data)
    viewed.update(bytearray(b"more"))
    for alg in ALGORITHMS:
        assert viewed.b64(alg) == checksum_b64(alg, data + b"more")
    assert viewed.md5_hex() == hashlib.md5(data + b"more").hexdigest()


@pytest.mark.parametrize(
    ("alg", "botocore_cls"),
    [
        ("CRC32", httpchecksum.Crc32Checksum),
        ("SHA1", httpchecksum.Sha1Checksum),
        ("SHA256", httpchecksum.Sha256Checksum),
    ],
)
@pytest.mark.parametrize("size", [0, 1, 1000, 100_000])
def test_matches_botocore(alg: str, botocore_cls: type[httpchecksum.BaseChecksum], size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert checksum_b64(alg, data) == botocore_cls().handle(data)


@pytest.mark.skipif(not httpchecksum.HAS_CRT, reason="awscrt is not installed")
@pytest.mark.parametrize("alg", ["CRC32C", "CRC64NVME"])
def test_matches_botocore_crt(alg: str) -> None:  # pragma: no cover - needs awscrt
    cls = {"CRC32C": httpchecksum.CrtCrc32cChecksum, "CRC64NVME": httpchecksum.CrtCrc64NvmeChecksum}[alg]
    for size in (0, 5, 70_000):
        data = random.Random(size).randbytes(size)
        assert checksum_b64(alg, data) == cls().handle(data)


def test_digest_sizes_and_empty_values() -> None:
    hasher = ChecksumSet(ALGORITHMS, md5=False)
    for alg in ALGORITHMS:
        assert len(hasher.digest(alg)) == checksums.DIGEST_SIZES[alg]
    assert hasher.b64("CRC32") == "AAAAAA=="
    assert hasher.b64("CRC64NVME") == "AAAAAAAAAAA="
    assert hasher.b64("SHA256") == base64.b64encode(hashlib.sha256(b"").digest()).decode()


def test_checksum_set_refuses_what_was_not_requested() -> None:
    hasher = ChecksumSet(["CRC32"], md5=False)
    with pytest.raises(ValueError):
        hasher.digest("SHA1")
    with pytest.raises(ValueError):
        hasher.md5_hex()
    with pytest.raises(ValueError):
        ChecksumSet(["MD4"])


def test_header_names() -> None:
    assert ALGORITHMS == ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
    assert [header_for(a) for a in ALGORITHMS] == [
        "x-amz-checksum-crc32",
        "x-amz-checksum-crc32c",
        "x-amz-checksum-crc64nvme",
        "x-amz-checksum-sha1",
        "x-amz-checksum-sha256",
    ]
    assert checksums.algorithm_for_header("X-Amz-Checksum-CRC64NVME") == "CRC64NVME"
    assert checksums.algorithm_for_header("x-amz-checksum-md5") is None
    assert checksums.algorithm_for_header("x-amz-trailer-signature") is None
    assert checksums.parse_algorithm("sha256") == "SHA256"
    assert checksums.parse_algorithm("xxhash64") is None


@pytest.mark.parametrize("alg", list(CRC_FUNCS))
def test_crc_combine(alg: str) -> None:
    func = CRC_FUNCS[alg]
    rng = random.Random(alg)
    for len1, len2 in [(0, 0), (0, 5), (5, 0), (1, 1), (100, 3), (3, 100), (17_000, 40_000), (1, 1 << 17)]:
        a, b = rng.randbytes(len1), rng.randbytes(len2)
        assert crc_combine(alg, func(a), func(b), len(b)) == func(a + b), (len1, len2)


@pytest.mark.parametrize("alg", list(CRC_FUNCS))
def test_combine_parts_equals_whole_object_crc(alg: str) -> None:
    func = CRC_FUNCS[alg]
    size = checksums.DIGEST_SIZES[alg]
    rng = random.Random(3)
    parts = [rng.randbytes(n) for n in (5 * 1024, 1, 0, 33_333, 7)]
    pairs = [(func(p).to_bytes(size, "big"), len(p)) for p in parts]
    assert combine_parts(alg, pairs) == func(b"".join(parts)).to_bytes(size, "big")
    assert combine_parts(alg, []) == bytes(size)


def test_crc_combine_rejects_non_crc() -> None:
    with pytest.raises(ValueError):
        crc_combine("SHA256", 1, 2, 3)
    with pytest.raises(ValueError):
        crc_combine("CRC32", 1, 2, -1)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_composite(alg: str) -> None:
    rng = random.Random(alg)
    parts = [rng.randbytes(n) for n in (1000, 2000, 3)]
    digests = [ChecksumSet([alg], md5=False) for _ in parts]
    for hasher, part in zip(digests, parts, strict=True):
        hasher.update(part)
    part_digests = [h.digest(alg) for h in digests]
    joined = b"".join(part_digests)
    by_definition = {
        "CRC32": lambda: zlib.crc32(joined).to_bytes(4, "big"),
        "CRC32C": lambda: crc32c.crc32c(joined).to_bytes(4, "big"),
        "CRC64NVME": lambda: _bitwise_crc64nvme(joined).to_bytes(8, "big"),
        "SHA1": lambda: hashlib.sha1(joined).digest(),
        "SHA256": lambda: hashlib.sha256(joined).digest(),
    }[alg]()
    assert composite(alg, part_digests) == base64.b64encode(by_definition).decode() + "-3"


def _assert_s3_error(exc: pytest.ExceptionInfo[Exception], code: str, status: int, message: str) -> None:
    err = exc.value
    assert getattr(err, "code", None) == code
    assert getattr(err, "status", None) == status
    assert getattr(err, "text", None) == message


def test_verify_accepts_match() -> None:
    value = checksum_b64("CRC32", b"hello")
    verify("CRC32", value, value)
    verify("crc32", value, value)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_verify_mismatch_is_bad_digest(alg: str) -> None:
    with pytest.raises(BadDigest) as exc:
        verify(alg, checksum_b64(alg, b"a"), checksum_b64(alg, b"b"))
    _assert_s3_error(exc, "BadDigest", 400, f"The {alg} you specified did not match the calculated checksum.")
    with pytest.raises(BadDigest) as exc:
        verify(alg, checksum_b64(alg, b"a"), checksum_b64(alg, b"b"), lowercase_name=True)
    assert exc.value.text == f"The {alg.lower()} you specified did not match the calculated checksum."


@pytest.mark.parametrize(
    "bad",
    [
        "not base64!",
        "AAAA",  # valid base64, 3 bytes: wrong length for every algorithm
        "AAAAAA=",  # bad padding
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",  # too long
        "",
        "ÅÅÅÅ",
    ],
)
@pytest.mark.parametrize("alg", ALGORITHMS)
def test_verify_malformed_is_invalid_request(alg: str, bad: str) -> None:
    with pytest.raises(InvalidRequest) as exc:
        verify(alg, bad, checksum_b64(alg, b""))
    _assert_s3_error(exc, "InvalidRequest", 400, f"Value for x-amz-checksum-{alg.lower()} header is invalid.")


def test_decode_checksum() -> None:
    assert decode_checksum("CRC32", "AAAAAQ==") == b"\x00\x00\x00\x01"
    with pytest.raises(InvalidRequest):
        decode_checksum("CRC64NVME", "AAAAAQ==")  # a CRC32-sized value


def test_content_md5() -> None:
    digest = hashlib.md5(b"body").digest()
    good = base64.b64encode(digest).decode()
    verify_content_md5(good, digest)
    assert parse_content_md5(good) == digest
    with pytest.raises(BadDigest) as bad:
        verify_content_md5(base64.b64encode(hashlib.md5(b"other").digest()).decode(), digest)
    _assert_s3_error(bad, "BadDigest", 400, "The Content-MD5 you specified did not match what we received.")
    for invalid in ("zzz", "AAAA", digest.hex(), ""):
        with pytest.raises(InvalidDigest) as exc:
            verify_content_md5(invalid, digest)
        _assert_s3_error(exc, "InvalidDigest", 400, "The Content-MD5 you specified was invalid.")
        assert exc.value.fields == {"Content-MD5": invalid}
