"""GetObjectAttributes: ETag, checksum, parts, storage class and size in one call."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidArgument
from ..store import ObjectVersion
from . import Context, Params, Result, checksum_members, operation
from .encryption import check_read

ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")
MAX_PARTS = 1000


def _requested(params: Params) -> set[str]:
    names = {name.strip() for name in params.get("ObjectAttributes") or [] if name.strip()}
    unknown = names - set(ATTRIBUTES)
    if unknown or not names:
        raise InvalidArgument(
            "Invalid attribute name specified.",
            ArgumentName="x-amz-object-attributes",
            ArgumentValue=",".join(sorted(unknown)),
        )
    return names


def _checksum(obj: ObjectVersion, sums: dict[str, str]) -> dict[str, Any] | None:
    if not sums:
        return None
    found: dict[str, Any] = checksum_members(sums)
    found["ChecksumType"] = obj.checksum_type
    return found


def _parts(obj: ObjectVersion, params: Params) -> dict[str, Any] | None:
    if obj.parts is None:
        return None
    marker: int = params.get("PartNumberMarker") or 0
    limit: int = min(params.get("MaxParts") or MAX_PARTS, MAX_PARTS)
    after = [p for p in obj.parts if p.number > marker]
    shown = after[:limit]
    entries = []
    for part in shown:
        entry: dict[str, Any] = {"PartNumber": part.number, "Size": part.size}
        entry.update(checksum_members(part.checksums))
        entries.append(entry)
    return {
        "TotalPartsCount": len(obj.parts),
        "PartNumberMarker": marker,
        "NextPartNumberMarker": shown[-1].number if shown else marker,
        "MaxParts": limit,
        "IsTruncated": len(after) > limit,
        "Parts": entries,
    }


@operation("GetObjectAttributes")
def get_object_attributes(ctx: Context, params: Params) -> Result:
    wanted = _requested(params)
    with ctx.store.lock:
        obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
        check_read(ctx, params, obj)
        version = ctx.store.bucket(params["Bucket"]).version_header(obj)
        sums = obj.known_checksums() if "Checksum" in wanted else {}
    values: dict[str, Any] = {
        # the ETag comes unquoted in this document, unlike in headers and listings
        "ETag": obj.etag.strip('"'),
        "Checksum": _checksum(obj, sums),
        "ObjectParts": _parts(obj, params),
        "StorageClass": obj.storage_class,
        "ObjectSize": obj.size,
    }
    result: Result = {name: values[name] for name in wanted}
    result["LastModified"] = obj.last_modified
    result["VersionId"] = version
    return result
