"""Canned S3 answers: the floor the emulator is measured against.

The same fixed answers serve three ways: a WSGI app on our keep-alive server (the floor over
HTTP), the same app on Werkzeug's stock server (a new connection per call), and a botocore
``before-send`` handler (botocore alone, no socket). The answers look like the emulator's (and
S3's): same headers, checksums, listing documents and page sizes, so the client does the same
parsing and validation work whichever target it talks to.
"""

from __future__ import annotations

import base64
import io
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.etree import ElementTree

XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
BLOCK = 1024 * 1024
ZEROS = bytes(BLOCK)  # every canned object body is zeros
LAST_MODIFIED = "Sun, 01 Jun 2025 12:00:00 GMT"
LAST_MODIFIED_ISO = "2025-06-01T12:00:00.000Z"
EMPTY_ETAG = '"d41d8cd98f00b204e9800998ecf8427e"'
PAGE = 1000  # S3's (and the emulator's) default MaxKeys

Answer = tuple[int, list[tuple[str, str]], Iterable[bytes]]


def list_key(index: int) -> str:
    return f"key-{index:06d}"


def delete_key(index: int) -> str:
    return f"del-{index:06d}"


def zeros(size: int) -> Iterator[bytes]:
    """``size`` zero bytes in blocks of at most 1 MiB (whole blocks are not copied)."""
    while size > 0:
        piece = min(size, BLOCK)
        yield ZEROS if piece == BLOCK else ZEROS[:piece]
        size -= piece


def _crc32_b64(size: int) -> str:
    crc = 0
    for block in zeros(size):
        crc = zlib.crc32(block, crc)
    return base64.b64encode(crc.to_bytes(4, "big")).decode()


def _xml(root: str, children: list[tuple[str, Any]]) -> bytes:
    element = ElementTree.Element(root, xmlns=XMLNS)
    _fill(element, children)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element)


def _fill(parent: ElementTree.Element, children: list[tuple[str, Any]]) -> None:
    for tag, value in children:
        child = ElementTree.SubElement(parent, tag)
        if isinstance(value, list):
            _fill(child, value)
        else:
            child.text = str(value)


