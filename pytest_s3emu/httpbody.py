"""``wsgi.input`` for the keep-alive server: request bodies framed by Content-Length or chunked coding.

Reading never goes past the end of this request's body, so the next request on the connection
parses cleanly; what the app leaves unread can be drained.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from werkzeug.exceptions import BadRequest, ClientDisconnected, HTTPException

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

PIECE = 1 << 20  # read and discard in 1 MiB pieces: bounded memory whatever the body size
_MAX_LINE = 4096  # longest chunk-size or trailer line accepted
_MAX_TRAILERS = 64
_HEX = b"0123456789abcdefABCDEF"
_Callback: TypeAlias = "Callable[[], None] | None"  # run before the first body read (100 Continue)


class MalformedRequestBody(BadRequest):
    """The body breaks its framing (bad chunk size, missing CRLF...): 400, then the connection closes."""


class WsgiInput(io.RawIOBase):
    """``wsgi.input``: never reads past the end of this request's body.

    ``read(n)`` blocks until ``n`` bytes or the end of the body (buffered-file semantics), which
    is what body parsers expect from ``wsgi.input``.
    """

    def __init__(self, rfile: io.BufferedIOBase, on_read: _Callback) -> None:
        super().__init__()
        self._rfile = rfile
        self._on_read = on_read
        self.done = False
        self.failed = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts: list[bytes] = []
        while size > 0 and not self.done:
            data = self._guarded_read(size)
            parts.append(data)
            size -= len(data)
        return b"".join(parts)

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while not self.done:
            parts.append(self._guarded_read(PIECE))
        return b"".join(parts)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = b"" if self.done or not len(view) else self._guarded_read(len(view))
        view[: len(data)] = data
        return len(data)

    def known_unread(self) -> int | None:
        """Bytes still to come if the framing tells (Content-Length), else None."""
        return None

    def drain(self, limit: int) -> bool:
        """Discard the rest of the body; False if that is impossible within ``limit`` bytes."""
        known = self.known_unread()
        if self.failed or (known is not None and known > limit):
            return False
        total = 0
        try:
            while not self.done and total <= limit:
                total += len(self._guarded_read(PIECE))
        except (HTTPException, OSError):
            return False
        return self.done

    def _guarded_read(self, size: int) -> bytes:
        if self.failed:
            raise MalformedRequestBody("the request body was already found broken")
        if self._on_read is not None:
            # the client holds the body back until it sees "100 Continue": send it now
            callback, self._on_read = self._on_read, None
            callback()
        try:
            return self._read_some(size)
        except BaseException:
            self.failed = True
            raise

    def _read_some(self, size: int) -> bytes:
        raise NotImplementedError

    def _read_exactly(self, size: int) -> bytes:
        data = self._rfile.read(size)
        if len(data) < size:
            raise ClientDisconnected("the client closed the connection before the body ended")
        return data


class FixedLengthInput(WsgiInput):
    """A body delimited by Content-Length (0 when the request declares no body)."""

    def __init__(self, rfile: io.BufferedIOBase, length: int, on_read: _Callback) -> None:
        super().__init__(rfile, on_read)
        self._remaining = length
        self.done = length == 0

    def known_unread(self) -> int | None:
        return self._remaining

    def _read_some(self, size: int) -> bytes:
        data = self._read_exactly(min(size, self._remaining))
        self._remaining -= len(data)
        self.done = self._remaining == 0
        return data


class ChunkedInput(WsgiInput):
    """A ``Transfer-Encoding: chunked`` body, decoded (chunk extensions and trailers dropped)."""

    def __init__(self, rfile: io.BufferedIOBase, on_read: _Callback) -> None:
        super().__init__(rfile, on_read)
        self._chunk_left = 0

    def _read_some(self, size: int) -> bytes:
        if self._chunk_left == 0:
            self._chunk_left = self._read_chunk_size()
            if self._chunk_left == 0:
                self._skip_trailers()
                self.done = True
                return b""
        data = self._read_exactly(min(size, self._chunk_left))
        self._chunk_left -= len(data)
        if self._chunk_left == 0 and self._read_exactly(2) != b"\r\n":
            raise MalformedRequestBody("chunk data not followed by CRLF")
        return data

    def _read_line(self) -> bytes:
        line = self._rfile.readline(_MAX_LINE + 1)
        if not line:
            raise ClientDisconnected("the client closed the connection before the body ended")
        if len(line) > _MAX_LINE or not line.endswith(b"\n"):
            raise MalformedRequestBody("chunk-size or trailer line too long")
        return line

    def _read_chunk_size(self) -> int:
        text = self._read_line().split(b";", 1)[0].strip(b" \t\r\n")
        # int(x, 16) alone would accept "0x1f", "+5" and "1_0", none of which is HTTP
        if not text or len(text) > 16 or text.strip(_HEX):
            raise MalformedRequestBody(f"invalid chunk size {text[:32]!r}")
        return int(text, 16)

    def _skip_trailers(self) -> None:
        for _ in range(_MAX_TRAILERS):
            if self._read_line() in (b"\r\n", b"\n"):
                return
        raise MalformedRequestBody("too many trailer fields")
