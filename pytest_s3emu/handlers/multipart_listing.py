"""Listing multipart uploads and their parts: ListParts and ListMultipartUploads."""

from __future__ import annotations

from typing import Any

from ..store import Bucket, Part, Upload
from . import Context, Params, Result, checksum_members, encryption, operation
from .acl import acl_scope, object_owners
from .bucket_lifecycle import abort_members
from .listing import _encoder, _is_common_prefix, echoed_scope, page_limit
from .multipart import _upload


def _part_entry(part: Part) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "PartNumber": part.number,
        "LastModified": part.last_modified,
        "ETag": part.etag,
        "Size": part.size,
    }
    entry.update(checksum_members(part.checksums))
    return entry


@operation("ListParts")
def list_parts(ctx: Context, params: Params) -> Result:
    limit = page_limit(params, "MaxParts", "max-parts")
    marker: int = params.get("PartNumberMarker") or 0
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        upload = _upload(bucket, params)
        encryption.check_upload_request(params, upload)
        abort = abort_members(bucket, upload)
        numbers = sorted(n for n in upload.parts if n > marker)
        shown = [upload.parts[n] for n in numbers[:limit]]
    truncated = len(numbers) > limit
    return {
        **abort,
        "Bucket": params["Bucket"],
        "Key": upload.key,
        "UploadId": upload.upload_id,
        "PartNumberMarker": marker,
        "NextPartNumberMarker": shown[-1].number if shown else None,
        "MaxParts": limit,
        "IsTruncated": truncated,
        "Parts": [_part_entry(p) for p in shown] or None,
        **_people(ctx, bucket, upload),
        "StorageClass": upload.template.storage_class,
        "ChecksumAlgorithm": upload.checksum_algorithm,
        "ChecksumType": upload.checksum_type,
    }


def _people(ctx: Context, bucket: Bucket, upload: Upload) -> dict[str, Any]:
    """The upload's Owner (of the object to be) and Initiator (the account that created it)."""
    owner = object_owners(ctx, bucket)(upload.template)
    initiator = owner if upload.initiator is None else acl_scope(ctx, bucket).named(upload.initiator)
    return {"Owner": owner, "Initiator": initiator}


def _upload_entry(upload: Upload, encode: Any, people: dict[str, Any]) -> dict[str, Any]:
    return {
        "UploadId": upload.upload_id,
        "Key": encode(upload.key),
        "Initiated": upload.initiated,
        "StorageClass": upload.template.storage_class,
        **people,
        "ChecksumAlgorithm": upload.checksum_algorithm,
        "ChecksumType": upload.checksum_type,
    }


def _after_markers(ordered: list[Upload], key_marker: str, id_marker: str) -> list[Upload]:
    """The uploads after (key-marker, upload-id-marker); the id marker only counts with its key."""
    if not key_marker:
        return ordered
    if not id_marker:
        return [u for u in ordered if u.key > key_marker]
    ids = [u.upload_id for u in ordered]
    start = ids.index(id_marker) + 1 if id_marker in ids else 0
    return [u for i, u in enumerate(ordered) if u.key > key_marker or (u.key == key_marker and i >= start)]


def _upload_page(
    ordered: list[Upload], prefix: str, delimiter: str, limit: int
) -> tuple[list[Upload], list[str], Upload | str | None]:
    """(uploads, common prefixes, last entry when truncated) for one page."""
    uploads: list[Upload] = []
    prefixes: list[str] = []
    last: Upload | str | None = None
    for upload in ordered:
        if not upload.key.startswith(prefix):
            continue
        cut = upload.key.find(delimiter, len(prefix)) if delimiter else -1
        common = upload.key[: cut + len(delimiter)] if cut >= 0 else None
        if common is not None and prefixes and prefixes[-1] == common:
            continue
        if len(uploads) + len(prefixes) == limit:
            return uploads, prefixes, last
        if common is not None:
            prefixes.append(common)
        else:
            uploads.append(upload)
        last = common if common is not None else upload
    return uploads, prefixes, None


@operation("ListMultipartUploads")
def list_multipart_uploads(ctx: Context, params: Params) -> Result:
    encode, limit = _encoder(params), page_limit(params, "MaxUploads", "max-uploads")
    key_marker: str = params.get("KeyMarker") or ""
    id_marker: str = params.get("UploadIdMarker") or ""
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        ordered = sorted(bucket.uploads.values(), key=lambda u: (u.key, u.initiated, u.upload_id))
    prefix: str = params.get("Prefix") or ""
    delimiter: str = params.get("Delimiter") or ""
    ordered = _after_markers(ordered, key_marker, id_marker)
    if _is_common_prefix(key_marker, prefix, delimiter):
        # the previous page ended on this common prefix (its NextKeyMarker): skip every key under it
        ordered = [u for u in ordered if not u.key.startswith(key_marker)]
    uploads, prefixes, last = _upload_page(ordered, prefix, delimiter, limit)
    result: Result = {
        "Bucket": params["Bucket"],
        "KeyMarker": encode(key_marker),
        "UploadIdMarker": id_marker,
        **echoed_scope(params, encode),
        "MaxUploads": limit,
        "IsTruncated": last is not None,
        "EncodingType": params.get("EncodingType"),
        "Uploads": [_upload_entry(u, encode, _people(ctx, bucket, u)) for u in uploads] or None,
        "CommonPrefixes": [{"Prefix": encode(p)} for p in prefixes] or None,
    }
    if isinstance(last, Upload):
        result["NextKeyMarker"] = encode(last.key)
        result["NextUploadIdMarker"] = last.upload_id
    elif last is not None:
        result["NextKeyMarker"] = encode(last)
    return result
