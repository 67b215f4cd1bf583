"""CopyObject and UploadPartCopy: x-amz-copy-source, directives, source conditions and ranges."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from .. import checksums
from ..blobs import Blob, BlobWriter, MemoryBlob
from ..errors import InvalidArgument, InvalidObjectState, InvalidRange, InvalidRequest, MethodNotAllowed
from ..store import DEFAULT_CHECKSUM, ObjectVersion, Part, now
from . import Context, Params, Result, checksum_members, encryption, operation
from .acl import new_object_acl
from .bucket_lifecycle import expiration_header
from .multipart import _part_number, _store_part, _upload
from .object_lock import requested_lock
from .objects import (
    DEFAULT_CONTENT_TYPE,
    requested_headers,
    storage_class,
    validate_key,
    validate_metadata,
)
from .preconditions import check_read_conditions, check_write_conditions, validate_write_conditions
from .restore import ARCHIVED
from .tagging import tags_from_header

MAX_COPY_BYTES = 5 * 1024**3
_SOURCE_RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")
_SELF_COPY = (
    "This copy request is illegal because it is trying to copy an object to itself without changing "
    "the object's metadata, storage class, website redirect location or encryption attributes."
)


_NOT_COPIED = frozenset(
    {
        "ServerSideEncryption",
        "SSEKMSKeyId",
        "BucketKeyEnabled",
        "SSECustomerAlgorithm",
        "SSECustomerKeyMD5",
        "WebsiteRedirectLocation",
        "ObjectLockMode",
        "ObjectLockRetainUntilDate",
        "ObjectLockLegalHoldStatus",
    }
)


def parse_copy_source(value: str) -> tuple[str, str, str | None]:
    """(bucket, key, version id) from ``x-amz-copy-source`` (URL-encoded, leading slash optional)."""
    raw, _, query = value.partition("?")
    version = None
    if query:
        name, _, version_value = query.partition("=")
        if name != "versionId":
            raise InvalidArgument(
                "Invalid copy source", ArgumentName="x-amz-copy-source", ArgumentValue=value
            )
        version = unquote(version_value)
    bucket, slash, key = unquote(raw.lstrip("/")).partition("/")
    if not bucket or not slash or not key:
        raise InvalidArgument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ArgumentName="x-amz-copy-source",
            ArgumentValue=value,
        )
    return bucket, key, version


def _source(ctx: Context, params: Params) -> ObjectVersion:
    """The source version (call with the store lock held)."""
    bucket, key, version = parse_copy_source(params["CopySource"])
    try:
        source = ctx.store.get_object(bucket, key, version)
    except MethodNotAllowed:
        raise InvalidRequest(
            "The source of a copy request may not specifically refer to a delete marker by version id."
        ) from None
    except InvalidArgument as error:
        error.fields["ArgumentName"] = "x-amz-copy-source"  # a malformed or empty ?versionId=
        raise
    check_read_conditions(params, source, prefix="CopySource")
    encryption.check_copy_source(params, source)
    if source.storage_class in ARCHIVED and not source.restored:
        # like a GET: an archived object must be restored before it can be copied
        raise InvalidObjectState(StorageClass=source.storage_class)
    return source


def _source_version(ctx: Context, params: Params, source: ObjectVersion) -> str | None:
    bucket = ctx.store.buckets.get(parse_copy_source(params["CopySource"])[0])
    return bucket.version_header(source) if bucket is not None else None


def open_copy(blob: Blob, first: int, last: int) -> Blob | Iterator[bytes]:
    """Start copying bytes first..last (with the store lock held): memory is shared, files opened."""
    if isinstance(blob, MemoryBlob):
        # bytes are immutable: a whole-object copy shares them
        return blob if (first, last) == (0, blob.size - 1) else MemoryBlob(blob.data[first : last + 1])
    return blob.open_range(first, last) if last >= first else iter(())


def finish_copy(
    started: Blob | Iterator[bytes], algorithms: list[str], writer: BlobWriter
) -> tuple[Blob, checksums.ChecksumSet]:
    """The copied blob and the checksums of its bytes (without the lock: this may read gigabytes)."""
    sums = checksums.ChecksumSet(algorithms)
    if isinstance(started, MemoryBlob):
        sums.update(started.data)
        return started, sums
    try:
        for block in started:  # type: ignore[union-attr]  # an iterator when not a MemoryBlob
            sums.update(block)
            writer.write(block)
    except BaseException:
        writer.discard()
        raise
    return writer.finish(), sums


def _copy_attributes(params: Params, source: ObjectVersion) -> dict[str, Any]:
    directive = params.get("MetadataDirective") or "COPY"
    if directive not in ("COPY", "REPLACE"):
        raise InvalidArgument("Unknown metadata directive.", ArgumentName="x-amz-metadata-directive")
    tagging = params.get("TaggingDirective") or "COPY"
    if tagging not in ("COPY", "REPLACE"):
        raise InvalidArgument("Unknown tagging directive.", ArgumentName="x-amz-tagging-directive")
    if directive == "COPY":
        # encryption comes from the request or the bucket's default, never from the source; the
        # website redirect and object lock settings belong to the source object alone
        headers = {k: v for k, v in source.headers.items() if k not in _NOT_COPIED}
        content_type, metadata = source.content_type, source.metadata
    else:
        headers = requested_headers(params, params.get("ContentEncoding"))
        content_type = params.get("ContentType") or DEFAULT_CONTENT_TYPE
        metadata = params.get("Metadata") or {}
        validate_metadata(metadata)
    for name in ("ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled", "WebsiteRedirectLocation"):
        if params.get(name) is not None:
            headers[name] = params[name]
    return {"headers": headers, "content_type": content_type, "metadata": metadata, "tag_directive": tagging}


def _is_unchanged_self_copy(ctx: Context, params: Params, source: ObjectVersion) -> bool:
    """Whether this copies the current object onto itself and changes nothing (call with the lock
    held). Copying an older version onto its own key is how S3 restores a version: allowed."""
    same = (params["Bucket"], params["Key"]) == parse_copy_source(params["CopySource"])[:2]
    changes = (
        "StorageClass",
        "WebsiteRedirectLocation",
        "ServerSideEncryption",
        "SSEKMSKeyId",
        "SSECustomerAlgorithm",  # a new customer key: how S3 users rotate an SSE-C key in place
        "ChecksumAlgorithm",
    )
    return (
        same
        and ctx.store.bucket(params["Bucket"]).objects.get(params["Key"]) is source
        and (params.get("MetadataDirective") or "COPY") != "REPLACE"
        and not any(params.get(name) for name in changes)
    )


def _wanted_algorithms(params: Params, source: ObjectVersion) -> list[str]:
    requested = checksums.requested_algorithm(params.get("ChecksumAlgorithm"))
    if requested:
        return [requested]
    return list(source.checksums)


def _copyable_source(ctx: Context, params: Params) -> ObjectVersion:
    """The source of a CopyObject, refused where S3 refuses it (call with the store lock held)."""
    source = _source(ctx, params)
    if _is_unchanged_self_copy(ctx, params, source):
        raise InvalidRequest(_SELF_COPY)
    if source.size > MAX_COPY_BYTES:
        raise InvalidRequest(
            "The specified copy source is larger than the maximum allowable size for a copy source: "
            f"{MAX_COPY_BYTES}"
        )
    return source


def _copy_result(target: ObjectVersion) -> dict[str, Any]:
    result: dict[str, Any] = {"ETag": target.etag, "LastModified": target.last_modified}
    known = target.known_checksums()
    result.update(checksum_members(known))
    if known:
        result["ChecksumType"] = target.checksum_type
    return result


@operation("CopyObject")
def copy_object(ctx: Context, params: Params) -> Result:
    validate_key(params["Key"])
    validate_write_conditions(params)
    checksums.requested_algorithm(params.get("ChecksumAlgorithm"))  # before any work is done
    owner, acl = new_object_acl(ctx, params)  # the request's, never the source's
    lock = requested_lock(params, ctx.store.bucket(params["Bucket"]))
    with ctx.store.lock:
        source = _copyable_source(ctx, params)
        attributes = _copy_attributes(params, source)
        encryption.apply(attributes["headers"], params, ctx.store.bucket(params["Bucket"]))
        algorithms = _wanted_algorithms(params, source)
        # S3's default checksum of the copy: the source's own (the same bytes)
        default = None if algorithms else source.known_checksums().get(DEFAULT_CHECKSUM)
        started = open_copy(source.blob, 0, source.size - 1)
    blob, sums = finish_copy(started, algorithms, ctx.store.writer())
    tag_directive = attributes.pop("tag_directive")
    target = ObjectVersion(
        key=params["Key"],
        blob=blob,
        etag=encryption.etag(attributes["headers"], sums.md5_hex()),
        checksums={alg: sums.b64(alg) for alg in algorithms},
        checksum_type="FULL_OBJECT" if algorithms else None,
        storage_class=storage_class(params),
        tags=dict(source.tags) if tag_directive == "COPY" else tags_from_header(params.get("Tagging")),
        owner=owner,
        acl=acl,
        **attributes,
    )
    lock.apply(target)  # the source's own lock settings are never copied
    target.settle_default(default)
    with ctx.store.lock:
        destination = ctx.store.bucket(params["Bucket"])
        check_write_conditions(params, destination.objects.get(params["Key"]))
        ctx.store.put_object(params["Bucket"], target)
        expiration = expiration_header(destination, target)
    return {
        "CopyObjectResult": _copy_result(target),
        "CopySourceVersionId": _source_version(ctx, params, source),
        "VersionId": destination.version_header(target),
        "Expiration": expiration,
        **encryption.response_members(target.headers),
    }


def _source_range(params: Params, size: int) -> tuple[int, int]:
    text: str | None = params.get("CopySourceRange")
    if text is None:
        return 0, size - 1
    found = _SOURCE_RANGE.match(text.strip())
    if not found:
        raise InvalidArgument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last "
            "are the zero-based offsets of the first and last bytes to copy",
            ArgumentName="x-amz-copy-source-range",
            ArgumentValue=text,
        )
    first, last = int(found.group(1)), int(found.group(2))
    if first > last:
        raise InvalidArgument(
            f"Range specified is not valid for source object of size: {size}",
            ArgumentName="x-amz-copy-source-range",
            ArgumentValue=text,
        )
    if last >= size:
        # a well-formed range past the source's end (ceph/s3-tests: InvalidRange, 400 or 416)
        raise InvalidRange(RangeRequested=text, ActualObjectSize=str(size))
    return first, last


@operation("UploadPartCopy")
def upload_part_copy(ctx: Context, params: Params) -> Result:
    number = _part_number(params)
    with ctx.store.lock:
        upload = _upload(ctx.store.bucket(params["Bucket"]), params)
        begun = upload.begin_part()
        encryption.check_part(params, upload.template)
        source = _source(ctx, params)
        first, last = _source_range(params, source.size)
        # an upload without a checksum still gets S3's default: each part keeps its CRC64NVME
        algorithms = [upload.checksum_algorithm] if upload.checksum_algorithm else [DEFAULT_CHECKSUM]
        started = open_copy(source.blob, first, last)
    blob, sums = finish_copy(started, algorithms, ctx.store.writer())
    kept = [upload.checksum_algorithm] if upload.checksum_algorithm else []
    part = Part(number, blob, f'"{sums.md5_hex()}"', {alg: sums.b64(alg) for alg in kept}, now(), begun)
    if not kept:
        part.default_crc64 = sums.b64(DEFAULT_CHECKSUM)
    _store_part(ctx, params, part)
    result: dict[str, Any] = {"ETag": part.etag, "LastModified": part.last_modified}
    result.update(checksum_members(part.checksums))
    return {
        "CopyPartResult": result,
        "CopySourceVersionId": _source_version(ctx, params, source),
        **encryption.response_members(upload.template.headers),
    }
