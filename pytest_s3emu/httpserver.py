"""The HTTP/1.1 front end: Werkzeug's threaded dev server with working keep-alive.

Werkzeug's ``run_wsgi`` closes every connection (http.server cannot skip an unread body before the
next request line), costing each boto3 call a new TCP connection. ``run_wsgi`` is replaced here by
one that frames request bodies exactly (Content-Length or chunked), drains what the app left
unread and keeps the connection.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from werkzeug import serving
from werkzeug.exceptions import ClientDisconnected, HTTPException

from .httpbody import PIECE, ChunkedInput, FixedLengthInput, MalformedRequestBody, WsgiInput

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = ["KeepAliveRequestHandler", "KeepAliveWSGIServer", "MalformedRequestBody", "make_server"]

logger = logging.getLogger(__name__)

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_SMALL_WRITE = 64 * 1024  # below this, header and body bytes are joined into one send
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding"})
_CLIENT_GONE = (ConnectionError, TimeoutError, ClientDisconnected)
_Selector = getattr(selectors, "PollSelector", selectors.SelectSelector)  # as socketserver's


class _Response:
    """One WSGI response on a persistent connection: status, headers, framing, byte accounting."""

    def __init__(self, handler: KeepAliveRequestHandler) -> None:
        self._handler = handler
        self._status: str | None = None
        self._headers: list[tuple[str, str]] = []
        self.started = False
        self.code = 0
        self.sent = 0
        self._length: int | None = None
        self._chunked = False
        self._bodyless = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None, /
    ) -> Callable[[bytes], object]:
        if exc_info is not None and exc_info[1] is not None and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        if exc_info is None and self._status is not None:
            raise AssertionError("start_response() called twice without exc_info")
        self._status, self._headers = status, list(headers)
        return self.write

    def write(self, data: bytes) -> None:
        # PEP 3333: headers go out with the first non-empty body block (or at the end)
        if not self.started and not data:
            return
        head = [] if self.started else [self._head()]
        self._send(head + self._frame(data))

    def finish(self) -> None:
        parts = [] if self.started else [self._head()]
        if self._chunked:
            parts.append(b"0\r\n\r\n")
        self._send(parts)
        if self._length is not None and not self._bodyless and self.sent < self._length:
            logger.warning("app sent %d of %d body bytes; closing connection", self.sent, self._length)
            self._handler.close_connection = True

    def _send(self, parts: list[bytes]) -> None:
        if sum(map(len, parts)) <= _SMALL_WRITE:
            self._handler.wfile.write(b"".join(parts))
            return
        for part in parts:  # large bodies: no copy just to save a syscall
            self._handler.wfile.write(part)

    def _frame(self, data: bytes) -> list[bytes]:
        if self._bodyless:
            return []  # HEAD/204/304: a body here would be read as the next response
        if self._length is not None and len(data) > self._length - self.sent:
            logger.warning("app wrote past its Content-Length; truncating and closing connection")
            self._handler.close_connection = True
            data = data[: self._length - self.sent]
        if not data:
            return []  # an empty chunk would end a chunked body
        self.sent += len(data)
        return [b"%x\r\n" % len(data), data, b"\r\n"] if self._chunked else [data]

    def _head(self) -> bytes:
        if self._status is None:
            raise AssertionError("the application did not call start_response()")
        handler = self._handler
        self.code = int(self._status.split(None, 1)[0])
        self._bodyless = handler.command == "HEAD" or self.code < 200 or self.code in (204, 304)
        lines = [f"{handler.protocol_version} {self._status}", *self._app_header_lines()]
        if not self._bodyless and self._length is None:
            if handler.http_version >= (1, 1) and handler.command != "CONNECT":
                self._chunked = True
                lines.append("Transfer-Encoding: chunked")
            else:
                handler.close_connection = True  # the body ends where the connection does
        if handler.must_close_before_response():
            handler.close_connection = True
        if handler.close_connection:
            lines.append("Connection: close")
        elif handler.http_version < (1, 1):
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        interim = handler.owed_continue()  # the head cannot fail any more: the interim goes out
        self.started = True  # only now: a bad status or header still allows a clean 500
        return interim + head

    def _app_header_lines(self) -> list[str]:
        lines, names = [], set()
        for name, value in self._headers:
            if any(c in name or c in value for c in "\r\n"):
                raise ValueError(f"line break in response header {name!r}")
            lower = name.lower()
            if lower in _HOP_BY_HOP:
                # hop-by-hop headers are the server's business (PEP 3333); only "close" is heeded
                if lower == "connection" and "close" in value.lower():
                    self._handler.close_connection = True
                continue
            if lower == "content-length" and not self._bodyless:
                self._length = int(value)
            names.add(lower)
            lines.append(f"{name}: {value}")
        if "server" not in names:
            lines.append(f"Server: {self._handler.version_string()}")
        if "date" not in names:
            lines.append(f"Date: {self._handler.date_time_string()}")
        return lines


class KeepAliveRequestHandler(serving.WSGIRequestHandler):
    """HTTP/1.1 request handler with persistent connections, exact body framing and quiet logs."""

    server: KeepAliveWSGIServer
    protocol_version = "HTTP/1.1"
    # with Nagle on, a response sent in pieces (streamed blocks, headers then a large body)
    # waits ~40 ms for the client's delayed ACK on a kept-alive connection
    disable_nagle_algorithm = True
    #: unread body bytes worth draining to keep a connection; beyond that closing is cheaper
    max_drain_bytes = 64 * 1024 * 1024
    #: after closing with body bytes still arriving, discard them this long so the kernel
    #: does not answer them with a RST that could destroy the response in flight
    linger_seconds = 2.0

    http_version: tuple[int, int] = (1, 1)  # of the current request
    _body: WsgiInput
    _response: _Response | None = None
    _expect_armed = False
    _continue_sent = False
    _linger = False

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
            if self._linger:
                self._linger_close()
        finally:
            self.server.untrack(self.connection)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError as exc:  # resets, broken pipes, server_close() mid-request
            logger.debug("connection from %s ended: %r", self.client_address, exc)

    def handle_expect_100(self) -> bool:
        # http.server would answer "100 Continue" here, while parsing headers, and Werkzeug's
        # run_wsgi would answer it again. The body reader sends the one interim response when
        # the app first reads the body, so an app that rejects early never invites the upload.
        return True

    def parse_request(self) -> bool:
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split()
        if not words or (len(words) == 3 and _is_http1(words[2])):
            return super().parse_request()
        # http.server takes a line of two words for HTTP/0.9, and answers a bad version with no
        # status line either (it writes those only for HTTP/1.x): a client of either reads garbage
        self.requestline, self.command = line, words[0]
        self.request_version = self.protocol_version
        self.close_connection = True
        self._refuse(unsupported_version=len(words) >= 3)
        return False

    def _refuse(self, unsupported_version: bool) -> None:
        """Answer a request line that cannot be parsed; the connection closes after it.

        S3 answers a third word that is not HTTP/1.x (or a space in the target, which makes the
        version a fourth word) with 505 HttpVersionNotSupported, and a line without a version
        with 400 BadRequest; ``server.refuse_request_line`` writes the S3 error document.
        """
        logger.debug("malformed request line %r", self.requestline)
        refuse = self.server.refuse_request_line
        if refuse is None:
            self.send_error(505 if unsupported_version else 400)
            return
        status, headers, body = refuse(unsupported_version)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in body:
            self.wfile.write(chunk)

    def run_wsgi(self) -> None:
        self.http_version = _http_version(self.request_version)
        self._response, self._continue_sent, self._linger = None, False, False
        self.close_connection = self._client_wants_close() or self.command == "CONNECT"
        try:
            self._body = self._make_body()
            self.environ = environ = self.make_environ()
        except (HTTPException, ValueError) as exc:
            logger.debug("bad request %r: %s", self.requestline, exc)
            self.send_error(400, "Bad request framing or target")
            return
        self._response = _Response(self)
        self._run_app(environ)
        self._after_response()

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        # the raw target, not http.server's copy (which folds a leading "//"), and without
        # Werkzeug's re-encoding of non-ASCII bytes: the S3 router decodes keys from it itself
        target = self.requestline.split()[1]
        environ["REQUEST_URI"] = environ["RAW_URI"] = target
        if self.command == "CONNECT":
            environ["PATH_INFO"], environ["QUERY_STRING"] = target, ""
        elif target.startswith("/"):
            path, _, query = target.partition("?")
            environ["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
            environ["QUERY_STRING"] = query
        environ["wsgi.input"] = body = self._body
        if isinstance(body, ChunkedInput):
            environ["wsgi.input_terminated"] = True
            environ.pop("CONTENT_LENGTH", None)
        else:
            environ.pop("wsgi.input_terminated", None)
            if "CONTENT_LENGTH" in environ:
                environ["CONTENT_LENGTH"] = str(body.known_unread())
        return environ

    def owed_continue(self) -> bytes:
        """The ``100 Continue`` to send before the final response, if the request is owed one.

        An Expect request whose framing declares no body (botocore sends ``Expect: 100-continue``
        with every file-like PutObject/UploadPart body, empty ones too) may skip the interim
        response (RFC 9110 10.1.1), but botocore without the boto/botocore#3784 fix (the one
        awscli v1 bundles among them) then keeps that final status cached on the pooled
        connection and misreads the next Expect request's response as headers only: a 60 s read
        timeout and a retry (botocore#3755). Every HTTP/1.1 client must accept an interim
        response, so one is sent; an unread nonempty body closes the connection instead.
        """
        if not (self._expect_armed and self._body.done) or self._continue_sent:
            return b""
        self._continue_sent = True
        return _CONTINUE

    def must_close_before_response(self) -> bool:
        """Whether the unread body rules keep-alive out before the response headers go out."""
        if self._body.done:
            return False
        if self._expect_armed and not self._continue_sent:
            return True  # the client may never send a body it was not invited to send
        known = self._body.known_unread()
        return known is not None and known > self.max_drain_bytes

    def _client_wants_close(self) -> bool:
        tokens = _tokens(self.headers.get_all("Connection"))
        return "close" in tokens or (self.http_version < (1, 1) and "keep-alive" not in tokens)

    def _make_body(self) -> WsgiInput:
        lengths = self.headers.get_all("Content-Length") or []
        codings = _tokens(self.headers.get_all("Transfer-Encoding"))
        expects = (self.headers.get("Expect") or "").strip().lower() == "100-continue"
        self._expect_armed = expects and self.http_version >= (1, 1)
        callback = self._send_continue if self._expect_armed else None
        if codings:
            if codings[-1] != "chunked":
                raise MalformedRequestBody("a request body must end with the chunked coding")
            if lengths:
                # both framings at once is the request-smuggling pattern: obey chunked, then close
                self.close_connection = True
            return ChunkedInput(self.rfile, callback)
        length = _content_length(lengths)
        # an empty body is never read: owed_continue() adds the interim to the final response
        return FixedLengthInput(self.rfile, length, callback if length else None)

    def _send_continue(self) -> None:
        if self._response is not None and self._response.started:
            return  # too late: a final response is already on its way
        self.wfile.write(_CONTINUE)
        self._continue_sent = True

    def _run_app(self, environ: WSGIEnvironment) -> None:
        response = self._response
        assert response is not None
        try:
            app_iter: Iterable[bytes] = self.server.app(environ, response.start_response)
            try:
                for data in app_iter:
                    response.write(data)
                response.finish()
            finally:
                close = getattr(app_iter, "close", None)
                if callable(close):
                    close()
        except _CLIENT_GONE as exc:
            logger.debug("client %s went away during %r: %r", self.client_address, self.requestline, exc)
            self.close_connection = True
        except HTTPException as exc:  # a body framing error the app let through
            self._answer_failure(response, exc.code or 400, exc.description or "Bad Request")
        except Exception:
            logger.error("unhandled error serving %r", self.requestline, exc_info=True)
            self._answer_failure(response, 500, "Internal Server Error")

    def _answer_failure(self, failed: _Response, code: int, text: str) -> None:
        self.close_connection = True
        if failed.started:
            return  # headers are out: closing mid-body is the only signal left
        self._response = response = _Response(self)
        body = f"{text}\n".encode()
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
        with contextlib.suppress(OSError):
            response.start_response(f"{code} {self.responses.get(code, ('Error',))[0]}", headers)
            response.write(body)
            response.finish()

    def _after_response(self) -> None:
        body = self._body
        if not (body.done or self.close_connection) and (
            self.must_close_before_response() or not body.drain(self.max_drain_bytes)
        ):
            self.close_connection = True
        self._linger = self.close_connection and not body.done
        response = self._response
        self.log_request(response.code if response else "-", response.sent if response else "-")

    def _linger_close(self) -> None:
        deadline = time.monotonic() + self.linger_seconds
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)  # the client sees the end of the response
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(PIECE):
                    return

    # Werkzeug logs to the "werkzeug" logger, which adds its own stderr handler: log here instead.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug('%s "%s" %s %s', self.client_address[0], self.requestline, code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.WARNING if type == "error" else logging.DEBUG
        logger.log(level, "%s: " + message, self.client_address[0], *args)

    def connection_dropped(self, error: BaseException, environ: WSGIEnvironment | None = None) -> None:
        logger.debug("connection from %s dropped: %r", self.client_address, error)


class KeepAliveWSGIServer(serving.ThreadedWSGIServer):
    """Threaded server whose ``server_close()`` also ends idle keep-alive connections."""

    #: (status, headers, body) for a request line that cannot be parsed, given whether its HTTP
    #: version is the problem; None: http.server's own error page
    refuse_request_line: Callable[[bool], tuple[int, list[tuple[str, str]], Iterable[bytes]]] | None = None

    def __init__(
        self, host: str, port: int, app: WSGIApplication, fd: int, tls: ssl.SSLContext | None = None
    ) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(host, port, app, handler=KeepAliveRequestHandler, fd=fd)
        # not Werkzeug's ssl_context=: it wraps the listener, so each TLS handshake would run in
        # accept(), in the serving thread, where one silent client stalls every other one
        self._tls = tls
        self.ssl_context = tls  # Werkzeug's handler reads it for wsgi.url_scheme and SSL errors
        # Werkzeug's __init__ calls server_close() on the socket TCPServer made before adopting
        # ``fd``: only from here on does "closed" mean this server is closed
        self._closed = False
        self._stop_requested = False
        self._stopped = threading.Event()
        # shutdown() writes to this pair to wake serve_forever() at once
        self._wake_reader, self._wake_writer = socket.socketpair()

    def serve_forever(self, poll_interval: float | None = None) -> None:
        """Serve until :meth:`shutdown`, then close (as Werkzeug's ``serve_forever`` does).

        socketserver's loop polls for shutdown: with the 0.5 s default, every teardown waits for
        the next poll, and with a short interval this thread wakes up (and takes the GIL from the
        test thread) a hundred times a second, which cost in-process calls a fifth of their time.
        This loop sleeps in ``select()`` until a connection arrives or shutdown() wakes it.
        """
        self._stopped.clear()
        try:
            with _Selector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stop_requested:
                    ready = selector.select(poll_interval)
                    if self._stop_requested:
                        break  # shutdown() during select(): leave the pending connection alone
                    if any(key.fileobj is self for key, _ in ready):
                        self._handle_request_noblock()  # type: ignore[attr-defined]  # socketserver's accept step
                    self.service_actions()
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_requested = False
            self._stopped.set()
            self.server_close()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned (call from another thread)."""
        self._stop_requested = True
        with contextlib.suppress(OSError):  # closed already: the loop has ended
            self._wake_writer.send(b"\0")
        self._stopped.wait()

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        if self._tls is None:
            return conn, address
        try:
            # the handshake happens on the first read, in the connection's own thread
            return self._tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), address
        except BaseException:
            conn.close()
            raise

    def track(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(conn)
            closed = self._closed
        if closed:
            _shutdown_quietly(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(conn)

    def server_close(self) -> None:
        super().server_close()
        for wake in (getattr(self, "_wake_reader", None), getattr(self, "_wake_writer", None)):
            if wake is not None:
                wake.close()
        with self._connections_lock:
            self._closed = True
            conns = list(self._connections)
        # handler threads blocked reading the next request line see EOF and end
        for conn in conns:
            _shutdown_quietly(conn)

    def handle_error(self, request: Any, client_address: tuple[str, int] | str) -> None:
        logger.error("error handling connection from %s", client_address, exc_info=True)

    def log(self, type: str, message: str, *args: Any) -> None:
        logger.log(logging.WARNING if type == "error" else logging.DEBUG, message, *args)


def make_server(
    app: WSGIApplication, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
) -> KeepAliveWSGIServer:
    """Bind ``host:port`` now (``port=0``: a free port, see ``server.port``) for ``app``; ``tls``
    (a server context) makes it serve HTTPS.

    Call ``serve_forever()`` (typically in a daemon thread), then ``shutdown()`` and
    ``server_close()``. Raises ``OSError`` if the address cannot be bound.
    """
    try:
        listener = _bind(host, port)
    except OSError as exc:
        raise OSError(exc.errno, f"pytest-s3emu could not bind {host}:{port}: {exc.strerror or exc}") from exc
    # Werkzeug binds by itself only to print the error and sys.exit(1): hand it a bound socket
    with listener:
        try:
            return KeepAliveWSGIServer(host, port, app, fd=listener.fileno(), tls=tls)
        except SystemExit as exc:
            raise OSError(f"pytest-s3emu could not bind {host}:{port} (werkzeug exited)") from exc


def _bind(host: str, port: int) -> socket.socket:
    family = serving.select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name == "posix":
            # rebinding a fixed port with connections in TIME_WAIT; POSIX still refuses a
            # second listener (on Windows the same option would allow one, hence the guard)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(serving.get_sockaddr(host, port, family))
        sock.listen(serving.LISTEN_QUEUE)
    except BaseException:
        sock.close()
        raise
    return sock


def _shutdown_quietly(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


def _tokens(values: list[str] | None) -> list[str]:
    """The comma-separated tokens of every occurrence of a header, lowercased."""
    return [t.strip().lower() for value in values or [] for t in value.split(",") if t.strip()]


def _is_http1(version: str) -> bool:
    # HTTP-version is "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3); a later 1.x is served as 1.1
    return len(version) == 8 and version.startswith("HTTP/1.") and version[7] in "0123456789"


def _http_version(text: str) -> tuple[int, int]:
    major, _, minor = text.removeprefix("HTTP/").partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return (0, 9)


def _content_length(values: list[str]) -> int:
    # "5, 5" (or repeated equal headers) is tolerated; differing or non-numeric values are not
    found = {v.strip() for value in values for v in value.split(",")}
    if not found:
        return 0
    if len(found) != 1 or not all(v.isascii() and v.isdigit() and len(v) <= 18 for v in found):
        raise MalformedRequestBody(f"invalid Content-Length {', '.join(values)!r}")
    return int(found.pop())