@dataclass
class Canned:
    """The fixed objects of the workload: their sizes decide every answer.

    ``objects`` maps a key to its size; any other key is 1 KiB. The listing bucket holds
    ``list_keys`` empty keys, DeleteObjects names ``delete_keys`` keys.
    """

    list_keys: int = 10_000
    delete_keys: int = 1_000
    objects: dict[str, int] = field(default_factory=dict)
    small: int = 1024
    _checksums: dict[int, str] = field(default_factory=dict)
    _pages: dict[int, bytes] = field(default_factory=dict)
    _delete_result: bytes | None = None

    def size_of(self, key: str) -> int:
        return self.objects.get(key, self.small)

    def checksum(self, size: int) -> str:
        if size not in self._checksums:
            self._checksums[size] = _crc32_b64(size)
        return self._checksums[size]

    def prepare(self) -> None:
        """Compute every document and checksum now, outside the timed loops."""
        for size in {self.small, *self.objects.values()}:
            self.checksum(size)
        for page in range(max(1, -(-self.list_keys // PAGE))):
            self._page(page, "bench")
        self._deleted()

    # -- answers --------------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str]) -> Answer:
        """The answer to one request; ``headers`` are the request's, lower-cased names."""
        path, _, query_string = target.partition("?")
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        parts = path.lstrip("/").split("/", 1)
        bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
        ids = [("x-amz-request-id", "0123456789ABCDEF"), ("x-amz-id-2", "Y2FubmVkIGFuc3dlcg==")]
        if not key:
            return self._bucket(method, bucket, query, ids)
        if method == "PUT":
            return self._put(query, headers, ids)
        if method == "POST":
            return self._multipart(bucket, key, query, ids)
        if method in ("GET", "HEAD"):
            return self._get(method, key, headers, ids)
        return 204, [*ids, ("Content-Length", "0")], []

    def _bucket(self, method: str, bucket: str, query: dict[str, str], ids: list[tuple[str, str]]) -> Answer:
        if method == "PUT":
            return 200, [("Location", f"/{bucket}"), *ids, ("Content-Length", "0")], []
        if method == "DELETE":
            return 204, [*ids, ("Content-Length", "0")], []
        if method == "POST" and "delete" in query:
            return self._document(self._deleted(), ids)
        if method == "GET" and query.get("list-type") == "2":
            token = query.get("continuation-token", "page-0")
            return self._document(self._page(int(token.rsplit("-", 1)[1]), bucket), ids)
        return 200, [*ids, ("Content-Length", "0")], []

    def _put(self, query: dict[str, str], headers: dict[str, str], ids: list[tuple[str, str]]) -> Answer:
        found = [("ETag", '"0f343b0931126a20f133d67c2b018a3b"')]
        if "uploadId" not in query:
            found.append(("x-amz-server-side-encryption", "AES256"))
        for name, value in headers.items():
            if name.startswith("x-amz-checksum-") and name != "x-amz-checksum-type":
                found.append((name, value))  # S3 echoes the checksum it verified
        return 200, [*found, *ids, ("Content-Length", "0")], []

    def _multipart(self, bucket: str, key: str, query: dict[str, str], ids: list[tuple[str, str]]) -> Answer:
        if "uploads" in query:
            children = [("Bucket", bucket), ("Key", key), ("UploadId", "canned-upload-id")]
            return self._document(_xml("InitiateMultipartUploadResult", children), ids)
        children = [
            ("Location", f"http://127.0.0.1/{bucket}/{key}"),
            ("Bucket", bucket),
            ("Key", key),
            ("ETag", '"3858f62230ac3c915f300c664312c11f-32"'),
        ]
        return self._document(_xml("CompleteMultipartUploadResult", children), ids)

    def _get(self, method: str, key: str, headers: dict[str, str], ids: list[tuple[str, str]]) -> Answer:
        size = self.size_of(key)
        found = [
            ("Accept-Ranges", "bytes"),
            ("Last-Modified", LAST_MODIFIED),
            ("ETag", '"0f343b0931126a20f133d67c2b018a3b"'),
            ("Content-Type", "binary/octet-stream"),
            ("x-amz-server-side-encryption", "AES256"),
        ]
        status, start, length = 200, 0, size
        ranged = headers.get("range", "")
        if ranged.startswith("bytes="):
            first, _, last = ranged[6:].partition("-")
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
            status, length = 206, end - start + 1
            found.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        elif headers.get("x-amz-checksum-mode", "").upper() == "ENABLED":
            found += [("x-amz-checksum-crc32", self.checksum(size)), ("x-amz-checksum-type", "FULL_OBJECT")]
        found += [*ids, ("Content-Length", str(length))]
        return status, found, ([] if method == "HEAD" else zeros(length))

    def _document(self, body: bytes, ids: list[tuple[str, str]]) -> Answer:
        headers = [("Content-Type", "application/xml"), *ids, ("Content-Length", str(len(body)))]
        return 200, headers, [body]

    def _page(self, page: int, bucket: str) -> bytes:
        if page not in self._pages:
            first, last = page * PAGE, min((page + 1) * PAGE, self.list_keys)
            children: list[tuple[str, Any]] = [("IsTruncated", str(last < self.list_keys).lower())]
            for index in range(first, last):
                children.append(("Contents", _entry(list_key(index))))
            children += [("Name", bucket), ("Prefix", ""), ("MaxKeys", PAGE), ("EncodingType", "url")]
            children.append(("KeyCount", last - first))
            if page:
                children.append(("ContinuationToken", f"page-{page}"))
            if last < self.list_keys:
                children.append(("NextContinuationToken", f"page-{page + 1}"))
            self._pages[page] = _xml("ListBucketResult", children)
        return self._pages[page]

    def _deleted(self) -> bytes:
        if self._delete_result is None:
            children = [("Deleted", [("Key", delete_key(i))]) for i in range(self.delete_keys)]
            self._delete_result = _xml("DeleteResult", children)
        return self._delete_result


def _entry(key: str) -> list[tuple[str, Any]]:
    return [
        ("Key", quote(key, safe="/")),  # EncodingType=url
        ("LastModified", LAST_MODIFIED_ISO),
        ("ETag", EMPTY_ETAG),
        ("ChecksumAlgorithm", "CRC32"),
        ("ChecksumType", "FULL_OBJECT"),
        ("Size", 0),
        ("StorageClass", "STANDARD"),
    ]


# -- the three ways to serve them -----------------------------------------------------------------


class CannedApp:
    """A minimal WSGI app: reads the request body to the end, then answers from :class:`Canned`."""

    def __init__(self, canned: Canned) -> None:
        self.canned = canned

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        from werkzeug.wsgi import get_input_stream

        stream = get_input_stream(environ)  # bounded by Content-Length (or the chunked framing)
        while stream.read(BLOCK):
            pass
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        target = environ.get("REQUEST_URI") or environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", "")
        status, answer_headers, body = self.canned.answer(environ["REQUEST_METHOD"], target, headers)
        start_response(f"{status} {'OK' if status < 300 else 'Other'}", answer_headers)
        return body


class _Raw(io.BytesIO):
    """The smallest stand-in for urllib3's response that botocore reads: ``read`` and ``stream``."""

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk


def before_send(canned: Canned, endpoint: str) -> Any:
    """A botocore ``before-send`` handler answering from :class:`Canned` (botocore alone: no socket)."""
    from botocore.awsrequest import AWSResponse

    def handler(request: Any, **_: Any) -> AWSResponse:
        headers = {
            name.lower(): (value.decode("latin-1") if isinstance(value, bytes) else value)
            for name, value in request.headers.items()
        }
        target = request.url[len(endpoint) :] or "/"
        status, answer_headers, body = canned.answer(request.method, target, headers)
        chunks = list(body)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return AWSResponse(request.url, status, dict(answer_headers), _Raw(data))

    return handler
