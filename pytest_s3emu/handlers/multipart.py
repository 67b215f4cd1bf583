"""Multipart uploads: create, upload part (and part copy), complete, abort, list parts and uploads."""

from __future__ import annotations

import base64
import hashlib
import uuid
from itertools import pairwise
from typing import Any

from .. import checksums
from ..blobs import ConcatBlob, MemoryBlob
from ..errors import (
    ConditionalRequestConflict,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    MalformedXML,
    NoSuchUpload,
)
from ..store import DEFAULT_CHECKSUM, Bucket, ObjectVersion, Part, Upload
from . import Context, Params, Result, checksum_members, encryption, operation
from .acl import new_object_acl
from .bucket_lifecycle import abort_members, expiration_header
from .object_lock import requested_lock, require_checksum
from .objects import (
    DEFAULT_CONTENT_TYPE,
    declared_size,
    receive,
    requested_headers,
    storage_class,
    validate_key,
    validate_metadata,
)
from .preconditions import check_write_conditions, validate_write_conditions
from .tagging import tags_from_header

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000
_COMPOSITE_ONLY = ("SHA1", "SHA256")
_FULL_OBJECT_ONLY = ("CRC64NVME",)


def _upload(bucket: Bucket, params: Params) -> Upload:
    upload = bucket.uploads.get(params["UploadId"])
    if upload is None or upload.key != params["Key"]:
        raise NoSuchUpload(UploadId=params["UploadId"])
    return upload


def _checksum_settings(params: Params) -> tuple[str | None, str | None]:
    algorithm = checksums.requested_algorithm(params.get("ChecksumAlgorithm"))
    kind: str | None = params.get("ChecksumType")
    if kind is not None and algorithm is None:
        raise InvalidRequest(
            "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
        )
    if algorithm is not None and kind is None:
        kind = "FULL_OBJECT" if algorithm in _FULL_OBJECT_ONLY else "COMPOSITE"
    if (kind == "FULL_OBJECT" and algorithm in _COMPOSITE_ONLY) or (
        kind == "COMPOSITE" and algorithm in _FULL_OBJECT_ONLY
    ):
        raise InvalidRequest(
            f"The {kind} checksum type cannot be used with the {algorithm} checksum algorithm."
        )
    return algorithm, kind


@operation("CreateMultipartUpload")
def create_multipart_upload(ctx: Context, params: Params) -> Result:
    key: str = params["Key"]
    validate_key(key)
    metadata: dict[str, str] = params.get("Metadata") or {}
    validate_metadata(metadata)
    algorithm, kind = _checksum_settings(params)
    lock = requested_lock(params, ctx.store.bucket(params["Bucket"]))
    headers = requested_headers(params, params.get("ContentEncoding"))
    encryption.apply(headers, params, ctx.store.bucket(params["Bucket"]))
    owner, acl = new_object_acl(ctx, params)
    template = ObjectVersion(
        key=key,
        blob=MemoryBlob(b""),
        etag="",
        content_type=params.get("ContentType") or DEFAULT_CONTENT_TYPE,
        metadata=metadata,
        headers=headers,
        storage_class=storage_class(params),
        tags=tags_from_header(params.get("Tagging")),
        owner=owner,
        acl=acl,
    )
    lock.apply(template)
    upload = Upload(uuid.uuid4().hex, key, template, algorithm, kind)
    upload.initiator = ctx.caller.canonical_id if ctx.caller is not None else None
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        upload.key_writes = bucket.writes.get(key, 0)
        bucket.uploads[upload.upload_id] = upload
        abort = abort_members(bucket, upload)
    return {
        **abort,
        "Bucket": params["Bucket"],
        "Key": key,
        "UploadId": upload.upload_id,
        **encryption.response_members(headers),
        "ChecksumAlgorithm": algorithm,
        "ChecksumType": kind,
    }


def _part_number(params: Params) -> int:
    number: int = params["PartNumber"]
    if not 1 <= number <= MAX_PART_NUMBER:
        raise InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(number),
        )
    return number


