"""Object annotations: named UTF-8 payloads (1 byte to 1 MiB) attached to one object version.

Up to 1,000 per version, each replaced by a Put under the same name. They belong to the version:
a new version of the key (an overwrite, a copy) starts without any, and they go with the version
when it is deleted. ``x-amz-object-if-match`` makes a Put or Delete conditional on the object's ETag.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    AnnotationLimitExceeded,
    AnnotationNameTooLong,
    InvalidAnnotationName,
    InvalidArgument,
    InvalidPrefix,
    InvalidRequest,
    NoSuchAnnotation,
    PreconditionFailed,
    UnsupportedMediaType,
)
from ..records import Annotation, ObjectVersion
from . import Context, Params, Result, checksum_members, operation
from .tokens import decode_token, encode_token

MAX_NAME_BYTES = 512
MAX_PAYLOAD_BYTES = 1024 * 1024
MAX_ANNOTATIONS = 1000
MAX_RESULTS = 1000


def _name(name: str) -> str:
    if not name or any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        raise InvalidAnnotationName()
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise AnnotationNameTooLong()
    return name


def _payload(ctx: Context) -> bytes:
    payload = ctx.body.read_all(MAX_PAYLOAD_BYTES)
    if not payload:
        raise InvalidRequest("The annotation payload must be between 1 byte and 1 MiB in size.")
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsupportedMediaType() from None
    return payload


def _check_object_etag(params: Params, obj: ObjectVersion) -> None:
    wanted: str | None = params.get("ObjectIfMatch")
    if wanted is not None and wanted.strip().strip('"') != obj.etag.strip('"'):
        raise PreconditionFailed(Condition="x-amz-object-if-match")


def _target(ctx: Context, params: Params) -> tuple[ObjectVersion, str | None]:
    """The annotated version (call with the store lock held) and its x-amz-object-version-id."""
    obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
    return obj, ctx.store.bucket(params["Bucket"]).version_header(obj)


def _checksum_members(checksums: dict[str, str]) -> Result:
    members: Result = checksum_members(checksums)
    if members:
        members["ChecksumType"] = "FULL_OBJECT"
    return members


@operation("PutObjectAnnotation")
def put_object_annotation(ctx: Context, params: Params) -> Result:
    name = _name(params["AnnotationName"])
    payload = _payload(ctx)
    annotation = Annotation(payload, f'"{ctx.body.md5_hex}"', dict(ctx.body.checksums))
    with ctx.store.lock:
        obj, version = _target(ctx, params)
        _check_object_etag(params, obj)
        if obj.headers.get("SSECustomerAlgorithm"):
            raise InvalidRequest("Objects encrypted with SSE-C cannot have annotations.")
        annotations = obj.annotations if obj.annotations is not None else {}
        if name not in annotations and len(annotations) >= MAX_ANNOTATIONS:
            raise AnnotationLimitExceeded()
        annotations[name] = annotation
        obj.annotations = annotations
    return {
        "Key": params["Key"],
        "AnnotationName": name,
        "ObjectVersionId": version,
        "ETag": annotation.etag,
        # annotations are encrypted as their object is
        "ServerSideEncryption": obj.headers.get("ServerSideEncryption"),
        **_checksum_members(annotation.checksums),
    }


def _annotation(obj: ObjectVersion, name: str) -> Annotation:
    found = (obj.annotations or {}).get(name)
    if found is None:
        raise NoSuchAnnotation(AnnotationName=name)
    return found


@operation("GetObjectAnnotation")
def get_object_annotation(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        obj, version = _target(ctx, params)
        annotation = _annotation(obj, params["AnnotationName"])
    result: Result = {
        "AnnotationPayload": annotation.payload,
        "ObjectVersionId": version,
        "LastModified": annotation.last_modified,
        "ContentLength": len(annotation.payload),
        "ETag": annotation.etag,
        "ServerSideEncryption": obj.headers.get("ServerSideEncryption"),
    }
    if params.get("ChecksumMode") == "ENABLED":
        result.update(_checksum_members(annotation.checksums))
    return result


@operation("DeleteObjectAnnotation")
def delete_object_annotation(ctx: Context, params: Params) -> Result:
    # deleting an annotation that is not there succeeds, as deleting an object does
    with ctx.store.lock:
        obj, version = _target(ctx, params)
        _check_object_etag(params, obj)
        if obj.annotations:
            obj.annotations.pop(params["AnnotationName"], None)
    return {"ObjectVersionId": version}


def _entry(name: str, annotation: Annotation) -> dict[str, Any]:
    return {
        "AnnotationName": name,
        "LastModified": annotation.last_modified,
        "ETag": annotation.etag,
        "ChecksumAlgorithm": list(annotation.checksums) or None,
        "Size": len(annotation.payload),
    }


def _after(token: str | None) -> str:
    """The last name of the previous page, from a continuation token."""
    return "" if token is None else decode_token(token)


def _limit(params: Params) -> int:
    limit: int | None = params.get("MaxAnnotationResults")
    if limit is None:
        return MAX_RESULTS
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidArgument(
            f"Argument max-annotation-results must be an integer between 1 and {MAX_RESULTS}",
            ArgumentName="max-annotation-results",
            ArgumentValue=str(limit),
        )
    return limit


@operation("ListObjectAnnotations")
def list_object_annotations(ctx: Context, params: Params) -> Result:
    prefix: str = params.get("AnnotationPrefix") or ""
    if len(prefix.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise InvalidPrefix()
    limit = _limit(params)
    after = _after(params.get("ContinuationToken"))
    with ctx.store.lock:
        obj, version = _target(ctx, params)
        # in UTF-8 binary order, which is code point order
        names = sorted(name for name in obj.annotations or () if name.startswith(prefix) and name > after)
        found = [(name, (obj.annotations or {})[name]) for name in names]
    page = found[:limit]
    result: Result = {
        "Bucket": params["Bucket"],
        "Key": params["Key"],
        "ObjectVersionId": version,
        "AnnotationPrefix": params.get("AnnotationPrefix"),
        "MaxAnnotationResults": limit,
        "AnnotationCount": len(page),
        "ContinuationToken": params.get("ContinuationToken"),
        "Annotations": [_entry(name, annotation) for name, annotation in page],
    }
    if len(found) > limit:
        result["NextContinuationToken"] = encode_token(page[-1][0])
    return result
