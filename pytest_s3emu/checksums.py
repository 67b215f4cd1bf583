"""Checksums S3 computes and checks.

* MD5, for the ETag and the ``Content-MD5`` request header;
* the flexible checksums ``CRC32``, ``CRC32C``, ``CRC64NVME``, ``SHA1`` and ``SHA256``, which S3
  sends and receives as base64 of the big-endian digest bytes;
* the multipart forms: a full-object CRC built from the part CRCs (:func:`crc_combine`), and the
  composite "checksum of checksums" (:func:`composite`).

CRC-64/NVME has no C implementation in the standard library, so it is computed here in pure
Python with ``bytes.translate`` doing the table lookups in C (see :class:`_Crc64Engine`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final, TypeAlias

import crc32c

from .errors import BadDigest, InvalidDigest, InvalidRequest

logger = logging.getLogger(__name__)

BytesLike: TypeAlias = "bytes | bytearray | memoryview"

ALGORITHMS: Final = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
CRC_ALGORITHMS: Final = ("CRC32", "CRC32C", "CRC64NVME")
DIGEST_SIZES: Final[dict[str, int]] = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}

_HEADER_PREFIX: Final = "x-amz-checksum-"
_MASK64: Final = (1 << 64) - 1


def header_for(alg: str) -> str:
    """The request/response header carrying ``alg``'s value: ``x-amz-checksum-crc32`` ..."""
    return _HEADER_PREFIX + _canonical(alg).lower()


def parse_algorithm(name: str) -> str | None:
    """The canonical algorithm name for ``name`` in any case (``crc32c`` -> ``CRC32C``), or None."""
    upper = name.strip().upper()
    return upper if upper in DIGEST_SIZES else None


def requested_algorithm(name: str | None) -> str | None:
    """The canonical name of an ``x-amz-checksum-algorithm`` value; InvalidRequest if S3 has none."""
    if name is None:
        return None
    found = parse_algorithm(name)
    if found is None:
        raise InvalidRequest(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
            f"[{', '.join(sorted(ALGORITHMS))}]"
        )
    return found


def algorithm_for_header(header: str) -> str | None:
    """The algorithm of an ``x-amz-checksum-*`` header or trailer name, or None."""
    lower = header.strip().lower()
    if not lower.startswith(_HEADER_PREFIX):
        return None
    return parse_algorithm(lower[len(_HEADER_PREFIX) :])


def _canonical(alg: str) -> str:
    found = parse_algorithm(alg)
    if found is None:
        raise ValueError(f"unknown checksum algorithm {alg!r}")
    return found


# All three CRCs are "reflected": the register shifts right and the polynomial is bit-reversed. The
# register update is linear over GF(2), which is what makes combining and the fast CRC-64 possible:
# feeding data D into register s gives shift(s, len(D)) ^ raw(D), where shift(s, n) is the register
# after n zero bytes and raw(D) the register after D starting from zero.


def _reflected_table(poly: int) -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


