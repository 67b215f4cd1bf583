"""The request body: aws-chunked decoding, checksums computed while streaming, verified at the end.

Verification happens when the last byte has been read, so a handler that streams a body into
the store raises BadDigest (and discards what it wrote) before anything is stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

from werkzeug.exceptions import BadRequest

from . import checksums
from .chunked import MIN_CHUNK_SIZE, AwsChunkedReader
from .chunksig import ChunkVerifier
from .errors import (
    IncompleteBody,
    InvalidArgument,
    InvalidRequest,
    XAmzContentSHA256Mismatch,
)
from .request import HttpRequest

BLOCK = 1024 * 1024
_PARALLEL_MD5 = 256 * 1024  # smaller blocks are hashed at once: a hand-off costs ~20-50 us
_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_CHECKSUM_HEADERS = tuple((alg, checksums.header_for(alg)) for alg in checksums.ALGORITHMS)
_PAYLOAD_MODES = (
    "UNSIGNED-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
)


def _encodings(sent: str) -> tuple[bool, str | None]:
    """Whether Content-Encoding names aws-chunked, and the Content-Encoding S3 stores.

    aws-chunked is a transfer detail: S3 stores the remaining encodings only, and otherwise the
    header as it was sent ("deflate, gzip" comes back with its space)."""
    encodings = [e.strip() for e in sent.split(",") if e.strip()]
    if "aws-chunked" in encodings:
        return True, ",".join(e for e in encodings if e != "aws-chunked") or None
    return False, sent.strip() or None


def _declared_checksum(headers: dict[str, str], trait: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The checksum algorithm a request declares for its body, and the value it sent (if in a header)."""
    if trait.get("requestAlgorithmMember"):
        algorithm, sent = _requested_checksum(headers)
    else:
        algorithm, sent = _trailer_algorithm(headers), None
    if trait.get("requestChecksumRequired") and not algorithm and "content-md5" not in headers:
        raise InvalidRequest("Missing required header for this request: Content-MD5")
    return algorithm, sent


