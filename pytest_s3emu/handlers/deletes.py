"""DeleteObjects: up to 1,000 keys in one request, with per-key results."""

from __future__ import annotations

from typing import Any

from ..errors import MalformedXML, S3Error
from . import Context, Params, Result, operation
from .objects import validate_key

MAX_KEYS = 1000


@operation("DeleteObjects")
def delete_objects(ctx: Context, params: Params) -> Result:
    request: dict[str, Any] = params.get("Delete") or {}
    targets: list[dict[str, Any]] = request.get("Objects") or []
    # S3 answers MalformedXML for an empty list and for more than 1,000 keys
    if not targets or len(targets) > MAX_KEYS:
        raise MalformedXML()
    quiet = bool(request.get("Quiet"))
    deleted: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    bucket = params["Bucket"]
    ctx.store.bucket(bucket)
    for target in targets:
        key: str = target["Key"]
        try:
            validate_key(key)
            ctx.store.delete_object(bucket, key)
        except S3Error as error:
            errors.append(
                {"Key": key, "VersionId": target.get("VersionId"), "Code": error.code, "Message": error.text}
            )
            continue
        if not quiet:
            entry: dict[str, Any] = {"Key": key}
            if target.get("VersionId") is not None:
                entry["VersionId"] = target["VersionId"]
            deleted.append(entry)
    return {"Deleted": deleted or None, "Errors": errors or None}
