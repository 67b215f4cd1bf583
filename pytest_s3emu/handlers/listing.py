"""ListObjects and ListObjectsV2: prefix, any delimiter, markers and tokens over the sorted key index."""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from ..errors import InvalidArgument
from ..store import Bucket, ObjectVersion
from . import Context, Params, Result, operation
from .acl import object_owners
from .tokens import decode_token, encode_token

MAX_KEYS = 1000


@dataclass(slots=True)
class Page:
    """One page of a listing: objects and common prefixes, in key order."""

    objects: list[ObjectVersion] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str | None = None  # the last key or common prefix returned


def _next_after(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix`` ("" if none is)."""
    while prefix and ord(prefix[-1]) == sys.maxunicode:
        prefix = prefix[:-1]
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else ""


def _is_common_prefix(text: str, prefix: str, delimiter: str) -> bool:
    """Whether ``text`` is a common prefix this listing returns: the delimiter first occurs at its end."""
    return (
        bool(delimiter)
        and len(text) > len(prefix)
        and text.startswith(prefix)
        and text.find(delimiter, len(prefix)) == len(text) - len(delimiter)
    )


def list_page(bucket: Bucket, prefix: str, delimiter: str, after: str, max_keys: int) -> Page:
    """Collect a page; call with the store lock held. ``after`` is exclusive."""
    keys, page = bucket.keys, Page()
    if _is_common_prefix(after, prefix, delimiter):
        # the previous page ended on a common prefix (a v1 NextMarker): resume after every key under it
        following = _next_after(after)
        index = bisect.bisect_left(keys, following) if following else len(keys)
    else:
        index = bisect.bisect_right(keys, after) if after >= prefix else bisect.bisect_left(keys, prefix)
    count = 0
    while index < len(keys):
        key = keys[index]
        if not key.startswith(prefix):
            break
        if count == max_keys:
            # max-keys=0 asks for nothing, and S3 then says the listing is not truncated
            page.truncated = max_keys > 0
            break
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        if cut >= 0:
            common = key[: cut + len(delimiter)]
            page.prefixes.append(common)
            page.last = common
            following = _next_after(common)
            index = bisect.bisect_left(keys, following, index) if following else len(keys)
        else:
            page.objects.append(bucket.objects[key])
            page.last = key
            index += 1
        count += 1
    return page


def page_limit(params: Params, member: str = "MaxKeys", wire: str = "maxKeys") -> int:
    """The page size a listing asked for in ``member``: S3 caps it at 1,000 and refuses negatives."""
    value: int | None = params.get(member)
    if value is None:
        return MAX_KEYS
    if value < 0:
        raise InvalidArgument(
            f"Argument {wire} must be an integer between 0 and 2147483647",
            ArgumentName=wire,
            ArgumentValue=str(value),
        )
    return min(value, MAX_KEYS)


def echoed_scope(params: Params, encode: Any) -> dict[str, Any]:
    """The Prefix and Delimiter a listing answers with, encoded as asked."""
    # S3 always names the prefix (empty when none) and leaves out an empty delimiter
    prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or None
    return {"Prefix": encode(prefix), "Delimiter": encode(delimiter)}


def _encoder(params: Params) -> Any:
    encoding: str | None = params.get("EncodingType")
    if encoding is None:
        return lambda text: text
    if encoding != "url":
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request",
            ArgumentName="encoding-type",
            ArgumentValue=encoding,
        )
    # botocore sends encoding-type=url and decodes these fields with unquote_plus: S3 encodes like
    # an HTML form (Java's URLEncoder: space as "+", "*" kept, "~" encoded) but leaves "/" alone
    return lambda text: None if text is None else url_encode(text)


def url_encode(text: str) -> str:
    """A key, prefix or marker as S3 writes it under encoding-type=url."""
    if _UNRESERVED(text):
        return text  # nothing to encode (most keys): quote_plus costs a few microseconds a key
    return quote_plus(text, safe="/*", errors="surrogateescape").replace("~", "%7E")


# what quote_plus(safe="/*") leaves as it is, less "~" (encoded above)
_UNRESERVED = re.compile(r"[A-Za-z0-9_.\-/*]*").fullmatch


Owners = Callable[[ObjectVersion], dict[str, str]]


def _entry(obj: ObjectVersion, encode: Any, owner: Owners | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": encode(obj.key),
        "LastModified": obj.last_modified,
        "ETag": obj.etag,
        "Size": obj.size,
        "StorageClass": obj.storage_class,
    }
    algorithms = obj.checksum_algorithms
    if algorithms:
        entry["ChecksumAlgorithm"] = algorithms
        entry["ChecksumType"] = obj.checksum_type
    if owner is not None:
        entry["Owner"] = owner(obj)
    return entry


def _common(params: Params, page: Page, encode: Any, owner: Owners | None, max_keys: int) -> Result:
    return {
        "Name": params["Bucket"],
        **echoed_scope(params, encode),
        "MaxKeys": max_keys,
        "EncodingType": params.get("EncodingType"),
        "IsTruncated": page.truncated,
        "Contents": [_entry(obj, encode, owner) for obj in page.objects] or None,
        "CommonPrefixes": [{"Prefix": encode(p)} for p in page.prefixes] or None,
    }


@operation("ListObjects")
def list_objects(ctx: Context, params: Params) -> Result:
    encode, max_keys = _encoder(params), page_limit(params)
    marker: str = params.get("Marker") or ""
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        page = list_page(bucket, params.get("Prefix") or "", params.get("Delimiter") or "", marker, max_keys)
        result = _common(params, page, encode, object_owners(ctx, bucket), max_keys)
    result["Marker"] = encode(marker)
    # S3 gives NextMarker only with a delimiter; without one, clients continue from the last key
    if page.truncated and params.get("Delimiter"):
        result["NextMarker"] = encode(page.last)
    return result


@operation("ListObjectsV2")
def list_objects_v2(ctx: Context, params: Params) -> Result:
    encode, max_keys = _encoder(params), page_limit(params)
    token: str | None = params.get("ContinuationToken")
    start_after: str = params.get("StartAfter") or ""
    after = decode_token(token) if token is not None else start_after
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        page = list_page(bucket, params.get("Prefix") or "", params.get("Delimiter") or "", after, max_keys)
        owners = object_owners(ctx, bucket) if params.get("FetchOwner") else None
        result = _common(params, page, encode, owners, max_keys)
    result["KeyCount"] = len(page.objects) + len(page.prefixes)
    result["ContinuationToken"] = token
    result["StartAfter"] = encode(params.get("StartAfter"))
    if page.truncated and page.last is not None:
        result["NextContinuationToken"] = encode_token(page.last)
    return result
