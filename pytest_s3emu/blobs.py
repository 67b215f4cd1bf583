"""Object bodies: small ones in memory, large ones in temporary files, streamed in and out.

Nothing here holds a whole large body in memory: :class:`BlobWriter` keeps at most
``spill_threshold`` bytes before moving to a file, and readers hand out blocks of ``READ_BLOCK``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol

READ_BLOCK = 1024 * 1024
DEFAULT_SPILL_THRESHOLD = 8 * 1024 * 1024


class _Closeable(Protocol):
    def close(self) -> None: ...


class Reader:
    """The blocks of a byte range, with the files it reads already open (or pinned).

    A file is opened (a multipart object's later parts: pinned, see :meth:`FileBlob.pin`) when
    the reader is made, so a body deleted or overwritten afterwards is still read completely
    (POSIX keeps an unlinked file's data while a handle is open). Everything is let go at the
    end of the blocks or on :meth:`close` (a WSGI server calls it).
    """

    __slots__ = ("_blocks", "_handles", "_whole")

    def __init__(
        self,
        blocks: Iterator[bytes],
        handles: list[_Closeable] | None = None,
        whole: Callable[[], bytes] | None = None,
    ) -> None:
        self._blocks = blocks
        self._handles = handles or []
        self._whole = whole  # all the bytes in one read, while no block has been taken

    def __iter__(self) -> Reader:
        return self

    def __next__(self) -> bytes:
        self._whole = None
        try:
            return next(self._blocks)
        except BaseException:
            self.close()
            raise

    def read_whole(self) -> bytes | None:
        """Every byte at once, when nothing has been iterated yet and one read does it (None if
        not): whoever wants the whole body anyway (the in-process transport's ``read()``) saves
        a copy of each block and the joining of them."""
        whole, self._whole = self._whole, None
        if whole is None:
            return None
        try:
            data = whole()
        finally:
            self._blocks = iter(())
            self.close()
        return data

    def close(self) -> None:
        handles, self._handles = self._handles, []
        for handle in handles:
            handle.close()


class Blob(Protocol):
    """The bytes of an object (or part)."""

    size: int

    def open_range(self, start: int, end: int) -> Reader:
        """Bytes ``start`` to ``end`` inclusive, in blocks; files are opened now."""
        ...

    def release(self) -> None:
        """Free the storage (a deleted temporary file stays readable by open readers)."""
        ...

    def pin(self) -> None:
        """Keep the storage, even if released, until :meth:`unpin` (for a reader yet to open it)."""
        ...

    def unpin(self) -> None: ...


class MemoryBlob:
    __slots__ = ("data", "size")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def open_range(self, start: int, end: int) -> Reader:
        if start == 0 and end + 1 >= self.size and self.size <= READ_BLOCK:
            return Reader(iter([self.data] if self.data else []))  # bytes are immutable: no copy
        return Reader(_blocks(memoryview(self.data)[start : end + 1]))

    def release(self) -> None:
        pass

    def pin(self) -> None:
        pass

    def unpin(self) -> None:
        pass


def _blocks(view: memoryview) -> Iterator[bytes]:
    for offset in range(0, len(view), READ_BLOCK):
        yield view[offset : offset + READ_BLOCK].tobytes()


_PINS = threading.Lock()


class FileBlob:
    """A body in a temporary file of its own, removed by :meth:`release` (once no longer pinned)."""

    __slots__ = ("_pins", "_released", "path", "size")

    def __init__(self, path: str, size: int) -> None:
        self.path = path
        self.size = size
        self._pins = 0
        self._released = False

    def open_range(self, start: int, end: int) -> Reader:
        # open now, not when iteration starts: the file may be replaced or deleted in between
        handle = open(self.path, "rb", buffering=0)  # noqa: SIM115  # closed by the Reader
        handle.seek(start)
        length = max(0, end + 1 - start)
        return Reader(_file_blocks(handle, length), [handle], lambda: _read_exactly(handle, length))

    def release(self) -> None:
        with _PINS:
            self._released = True
            if self._pins:
                return
        self._unlink()

    def pin(self) -> None:
        with _PINS:
            self._pins += 1

    def unpin(self) -> None:
        with _PINS:
            self._pins -= 1
            unlink = self._released and not self._pins
        if unlink:
            self._unlink()

    def _unlink(self) -> None:
        # OSError: gone already, or (Windows) still open by a reader; stop() removes the directory
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _read_exactly(handle: BinaryIO, length: int) -> bytes:
    data = handle.read(length)  # one read (the kernel copies straight into the result) ...
    if len(data) < length:  # ... unless it returns short
        data += b"".join(_file_blocks(handle, length - len(data)))
    return data


def _file_blocks(handle: BinaryIO, remaining: int) -> Iterator[bytes]:
    while remaining > 0:
        block = handle.read(min(READ_BLOCK, remaining))
        if not block:
            return
        remaining -= len(block)
        yield block


class BlobWriter:
    """Collects a body in memory and moves it to a temporary file once it passes the threshold.

    Call :meth:`finish` for the blob, or :meth:`discard` to drop what was written (its file too);
    either runs ``on_done`` once.
    """

    def __init__(
        self,
        spill_threshold: int = DEFAULT_SPILL_THRESHOLD,
        directory: str | None = None,
        on_done: Callable[[Blob | None], None] | None = None,
    ) -> None:
        self._threshold = spill_threshold
        self._directory = directory
        self._on_done = on_done
        # blocks kept as they come (joined once by finish(): a one-block body is not copied at all)
        self._buffer: list[bytes] | None = []
        self._file: BinaryIO | None = None
        self._path = ""
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self._buffer is not None:
            self._buffer.append(data if data.__class__ is bytes else bytes(data))  # a copy if mutable
            if self.size > self._threshold:
                self._spill()
        else:
            assert self._file is not None
            self._file.write(data)

    def _spill(self) -> None:
        assert self._buffer is not None
        fd, self._path = tempfile.mkstemp(prefix="s3emu-", suffix=".blob", dir=self._directory)
        self._file = os.fdopen(fd, "wb")
        for block in self._buffer:
            self._file.write(block)
        self._buffer = None

    def finish(self) -> Blob:
        blob: Blob
        if self._buffer is not None:
            blob = MemoryBlob(b"".join(self._buffer))
            self._buffer = None
        else:
            assert self._file is not None
            self._file.close()
            self._file = None
            blob = FileBlob(self._path, self.size)
        self._done(blob)
        return blob

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            FileBlob(self._path, 0).release()
        self._buffer = None
        self._done(None)

    def _done(self, blob: Blob | None) -> None:
        on_done, self._on_done = self._on_done, None
        if on_done is not None:
            on_done(blob)


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

    def open_range(self, start: int, end: int) -> Reader:
        # Pin the parts now and open each when reached: like FileBlob, reading must not depend on
        # files that may go away, but an object of thousands of parts must not take as many fds.
        spans: list[tuple[Blob, int, int]] = []
        for part, offset in zip(self.parts, self.offsets, strict=True):
            first, last = max(start, offset), min(end, offset + part.size - 1)
            if first <= last:
                spans.append((part, first - offset, last - offset))
        chain = _Chain(spans)
        return Reader(chain.blocks(), [chain])

    def release(self) -> None:
        for part in self.parts:
            part.release()

    def pin(self) -> None:
        for part in self.parts:
            part.pin()

    def unpin(self) -> None:
        for part in self.parts:
            part.unpin()


class _Chain:
    """Ranges of parts read one after another; each stays pinned until its reader is open."""

    def __init__(self, spans: list[tuple[Blob, int, int]]) -> None:
        for blob, _, _ in spans:
            blob.pin()
        self._spans = deque(spans)
        self._current: Reader | None = None

    def blocks(self) -> Iterator[bytes]:
        while self._spans:
            blob, first, last = self._spans[0]
            try:
                self._current = blob.open_range(first, last)
            finally:
                self._spans.popleft()
                blob.unpin()  # the open handle keeps the data now
            yield from self._current
            self._current = None

    def close(self) -> None:
        while self._spans:
            self._spans.popleft()[0].unpin()
        if self._current is not None:
            self._current.close()
            self._current = None

    def __del__(self) -> None:
        # a reader dropped unfinished and unclosed must not keep released files forever
        self.close()
