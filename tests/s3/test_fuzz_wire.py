"""A bounded, deterministic fuzz test: whatever bytes arrive, the emulator answers no 5xx but 501
and logs no traceback.

Requests start from the model's operations (method, ``requestUri``, query, header and payload
members, signed with botocore's SigV4 signer or not) and a few of their parts are then mutated:
the request line, headers, query string and body, with bytes that are not UTF-8, broken framing
and values of the wrong type. Each goes over its own socket, half-closed once sent, so a body
shorter than it claims cannot keep the server waiting.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from botocore.model import OperationModel, Shape
from rawhttp import exchange, listing_statuses, send, signed

from pytest_s3emu.model import S3_XMLNS, all_operations
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SEEDS = (1, 2, 3, 4)
REQUESTS_PER_SEED = 100
# percent-encodings that are not UTF-8 (a lone byte, a cut sequence, a surrogate, an overlong form)
BAD_KEYS = ("%FF", "a%C3", "%E2%82", "%ED%A0%80", "%C0%AF", "d/%80/k")
KEYS = ("k", "dir/k", "a%20b", "%E2%82%AC", "x" * 300, *BAD_KEYS)
# values of the wrong kind for any member: not UTF-8, negative, huge, empty, not a number
ODD_VALUES = ("", "-1", "0", "99999999999999999999", "abc", "\xff\xfe", "%FF", "\u00e9", "true", " ", "*")
ODD_PATH_PARTS = ("%FF", "%", "%zz", "%00", "\xff", "//", "/../", "%2F", "?", "~", "%C3")
METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "FOO", "get", "CONNECT")
VERSIONS = ("HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.1x", "HTTP/1.1 extra")


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    version: str = "HTTP/1.1"
    framed: bool = False  # a mutation set its own Content-Length or Transfer-Encoding

    def well_formed_line(self) -> bool:
        """An HTTP/1.x request line of three words, which the server must answer with a status."""
        words = (self.method, self.path)
        return self.version in ("HTTP/1.0", "HTTP/1.1") and all(w and w.split() == [w] for w in words)

    def wire(self) -> bytes:
        lines = [f"{self.method} {self.path} {self.version}", *(f"{n}: {v}" for n, v in self.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + self.body


def _value(rng: random.Random, shape: Shape) -> str:
    """A value of the member's type most of the time, else one of the wrong kind."""
    if rng.random() < 0.3:
        return rng.choice(ODD_VALUES)
    kind = shape.type_name
    enum = getattr(shape, "enum", None)  # only StringShape has one
    if enum:
        return str(rng.choice(enum))
    if kind in ("integer", "long"):
        return str(rng.choice((1, 2, 1000, 5 * 1024**3)))
    if kind == "boolean":
        return rng.choice(("true", "false"))
    if kind == "timestamp":
        return rng.choice(("Wed, 01 Jan 2025 00:00:00 GMT", "2025-01-01T00:00:00Z"))
    return rng.choice(("v", "a b", "x-1", "bytes=0-1"))


def _element(rng: random.Random, shape: Shape, tag: str, depth: int) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    members = getattr(shape, "members", None)
    if shape.type_name == "list":
        item: Shape = shape.member  # type: ignore[attr-defined]  # ListShape
        for _ in range(rng.randint(0, 2)):
            element.append(_element(rng, item, item.serialization.get("name", "member"), depth + 1))
    elif members and depth < 4:
        for name, member in rng.sample(list(members.items()), k=min(len(members), rng.randint(1, 4))):
            element.append(_element(rng, member, member.serialization.get("name", name), depth + 1))
    else:
        element.text = _value(rng, shape)
    return element


def _payload(rng: random.Random, operation: OperationModel) -> bytes:
    shape = operation.input_shape
    payload = shape.serialization.get("payload") if shape is not None else None
    if shape is None or payload is None:
        return b""
    member = shape.members[payload]
    if member.type_name != "structure":
        return rng.choice((b"", b"data", b'{"Version": "2012-10-17", "Statement": []}', rng.randbytes(64)))
    root = _element(rng, member, member.serialization.get("name", payload), 0)
    if rng.random() < 0.5:
        root.set("xmlns", S3_XMLNS)
    return ElementTree.tostring(root, encoding="utf-8")


