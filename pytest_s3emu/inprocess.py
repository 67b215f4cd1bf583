"""The in-process transport: botocore requests answered by the emulator's WSGI app without a socket.

Opt-in (``s3emu_transport = inprocess``). botocore emits ``before-send`` with the prepared request
just before handing it to urllib3, and sends nothing when a handler returns a response (botocore's
documented event system). The handler here builds the WSGI environ the HTTP front end
(:mod:`pytest_s3emu.httpserver`) would build for the same request, calls the same
:class:`~pytest_s3emu.app.S3App`, and returns an ``AWSResponse`` whose ``raw`` streams the app's
body iterator. Response parsing, checksum validation, retries and ``StreamingBody`` stay
botocore's own. Only requests for the emulator's endpoint are answered here: anything else falls
through to HTTP (and to the guard). The HTTP server keeps serving subprocesses and other clients.
"""

from __future__ import annotations

import functools
import io
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

if TYPE_CHECKING:
    from _typeshed import OptExcInfo, WriteableBuffer
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse

    from .server import S3Emulator

__all__ = ["TRANSPORTS", "answer", "before_send_handler"]

logger = logging.getLogger(__name__)

TRANSPORTS = ("http", "inprocess")
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding"})
# urllib3 declares an empty body (Content-Length: 0) for any other method
_METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "DELETE", "TRACE", "OPTIONS", "CONNECT"})
_STREAM_BLOCK = 64 * 1024  # urllib3's default for HTTPResponse.stream()
_server_header: str | None = None
_date_cache: tuple[int, str] = (0, "")


def before_send_handler(emulator: S3Emulator) -> Callable[..., AWSResponse | None]:
    """A botocore ``before-send`` handler answering ``emulator``'s requests in process.

    It reads ``emulator.transport`` on every request, so the transport can change at any time;
    with ``"http"`` (or a URL elsewhere) it returns None and botocore sends the request itself.
    """

    def before_send(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        if emulator.transport != "inprocess" or not emulator.running:
            return None
        endpoint = emulator.endpoint_url
        url = str(request.url)
        if not url.startswith(endpoint) or url[len(endpoint) : len(endpoint) + 1] not in ("", "/", "?"):
            return None  # another host, or a port that merely starts with ours
        return answer(emulator.app, request, endpoint)

    return before_send


def answer(app: WSGIApplication, request: AWSPreparedRequest, endpoint: str) -> AWSResponse:
    """Hand ``request`` (whose URL starts with ``endpoint``) to ``app``; botocore's response to it."""
    method = str(request.method).upper()
    environ = _environ(request, method, endpoint)
    call = _Call()
    try:
        chunks = app(environ, call.start_response)
    except ConnectionError as exc:  # an injected reset (faults.py): what urllib3 reports for one
        raise _connection_closed(request, exc) from exc
    iterator = iter(chunks)
    first = call.written
    if call.status is None:
        # PEP 3333 lets an app call start_response() as late as its first block
        first = [*first, *_take(iterator, 1)]
        if call.status is None:
            raise RuntimeError("the WSGI application did not call start_response()")
    status = int(call.status.split(None, 1)[0])
    bodyless = method == "HEAD" or status < 200 or status in (204, 304)
    headers = _response_headers(call.headers, bodyless)
    stream = ResponseStream(iterator, first, getattr(chunks, "close", None), _declared_length(headers))
    if bodyless:
        stream.close()  # like the HTTP front end: a HEAD answer carries no body, whatever the app made
    # botocore-stubs want HTTPHeaders; AWSResponse copies any mapping into a HeadersDict
    return _aws_response()(request.url, status, headers, stream)  # type: ignore[arg-type]


def _connection_closed(request: AWSPreparedRequest, error: Exception) -> Exception:
    from botocore.exceptions import ConnectionClosedError
    from urllib3.exceptions import ProtocolError

    # urllib3's error for a connection dropped before the answer, which botocore wraps so
    return ConnectionClosedError(
        error=ProtocolError("Connection aborted.", error), request=request, endpoint_url=request.url
    )


def _declared_length(headers: dict[str, str]) -> int | None:
    for name, value in headers.items():
        if name.lower() == "content-length":
            return int(value) if value.isdigit() else None
    return None


@functools.cache
def _aws_response() -> type[AWSResponse]:
    # imported on first use: this module is imported by the plugin, which must not load botocore
    from botocore.awsrequest import AWSResponse

    return AWSResponse


class _Call:
    """What the app passed to start_response (and to the legacy write() callable)."""

    __slots__ = ("headers", "status", "written")

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None, /
    ) -> Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None and self.written:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status, self.headers = status, headers
        return self.written.append


