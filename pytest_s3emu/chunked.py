"""Decoder for ``Content-Encoding: aws-chunked`` request bodies (SigV4 streaming uploads).

The body, once HTTP has delivered it, is::

    <hex size>[;chunk-signature=<hex>]\\r\\n<data>\\r\\n      repeated
    0[;chunk-signature=<hex>]\\r\\n                          the final, empty chunk
    <name>:<value>\\r\\n                                     optional trailers (x-amz-checksum-*,
                                                            x-amz-trailer-signature)
    \\r\\n

The unsigned variant (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``) has no ``;chunk-signature``.

Chunk signatures are verified by a :class:`chunksig.ChunkVerifier` given by the authentication
layer (it holds the signing key and seed signature); the trailer signature is not verified.

Errors are those AWS answers with: any malformed framing is ``IncompleteBody`` "The request body
terminated unexpectedly"; a decoded length other than ``x-amz-decoded-content-length`` is
``IncompleteBody`` with ``NumberBytesExpected``/``NumberBytesProvided``; a short chunk that is not
the last is ``InvalidChunkSizeError``.
"""

from __future__ import annotations

import logging
import re
from typing import Final, Protocol

from .chunksig import ChunkVerifier
from .errors import IncompleteBody, InvalidChunkSizeError, S3Error

logger = logging.getLogger(__name__)

MIN_CHUNK_SIZE: Final = 8192  # S3: "Only the last chunk is allowed to have a size less than 8192 bytes"

_TERMINATED: Final = "The request body terminated unexpectedly"
_FILL: Final = 64 * 1024  # how much to ask the raw stream for when looking for a line end
_MAX_LINE: Final = 4096  # a chunk header with a SigV4a signature is ~170 bytes; trailers are short
_CHUNK_HEADER: Final = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;chunk-signature=([0-9A-Fa-f]+))?")


class Readable(Protocol):
    """What the reader needs from the raw body: ``read(n)``, which may return fewer bytes."""

    def read(self, size: int, /) -> bytes: ...


def _malformed() -> IncompleteBody:
    return IncompleteBody(_TERMINATED)