def _from_operation(rng: random.Random, operation: OperationModel, bucket: str) -> Request:
    path, _, static = operation.http["requestUri"].partition("?")
    path = path.replace("{Bucket}", bucket).replace("{Key+}", rng.choice(KEYS))
    query, headers = [static] if static else [], []
    shape = operation.input_shape
    for name, member in shape.members.items() if shape is not None else ():
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        wanted = name in shape.required_members or rng.random() < 0.15  # type: ignore[union-attr]  # not None here
        if location == "querystring" and wanted:
            query.append(f"{wire}={quote(_value(rng, member), safe='')}")
        elif location == "header" and wanted:
            headers.append((wire, _value(rng, member)))
    body = _payload(rng, operation)
    if body and rng.random() < 0.7:  # most configuration puts require it
        headers.append(("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode()))
    return Request(operation.http["method"], path + ("?" + "&".join(query) if query else ""), headers, body)


def _post_form(rng: random.Random, bucket: str) -> Request:
    boundary = "fuzz" + str(rng.randint(0, 999))
    fields = [("key", rng.choice(("k", "${filename}", "\xff\xfe", ""))), ("x-amz-meta-m", "\u00e9\u20ac")]
    fields += [
        (rng.choice(("policy", "acl", "success_action_status", "Content-Type")), rng.choice(ODD_VALUES))
    ]
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n' for n, v in fields]
    file_part = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
    body = (
        ("".join(parts) + file_part).encode("utf-8") + rng.randbytes(16) + f"\r\n--{boundary}--\r\n".encode()
    )
    return Request(
        "POST", f"/{bucket}", [("Content-Type", f"multipart/form-data; boundary={boundary}")], body
    )


# --- mutations ---------------------------------------------------------------------------------------


def _mutate_line(rng: random.Random, request: Request) -> None:
    choice = rng.random()
    if choice < 0.3:
        request.method = rng.choice(METHODS)
    elif choice < 0.8:
        cut = rng.randint(1, len(request.path))
        request.path = request.path[:cut] + rng.choice(ODD_PATH_PARTS) + request.path[cut:]
    elif choice < 0.9:
        request.version = rng.choice(VERSIONS)
    else:
        request.path = rng.choice(("*", "http://127.0.0.1/x", "", "/" + "a" * 5000, "/_s3emu/health%FF"))


def _mutate_query(rng: random.Random, request: Request) -> None:
    names = ("uploads", "versionId", "partNumber", "uploadId", "max-keys", "list-type", "prefix", "tagging")
    name = rng.choice((*names, "continuation-token", "encoding-type", "X-Amz-Algorithm", "\xff", "%FF"))
    value = rng.choice((*ODD_VALUES, "AWS4-HMAC-SHA256", "2"))
    separator = "&" if "?" in request.path else "?"
    request.path += separator + (name if rng.random() < 0.2 else f"{name}={value}")


def _mutate_headers(rng: random.Random, request: Request) -> None:
    name = rng.choice(
        (
            "Content-Length", "Transfer-Encoding", "Content-MD5", "x-amz-content-sha256", "Authorization",
            "x-amz-date", "Date", "Range", "x-amz-copy-source", "x-amz-copy-source-range", "Expect",
            "Content-Encoding", "x-amz-decoded-content-length", "x-amz-checksum-crc32", "Host",
            "x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm", "x-amz-trailer", "If-Match",
            "x-amz-meta-\xff", "x-amz-tagging", "x-amz-acl", "x-amz-grant-read", "Content-Type",
        )
    )  # fmt: skip
    values = (*ODD_VALUES, "chunked", "aws-chunked", "100-continue", "gzip, aws-chunked", "/b/k", "bytes=5-1")
    value = rng.choice((*values, "AWS4-HMAC-SHA256 Credential=a/b/c/s3/aws4_request, Signature=\xe9"))
    if name == "Content-Length":
        value = rng.choice(("-1", "abc", "1" * 30, "0", str(len(request.body)), f"{len(request.body)}, 1"))
    if name in ("Content-Length", "Transfer-Encoding"):
        request.framed = True
    request.headers.append((name, value))


def _mutate_body(rng: random.Random, request: Request) -> None:
    body = request.body
    choice = rng.random()
    if choice < 0.25:
        request.body = rng.randbytes(rng.randint(0, 512))
    elif choice < 0.5 and body:
        request.body = body[: rng.randint(0, len(body))]
    elif choice < 0.75:
        cut = rng.randint(0, len(body))
        request.body = (
            body[:cut] + rng.choice((b"\xff", b"\xc3", b"<", b"&bogus;", b"\x00", b"]]>")) + body[cut:]
        )
    else:
        encoding = rng.choice((b"bogus", b"utf-16", b"rot13", b"latin-1", b"idna"))
        request.body = b'<?xml version="1.0" encoding="' + encoding + b'"?>' + body


MUTATIONS: tuple[Callable[[random.Random, Request], None], ...] = (
    _mutate_line,
    _mutate_query,
    _mutate_headers,
    _mutate_body,
)


def _finish(rng: random.Random, request: Request, emulator: S3Emulator) -> Request:
    """Host, body framing and, for about half, a SigV4 signature over the request as it is now."""
    if rng.random() < 0.5:
        try:
            headers = signed(emulator, request.method, request.path, request.body, dict(request.headers))
            request.headers = list(headers.items())
        except Exception:  # botocore cannot sign some mangled requests: those go unsigned
            pass
    host = emulator.endpoint_url.split("://", 1)[1]
    request.headers.insert(0, ("Host", host))
    if not request.framed:
        request.headers.append(("Content-Length", str(len(request.body))))
    return request


def _requests(seed: int, emulator: S3Emulator, bucket: str) -> list[Request]:
    rng = random.Random(seed)
    operations = all_operations()
    out = []
    for _ in range(REQUESTS_PER_SEED):
        target = rng.choice((bucket, bucket, bucket, "missing-bucket-fuzz", "Bad_Bucket"))
        if rng.random() < 0.05:
            request = _post_form(rng, target)
        else:
            request = _from_operation(rng, rng.choice(operations), target)
        for mutate in rng.sample(MUTATIONS, k=rng.randint(0, 3)):
            mutate(rng, request)
        out.append(_finish(rng, request, emulator))
    return out


@pytest.mark.http_only
@pytest.mark.parametrize("seed", SEEDS)
def test_fuzzed_wire_requests_get_no_server_error(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    for key in ("k", "dir/k"):
        s3.put_object(Bucket=s3_bucket, Key=key, Body=b"0123456789")
    caplog.set_level(logging.WARNING, logger="pytest_s3emu")
    failures = []
    for index, request in enumerate(_requests(seed, s3emu, s3_bucket)):
        response = exchange(s3emu, request.wire(), head=request.method == "HEAD")
        # every request line gets an HTTP/1.1 answer: a malformed one S3's 400 BadRequest, or
        # 505 HttpVersionNotSupported for a version that is not HTTP/1.x
        allowed = (501,) if request.well_formed_line() else (501, 505)
        if response is None:
            failures.append((index, None, request.wire()[:400], b"no answer"))
        elif response.status >= 500 and response.status not in allowed:
            failures.append((index, response.status, request.wire()[:400], response.body[:300]))
    assert not failures, f"server errors for seed {seed}: {failures}"
    # writes of names S3 refuses, then every listing of a bucket they would have landed in: a
    # name stored by mistake breaks the listings, not the write
    written = s3_bucket + "-w"
    s3.create_bucket(Bucket=written)
    for key in BAD_KEYS:
        for method, query in (("PUT", ""), ("POST", "?uploads")):
            status = send(s3emu, method, f"/{written}/{key}{query}", b"data").status
            assert status < 500, (method, key, status)
    listed = listing_statuses(s3emu, written)
    assert all(status == 200 for status in listed.values()), listed
    crashed = [
        (r.getMessage(), r.exc_info) for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info
    ]
    assert not crashed, f"the emulator logged errors for seed {seed}: {crashed}"
