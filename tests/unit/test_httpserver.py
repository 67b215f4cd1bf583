"""The keep-alive HTTP/1.1 server, driven over raw sockets and http.client."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import logging
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSHTTPConnection
from werkzeug.wrappers import Request

from pytest_s3emu.httpserver import KeepAliveRequestHandler, KeepAliveWSGIServer, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

TIMEOUT = 5.0  # a server bug must fail a test, not hang it


class App:
    """A tiny WSGI app; the first path segment picks the behaviour."""

    def __init__(self) -> None:
        self.gate = threading.Event()  # lets the streaming test pace the generator
        self.ports: list[int] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.ports.append(environ["REMOTE_PORT"])
        route = environ["PATH_INFO"].split("/")[1] if environ["REQUEST_METHOD"] != "CONNECT" else "connect"
        if route == "ignore":
            return self._reply(start_response, b"ignored")
        if route == "stream":
            start_response("200 OK", [("Content-Length", "6")])
            return self._paced()
        if route == "nolength":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return iter([b"abc", b"", b"def"])
        if route == "boom":
            raise RuntimeError("app bug")
        if route == "connect":
            return self._reply(start_response, b"no tunnels", "403 Tunnels Forbidden By s3emu")
        body = Request(environ).get_data() if route == "werkzeug" else environ["wsgi.input"].read()
        return self._reply(start_response, json.dumps(_describe(environ, body)).encode())

    def _reply(self, start_response: StartResponse, body: bytes, status: str = "200 OK") -> list[bytes]:
        start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]  # also for HEAD: the server must drop it

    def _paced(self) -> Iterator[bytes]:
        yield b"abc"
        # the client sets the gate only after it has received "abc": buffering would deadlock
        if not self.gate.wait(TIMEOUT):
            raise RuntimeError("first block never reached the client")
        yield b"def"


def _describe(environ: WSGIEnvironment, body: bytes) -> dict[str, Any]:
    sock: socket.socket = environ["werkzeug.socket"]
    return {
        "method": environ["REQUEST_METHOD"],
        "path_info": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "request_uri": environ["REQUEST_URI"],
        "raw_uri": environ["RAW_URI"],
        "host": environ.get("HTTP_HOST"),
        "content_length": environ.get("CONTENT_LENGTH"),
        "content_encoding": environ.get("HTTP_CONTENT_ENCODING"),
        "terminated": environ.get("wsgi.input_terminated", False),
        "port": environ["REMOTE_PORT"],
        "nodelay": sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
        "len": len(body),
        "md5": hashlib.md5(body).hexdigest(),
    }


@dataclass
class Response:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class RawClient:
    """One TCP connection; responses are parsed from a single buffered reader (pipelining-safe)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.rfile = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, target: str, body: bytes = b"", headers: str = "") -> Response:
        self.send(f"{method} {target} HTTP/1.1\r\nHost: x\r\n{headers}".encode("latin-1"))
        self.send(f"Content-Length: {len(body)}\r\n\r\n".encode() + body if body else b"\r\n")
        return self.response(head=method == "HEAD")

    def response(self, head: bool = False) -> Response:
        line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        assert line, "connection closed instead of a response"
        version, status, reason = line.split(" ", 2)
        assert version == "HTTP/1.1", f"stray bytes before a status line: {line!r}"
        headers = http.client.parse_headers(self.rfile)
        code = int(status)
        if head or code < 200 or code in (204, 304):
            body = b""
        elif "Content-Length" in headers:
            body = self.rfile.read(int(headers["Content-Length"]))
        elif headers.get("Transfer-Encoding") == "chunked":
            body = self._chunked()
        else:
            body = self.rfile.read()
        return Response(code, reason, headers, body)

    def _chunked(self) -> bytes:
        parts = []
        while size := int(self.rfile.readline(), 16):
            parts.append(self.rfile.read(size))
            assert self.rfile.read(2) == b"\r\n"
        assert self.rfile.readline() == b"\r\n"
        return b"".join(parts)

    def closed_by_server(self) -> bool:
        return self.rfile.read(1) == b""

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


@pytest.fixture
def app() -> App:
    return App()


@pytest.fixture
def server(app: App) -> Iterator[KeepAliveWSGIServer]:
    srv = make_server(app)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(TIMEOUT)


@pytest.fixture
def client(server: KeepAliveWSGIServer) -> Iterator[RawClient]:
    raw = RawClient(server.port)
    yield raw
    raw.close()


