"""Bucket versioning: Put/GetBucketVersioning and ListObjectVersions."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from ..errors import InvalidArgument, InvalidBucketState
from ..serializer import ORDER
from ..store import OBJECT_LOCK, Bucket, ObjectVersion
from . import Context, Params, Result, operation
from .acl import object_owners
from .bucket_config import document
from .listing import _encoder, _is_common_prefix, _next_after, echoed_scope, page_limit


@operation("PutBucketVersioning")
def put_bucket_versioning(ctx: Context, params: Params) -> Result:
    # Status and MFADelete outside their enums are MalformedXML
    config: dict[str, Any] = document(ctx, params, "PutBucketVersioning")
    status: str | None = config.get("Status")
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        if status == "Suspended" and bucket.configs.get(OBJECT_LOCK):
            raise InvalidBucketState(
                "An Object Lock configuration is present on this bucket, so the versioning state "
                "cannot be changed."
            )
        # a bucket that has had versioning never goes back to unversioned: no Status changes nothing
        if status is not None:
            bucket.versioning = status
        if config.get("MFADelete") is not None:
            bucket.configs["mfa_delete"] = config["MFADelete"]
    return {}


@operation("GetBucketVersioning")
def get_bucket_versioning(ctx: Context, params: Params) -> Result:
    bucket = ctx.store.bucket(params["Bucket"])
    # a bucket that never had versioning answers an empty VersioningConfiguration
    return {"Status": bucket.versioning, "MFADelete": bucket.configs.get("mfa_delete")}


def _start(bucket: Bucket, prefix: str, delimiter: str, key_marker: str) -> int:
    """Where a page starts: after every version of the key marker (or every key under it, when
    the previous page ended on that common prefix)."""
    keys = bucket.history_keys
    if _is_common_prefix(key_marker, prefix, delimiter):
        return bisect.bisect_left(keys, _next_after(key_marker))
    if key_marker >= prefix:
        return bisect.bisect_right(keys, key_marker) if key_marker else bisect.bisect_left(keys, prefix)
    return bisect.bisect_left(keys, prefix)


def _after_version(versions: list[ObjectVersion], version_marker: str) -> list[ObjectVersion]:
    labels = [v.version_label for v in versions]
    if version_marker not in labels:
        return []
    return versions[labels.index(version_marker) + 1 :]


class _Page:
    """Versions, delete markers and common prefixes of one ListObjectVersions page."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.entries: list[ObjectVersion] = []
        self.prefixes: list[str] = []
        self.truncated = False
        self.next_key: str | None = None
        self.next_version: str | None = None

    def full(self) -> bool:
        return len(self.entries) + len(self.prefixes) >= self.limit

    def add(self, version: ObjectVersion) -> None:
        self.entries.append(version)
        self.next_key, self.next_version = version.key, version.version_label


def _collect(bucket: Bucket, params: Params, page: _Page) -> None:
    prefix: str = params.get("Prefix") or ""
    delimiter: str = params.get("Delimiter") or ""
    key_marker: str = params.get("KeyMarker") or ""
    version_marker: str = params.get("VersionIdMarker") or ""
    keys = bucket.history_keys
    if key_marker and version_marker and key_marker in bucket.history:
        pending = _after_version(bucket.history[key_marker], version_marker)
        index = bisect.bisect_right(keys, key_marker)
    else:
        pending, index = [], _start(bucket, prefix, delimiter, key_marker)
    for version in pending:
        if page.full():
            page.truncated = True
            return
        page.add(version)
    while index < len(keys) and keys[index].startswith(prefix):
        key = keys[index]
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        if cut >= 0:
            if page.full():
                page.truncated = True
                return
            common = key[: cut + len(delimiter)]
            page.prefixes.append(common)
            page.next_key, page.next_version = common, None
            index = bisect.bisect_left(keys, _next_after(common), index)
            continue
        for version in bucket.history[key]:
            if page.full():
                page.truncated = True
                return
            page.add(version)
        index += 1


def _version_entry(
    version: ObjectVersion, latest: bool, encode: Any, owner: Callable[[ObjectVersion], dict[str, str]]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": encode(version.key),
        "VersionId": version.version_label,
        "IsLatest": latest,
        "LastModified": version.last_modified,
        "Owner": owner(version),
    }
    if not version.delete_marker:
        entry.update(ETag=version.etag, Size=version.size, StorageClass=version.storage_class)
        if version.checksum_algorithms:
            entry.update(ChecksumAlgorithm=version.checksum_algorithms, ChecksumType=version.checksum_type)
    return entry


@operation("ListObjectVersions")
def list_object_versions(ctx: Context, params: Params) -> Result:
    encode, limit = _encoder(params), page_limit(params)
    if params.get("VersionIdMarker") and not params.get("KeyMarker"):
        raise InvalidArgument(
            "A version-id marker cannot be specified without a key marker.",
            ArgumentName="version-id-marker",
            ArgumentValue=params["VersionIdMarker"],
        )
    page = _Page(limit)
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        _collect(bucket, params, page)
        latest = {id(bucket.history[v.key][0]) for v in page.entries}
        owner = object_owners(ctx, bucket)
    # S3 writes versions and delete markers in one sequence, newest first per key (serializer.ORDER)
    entries = [
        (v, {**_version_entry(v, id(v) in latest, encode, owner), ORDER: i})
        for i, v in enumerate(page.entries)
    ]
    result: Result = {
        "Name": params["Bucket"],
        **echoed_scope(params, encode),
        "KeyMarker": encode(params.get("KeyMarker") or ""),
        "VersionIdMarker": params.get("VersionIdMarker") or "",
        "MaxKeys": limit,
        "EncodingType": params.get("EncodingType"),
        "IsTruncated": page.truncated,
        "Versions": [e for v, e in entries if not v.delete_marker] or None,
        "DeleteMarkers": [e for v, e in entries if v.delete_marker] or None,
        "CommonPrefixes": [{"Prefix": encode(p)} for p in page.prefixes] or None,
    }
    if page.truncated:
        result["NextKeyMarker"] = encode(page.next_key)
        result["NextVersionIdMarker"] = page.next_version
    return result
