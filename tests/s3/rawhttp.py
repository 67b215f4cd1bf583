"""Hand-made HTTP requests to the emulator, for what boto3 cannot send (imported by the S3 tests)."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.etree import ElementTree

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pytest_s3emu.server import ACCESS_KEY, SECRET_KEY, S3Emulator

XMLNS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@dataclass
class RawResponse:
    """An answer to a hand-made request: status, lower-cased headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, str]:
        """The children of an ``<Error>`` body, by tag."""
        root = ElementTree.fromstring(self.body)
        assert root.tag == "Error"
        return {child.tag: child.text or "" for child in root}


def send(
    emulator: S3Emulator,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
    *,
    encode_chunked: bool = False,
) -> RawResponse:
    """One unsigned request straight to the emulator over ``http.client`` (the emulator accepts those)."""
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=encode_chunked)
        response = conn.getresponse()
        data = response.read()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def signed(
    emulator: S3Emulator,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    region: str | None = None,
) -> dict[str, str]:
    """``headers`` plus the SigV4 headers botocore's own signer adds for the emulator's credentials
    (scoped to ``region``, the emulator's by default)."""
    request = AWSRequest(method=method, url=emulator.endpoint_url + path, data=body, headers=headers or {})
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    S3SigV4Auth(credentials, "s3", region or emulator.region).add_auth(request)
    return dict(request.headers.items())


def send_raw(emulator: S3Emulator, head: bytes, body: bytes = b"") -> RawResponse:
    """Request bytes written as given (``head`` without its blank line), for framing http.client
    would fix on the way (it adds ``Content-Length: 0`` to a bodiless PUT)."""
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head.rstrip(b"\r\n") + b"\r\nConnection: close\r\n\r\n" + body)
        response = http.client.HTTPResponse(sock, method=head.split(b" ", 1)[0].decode())
        response.begin()
        data = response.read()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)


def exchange(
    emulator: S3Emulator, request: bytes, *, head: bool = False, timeout: float = 10
) -> RawResponse | None:
    """Send ``request`` as raw bytes over a socket and read one answer.

    The sending side is shut down once the bytes are out, so a body shorter than it claims ends
    at once instead of keeping the server waiting. None if the server closed without an HTTP/1.x
    answer (http.server answers a request line it takes for HTTP/0.9 with a bare body).
    """
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed: its answer may still be readable
        response = http.client.HTTPResponse(sock, method="HEAD" if head else "GET")
        try:
            response.begin()
            data = response.read()
        except (http.client.BadStatusLine, ConnectionResetError):  # RemoteDisconnected is one
            return None
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)


# Every listing of a bucket, with and without encoding-type=url: a name stored by a bad write
# (one that should have been refused) shows up in these answers
LISTINGS = (
    "",
    "?encoding-type=url",
    "?list-type=2",
    "?list-type=2&encoding-type=url",
    "?versions",
    "?versions&encoding-type=url",
    "?uploads",
    "?uploads&encoding-type=url",
)


def listing_statuses(emulator: S3Emulator, bucket: str) -> dict[str, int]:
    """The HTTP status of each of a bucket's ``LISTINGS``."""
    return {query: send(emulator, "GET", f"/{bucket}{query}").status for query in LISTINGS}
