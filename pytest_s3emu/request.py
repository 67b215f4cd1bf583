"""The HTTP request as the protocol engine sees it, built from a WSGI environ."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import parse_qsl


@dataclass(slots=True)
class HttpRequest:
    """Method, raw (still percent-encoded) path, decoded query and lower-cased headers."""

    method: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: BinaryIO = field(default_factory=io.BytesIO)
    environ: dict[str, object] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def host(self) -> str:
        return self.headers.get("host", "")


def parse_query(query_string: str) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    if not query_string:
        return query
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        query.setdefault(name, []).append(value)
    return query


def _raw_target(environ: dict[str, object]) -> str:
    # REQUEST_URI/RAW_URI keep the percent-encoding that PATH_INFO has already undone, and the
    # router must split the path on encoded bytes ("%2F" inside a key is not a separator).
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if isinstance(target, str) and target:
        return target
    path = str(environ.get("PATH_INFO", "/")).encode("latin-1").decode("utf-8", "surrogateescape")
    query = str(environ.get("QUERY_STRING", ""))
    return path + ("?" + query if query else "")


def _strip_absolute_form(target: str) -> str:
    # a request sent to us as a proxy carries an absolute URI: keep only its path and query
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"
    return target


@functools.lru_cache(maxsize=512)
def _header_name(key: str) -> str:
    """``HTTP_X_AMZ_DATE`` -> ``x-amz-date``."""
    return key[5:].replace("_", "-").lower()


def from_environ(environ: dict[str, object]) -> HttpRequest:
    target = _strip_absolute_form(_raw_target(environ))
    raw_path, _, query_string = target.partition("?")
    headers: dict[str, str] = {}
    for name, value in environ.items():
        if name[:5] == "HTTP_":
            headers[_header_name(name)] = value if value.__class__ is str else str(value)
    if "CONTENT_TYPE" in environ:
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    if environ.get("CONTENT_LENGTH") not in (None, ""):
        headers["content-length"] = str(environ["CONTENT_LENGTH"])
    body = environ.get("wsgi.input")
    return HttpRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        raw_path=raw_path or "/",
        query=parse_query(query_string),
        headers=headers,
        body=body if body is not None else io.BytesIO(),  # type: ignore[arg-type]  # WSGI input is untyped
        environ=environ,
    )
