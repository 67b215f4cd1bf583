"""Hand-made HTTP requests to the emulator, for what boto3 cannot send (imported by the S3 tests)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pytest_s3emu.server import S3Emulator

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


class _QuerySigner(S3SigV4Auth):
    """botocore's S3 SigV4 signer, with the query of a raw URL canonicalised as SigV4 says.

    botocore signs a URL's query as written (it builds its own already encoded); a test's query
    may leave "/" or other reserved characters bare, which the canonical query encodes.
    """

    def canonical_query_string(self, request: Any) -> str:
        if request.params:
            return str(super().canonical_query_string(request))
        pairs = []
        for pair in filter(None, urlsplit(request.url).query.split("&")):
            key, _, value = pair.partition("=")
            pairs.append((_uri_encode(key), _uri_encode(value)))
        return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _uri_encode(text: str) -> str:
    """SigV4's UriEncode of a query component: every byte but the RFC 3986 unreserved ones."""
    return quote(unquote(text), safe="-_.~")


class _Signer(_QuerySigner):
    """The raw signer, also signing the x-amz-content-sha256 the test chose as it is."""

    def __init__(self, credentials: Credentials, region: str, payload: str) -> None:
        super().__init__(credentials, "s3", region)
        # botocore drops the header before it asks payload() for the value to sign
        self._payload = payload

    def payload(self, request: Any) -> str:
        return self._payload


def signed_headers(
    emulator: S3Emulator,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    credentials: tuple[str, str] | None = None,
) -> dict[str, str]:
    """``headers`` plus a SigV4 Authorization (botocore's signer) for the default account or
    ``credentials``."""
    keys = emulator.accounts.default.credentials
    access, secret = credentials or (keys.access_key, keys.secret_key)
    request = AWSRequest(method=method, url=emulator.endpoint_url + path, headers=dict(headers or {}))
    payload = request.headers.get("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
    _Signer(Credentials(access, secret), emulator.region, payload).add_auth(request)
    return dict(request.headers.items())


def _has_signature(path: str, headers: dict[str, str] | None) -> bool:
    """Whether the test signed (or deliberately mis-signed) the request itself."""
    query = path.partition("?")[2]
    return "authorization" in {name.lower() for name in headers or {}} or any(
        part.startswith(("X-Amz-Signature=", "Signature=", "X-Amz-Algorithm=")) for part in query.split("&")
    )


def send(
    emulator: S3Emulator,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
    *,
    encode_chunked: bool = False,
    sign: bool = True,
) -> RawResponse:
    """One request straight to the emulator over ``http.client``, signed as the default account
    (``sign=False``: anonymous, as sent)."""
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None
    if sign and not _has_signature(path, headers):
        headers = signed_headers(emulator, method, path, headers)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=encode_chunked)
        response = conn.getresponse()
        data = response.read()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def signed_chunks(
    emulator: S3Emulator,
    path: str,
    data: bytes,
    chunk: int,
    headers: dict[str, str],
    credentials: tuple[str, str] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A SigV4 streaming PUT (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) of ``data`` in ``chunk``-byte
    chunks: the signed headers and the aws-chunked body, each chunk signed as the AWS guide
    "Transferring Payload in Multiple Chunks" describes (as the default account or with
    ``credentials``, an access key and secret)."""
    headers = {**headers, "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}
    sent = signed_headers(emulator, "PUT", path, headers, credentials)
    previous = sent["Authorization"].rpartition("Signature=")[2]
    amz_date = sent["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{emulator.region}/s3/aws4_request"
    secret = credentials[1] if credentials else emulator.accounts.default.credentials.secret_key
    key = ("AWS4" + secret).encode()
    for part in (amz_date[:8], emulator.region, "s3", "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    empty = hashlib.sha256(b"").hexdigest()
    body = b""
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] + [b""]
    for piece in pieces:
        digest = hashlib.sha256(piece).hexdigest()
        text = f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{previous}\n{empty}\n{digest}"
        previous = hmac.digest(key, text.encode(), "sha256").hex()
        body += f"{len(piece):x};chunk-signature={previous}\r\n".encode() + piece + b"\r\n"
    return body, sent


def signed(
    emulator: S3Emulator,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    region: str | None = None,
) -> dict[str, str]:
    """``headers`` plus the SigV4 headers botocore's own signer adds for the default account
    (payload hashed; scoped to ``region``, the emulator's by default)."""
    request = AWSRequest(method=method, url=emulator.endpoint_url + path, data=body, headers=headers or {})
    keys = emulator.accounts.default.credentials
    credentials = Credentials(keys.access_key, keys.secret_key)
    _QuerySigner(credentials, "s3", region or emulator.region).add_auth(request)
    return dict(request.headers.items())


def send_raw(emulator: S3Emulator, head: bytes, body: bytes = b"", *, sign: bool = True) -> RawResponse:
    """Request bytes written as given (``head`` without its blank line), for framing http.client
    would fix on the way (it adds ``Content-Length: 0`` to a bodiless PUT); signed as the default
    account unless ``sign=False`` (the Host line is then the emulator's, as the signature needs)."""
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None
    if sign:
        head = signed_head(emulator, head)
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


def signed_head(emulator: S3Emulator, head: bytes) -> bytes:
    """A request head (request line and header lines) with the default account's SigV4 headers."""
    first, *lines = head.decode().rstrip("\r\n").split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = dict(line.split(": ", 1) for line in lines)
    headers = {k: v for k, v in headers.items() if k.lower() != "host"}
    headers = signed_headers(emulator, method, target, headers)
    host = urlsplit(emulator.endpoint_url).netloc
    text = "\r\n".join([first, f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())])
    return text.encode()