class AwsChunkedReader:
    """A read-only file object yielding the decoded payload of an aws-chunked body.

    ``decoded_length`` is the ``x-amz-decoded-content-length`` header, checked at the end.
    ``signed`` requires (True) or forbids (False) chunk signatures; None accepts either.
    ``min_chunk_size`` is S3's minimum for every chunk but the last (0 turns the check off).

    Memory stays bounded: at most one raw read (64 KiB, or the size asked of :meth:`read`) is held.
    ``trailers`` (names in lower case) is complete once :meth:`read` has returned ``b""``.
    """

    def __init__(
        self,
        raw: Readable,
        decoded_length: int | None = None,
        *,
        signed: bool | None = None,
        min_chunk_size: int = MIN_CHUNK_SIZE,
        verifier: ChunkVerifier | None = None,
    ) -> None:
        self._raw = raw
        self._verifier = verifier
        self._decoded_length = decoded_length
        self._signed = signed
        self._min_chunk_size = min_chunk_size
        self._buf = bytearray()  # raw bytes read ahead while looking for a line end
        self._left = 0  # data bytes of the current chunk not yet returned
        self._crlf_due = False  # the current chunk's data still needs its closing CRLF
        self._chunks = 0
        self._last_size: int | None = None
        self._done = False
        self._error: S3Error | None = None
        self.decoded = 0
        self.trailers: dict[str, str] = {}

    @property
    def done(self) -> bool:
        """True once the whole body, trailers included, has been read and checked."""
        return self._done

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._error is not None:
            raise self._error
        try:
            if size is None or size < 0:
                return self._read_all()
            return self._read_some(size)
        except S3Error as exc:
            self._error = exc  # the stream position is lost: every later read fails the same way
            raise

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _read_all(self) -> bytes:
        pieces = []
        while piece := self._read_some(1 << 20):
            pieces.append(piece)
        return b"".join(pieces)

    def _read_some(self, size: int) -> bytes:
        pieces = []
        while size > 0 and not self._done:
            if self._left == 0:
                self._next_chunk()
                continue
            piece = self._read_data(min(size, self._left))
            pieces.append(piece)
            size -= len(piece)
        return b"".join(pieces)

    def _read_data(self, size: int) -> bytes:
        if self._buf:
            piece = bytes(self._buf[:size])
            del self._buf[:size]
        else:
            piece = self._raw.read(size)
            if not piece:
                raise _malformed()  # the body ended inside a chunk's data
        self._left -= len(piece)
        self.decoded += len(piece)
        if self._verifier is not None:
            self._verifier.update(piece)
        return piece

    def _next_chunk(self) -> None:
        if self._crlf_due:
            if self._take(2) != b"\r\n":
                raise _malformed()  # the data was longer than its declared size
            self._crlf_due = False
        got = self._read_line()
        if got is None or not got[1]:
            raise _malformed()  # the body ended where a chunk header was due
        size, signature = self._parse_chunk_header(got[0])
        self._chunks += 1
        if self._verifier is not None:
            self._verifier.end()  # the previous chunk's data is all read
            self._verifier.begin(signature)
            if size == 0:
                self._verifier.end()
        if size == 0:
            self._read_trailers()
            self._finish()
            return
        self._check_previous_size()
        self._last_size = size
        self._left = size
        self._crlf_due = True

    def _parse_chunk_header(self, line: bytes) -> tuple[int, str | None]:
        match = _CHUNK_HEADER.fullmatch(line)
        if match is None:
            raise _malformed()
        signature = match.group(2).decode("ascii").lower() if match.group(2) else None
        if self._signed is not None and self._signed != (signature is not None):
            raise _malformed()
        return int(match.group(1), 16), signature

    def _check_previous_size(self) -> None:
        # Only known to be wrong once another data chunk follows. AWS reports the number of the
        # chunk it is reading and the size of the short one before it.
        if self._last_size is not None and self._last_size < self._min_chunk_size:
            raise InvalidChunkSizeError(Chunk=str(self._chunks), BadChunkSize=str(self._last_size))

    def _read_trailers(self) -> None:
        while True:
            got = self._read_line()
            if got is None:
                # Lenient: some SDKs (aws-sdk-cpp) end the body without the final blank line
                return
            line, terminated = got
            if not line:
                return  # the blank line closing the trailer section
            name, colon, value = line.partition(b":")
            name = name.strip()
            if not colon or not name:
                raise _malformed()
            self.trailers[name.decode("latin-1").lower()] = value.strip().decode("latin-1")
            if not terminated:
                return  # lenient again: a last trailer line cut short of its CRLF by the end

    def _finish(self) -> None:
        if self._buf or self._raw.read(1):
            raise _malformed()  # bytes after the end of the encoding
        self._done = True
        logger.debug(
            "aws-chunked body: %d chunks, %d bytes, trailers %s", self._chunks, self.decoded, self.trailers
        )
        if self._decoded_length is not None and self.decoded != self._decoded_length:
            raise IncompleteBody(
                NumberBytesExpected=str(self._decoded_length), NumberBytesProvided=str(self.decoded)
            )

    def _fill(self) -> bool:
        """Read more raw bytes into the look-ahead buffer; False at the end of the body."""
        data = self._raw.read(_FILL)
        self._buf += data
        return bool(data)

    def _take(self, count: int) -> bytes:
        while len(self._buf) < count:
            if not self._fill():
                raise _malformed()
        out = bytes(self._buf[:count])
        del self._buf[:count]
        return out

    def _read_line(self) -> tuple[bytes, bool] | None:
        """The next line without its CRLF and whether it had one; None at the end of the body."""
        start = 0
        while True:
            end = self._buf.find(b"\r\n", start)
            if end >= 0:
                line = bytes(self._buf[:end])
                del self._buf[: end + 2]
                return line, True
            if len(self._buf) > _MAX_LINE:
                raise _malformed()
            start = max(0, len(self._buf) - 1)  # a CR may be waiting for its LF
            if not self._fill():
                if not self._buf:
                    return None
                line = bytes(self._buf)
                self._buf.clear()
                return line, False
