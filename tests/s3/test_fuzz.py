"""A bounded, deterministic fuzz campaign: malformed requests get S3's 4xx, never a 5xx but 501.

Requests are built from the model's own operations (their paths, query strings and headers) and
then mutated: random values, bytes that are not UTF-8, odd request lines and XML bodies, half of
them signed with the emulator's credentials. The autouse no-500 guard of tests/conftest.py and the
emulator's crash check fail the test if any request made the emulator stumble.
"""

from __future__ import annotations

import contextlib
import random
import socket
from urllib.parse import quote, urlsplit

import pytest
from rawhttp import listing_statuses, send, signed

from pytest_s3emu import model
from pytest_s3emu.server import S3Emulator

REQUESTS = 400
_ODD = [
    "",
    " ",
    "%",
    "%zz",
    "%ff%fe",
    "\x00",
    "\u00e9",
    "../..",
    "a" * 1100,
    "-1",
    "99999999999999999999",
    "*",
]
_BODIES = [
    b"",
    b"<",
    b"<?xml version='1.0' encoding='klingon'?><a/>",
    b"<Delete><Object><Key>k</Key></Object></Delete>",
    b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>",
    b"\xff\xfe\x00garbage",
    b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>",
    b'{"Version": "2012-10-17"',
]


# percent-encodings that are not UTF-8 (a lone byte, a cut sequence, a surrogate, an overlong
# form, a 5-byte form), which S3 refuses with 400 InvalidURI, and some that are
_BAD_KEYS = ["%ff%fe", "%C3", "a%E2%82", "%ED%A0%80", "%C0%AF", "%F8%88%80%80%80", "x/%80/y"]
_KEYS = ["k", "dir/k", "%C3%A9", "a%00b", "sp ace", "%", "%zz", "%2", *_BAD_KEYS]


def _value(rng: random.Random) -> str:
    return rng.choice([*_ODD, str(rng.randint(-5, 10**6)), "true", "AES256", "GLACIER", "2026-13-45"])


def _request(rng: random.Random, bucket: str) -> tuple[str, str, dict[str, str], bytes]:
    operation = rng.choice(model.all_operations())
    method = operation.http["method"]
    path, _, fixed_query = operation.http["requestUri"].partition("?")
    key = rng.choice(_KEYS)
    if rng.random() < 0.2:  # a bad percent-encoding anywhere in a longer key
        key = rng.choice(_KEYS) + "/" + rng.choice(_BAD_KEYS) + rng.choice(["", "z", "/k"])
    path = path.replace("{Bucket}", rng.choice([bucket, bucket, "no-such-bucket-x", "BAD_name", "%ff"]))
    path = path.replace("{Key+}", key)
    query = [fixed_query] if fixed_query else []
    headers: dict[str, str] = {}
    shape = operation.input_shape
    for name, member in shape.members.items() if shape is not None else []:
        if rng.random() > 0.3:
            continue
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "querystring":
            query.append(f"{wire}={quote(_value(rng), safe='%')}")
        elif location == "header":
            headers[wire] = _value(rng).encode("utf-8").decode("latin-1")
    if rng.random() < 0.2:
        method = rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"])
    target = quote(path, safe="/%?=&") + ("?" + "&".join(q for q in query if q) if query else "")
    return method, target, headers, rng.choice(_BODIES)


def _send(emulator: S3Emulator, method: str, target: str, headers: dict[str, str], body: bytes) -> int:
    url = urlsplit(emulator.endpoint_url)
    assert url.hostname is not None and url.port is not None
    lines = [
        f"{method} {target} HTTP/1.1",
        f"Host: {url.netloc}",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    lines += [
        f"{name}: {value}" for name, value in headers.items() if "\r" not in value and "\n" not in value
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(head + body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.http_only  # hand-made requests on raw sockets
@pytest.mark.parametrize("seed", [1, 2])
def test_malformed_requests_never_get_a_server_error(s3emu: S3Emulator, s3_bucket: str, seed: int) -> None:
    rng = random.Random(seed)
    bad = []
    statuses: dict[int, int] = {}
    for _ in range(REQUESTS // 2):
        method, target, headers, body = _request(rng, s3_bucket)
        if rng.random() < 0.5:
            # botocore cannot sign some mutations: those go out unsigned
            with contextlib.suppress(Exception):
                headers = signed(s3emu, method, target, body, headers)
        status = _send(s3emu, method, target, headers, body)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500 and status != 501:
            bad.append((status, method, target, headers))
    assert not bad, bad[:5]
    # then plain writes of the bad keys, and every listing: a name stored by a write that should
    # have been refused makes later listings fail (in a bucket of its own: the campaign may have
    # deleted s3_bucket)
    written = s3_bucket + "-w"
    assert send(s3emu, "PUT", f"/{written}").status == 200
    for key in _BAD_KEYS:
        for method, query in (("PUT", ""), ("POST", "?uploads")):
            status = send(s3emu, method, f"/{written}/{key}{query}", b"data").status
            assert status < 500, (method, key, status)
    listed = listing_statuses(s3emu, written)
    assert all(status == 200 for status in listed.values()), listed
    # the campaign reaches the handlers, not only the front door: some requests succeed
    assert sum(n for status, n in statuses.items() if status < 300) > 0, statuses