def _take(iterator: Iterator[bytes], count: int) -> list[bytes]:
    found: list[bytes] = []
    for chunk in iterator:
        if chunk:
            found.append(chunk)
            if len(found) == count:
                break
    return found


def _environ(request: AWSPreparedRequest, method: str, endpoint: str) -> WSGIEnvironment:
    """The environ the HTTP front end builds when urllib3 sends ``request`` (see httpserver.py)."""
    url = str(request.url)
    target = url[len(endpoint) :].split("#", 1)[0]
    if not target.startswith("/"):
        target = "/" + target  # botocore's own request target: "" -> "/", "?x" -> "/?x"
    path, _, query = target.partition("?")
    netloc = endpoint.split("://", 1)[1]
    host, _, port = netloc.rpartition(":")
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": endpoint.split("://", 1)[0],
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": target,
        "RAW_URI": target,
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": 0,
        "SERVER_NAME": host.strip("[]"),
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "s3emu.transport": "inprocess",
    }
    for name, value in _header_items(request.headers):
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        name = str(name)
        # Werkzeug's make_environ: names with "_" are dropped (they would alias "-"), repeats joined
        if "_" in name:
            continue
        key = _environ_key(name)
        if "\r\n" in text:
            text = text.replace("\r\n", "")
        if key in environ and key[0] == "H":  # HTTP_*: CONTENT_TYPE and CONTENT_LENGTH are replaced
            text = f"{environ[key]},{text}"
        environ[key] = text
    # urllib3 and http.client add these unless the request has them (botocore sets a User-Agent)
    # (these names have no "_": whoever sent one has its HTTP_ key in the environ)
    if "HTTP_HOST" not in environ:
        environ["HTTP_HOST"] = netloc
    if "HTTP_ACCEPT_ENCODING" not in environ:
        environ["HTTP_ACCEPT_ENCODING"] = "identity"
    if "HTTP_USER_AGENT" not in environ:
        environ["HTTP_USER_AGENT"] = _urllib3_user_agent()
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    body = request.body
    if chunked:
        # the HTTP front end decodes the chunked framing urllib3 would add: the app reads the bytes
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
        environ["wsgi.input"] = _input(body, None)
        return environ
    if "CONTENT_LENGTH" not in environ:
        length = _body_length(body)
        if length is None and body is not None and not isinstance(body, (bytes, bytearray, str)):
            # a body of unknown length goes out chunked (urllib3 adds the header)
            environ["HTTP_TRANSFER_ENCODING"] = "chunked"
            environ["wsgi.input_terminated"] = True
            environ["wsgi.input"] = _input(body, None)
            return environ
        if length or method not in _METHODS_WITHOUT_BODY:
            environ["CONTENT_LENGTH"] = str(length or 0)
    declared = environ.get("CONTENT_LENGTH")
    environ["wsgi.input"] = _input(body, int(declared) if declared and declared.isdigit() else 0)
    return environ


def _urllib3_user_agent() -> str:
    from importlib.metadata import version

    return f"python-urllib3/{version('urllib3')}"


