"""Object operations: put, get, head, delete."""

from __future__ import annotations

from typing import Any

from ..blobs import Blob, BlobWriter, Reader
from ..body import RequestBody
from ..errors import (
    EntityTooLarge,
    InvalidArgument,
    InvalidObjectState,
    InvalidPartNumber,
    InvalidRequest,
    InvalidStorageClass,
    KeyTooLongError,
    MetadataTooLarge,
)
from ..serializer import STATUS
from ..store import DEFAULT_CHECKSUM, Bucket, ObjectVersion, Part
from . import Context, Params, Result, checksum_members, encryption, operation
from .acl import new_object_acl
from .bucket_lifecycle import expiration_header
from .object_lock import lock_members, requested_lock, require_checksum
from .preconditions import (
    check_read_conditions,
    check_write_conditions,
    parse_range,
    validate_write_conditions,
)
from .restore import ARCHIVED, restore_header
from .tagging import tags_from_header

MAX_KEY_BYTES = 1024
MAX_METADATA_BYTES = 2048
MAX_OBJECT_BYTES = 5 * 1024**3
DEFAULT_CONTENT_TYPE = "binary/octet-stream"

# Members of PutObjectRequest that S3 stores and hands back on GET/HEAD under the same name.
STORED_HEADERS = (
    "CacheControl",
    "ContentDisposition",
    "ContentLanguage",
    "Expires",
    "WebsiteRedirectLocation",
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "BucketKeyEnabled",
    "SSECustomerAlgorithm",
    "SSECustomerKeyMD5",
)
# response-* query parameters of GetObject and the header each one overrides
OVERRIDES = {
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseContentType": "ContentType",
    "ResponseExpires": "Expires",
}


def validate_key(key: str) -> None:
    if len(key.encode("utf-8", "surrogateescape")) > MAX_KEY_BYTES:
        raise KeyTooLongError(Size=str(len(key.encode("utf-8", "surrogateescape"))), MaxSizeAllowed="1024")


# storage classes a general purpose bucket accepts (the model's enum also has directory bucket,
# Outposts, Snow and FSx classes, which S3 refuses here)
STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "GLACIER_IR",
    }
)


def storage_class(params: Params, default: str = "STANDARD") -> str:
    value: str | None = params.get("StorageClass")
    if value is None:
        return default
    if value not in STORAGE_CLASSES:
        raise InvalidStorageClass(StorageClassRequested=value)
    return value


def validate_metadata(metadata: dict[str, str]) -> None:
    # S3 counts the UTF-8 bytes of every user metadata name and value
    size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
    if size > MAX_METADATA_BYTES:
        raise MetadataTooLarge(Size=str(size), MaxSizeAllowed=str(MAX_METADATA_BYTES))


def declared_size(ctx: Context) -> int | None:
    """The body size the request announces (decoded size for aws-chunked), if it does."""
    name = "x-amz-decoded-content-length" if ctx.body.aws_chunked else "content-length"
    value = ctx.request.headers.get(name, "")
    return int(value) if value.isdigit() else None


def receive(body: RequestBody, writer: BlobWriter) -> Blob:
    """Stream the request body into a blob; nothing is kept when a check fails at the end."""
    try:
        for block in body.chunks():
            writer.write(block)
            if writer.size > MAX_OBJECT_BYTES:
                raise EntityTooLarge(ProposedSize=str(writer.size), MaxSizeAllowed=str(MAX_OBJECT_BYTES))
    except BaseException:
        writer.discard()
        raise
    return writer.finish()


@operation("PutObject")
def put_object(ctx: Context, params: Params) -> Result:
    bucket: str = params["Bucket"]
    key: str = params["Key"]
    validate_key(key)
    validate_write_conditions(params)
    validate_metadata(params.get("Metadata") or {})
    owner, acl = new_object_acl(ctx, params)  # NoSuchBucket first, then S3's ACL checks
    found = ctx.store.bucket(bucket)  # looked up again under the lock before storing
    lock = requested_lock(params, found)
    require_checksum(ctx, found, lock.given())
    headers = _stored_headers(params, ctx.body, found)  # S3 checks encryption before the body
    obj = _received_object(ctx, params, headers, (owner, acl))
    lock.apply(obj)
    try:
        with ctx.store.lock:
            target = ctx.store.bucket(bucket)
            check_write_conditions(params, target.objects.get(key))
            ctx.store.put_object(bucket, obj)
            expiration = expiration_header(target, obj)
    except BaseException:
        obj.blob.release()
        raise
    result: Result = {
        "ETag": obj.etag,
        "VersionId": target.version_header(obj),
        "Expiration": expiration,
        **encryption.response_members(obj.headers),
    }
    result.update(_checksum_members(obj))
    return result


def _received_object(
    ctx: Context, params: Params, headers: dict[str, Any], ownership: tuple[str | None, Any]
) -> ObjectVersion:
    """The object a PutObject stores, its body read to the end (and its checks passed)."""
    if ctx.body.algorithm is None:
        ctx.body.want(DEFAULT_CHECKSUM)  # S3 gives the object its default checksum
    blob = receive(ctx.body, ctx.store.writer(declared_size(ctx)))
    obj = ObjectVersion(
        key=params["Key"],
        blob=blob,
        etag=encryption.etag(headers, ctx.body.md5_hex),  # S3: no MD5 for SSE-KMS and SSE-C
        content_type=params.get("ContentType") or DEFAULT_CONTENT_TYPE,
        metadata=params.get("Metadata") or {},
        headers=headers,
        checksums=dict(ctx.body.checksums),
        checksum_type="FULL_OBJECT" if ctx.body.checksums else None,
        storage_class=storage_class(params),
        tags=tags_from_header(params.get("Tagging")),
        owner=ownership[0],
        acl=ownership[1],
    )
    if ctx.body.algorithm is None:
        obj.settle_default(ctx.body.computed(DEFAULT_CHECKSUM))
    return obj