class RequestBody:
    """A request body read once, front to back; ``read`` raises the S3 error at the end if any."""

    def __init__(
        self,
        request: HttpRequest,
        http_checksum: Mapping[str, Any] | None = None,
        verifier: ChunkVerifier | None = None,
    ) -> None:
        """``http_checksum`` is the operation's trait from the model: only operations that carry
        ``requestAlgorithmMember`` treat x-amz-checksum-* headers as checksums of the body (on
        CompleteMultipartUpload they describe the object); ``requestChecksumRequired`` ones
        need Content-MD5 or a checksum. ``verifier`` checks the chunk signatures of a signed
        streaming upload."""
        headers = request.headers
        self._headers = headers
        self._content_sha256 = _content_sha256(headers.get("x-amz-content-sha256"))
        self._expected_raw = _content_length(headers.get("content-length"))
        # HTTP frames a request body by one or the other; with neither, the request has no body
        self.framed = self._expected_raw is not None or "transfer-encoding" in headers
        self._raw_read = 0
        self._raw = request.body
        chunked_encoding, self.content_encoding = _encodings(headers.get("content-encoding", ""))
        self.aws_chunked = chunked_encoding or (self._content_sha256 or "").startswith("STREAMING-")
        self._reader: BinaryIO | AwsChunkedReader = self._raw
        if self.aws_chunked:
            decoded = _content_length(headers.get("x-amz-decoded-content-length"))
            # S3 holds only signed streaming uploads to the 8 KiB minimum chunk size
            signed = (self._content_sha256 or "").startswith("STREAMING-AWS4-")
            self._reader = AwsChunkedReader(
                _Counting(self), decoded, min_chunk_size=MIN_CHUNK_SIZE if signed else 0, verifier=verifier
            )
        self.algorithm, self._sent_checksum = _declared_checksum(headers, http_checksum or {})
        wanted = [self.algorithm] if self.algorithm else []
        if self._content_sha256 and _SHA256_HEX.match(self._content_sha256) and "SHA256" not in wanted:
            wanted.append("SHA256")
        self._wanted = wanted
        self._sums: checksums.ChecksumSet | None = None  # made on first use: GET and HEAD never read
        # MD5 (the ETag) apart: large blocks are hashed on a worker thread (see _update_md5)
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._md5_pending: Future[None] | None = None
        self.size = 0
        self.finished = False
        self.checksums: dict[str, str] = {}

    def want(self, algorithm: str) -> None:
        """Also compute ``algorithm`` (before the first read): S3 keeps some checksums unasked."""
        if algorithm not in self._wanted and self.size == 0:
            self._wanted.append(algorithm)
            self._sums = None

    def computed(self, algorithm: str) -> str:
        """The base64 checksum of the decoded body (after it was read to the end)."""
        return self._hasher.b64(algorithm)

    @property
    def _hasher(self) -> checksums.ChecksumSet:
        if self._sums is None:
            self._sums = checksums.ChecksumSet(self._wanted, md5=False)
        return self._sums

    def _read_raw(self, size: int) -> bytes:
        try:
            data = self._raw.read(size)
        except (BadRequest, OSError):
            # the client hung up or broke the HTTP framing before the body ended: its fault, not ours
            raise IncompleteBody() from None
        self._raw_read += len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        if self.finished:
            return b""
        if size is None or size < 0:
            size = BLOCK
        data = self._reader.read(size) if self.aws_chunked else self._read_raw(size)
        if data:
            self.size += len(data)
            self._update_md5(data)
            self._hasher.update(data)
        else:
            self._finish()
        return data

    def chunks(self) -> Iterator[bytes]:
        """The decoded body in blocks; the checks run before the iteration ends."""
        while block := self.read(BLOCK):
            yield block

    def read_all(self, limit: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        for block in self.chunks():
            total += len(block)
            if total > limit:
                raise InvalidRequest("Your request body is too large.")
            parts.append(block)
        return b"".join(parts)

    def drain(self) -> None:
        for _ in self.chunks():
            pass

    @property
    def md5_hex(self) -> str:
        return self.md5_digest.hex()

    @property
    def md5_digest(self) -> bytes:
        self._wait_md5()
        return self._md5.digest()

    def _update_md5(self, data: bytes) -> None:
        """MD5 runs at ~800 MB/s, slower than everything else a large upload costs together (reading
        the socket, SHA-256, CRC32, writing the file): a block of a MiB is hashed on a worker thread
        while this one goes on with the rest and the next block (hashlib releases the GIL). One
        block at a time, in order: at most one block waits, so memory stays bounded."""
        self._wait_md5()
        if len(data) >= _PARALLEL_MD5 and data.__class__ is bytes:  # immutable: safe to share
            self._md5_pending = _md5_workers().submit(self._md5.update, data)
        else:
            self._md5.update(data)

    def _wait_md5(self) -> None:
        pending, self._md5_pending = self._md5_pending, None
        if pending is not None:
            pending.result()

    def _finish(self) -> None:
        self.finished = True
        if self._expected_raw is not None and self._raw_read < self._expected_raw:
            raise IncompleteBody()
        if self._content_sha256 and _SHA256_HEX.match(self._content_sha256):
            computed = self._hasher.digest("SHA256").hex()
            if computed != self._content_sha256.lower():
                raise XAmzContentSHA256Mismatch(
                    ClientComputedContentSHA256=self._content_sha256, S3ComputedContentSHA256=computed
                )
        md5_header = self._headers.get("content-md5")
        if md5_header is not None:
            checksums.verify_content_md5(md5_header, self.md5_digest)
        if self.algorithm:
            self._verify_checksum(self.algorithm)

    def _verify_checksum(self, algorithm: str) -> None:
        sent = self._sent_checksum
        if sent is None and isinstance(self._reader, AwsChunkedReader):
            sent = self._reader.trailers.get(checksums.header_for(algorithm))
        if sent is None:
            raise InvalidRequest(
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* "
                "or x-amz-trailer headers were found."
            )
        actual = self._hasher.b64(algorithm)
        checksums.verify(algorithm, sent, actual)
        self.checksums[algorithm] = actual


_md5_pool: ThreadPoolExecutor | None = None
_md5_pool_lock = threading.Lock()


def _md5_workers() -> ThreadPoolExecutor:
    global _md5_pool
    if _md5_pool is None:
        with _md5_pool_lock:
            if _md5_pool is None:
                _md5_pool = ThreadPoolExecutor(
                    max_workers=os.cpu_count() or 2, thread_name_prefix="s3emu-md5"
                )
    return _md5_pool


def _forget_md5_pool() -> None:
    # a forked child has none of the pool's threads: it makes a pool of its own
    global _md5_pool
    _md5_pool = None


if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_forget_md5_pool)


class _Counting:
    """The raw stream under the aws-chunked decoder, counting what it reads."""

    def __init__(self, body: RequestBody) -> None:
        self._body = body

    def read(self, size: int = -1) -> bytes:
        return self._body._read_raw(size)


def _content_length(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        length = int(value)
    except ValueError:
        length = -1
    if length < 0:
        raise InvalidArgument("Invalid content length", ArgumentName="Content-Length", ArgumentValue=value)
    return length


def _content_sha256(value: str | None) -> str | None:
    if value is None:
        return None
    if value in _PAYLOAD_MODES or _SHA256_HEX.match(value):
        return value
    raise InvalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER "
        "or a valid sha256 value.",
        ArgumentName="x-amz-content-sha256",
        ArgumentValue=value,
    )


def _requested_checksum(headers: dict[str, str]) -> tuple[str | None, str | None]:
    """(algorithm, value sent in a header): x-amz-checksum-*, x-amz-trailer, x-amz-sdk-checksum-algorithm."""
    sent = [(alg, headers[header]) for alg, header in _CHECKSUM_HEADERS if header in headers]
    if len(sent) > 1:
        raise InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    declared = headers.get("x-amz-sdk-checksum-algorithm")
    if declared is not None and declared.upper() not in checksums.ALGORITHMS:
        raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
    if sent:
        algorithm, value = sent[0]
        if declared is not None and declared.upper() != algorithm:
            raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
        return algorithm, value
    from_trailer = _trailer_algorithm(headers)
    if from_trailer:
        return from_trailer, None
    return (declared.upper() if declared else None), None


def _trailer_algorithm(headers: dict[str, str]) -> str | None:
    trailer = headers.get("x-amz-trailer", "").strip().lower()
    return checksums.algorithm_for_header(trailer) if trailer.startswith("x-amz-checksum-") else None
