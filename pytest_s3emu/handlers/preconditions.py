"""Conditional requests (If-Match & co.) and byte ranges, with AWS's precedence rules."""

from __future__ import annotations

from datetime import datetime

from ..errors import InvalidRange, NoSuchKey, NotImplementedOperation, NotModified, PreconditionFailed
from ..serializer import http_date
from ..store import ObjectVersion
from . import Params


def _etag_matches(condition: str, etag: str) -> bool:
    wanted = [tag.strip() for tag in condition.split(",")]
    return "*" in wanted or any(tag.strip('"') == etag.strip('"') for tag in wanted)


def check_read_conditions(params: Params, obj: ObjectVersion, prefix: str = "") -> None:
    """If-Match / If-Unmodified-Since -> 412; If-None-Match / If-Modified-Since -> 304.

    AWS: when If-Match holds, If-Unmodified-Since is not looked at; when If-None-Match is sent,
    If-Modified-Since is not looked at. ``prefix`` is "CopySource" for x-amz-copy-source-if-*.
    """
    if_match: str | None = params.get(prefix + "IfMatch")
    unmodified: datetime | None = params.get(prefix + "IfUnmodifiedSince")
    if if_match is not None:
        if not _etag_matches(if_match, obj.etag):
            raise PreconditionFailed(Condition="If-Match")
    elif unmodified is not None and obj.last_modified > unmodified:
        raise PreconditionFailed(Condition="If-Unmodified-Since")
    if_none_match: str | None = params.get(prefix + "IfNoneMatch")
    modified: datetime | None = params.get(prefix + "IfModifiedSince")
    if if_none_match is not None:
        if _etag_matches(if_none_match, obj.etag):
            _not_modified(obj, prefix)
    elif modified is not None and obj.last_modified <= modified:
        _not_modified(obj, prefix)


def _not_modified(obj: ObjectVersion, prefix: str) -> None:
    if prefix:
        # a copy whose source condition fails is a 412, never a 304
        raise PreconditionFailed(Condition="x-amz-copy-source-If-None-Match")
    error = NotModified()
    error.headers.update({"ETag": obj.etag, "Last-Modified": http_date(obj.last_modified)})
    raise error


_UNSUPPORTED_CONDITION = "A header you provided implies functionality that is not implemented"


def validate_write_conditions(params: Params) -> None:
    """S3's conditional writes know only If-None-Match: * and If-Match: <etag>, one at a time;
    anything else is 501 NotImplemented, before the key is looked at."""
    if_match: str | None = params.get("IfMatch")
    if_none_match: str | None = params.get("IfNoneMatch")
    if if_match is not None and if_none_match is not None:
        raise NotImplementedOperation(
            _UNSUPPORTED_CONDITION,
            Header="If-Match,If-None-Match",
            additionalMessage="Multiple conditional request headers present in the request",
        )
    if if_none_match is not None and if_none_match.strip() != "*":
        raise _unsupported_value("If-None-Match")
    if if_match is not None and if_match.strip() == "*":
        raise _unsupported_value("If-Match")


def check_write_conditions(params: Params, current: ObjectVersion | None) -> None:
    """If-None-Match: * and If-Match: <etag> on writes (call with the store lock held)."""
    if_none_match: str | None = params.get("IfNoneMatch")
    if if_none_match is not None and current is not None:
        raise PreconditionFailed(Condition="If-None-Match")
    if_match: str | None = params.get("IfMatch")
    if if_match is not None:
        if current is None:
            raise NoSuchKey(Key=params["Key"])
        if if_match.strip().strip('"') != current.etag.strip('"'):
            raise PreconditionFailed(Condition="If-Match")


def _unsupported_value(header: str) -> NotImplementedOperation:
    return NotImplementedOperation(
        _UNSUPPORTED_CONDITION,
        Header=header,
        additionalMessage=f"We don't accept the provided value of {header} header for this API",
    )


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a ``Range: bytes=...`` header; None means the whole object.

    A header S3 cannot parse (several ranges, another unit, garbage) is ignored, as S3 does;
    one that parses but cannot be satisfied is a 416 InvalidRange.
    """
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_text == "":
            suffix = int(last_text)
            if suffix <= 0 or size == 0:
                raise _unsatisfiable(header, size)
            return max(0, size - suffix), size - 1
        first = int(first_text)
        # an open range ("bytes=10-") ends at the object's end but may still start past it
        last = int(last_text) if last_text else max(first, size - 1)
    except ValueError:
        return None
    if first < 0 or last < first:
        return None
    if first >= size:
        raise _unsatisfiable(header, size)
    return first, min(last, size - 1)


def _unsatisfiable(header: str, size: int) -> InvalidRange:
    error = InvalidRange(RangeRequested=header, ActualObjectSize=str(size))
    error.headers["Content-Range"] = f"bytes */{size}"
    return error
