"""Object bodies: small ones in memory, large ones in temporary files, streamed in and out."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO, Protocol

READ_BLOCK = 1024 * 1024
DEFAULT_SPILL_THRESHOLD = 8 * 1024 * 1024


class Blob(Protocol):
    """The bytes of an object (or part); ``open_range`` starts reading at once."""

    size: int

    def open_range(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` inclusive, in blocks."""
        ...

    def release(self) -> None:
        """Free the storage (a deleted temporary file stays readable by open readers)."""
        ...


class MemoryBlob:
    __slots__ = ("data", "size")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def open_range(self, start: int, end: int) -> Iterator[bytes]:
        view = memoryview(self.data)[start : end + 1]
        return iter([view.tobytes()] if len(view) <= READ_BLOCK else _blocks(view))

    def release(self) -> None:
        pass


def _blocks(view: memoryview) -> Iterator[bytes]:
    for offset in range(0, len(view), READ_BLOCK):
        yield view[offset : offset + READ_BLOCK].tobytes()


class FileBlob:
    __slots__ = ("path", "size")

    def __init__(self, path: str, size: int) -> None:
        self.path = path
        self.size = size

    def open_range(self, start: int, end: int) -> Iterator[bytes]:
        # open now, not when iteration starts: the file may be replaced or deleted in between
        handle = open(self.path, "rb")  # noqa: SIM115  # closed by _file_blocks
        handle.seek(start)
        return _file_blocks(handle, end + 1 - start)

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def _file_blocks(handle: BinaryIO, remaining: int) -> Iterator[bytes]:
    with handle:
        while remaining > 0:
            block = handle.read(min(READ_BLOCK, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block


class BlobWriter:
    """Collects a body in memory and moves it to a temporary file once it passes the threshold."""

    def __init__(self, spill_threshold: int = DEFAULT_SPILL_THRESHOLD, directory: str | None = None):
        self._threshold = spill_threshold
        self._directory = directory
        self._buffer: io.BytesIO | None = io.BytesIO()
        self._file: BinaryIO | None = None
        self._path = ""
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self._buffer is not None:
            self._buffer.write(data)
            if self.size > self._threshold:
                self._spill()
        else:
            assert self._file is not None
            self._file.write(data)

    def _spill(self) -> None:
        assert self._buffer is not None
        fd, self._path = tempfile.mkstemp(prefix="s3emu-", dir=self._directory)
        self._file = os.fdopen(fd, "wb")
        self._file.write(self._buffer.getbuffer())
        self._buffer = None

    def finish(self) -> Blob:
        if self._buffer is not None:
            return MemoryBlob(self._buffer.getvalue())
        assert self._file is not None
        self._file.close()
        return FileBlob(self._path, self.size)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            FileBlob(self._path, 0).release()
        self._buffer = None


class ConcatBlob:
    """Parts joined without copying: a completed multipart upload keeps its part blobs."""

    __slots__ = ("offsets", "parts", "size")

    def __init__(self, parts: list[Blob]) -> None:
        self.parts = parts
        self.offsets: list[int] = []
        total = 0
        for part in parts:
            self.offsets.append(total)
            total += part.size
        self.size = total

    def open_range(self, start: int, end: int) -> Iterator[bytes]:
        # open every part now: like FileBlob, reading must not depend on files that may go away
        streams = []
        for part, offset in zip(self.parts, self.offsets, strict=True):
            first, last = max(start, offset), min(end, offset + part.size - 1)
            if first <= last:
                streams.append(part.open_range(first - offset, last - offset))
        return _chain(streams)

    def release(self) -> None:
        for part in self.parts:
            part.release()


def _chain(streams: list[Iterator[bytes]]) -> Iterator[bytes]:
    for stream in streams:
        yield from stream