def _header_items(headers: Any) -> Iterable[tuple[Any, Any]]:
    """The (name, value) pairs of botocore's ``HeadersDict``.

    Its generic ``items()`` builds a case-folding key object per lookup (a third of the cost of
    building the environ): read the dict underneath when it is the one botocore has kept since
    2015 (keys whose ``str()`` is the name as set), else fall back to ``items()``.
    """
    raw = getattr(headers, "_dict", None)
    if type(raw) is dict and len(raw) == len(headers):
        return raw.items()
    return headers.items()  # type: ignore[no-any-return]  # any mapping


@functools.lru_cache(maxsize=512)
def _environ_key(name: str) -> str:
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


def _body_length(body: object) -> int | None:
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    if isinstance(body, str):
        return len(body.encode("utf-8"))
    from botocore.utils import determine_content_length

    length = determine_content_length(body)
    return None if length is None else int(length)


def _input(body: object, length: int | None) -> io.RawIOBase | io.BytesIO:
    """``wsgi.input`` for ``body``: never more than ``length`` bytes (None: up to the end)."""
    if body is None or body == b"":
        return io.BytesIO()
    if isinstance(body, str):
        body = body.encode("utf-8")  # as urllib3 sends a str body
    if isinstance(body, (bytes, bytearray, memoryview)):
        data = memoryview(body)
        if length is not None and length < len(data):
            data = data[:length]
        # BytesIO shares a bytes object's buffer rather than copying it
        return io.BytesIO(body if len(data) == len(body) and isinstance(body, bytes) else bytes(data))
    if hasattr(body, "read"):
        return _FileInput(body, length)
    if isinstance(body, Iterable):
        return _FileInput(_IterableFile(iter(body)), length)
    raise TypeError(f"pytest-s3emu cannot send a request body of type {type(body).__name__}")


class _FileInput(io.RawIOBase):
    """The request body file (read lazily, never past ``length``), as an HTTP server sees it."""

    def __init__(self, file: Any, length: int | None) -> None:
        super().__init__()
        self._file = file
        self._remaining = length

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if self._remaining is not None:
            size = min(size, self._remaining)
        if size == 0:
            return b""
        data = self._file.read(size)
        if isinstance(data, str):
            data = data.encode("utf-8")  # a text-mode file, encoded as urllib3 does
        data = bytes(data) if data else b""
        if self._remaining is not None:
            data = data[: self._remaining]
            self._remaining -= len(data)
        return data

    def readall(self) -> bytes:
        parts = []
        while data := self.read(1024 * 1024):
            parts.append(data)
        return b"".join(parts)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