def _byte_tables(images: Sequence[int]) -> list[list[int]]:
    """Lookup tables of a linear map given the image of each input bit.

    ``tables[j][b]`` is the image of byte value ``b`` placed at byte ``j`` of the input, so the map
    costs one lookup per input byte instead of one XOR per input bit.
    """
    tables = []
    for j in range(len(images) // 8):
        table = [0] * 256
        for b in range(1, 256):
            low = b & -b
            table[b] = table[b ^ low] ^ images[8 * j + low.bit_length() - 1]
        tables.append(table)
    return tables


def _apply(tables: Sequence[Sequence[int]], value: int) -> int:
    out = 0
    for table in tables:
        out ^= table[value & 0xFF]
        value >>= 8
    return out


class _CrcModel:
    """A reflected CRC: its byte table and the "append n zero bytes" operator, for any n."""

    def __init__(self, width: int, poly: int) -> None:
        self.width = width
        self.table = _reflected_table(poly)
        # _zero_ops[l]: tables of the map "append 2**l zero bytes"; grown by squaring, on demand
        self._zero_ops: list[list[list[int]]] = []
        # handler threads may grow the cache concurrently; a duplicate append would shift levels
        self._lock = threading.Lock()

    def zero_op(self, level: int) -> list[list[int]]:
        ops = self._zero_ops
        if level < len(ops):
            return ops[level]
        with self._lock:
            while len(ops) <= level:
                if ops:
                    prev = ops[-1]
                    images = [_apply(prev, _apply(prev, 1 << i)) for i in range(self.width)]
                else:
                    images = [(1 << i >> 8) ^ self.table[(1 << i) & 0xFF] for i in range(self.width)]
                ops.append(_byte_tables(images))
        return ops[level]

    def shift(self, register: int, nbytes: int) -> int:
        """The register after ``nbytes`` zero bytes (multiplication by x^(8*nbytes) mod P)."""
        level = 0
        while nbytes:
            if nbytes & 1:
                register = _apply(self.zero_op(level), register)
            nbytes >>= 1
            level += 1
        return register


_MODELS: Final = {
    "CRC32": _CrcModel(32, 0xEDB88320),
    "CRC32C": _CrcModel(32, 0x82F63B78),
    "CRC64NVME": _CrcModel(64, 0x9A6C9329AC4BC9B5),
}


def crc_combine(alg: str, crc1: int, crc2: int, len2: int) -> int:
    """The CRC of ``a + b`` from ``crc1 = crc(a)``, ``crc2 = crc(b)`` and ``len2 = len(b)``.

    Init and final XOR cancel out (both all ones), so this is zlib's ``crc32_combine``:
    ``shift(crc1, len2) ^ crc2``.
    """
    if len2 < 0:
        raise ValueError("len2 must not be negative")
    model = _MODELS.get(_canonical(alg))
    if model is None:
        raise ValueError(f"{alg} is not a CRC")
    return model.shift(crc1, len2) ^ crc2


def combine_parts(alg: str, parts: Iterable[tuple[bytes, int]]) -> bytes:
    """The full-object CRC digest from ``(part digest, part length)`` pairs, in part order."""
    alg = _canonical(alg)
    total = 0  # the CRC of no data is 0 for all three algorithms
    for digest, length in parts:
        total = crc_combine(alg, total, int.from_bytes(digest, "big"), length)
    return total.to_bytes(DIGEST_SIZES[alg], "big")


_BLOCK_LOG2: Final = 8
_BLOCK: Final = 1 << _BLOCK_LOG2  # bytes per block of the column stage
_FAST_MIN: Final = 16 * 1024  # below this, the fixed cost of the fast path outweighs its speed
_CRC64_BATCH: Final = 256 * 1024


class _Crc64Engine:
    """CRC-64 where the per-byte table lookups run in C, through ``bytes.translate``.

    A byte-at-a-time Python loop manages about 12 MB/s. Instead, by linearity:

    1. *Column stage.* Cut the data into blocks of ``_BLOCK`` bytes. The byte at offset ``k`` of
       every block contributes ``T_d[byte]`` to its block's raw CRC, with ``d = _BLOCK - 1 - k``
       trailing bytes. Slicing ``data[k::_BLOCK]`` gathers that byte of every block; eight
       ``translate`` calls (one per output byte) look all of them up at once, and big-int XOR adds
       them up. Result: the raw CRC of every block, as eight byte planes.
    2. *Tree stage.* Fold neighbouring blocks pairwise, ``shift(left, span) ^ right``, where
       ``shift`` is itself a byte-table map done with ``translate``, until one value is left.
    """

    def __init__(self, model: _CrcModel) -> None:
        self.model = model
        self._columns: list[list[bytes]] = []
        self._tree: dict[int, list[list[bytes]]] = {}
        self._lock = threading.Lock()

    def update(self, register: int, data: bytes | bytearray) -> int:
        """The register after ``data`` (no init or final XOR here)."""
        if len(data) < _FAST_MIN:
            return self.bytewise(register, data)
        head = len(data) % _BLOCK
        register = self.bytewise(register, data[:head])
        blocks = len(data) // _BLOCK
        planes = self._column_stage(data, head, blocks)
        return self.model.shift(register, blocks * _BLOCK) ^ self._tree_stage(planes, blocks)

    def bytewise(self, register: int, data: bytes | bytearray) -> int:
        table = self.model.table
        for byte in data:
            register = table[(register ^ byte) & 0xFF] ^ (register >> 8)
        return register

    def _column_stage(self, data: bytes | bytearray, head: int, blocks: int) -> list[bytes]:
        acc = 0
        for k, tables in enumerate(self._column_tables()):
            column = data[head + k :: _BLOCK]
            # one int per column rather than per output byte: fewer (and larger) big-int XORs
            acc ^= int.from_bytes(b"".join([column.translate(t) for t in tables]), "big")
        whole = acc.to_bytes(8 * blocks, "big")
        return [whole[j * blocks : (j + 1) * blocks] for j in range(8)]

    def _tree_stage(self, planes: list[bytes], count: int) -> int:
        level = _BLOCK_LOG2  # a block spans 2**level bytes
        while count > 1:
            if count & 1:
                # a zero block in front changes nothing: its shifted contribution is zero
                planes = [b"\0" + plane for plane in planes]
                count += 1
            tables = self._tree_tables(level)
            lefts = [plane[0::2] for plane in planes]
            count //= 2
            folded = []
            for out in range(8):
                acc = int.from_bytes(planes[out][1::2], "big")
                for j in range(8):
                    acc ^= int.from_bytes(lefts[j].translate(tables[j][out]), "big")
                folded.append(acc.to_bytes(count, "big"))
            planes = folded
            level += 1
        return sum(plane[0] << (8 * j) for j, plane in enumerate(planes))

    def _column_tables(self) -> list[list[bytes]]:
        if not self._columns:
            with self._lock:
                if not self._columns:
                    self._columns = self._build_column_tables()
        return self._columns

    def _build_column_tables(self) -> list[list[bytes]]:
        table = self.model.table
        by_distance = [table]  # by_distance[d][b]: raw CRC of byte b followed by d zero bytes
        for _ in range(_BLOCK - 1):
            by_distance.append([(v >> 8) ^ table[v & 0xFF] for v in by_distance[-1]])
        return [_split_bytes(by_distance[_BLOCK - 1 - k]) for k in range(_BLOCK)]

    def _tree_tables(self, level: int) -> list[list[bytes]]:
        found = self._tree.get(level)
        if found is None:
            found = [_split_bytes(t) for t in self.model.zero_op(level)]
            self._tree[level] = found  # a racing duplicate computes the same value: harmless
        return found


def _split_bytes(values: list[int]) -> list[bytes]:
    """Eight ``translate`` tables: table ``o`` maps ``b`` to byte ``o`` of ``values[b]``."""
    packed = b"".join(v.to_bytes(8, "little") for v in values)
    return [packed[o::8] for o in range(8)]


_CRC64: Final = _Crc64Engine(_MODELS["CRC64NVME"])
_CRC32_FUNCS: Final[dict[str, Callable[[BytesLike, int], int]]] = {
    "CRC32": zlib.crc32,
    "CRC32C": crc32c.crc32c,
}


def crc64nvme(data: BytesLike, value: int = 0) -> int:
    """CRC-64/NVME of ``data``, continuing from ``value`` (a previous result), like ``zlib.crc32``."""
    if isinstance(data, memoryview):
        data = data.tobytes()
    return _CRC64.update(value ^ _MASK64, data) ^ _MASK64


class ChecksumSet:
    """Feeds one stream of data to MD5 and any number of flexible-checksum algorithms at once."""

    def __init__(self, algorithms: Iterable[str] = (), *, md5: bool = True) -> None:
        self.algorithms: tuple[str, ...] = tuple(dict.fromkeys(_canonical(a) for a in algorithms))
        self.size = 0
        # usedforsecurity=False: these are integrity checks, and FIPS builds refuse MD5 otherwise
        self._md5 = hashlib.md5(usedforsecurity=False) if md5 else None
        self._hashes = {
            alg: hashlib.new(alg.lower(), usedforsecurity=False)
            for alg in self.algorithms
            if alg.startswith("SHA")
        }
        self._crc32s = {alg: 0 for alg in self.algorithms if alg in _CRC32_FUNCS}
        self._crc64 = _MASK64 if "CRC64NVME" in self.algorithms else None
        # CRC-64 input is batched: the fast path has a fixed cost per call, too high for small chunks
        self._crc64_pending = bytearray()

    def update(self, chunk: BytesLike) -> None:
        self.size += len(chunk)
        if self._md5 is not None:
            self._md5.update(chunk)
        for hasher in self._hashes.values():
            hasher.update(chunk)
        for alg, value in self._crc32s.items():
            self._crc32s[alg] = _CRC32_FUNCS[alg](chunk, value)
        if self._crc64 is not None:
            self._crc64_pending += chunk
            if len(self._crc64_pending) >= _CRC64_BATCH:
                self._crc64 = _CRC64.update(self._crc64, self._crc64_pending)
                self._crc64_pending.clear()

    def md5_digest(self) -> bytes:
        if self._md5 is None:
            raise ValueError("MD5 was not requested")
        return self._md5.digest()

    def md5_hex(self) -> str:
        return self.md5_digest().hex()

    def digest(self, alg: str) -> bytes:
        """The big-endian digest bytes of ``alg`` over everything fed so far."""
        alg = _canonical(alg)
        if alg in self._hashes:
            return self._hashes[alg].digest()
        if alg in self._crc32s:
            value = self._crc32s[alg]
        elif alg == "CRC64NVME" and self._crc64 is not None:
            value = _CRC64.update(self._crc64, self._crc64_pending) ^ _MASK64
        else:
            raise ValueError(f"{alg} was not requested")
        return value.to_bytes(DIGEST_SIZES[alg], "big")

    def b64(self, alg: str) -> str:
        """The value as S3 sends it: base64 of :meth:`digest`."""
        return base64.b64encode(self.digest(alg)).decode("ascii")


def checksum_b64(alg: str, data: BytesLike) -> str:
    """One-shot :meth:`ChecksumSet.b64`."""
    hasher = ChecksumSet((alg,), md5=False)
    hasher.update(data)
    return hasher.b64(alg)


def composite(alg: str, part_digests: Sequence[bytes]) -> str:
    """The composite multipart checksum: ``base64(alg(concat(part digests)))-<number of parts>``."""
    hasher = ChecksumSet((alg,), md5=False)
    for digest in part_digests:
        hasher.update(digest)
    return f"{hasher.b64(alg)}-{len(part_digests)}"


def _strict_b64decode(value: str) -> bytes | None:
    try:
        # validate=True: S3 rejects characters outside the alphabet instead of skipping them
        return base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII str
        return None


def decode_checksum(alg: str, value: str) -> bytes:
    """The digest bytes of an ``x-amz-checksum-*`` value.

    Raises ``InvalidRequest`` (400) as AWS does when the value is not base64 or has the wrong length.
    """
    alg = _canonical(alg)
    raw = _strict_b64decode(value)
    if raw is None or len(raw) != DIGEST_SIZES[alg]:
        raise InvalidRequest(f"Value for {header_for(alg)} header is invalid.")
    return raw


def verify(alg: str, expected_b64: str, actual_b64: str, *, lowercase_name: bool = False) -> None:
    """Check the client's ``expected_b64`` against the computed ``actual_b64``.

    Raises ``InvalidRequest`` for a malformed expected value and ``BadDigest`` (400) for a mismatch.
    AWS names the algorithm in upper case for PutObject/UploadPart, but lower case when
    CompleteMultipartUpload finds a full-object checksum mismatch: hence ``lowercase_name``.
    """
    alg = _canonical(alg)
    expected = decode_checksum(alg, expected_b64)
    if expected != base64.b64decode(actual_b64):
        name = alg.lower() if lowercase_name else alg
        raise BadDigest(f"The {name} you specified did not match the calculated checksum.")


def parse_content_md5(header_value: str) -> bytes:
    """The 16 digest bytes of a ``Content-MD5`` header; ``InvalidDigest`` (400) if malformed.

    Separate from :func:`verify_content_md5` so that a handler can reject the header before it
    reads the body, as S3 does.
    """
    raw = _strict_b64decode(header_value)
    if raw is None or len(raw) != 16:
        raise InvalidDigest(**{"Content-MD5": header_value})
    return raw


def verify_content_md5(header_value: str, md5_digest: bytes) -> None:
    """``InvalidDigest`` if the header is malformed, ``BadDigest`` if it does not match the body."""
    if parse_content_md5(header_value) != md5_digest:
        raise BadDigest()