def _stored_headers(params: Params, body: RequestBody, bucket: Bucket) -> dict[str, Any]:
    headers = requested_headers(params, body.content_encoding)
    encryption.apply(headers, params, bucket)  # S3 encrypts every new object (SSE-S3 unless set)
    return headers


def requested_headers(params: Params, content_encoding: str | None) -> dict[str, Any]:
    """The HTTP metadata a write asks S3 to store, keyed by model member names."""
    headers = {name: params[name] for name in STORED_HEADERS if params.get(name) is not None}
    if content_encoding:
        headers["ContentEncoding"] = content_encoding
    return headers


def _checksum_members(obj: ObjectVersion, sums: dict[str, str] | None = None) -> Result:
    known = obj.known_checksums() if sums is None else sums
    members: Result = checksum_members(known)
    if members and obj.checksum_type:
        members["ChecksumType"] = obj.checksum_type
    return members


def _object_headers(obj: ObjectVersion, params: Params) -> Result:
    result: Result = {
        "ETag": obj.etag,
        "LastModified": obj.last_modified,
        "ContentType": obj.content_type,
        "AcceptRanges": "bytes",
        "Metadata": obj.metadata or None,
        "TagCount": len(obj.tags) or None,
        **obj.headers,
        **lock_members(obj),
        "Restore": restore_header(obj),
    }
    if obj.storage_class != "STANDARD":
        result["StorageClass"] = obj.storage_class
    for query_member, header_member in OVERRIDES.items():
        if params.get(query_member) is not None:
            result[header_member] = params[query_member]
    return result


def _part_span(params: Params, obj: ObjectVersion) -> tuple[int, int, Part | None]:
    """(first, last, part) for ?partNumber=N: a ranged read of that part (of a multipart object)."""
    number: int = params["PartNumber"]
    if params.get("Range"):
        raise InvalidRequest("Cannot specify both Range header and partNumber query parameter")
    if not 1 <= number <= 10000:
        raise InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(number),
        )
    count = 1 if obj.parts is None else len(obj.parts)  # a single-part object is its own part 1
    if number > count:
        raise InvalidPartNumber(PartNumberRequested=str(number), ActualPartCount=str(count))
    if obj.parts is None:
        return 0, obj.size - 1, None
    first = sum(part.size for part in obj.parts[: number - 1])
    part = obj.parts[number - 1]
    return first, first + part.size - 1, part


def _read(ctx: Context, params: Params, with_body: bool) -> Result:
    part: Part | None = None
    checksums_wanted = params.get("ChecksumMode") == "ENABLED"
    with ctx.store.lock:
        obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
        encryption.check_read(ctx, params, obj)
        bucket = ctx.store.bucket(params["Bucket"])
        version = bucket.version_header(obj)
        # S3 names the expiry only when no version is asked for (MinIO #11718, Ceph #69642 follow it)
        expiration = expiration_header(bucket, obj) if params.get("VersionId") is None else None
        if with_body and obj.storage_class in ARCHIVED and not obj.restored:
            # archived objects must be restored before they can be read (HEAD still works)
            raise InvalidObjectState(StorageClass=obj.storage_class)
        check_read_conditions(params, obj)
        if params.get("PartNumber") is not None:
            first, last, part = _part_span(params, obj)
            ranged = True
        else:
            span = parse_range(params.get("Range"), obj.size)
            first, last = span if span is not None else (0, obj.size - 1)
            ranged = span is not None
        # open while the lock is held: a concurrent overwrite may delete the file afterwards
        body = obj.blob.open_range(first, last) if with_body and last >= first else Reader(iter(()))
        whole = checksums_wanted and part is None and not ranged
        sums = obj.known_checksums() if whole else None
    result = _object_headers(obj, params)
    result["VersionId"] = version
    result["Expiration"] = expiration
    result["ContentLength"] = last - first + 1
    if ranged:
        result["ContentRange"] = f"bytes {first}-{last}/{obj.size}"
        result[STATUS] = 206
    if part is not None:
        # S3 names the part count only on part reads, with the part's own checksums
        result["PartsCount"] = len(obj.parts or ())
        if checksums_wanted:
            result.update(checksum_members(part.checksums))
    elif sums is not None:
        result.update(_checksum_members(obj, sums))
    if with_body:
        result["Body"] = body
    return result


@operation("GetObject")
def get_object(ctx: Context, params: Params) -> Result:
    return _read(ctx, params, with_body=True)


@operation("HeadObject")
def head_object(ctx: Context, params: Params) -> Result:
    return _read(ctx, params, with_body=False)


@operation("DeleteObject")
def delete_object(ctx: Context, params: Params) -> Result:
    # deleting a key (or version) that does not exist succeeds too (204)
    version_id: str | None = params.get("VersionId")
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        bypass = bool(params.get("BypassGovernanceRetention"))
        outcome = ctx.store.delete_object(bucket.name, params["Key"], version_id, bypass)
    return deletion_result(bucket, outcome, version_id)


def deletion_result(bucket: Bucket, outcome: ObjectVersion | None, version_id: str | None) -> Result:
    """VersionId and DeleteMarker of a delete, as S3 reports them (nothing for unversioned buckets)."""
    if outcome is None:
        return {"VersionId": version_id}
    if version_id is None and bucket.versioning is None:
        return {}
    return {"VersionId": outcome.version_label, "DeleteMarker": True if outcome.delete_marker else None}