@operation("UploadPart")
def upload_part(ctx: Context, params: Params) -> Result:
    number = _part_number(params)
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        upload = _upload(bucket, params)
        started = upload.begin_part()
    encryption.check_part(params, upload.template)
    locked = upload.template.lock_mode is not None or upload.template.legal_hold is not None
    require_checksum(ctx, bucket, locked, "Put Part")
    if upload.checksum_algorithm:
        sent = ctx.body.algorithm
        if sent is not None and sent != upload.checksum_algorithm:
            # e.g. botocore's default CRC32 on a part of an upload created for SHA256
            raise InvalidRequest(
                "Checksum Type mismatch occurred, expected checksum Type: "
                f"{upload.checksum_algorithm.lower()}, actual checksum Type: {sent.lower()}"
            )
        ctx.body.want(upload.checksum_algorithm)
    else:
        ctx.body.want(DEFAULT_CHECKSUM)  # for S3's default checksum of the completed object
    blob = receive(ctx.body, ctx.store.writer(declared_size(ctx), upload))
    sums = dict(ctx.body.checksums)
    if upload.checksum_algorithm and upload.checksum_algorithm not in sums:
        sums[upload.checksum_algorithm] = ctx.body.computed(upload.checksum_algorithm)
    part = Part(number, blob, f'"{ctx.body.md5_hex}"', sums, started=started)
    if not upload.checksum_algorithm:
        part.default_crc64 = ctx.body.computed(DEFAULT_CHECKSUM)
    _store_part(ctx, params, part)
    result: Result = {
        "ETag": part.etag,
        **encryption.response_members(upload.template.headers),
    }
    result.update(checksum_members(sums))
    return result


def _store_part(ctx: Context, params: Params, part: Part) -> None:
    with ctx.store.lock:
        try:
            upload = _upload(ctx.store.bucket(params["Bucket"]), params)
        except BaseException:
            part.blob.release()  # aborted while the part was on its way
            raise
        old = upload.parts.get(part.number)
        if old is not None and old.started > part.started:
            # S3's latest timestamp wins: a request that began after this one already stored
            # this part number, so this slower one is dropped (its answer still names its ETag)
            old, part = part, old
        upload.parts[part.number] = part
    if old is not None:
        old.blob.release()


def _chosen_parts(upload: Upload, requested: list[dict[str, Any]]) -> list[Part]:
    """The parts a complete request names, checked as S3 does: order, then existence, then sizes."""
    if not requested or any(item.get("PartNumber") is None for item in requested):
        raise MalformedXML()
    numbers: list[int] = [item["PartNumber"] for item in requested]
    if any(later <= earlier for earlier, later in pairwise(numbers)):
        raise InvalidPartOrder(UploadId=upload.upload_id)
    chosen = [_chosen_part(upload, item) for item in requested]
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise EntityTooSmall(
                ProposedSize=str(part.size),
                MinSizeAllowed=str(MIN_PART_SIZE),
                PartNumber=str(part.number),
                ETag=part.etag.strip('"'),
            )
    return chosen


def _chosen_part(upload: Upload, item: dict[str, Any]) -> Part:
    number: int = item["PartNumber"]
    part = upload.parts.get(number)
    etag = (item.get("ETag") or "").strip().strip('"')
    if part is None or etag != part.etag.strip('"'):
        raise InvalidPart(UploadId=upload.upload_id, PartNumber=str(number), ETag=item.get("ETag") or "")
    algorithm = upload.checksum_algorithm
    if algorithm and upload.checksum_type == "COMPOSITE" and item.get(f"Checksum{algorithm}") is None:
        # a composite checksum is made of the part checksums the client vouches for
        raise InvalidRequest(
            f"The upload was created using a {algorithm.lower()} checksum. The complete request must "
            f"include the checksum for each part. It was missing for part {number} in the request."
        )
    for alg, value in part.checksums.items():
        sent = item.get(f"Checksum{alg}")
        if sent is not None and sent != value:
            raise InvalidPart(UploadId=upload.upload_id, PartNumber=str(number), ETag=etag)
    return part


def multipart_etag(parts: list[Part]) -> str:
    digest = hashlib.md5(b"".join(bytes.fromhex(p.etag.strip('"')) for p in parts), usedforsecurity=False)
    return f'"{digest.hexdigest()}-{len(parts)}"'


def _object_checksum(upload: Upload, parts: list[Part]) -> dict[str, str]:
    algorithm = upload.checksum_algorithm
    if algorithm is None:
        return {}
    digests = [base64.b64decode(p.checksums[algorithm]) for p in parts]
    if upload.checksum_type == "FULL_OBJECT":
        combined = checksums.combine_parts(
            algorithm, [(d, p.size) for d, p in zip(digests, parts, strict=True)]
        )
        return {algorithm: base64.b64encode(combined).decode()}
    return {algorithm: checksums.composite(algorithm, digests)}


def _verify_sent_checksum(params: Params, upload: Upload, computed: dict[str, str]) -> None:
    for alg in checksums.ALGORITHMS:
        sent: str | None = params.get(f"Checksum{alg}")
        if sent is None:
            continue
        if alg not in computed:
            raise InvalidRequest(
                f"The upload was created using the {upload.checksum_algorithm or 'null'} checksum "
                f"algorithm. You cannot use {alg} with this upload."
            )
        expected = computed[alg]
        if upload.checksum_type == "COMPOSITE":
            sent = sent if "-" in sent else f"{sent}-{len(upload.parts)}"
            if sent.split("-")[0] != expected.split("-")[0]:
                raise InvalidRequest(
                    f"The {alg.lower()} you specified did not match the calculated checksum."
                )
        else:
            checksums.verify(alg, sent, expected, lowercase_name=True)


