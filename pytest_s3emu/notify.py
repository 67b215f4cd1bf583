"""Which events a request or a lifecycle action makes (AWS's "Supported event types")."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .errors import S3Error
from .events import Happening, iso_ms
from .handlers.deletes import DELETED
from .lifecycle import Action
from .store import Store

Params = dict[str, Any]
Source = Callable[[Store, str, Params, Params, int], list[Happening]]

POST_OBJECT = "PostObject"  # post_object.OPERATION (imported lazily there: a cycle)


def _facts(store: Store, bucket: str, name: str, key: str, version_id: str | None) -> Happening:
    """``name`` on ``key`` with the size and ETag of the version it concerns (when it exists)."""
    with store.lock:
        try:
            obj = store.get_object(bucket, key, None if version_id in (None, "null") else version_id)
        except S3Error:
            return Happening(name, key, version_id)
        return Happening(name, key, version_id, obj.size, obj.etag)


def _created(name: str) -> Source:
    def source(store: Store, bucket: str, params: Params, result: Params, status: int) -> list[Happening]:
        key: str = params.get("Key") or result.get("Key") or ""
        return [_facts(store, bucket, name, key, result.get("VersionId"))]

    return source


def _annotated(name: str) -> Source:
    # S3's tagging and ACL records name the object by key and ETag only (no size, no sequencer)
    def source(store: Store, bucket: str, params: Params, result: Params, status: int) -> list[Happening]:
        version = result.get("VersionId") or params.get("VersionId")
        facts = _facts(store, bucket, name, params["Key"], version)
        return [facts._replace(size=None, sequenced=False)]

    return source


def _removed(key: str, asked_version: str | None, outcome: Params, marker_member: str) -> Happening:
    # a delete without a version id in a versioned bucket adds a delete marker instead
    if asked_version is None and outcome.get("DeleteMarker"):
        return Happening("ObjectRemoved:DeleteMarkerCreated", key, outcome.get(marker_member))
    return Happening("ObjectRemoved:Delete", key, asked_version)


def _delete_object(store: Store, bucket: str, params: Params, result: Params, status: int) -> list[Happening]:
    return [_removed(params["Key"], params.get("VersionId"), result, "VersionId")]


def _delete_objects(
    store: Store, bucket: str, params: Params, result: Params, status: int
) -> list[Happening]:
    return [
        _removed(entry["Key"], entry.get("VersionId"), entry, "DeleteMarkerVersionId")
        for entry in result.get(DELETED) or ()
    ]


def _restore(store: Store, bucket: str, params: Params, result: Params, status: int) -> list[Happening]:
    if status != 202:
        return []  # 200: the object was restored already; S3 only extends the copy's life
    # the emulator restores at once, so the restore completes as it is asked for
    posted = _facts(store, bucket, "ObjectRestore:Post", params["Key"], params.get("VersionId"))
    with store.lock:
        try:
            obj = store.get_object(bucket, params["Key"], params.get("VersionId"))
        except S3Error:
            return [posted]
        restore = {"lifecycleRestoreStorageClass": obj.storage_class}
        if obj.restore_expiry is not None:
            restore["lifecycleRestorationExpiryTime"] = iso_ms(obj.restore_expiry)
    detail = {"glacierEventData": {"restoreEventData": restore}}
    return [posted, posted._replace(name="ObjectRestore:Completed", detail=detail)]


SOURCES: dict[str, Source] = {
    "PutObject": _created("ObjectCreated:Put"),
    POST_OBJECT: _created("ObjectCreated:Post"),
    "CopyObject": _created("ObjectCreated:Copy"),
    "CompleteMultipartUpload": _created("ObjectCreated:CompleteMultipartUpload"),
    "DeleteObject": _delete_object,
    "DeleteObjects": _delete_objects,
    "RestoreObject": _restore,
    "PutObjectTagging": _annotated("ObjectTagging:Put"),
    "DeleteObjectTagging": _annotated("ObjectTagging:Delete"),
    "PutObjectAcl": _annotated("ObjectAcl:Put"),
}


def from_lifecycle(actions: Iterable[Action]) -> dict[str, list[Happening]]:
    """Bucket name -> the events lifecycle's ``actions`` make there."""
    found: dict[str, list[Happening]] = {}
    for action in actions:
        happening = _lifecycle_happening(action)
        if happening is not None:
            found.setdefault(action.bucket, []).append(happening)
    return found


def _lifecycle_happening(action: Action) -> Happening | None:
    if action.action == "AbortIncompleteMultipartUpload":
        return None  # no event type reports an aborted upload
    if action.action in ("Transition", "NoncurrentVersionTransition"):
        detail = {"lifecycleEventData": {"transitionEventData": {"destinationStorageClass": action.detail}}}
        return Happening("LifecycleTransition", action.key, action.version_id, detail=detail)
    if action.detail == "DeleteMarker":
        return Happening("LifecycleExpiration:DeleteMarkerCreated", action.key, action.version_id)
    return Happening("LifecycleExpiration:Delete", action.key, action.version_id)
