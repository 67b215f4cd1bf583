"""DeleteObjects: up to 1,000 keys in one request, with per-key results."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidArgument, MalformedXML, NoSuchVersion, S3Error
from ..store import Bucket, ObjectVersion
from . import Context, Params, Result, operation
from .objects import validate_key

MAX_KEYS = 1000


DELETED = "$deleted"  # every deleted entry, Quiet or not (no member of the output shape)


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
    bucket = ctx.store.bucket(params["Bucket"])
    bypass = bool(params.get("BypassGovernanceRetention"))
    for target in targets:
        key: str = target["Key"]
        version_id: str | None = target.get("VersionId")
        try:
            validate_key(key)
            outcome = _delete_one(ctx, bucket, key, version_id, bypass)
        except S3Error as error:
            errors.append({"Key": key, "VersionId": version_id, "Code": error.code, "Message": error.text})
            continue
        deleted.append(_deleted_entry(bucket, key, version_id, outcome))
    # Quiet leaves the deleted keys out of the answer, not out of the events they make (notify.py)
    return {"Deleted": None if quiet else deleted or None, "Errors": errors or None, DELETED: deleted}


def _delete_one(
    ctx: Context, bucket: Bucket, key: str, version_id: str | None, bypass: bool
) -> ObjectVersion | None:
    """One key's delete. Unlike DeleteObject, S3 reports a version id it does not have, malformed
    or not, as a NoSuchVersion entry (AWS-recorded: LocalStack's test_s3_api.py snapshots
    TestS3ObjectCRUD::test_delete_objects and test_delete_objects_versioned)."""
    try:
        outcome = ctx.store.delete_object(bucket.name, key, version_id, bypass)
    except InvalidArgument:
        if not version_id:
            raise
        outcome = None
    if outcome is None and version_id not in (None, "null"):
        raise NoSuchVersion(Key=key, VersionId=version_id)
    return outcome


def _deleted_entry(
    bucket: Bucket, key: str, version_id: str | None, outcome: ObjectVersion | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"Key": key}
    if version_id is not None:
        entry["VersionId"] = version_id
        if outcome is not None and outcome.delete_marker:
            entry["DeleteMarker"] = True
            entry["DeleteMarkerVersionId"] = outcome.version_label
    elif outcome is not None and outcome.delete_marker:
        # S3 names the delete marker it created
        entry["DeleteMarker"] = True
        entry["DeleteMarkerVersionId"] = outcome.version_label
    return entry