class _IterableFile:
    """``read(size)`` over an iterable of byte strings (a body botocore would send chunk by chunk)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def read(self, size: int) -> bytes:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def _response_headers(app_headers: list[tuple[str, str]], bodyless: bool) -> dict[str, str]:
    """The headers urllib3 would report: the app's, minus hop-by-hop ones, plus the server's own."""
    headers: dict[str, str] = {}
    seen: dict[str, str] = {}  # lower-case name -> the name as first sent
    for name, value in app_headers:
        lower = name.lower()
        if lower in _HOP_BY_HOP:
            continue
        known = seen.get(lower)
        if known is None:
            seen[lower] = name
            headers[name] = value
        else:
            headers[known] = f"{headers[known]}, {value}"  # urllib3 joins a repeated header
    if "server" not in seen:
        headers["Server"] = _server_version()
    if "date" not in seen:
        headers["Date"] = _http_date()
    if not bodyless and "content-length" not in seen:
        headers["Transfer-Encoding"] = "chunked"  # what the HTTP front end frames such a body with
    return headers


def _server_version() -> str:
    global _server_header
    if _server_header is None:
        from importlib.metadata import version

        # what Werkzeug's request handler sends: "Werkzeug/<version> Python/<version>"
        _server_header = f"Werkzeug/{version('werkzeug')} Python/{sys.version.split()[0]}"
    return _server_header


def _http_date() -> str:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


class ResponseStream(io.RawIOBase):
    """``AWSResponse.raw``: the app's body iterator as the part of urllib3's HTTPResponse botocore uses.

    ``read(n)`` returns ``n`` bytes unless the body ends first, ``stream()`` yields blocks, and
    ``close()`` closes the app's iterator (which releases open object files). An exception while
    iterating becomes urllib3's ``ProtocolError``, as a connection cut mid-body would.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        first: list[bytes],
        closer: Callable[[], object] | None,
        length: int | None = None,
    ) -> None:
        """``length``: the Content-Length the answer declares (a whole read checks it)."""
        super().__init__()
        self._chunks = chunks
        self._length = length
        self._queued = [bytes(chunk) for chunk in first if chunk]
        self._closer = closer
        self._current = b""  # the block being read, from ``_offset`` on
        self._offset = 0
        self._position = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def _fill(self) -> bool:
        """Make ``_current[_offset:]`` non-empty; False at the end of the body."""
        while self._offset >= len(self._current):
            if self._queued:
                chunk = self._queued.pop(0)
            elif self.closed:
                return False
            else:
                try:
                    chunk = next(self._chunks)
                except StopIteration:
                    self.close()
                    return False
                except Exception as exc:
                    raise self._broken(exc) from exc
            self._current = chunk if isinstance(chunk, bytes) else bytes(chunk)
            self._offset = 0
        return True

    def _broken(self, exc: Exception) -> Exception:
        """urllib3's error for a body cut short, as a connection cut mid-body would give."""
        logger.error("s3emu: the response body failed while streaming", exc_info=exc)
        self.close()
        from urllib3.exceptions import ProtocolError

        return ProtocolError("pytest-s3emu: the response body ended early", exc)

    def _piece(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the current block (the block itself when it fits: no copy)."""
        current, start = self._current, self._offset
        end = min(start + limit, len(current))
        piece = current if start == 0 and end == len(current) else current[start:end]
        self._offset = end
        self._position += len(piece)
        return piece

    def read(self, size: int | None = -1, /, decode_content: bool | None = None) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts: list[bytes] = []
        while size > 0 and self._fill():
            piece = self._piece(size)
            parts.append(piece)
            size -= len(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readall(self) -> bytes:
        read_whole = getattr(self._chunks, "read_whole", None)  # blobs.Reader
        if read_whole is not None and not self._queued and not self._current and not self.closed:
            try:
                whole: bytes | None = read_whole()
            except Exception as exc:
                raise self._broken(exc) from exc
            if whole is not None:
                self._position += len(whole)
                self.close()
                self._check_length()
                return whole
        parts = []
        while self._fill():
            parts.append(self._piece(len(self._current)))
        self._check_length()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _check_length(self) -> None:
        # http.client's read() of a whole body that ends short of its Content-Length raises
        # IncompleteRead (urllib3: ProtocolError); a read(n) just returns less, as here
        if self._length is not None and self._position < self._length:
            from urllib3.exceptions import IncompleteRead, ProtocolError

            short = IncompleteRead(self._position, self._length - self._position)
            raise ProtocolError(f"Connection broken: {short!r}", short)

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def stream(self, amt: int | None = _STREAM_BLOCK, decode_content: bool | None = None) -> Iterator[bytes]:
        """Blocks of at most ``amt`` bytes until the body ends (urllib3's ``HTTPResponse.stream``)."""
        block = amt or _STREAM_BLOCK
        while self._fill():
            yield self._piece(block)

    def release_conn(self) -> None:
        """urllib3's API: there is no connection to give back."""

    def close(self) -> None:
        if self.closed:
            return
        super().close()
        closer, self._closer = self._closer, None
        self._queued, self._current, self._offset = [], b"", 0
        if closer is not None:
            closer()