def _check_completion(params: Params, bucket: Bucket, upload: Upload, parts: list[Part]) -> None:
    """What may still refuse a completion once its parts are known (call with the lock held)."""
    size: int | None = params.get("MpuObjectSize")
    if size is not None and size != sum(p.size for p in parts):
        raise InvalidRequest(
            "The provided 'x-amz-mp-object-size' header value does not match what was computed."
        )
    check_write_conditions(params, bucket.objects.get(upload.key))
    _check_no_conflicting_write(params, bucket, upload)


def _completed_object(upload: Upload, parts: list[Part], sums: dict[str, str]) -> ObjectVersion:
    template = upload.template
    obj = ObjectVersion(
        key=upload.key,
        blob=ConcatBlob([p.blob for p in parts]),
        etag=multipart_etag(parts),
        content_type=template.content_type,
        metadata=template.metadata,
        headers=template.headers,
        checksums=sums,
        checksum_type=upload.checksum_type if sums else None,
        storage_class=template.storage_class,
        tags=template.tags,
        parts=parts,
        lock_mode=template.lock_mode,
        lock_until=template.lock_until,
        legal_hold=template.legal_hold,
        owner=template.owner,
        acl=template.acl,
    )
    obj.settle_default()  # combined from the parts' CRC64NVME: no data to read
    return obj


@operation("CompleteMultipartUpload")
def complete_multipart_upload(ctx: Context, params: Params) -> Result:
    requested: list[dict[str, Any]] = (params.get("MultipartUpload") or {}).get("Parts") or []
    validate_write_conditions(params)
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        retried = _retried_completion(bucket, params, requested)
        if retried is not None:
            return retried
        upload = _upload(bucket, params)
        encryption.check_upload_request(params, upload)
        parts = _chosen_parts(upload, requested)
        sums = _object_checksum(upload, parts)
        _verify_sent_checksum(params, upload, sums)
        _check_completion(params, bucket, upload, parts)
        obj = _completed_object(upload, parts, sums)
        ctx.store.put_object(params["Bucket"], obj)
        expiration = expiration_header(bucket, obj)
        _forget_upload(bucket, upload)
    kept = {p.number for p in parts}
    for part in upload.parts.values():
        if part.number not in kept:
            part.blob.release()
    result: Result = {
        "Location": f"/{params['Bucket']}/{upload.key}",
        "Bucket": params["Bucket"],
        "Key": upload.key,
        "ETag": obj.etag,
        **encryption.response_members(obj.headers),
        "VersionId": bucket.version_header(obj),
        "Expiration": expiration,
    }
    known = obj.known_checksums()
    result.update(checksum_members(known))
    if known:
        result["ChecksumType"] = obj.checksum_type
    with ctx.store.lock:
        bucket.completed[upload.upload_id] = (upload.key, _part_list(requested), dict(result))
    return result


def _check_no_conflicting_write(params: Params, bucket: Bucket, upload: Upload) -> None:
    """A conditional completion whose condition holds still fails (409) when the key was written
    or deleted after the upload was created: S3 decides on the key as it was at creation."""
    if params.get("IfMatch") is None and params.get("IfNoneMatch") is None:
        return
    condition = "If-Match" if params.get("IfMatch") is not None else "If-None-Match"
    if bucket.writes.get(upload.key, 0) != upload.key_writes:
        raise ConditionalRequestConflict(
            "The conditional request cannot succeed due to a conflicting operation against this resource.",
            Condition=condition,
            Key=upload.key,
        )


def _forget_upload(bucket: Bucket, upload: Upload) -> None:
    """Drop a finished upload (lock held); with none left, no write can conflict any more."""
    del bucket.uploads[upload.upload_id]
    if not bucket.uploads:
        bucket.writes.clear()


def _part_list(requested: list[dict[str, Any]]) -> tuple[tuple[int, str], ...]:
    return tuple((int(p.get("PartNumber") or 0), (p.get("ETag") or "").strip('"')) for p in requested)


def _retried_completion(bucket: Bucket, params: Params, requested: list[dict[str, Any]]) -> Result | None:
    """S3 answers a retry of a completion that succeeded (same key, same parts) with the same 200,
    so a client whose first answer was lost does not fail; anything else about it is NoSuchUpload."""
    done = bucket.completed.get(params["UploadId"])
    if done is None or params["UploadId"] in bucket.uploads:
        return None
    key, parts, result = done
    if key != params["Key"] or parts != _part_list(requested):
        raise NoSuchUpload(UploadId=params["UploadId"])
    return dict(result)


@operation("AbortMultipartUpload")
def abort_multipart_upload(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        upload = _upload(bucket, params)
        _forget_upload(bucket, upload)
    upload.release()
    return {}