def _chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def test_keep_alive_serves_many_requests_on_one_connection(server: KeepAliveWSGIServer, app: App) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.connect()
    sock = conn.sock
    for i in range(5):
        conn.request("PUT", f"/echo/{i}", body=b"x" * i)
        response = conn.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["len"] == i
        assert response.getheader("Connection") is None
        assert conn.sock is sock  # http.client reconnects silently if the server closed
    conn.close()
    assert len(app.ports) == 5 and len(set(app.ports)) == 1


def test_pipelined_requests_in_one_send(client: RawClient) -> None:
    client.send(
        b"GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /echo/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        b"PUT /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"POST /werkzeug HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nwzwz"
        b"GET /echo/3?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    first, second, third, through_werkzeug, fourth = (client.response() for _ in range(5))
    assert through_werkzeug.json()["md5"] == hashlib.md5(b"wzwz").hexdigest()
    assert first.json()["path_info"] == "/echo/1"
    assert second.json()["md5"] == hashlib.md5(b"hello").hexdigest()
    assert third.body == b"ignored"
    assert fourth.json()["query"] == "q=1"


@pytest.mark.parametrize("route", ["echo", "werkzeug"])
def test_chunked_request_body_is_decoded(client: RawClient, route: str) -> None:
    payload = [b"a" * 100, b"b" * 70000, b"c"]
    client.send(
        f"PUT /{route} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Encoding: aws-chunked\r\n\r\n".encode()
    )
    client.send(
        b"64;ext=1\r\n" + payload[0] + b"\r\n" + _chunked(*payload[1:])[:-2] + b"X-Trailer: 1\r\n\r\n"
    )
    info = client.response().json()
    assert info["len"] == 70101
    assert info["md5"] == hashlib.md5(b"".join(payload)).hexdigest()
    assert info["content_length"] is None and info["terminated"] is True
    assert info["content_encoding"] == "aws-chunked"  # the aws-chunked layer is the app's
    assert client.request("GET", "/echo/after").json()["path_info"] == "/echo/after"


def test_unread_body_is_drained_and_connection_kept(client: RawClient, app: App) -> None:
    assert client.request("PUT", "/ignore", body=b"z" * (1 << 20)).body == b"ignored"
    client.send(b"PUT /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    client.send(_chunked(b"q" * 5000, b"r" * 5000))
    assert client.response().body == b"ignored"
    assert client.request("GET", "/echo/next").json()["path_info"] == "/echo/next"
    assert len(set(app.ports)) == 1


def test_body_too_large_to_drain_closes(client: RawClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(KeepAliveRequestHandler, "max_drain_bytes", 1000)
    response = client.request("PUT", "/ignore", body=b"z" * 5000)
    assert response.headers["Connection"] == "close"
    assert client.closed_by_server()


def test_chunked_body_too_large_to_drain_closes_after_response(
    client: RawClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(KeepAliveRequestHandler, "max_drain_bytes", 1000)
    client.send(b"PUT /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    client.send(_chunked(b"q" * 3000))
    assert client.response().body == b"ignored"
    assert client.closed_by_server()


def test_expect_100_continue_sends_exactly_one_interim_response(client: RawClient) -> None:
    client.send(b"PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    interim = client.response()
    assert (interim.status, interim.reason) == (100, "Continue")
    client.send(b"data")
    final = client.response()
    assert final.json()["len"] == 4
    # a second interim response would now sit where this response's status line is read
    assert client.request("GET", "/echo/next").status == 200


def test_expect_100_without_reading_body_answers_and_closes(client: RawClient) -> None:
    client.send(b"PUT /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    response = client.response()  # final answer straight away, no invitation to upload
    assert response.status == 200 and response.headers["Connection"] == "close"
    assert client.closed_by_server()


def test_expect_100_through_http_client(server: KeepAliveWSGIServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.request("PUT", "/echo", body=b"12345", headers={"Expect": "100-continue"})
    # http.client reads past interim 1xx responses; two would leave one unread for the next
    assert json.loads(conn.getresponse().read())["len"] == 5
    conn.request("GET", "/echo/next")
    assert conn.getresponse().status == 200
    conn.close()


def test_expect_100_with_empty_body_still_gets_the_interim_response(client: RawClient, app: App) -> None:
    # botocore sends Expect with every file body, empty ones too; read as it reads: the first
    # status line after the headers is its own, the rest is http.client's
    client.send(b"PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n")
    interim = client.response()
    assert (interim.status, interim.reason) == (100, "Continue")
    final = client.response()
    assert final.json()["len"] == 0 and "Connection" not in final.headers
    client.send(b"PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    assert client.response().status == 100
    client.send(b"data")
    assert client.response().json()["len"] == 4
    assert len(set(app.ports)) == 1


@pytest.mark.usefixtures("botocore_stale_expect_status")
def test_expect_uploads_after_an_empty_one_through_pre_fix_botocore(server: KeepAliveWSGIServer) -> None:
    # the awscli v1 hang: an empty Expect PUT, then a nonempty one on the same connection, whose
    # response was parsed as header-less (no length: read until the timeout) by such a botocore
    conn = AWSHTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    for body in (b"", b"12345", b"", b"", b"x"):
        headers = {"Expect": b"100-continue", "Content-Length": str(len(body))}
        conn.request("PUT", "/echo", body=io.BytesIO(body), headers=headers)
        response = conn.getresponse()
        assert response.status == 200 and response.headers["Content-Type"] == "text/plain"
        assert json.loads(response.data)["len"] == len(body)  # urllib3 preloads the body
    conn.close()


def test_connection_close_is_honoured(client: RawClient) -> None:
    response = client.request("GET", "/echo", headers="Connection: close\r\n")
    assert response.status == 200 and response.headers["Connection"] == "close"
    assert client.closed_by_server()


def test_http10_closes_unless_keep_alive_requested(client: RawClient) -> None:
    client.send(b"GET /echo/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    response = client.response()
    assert response.headers["Connection"] == "keep-alive"
    client.send(b"GET /nolength HTTP/1.0\r\n\r\n")
    response = client.response()  # no Content-Length and HTTP/1.0: delimited by closing
    assert response.body == b"abcdef" and "Transfer-Encoding" not in response.headers
    assert client.closed_by_server()


def test_response_without_length_is_chunked(client: RawClient) -> None:
    response = client.request("GET", "/nolength")
    assert response.headers["Transfer-Encoding"] == "chunked" and response.body == b"abcdef"
    assert client.request("GET", "/echo").status == 200


def test_head_sends_no_body(client: RawClient) -> None:
    response = client.request("HEAD", "/ignore")
    assert response.headers["Content-Length"] == "7"
    # the app returned a body for HEAD: had it been sent, it would garble this status line
    assert client.request("GET", "/echo").status == 200


def test_streamed_response_is_not_buffered(client: RawClient, app: App) -> None:
    client.send(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    assert client.rfile.readline().startswith(b"HTTP/1.1 200")
    headers = http.client.parse_headers(client.rfile)
    assert headers["Content-Length"] == "6"
    assert client.rfile.read(3) == b"abc"
    app.gate.set()
    assert client.rfile.read(3) == b"def"
    assert client.request("GET", "/echo").status == 200


@pytest.mark.parametrize(
    "body",
    [b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcXX0\r\n\r\n", b"0x3\r\nabc\r\n0\r\n\r\n"],
    ids=["bad-size", "missing-crlf", "hex-prefix"],
)
def test_malformed_chunked_body_is_400_and_closes(client: RawClient, body: bytes) -> None:
    client.send(b"PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    response = client.response()
    assert response.status == 400 and response.headers["Connection"] == "close"
    assert client.closed_by_server()


def test_malformed_unread_chunked_body_closes(client: RawClient) -> None:
    client.send(b"PUT /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert client.response().body == b"ignored"
    assert client.closed_by_server()


@pytest.mark.parametrize(
    "headers",
    ["Content-Length: 3\r\nContent-Length: 4\r\n", "Content-Length: -1\r\n", "Transfer-Encoding: gzip\r\n"],
)
def test_bad_framing_headers_are_400(client: RawClient, headers: str) -> None:
    client.send(f"PUT /echo HTTP/1.1\r\nHost: x\r\n{headers}\r\nabcd".encode())
    assert client.response().status == 400
    assert client.closed_by_server()


def test_app_exception_is_500_and_closes(client: RawClient, caplog: pytest.LogCaptureFixture) -> None:
    response = client.request("GET", "/boom")
    assert response.status == 500 and response.headers["Connection"] == "close"
    assert client.closed_by_server()
    assert "app bug" in caplog.text


def test_tcp_nodelay_on_accepted_sockets(client: RawClient) -> None:
    assert client.request("GET", "/echo").json()["nodelay"] != 0


def test_connect_reaches_the_app_and_closes(client: RawClient) -> None:
    client.send(b"CONNECT s3.amazonaws.com:443 HTTP/1.1\r\nHost: s3.amazonaws.com:443\r\n\r\n")
    response = client.response()
    assert (response.status, response.reason) == (403, "Tunnels Forbidden By s3emu")
    assert client.closed_by_server()


def test_connect_from_http_client_tunnel(server: KeepAliveWSGIServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.set_tunnel("s3.amazonaws.com", 443)
    with pytest.raises(OSError, match="403 Tunnels Forbidden By s3emu"):
        conn.request("GET", "/bucket/key")
    conn.close()


def test_absolute_form_target_reaches_the_app(client: RawClient) -> None:
    target = "http://s3.amazonaws.com/echo/key?x=1"
    info = client.request("GET", target).json()
    assert info["request_uri"] == info["raw_uri"] == target
    assert info["path_info"] == "/echo/key" and info["host"] == "s3.amazonaws.com"


def test_raw_target_survives_verbatim(client: RawClient) -> None:
    target = "//echo/a%2Fb%20c%C3%A9+d?prefix=%C3%A9&list-type=2"
    info = client.request("GET", target).json()
    assert info["request_uri"] == info["raw_uri"] == target
    assert info["path_info"] == "//echo/a/b c\u00c3\u00a9+d"  # WSGI: decoded bytes as latin-1
    assert info["query"] == "prefix=%C3%A9&list-type=2"


def test_bind_failure_raises_oserror(server: KeepAliveWSGIServer, app: App) -> None:
    with pytest.raises(OSError, match=f"pytest-s3emu could not bind 127.0.0.1:{server.port}"):
        make_server(app, port=server.port)


def test_server_close_ends_idle_keep_alive_connections(server: KeepAliveWSGIServer, app: App) -> None:
    raw = RawClient(server.port)
    assert raw.request("GET", "/echo").status == 200
    server.shutdown()
    server.server_close()
    assert raw.closed_by_server()
    raw.close()


def test_access_log_goes_to_module_logger_only(
    client: RawClient, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="pytest_s3emu.httpserver")
    client.request("GET", "/echo/logged")
    # the first request is logged before the server reads the second one
    client.request("GET", "/echo/second")
    records = [r for r in caplog.records if "/echo/logged" in r.getMessage()]
    assert [(r.name, r.levelno) for r in records] == [("pytest_s3emu.httpserver", logging.DEBUG)]
    assert not [r for r in caplog.records if r.name == "werkzeug"]
    assert capfd.readouterr().err == ""


class _Signal(logging.Handler):
    def __init__(self, needle: str) -> None:
        super().__init__(logging.DEBUG)
        self.needle = needle
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.seen.set()


def test_client_disconnect_mid_body_is_quiet(client: RawClient, capfd: pytest.CaptureFixture[str]) -> None:
    signal = _Signal("went away")
    logger = logging.getLogger("pytest_s3emu.httpserver")
    logger.addHandler(signal)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        client.send(b"PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly a few bytes")
        client.close()
        assert signal.seen.wait(TIMEOUT)
    finally:
        logger.removeHandler(signal)
        logger.setLevel(old_level)
    assert capfd.readouterr().err == ""


# A request line S3 cannot parse is answered, with a status line, and the connection closed:
# http.server would take it for HTTP/0.9 and write a bare body (or nothing) instead
@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("GET / HTTP/2.0", 505),
        ("GET / HTTP/3", 505),
        ("GET / HTTP/1.1x", 505),
        ("GET / FTP/1.1", 505),
        ("GET /a b HTTP/1.1", 505),  # a space in the target: the line has four words
        ("GET / HTTP/1.1 extra", 505),
        ("GET /", 400),  # HTTP/0.9
        ("PUT /echo", 400),
        ("GARBAGE", 400),
    ],
)
def test_malformed_request_line_is_answered_and_closes(
    client: RawClient, line: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    client.send(f"{line}\r\nHost: x\r\n\r\n".encode())
    response = client.response()
    assert response.status == status
    assert response.headers["Connection"] == "close"
    assert client.closed_by_server()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_later_minor_version_is_served_as_http11(client: RawClient) -> None:
    # RFC 9112 2.3: a server answers a higher minor version of its major version as its own
    client.send(b"GET /x HTTP/1.2\r\nHost: x\r\n\r\n")
    assert client.response().json()["path_info"] == "/x"


def test_malformed_request_line_answer_from_the_app_hook(server: KeepAliveWSGIServer) -> None:
    def refuse(unsupported_version: bool) -> tuple[int, list[tuple[str, str]], list[bytes]]:
        body = b"version" if unsupported_version else b"syntax"
        return (505 if unsupported_version else 400), [("Content-Length", str(len(body)))], [body]

    server.refuse_request_line = refuse
    for line, expected in ((b"GET / HTTP/2.0", (505, b"version")), (b"GET /", (400, b"syntax"))):
        raw = RawClient(server.port)
        try:
            raw.send(line + b"\r\n\r\n")
            response = raw.response()
            assert (response.status, response.body) == expected
            assert raw.closed_by_server()
        finally:
            raw.close()
