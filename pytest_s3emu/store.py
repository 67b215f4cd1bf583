"""The pure-Python store: buckets and their object versions under one lock. No HTTP, no botocore."""

from __future__ import annotations

import bisect
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .blobs import DEFAULT_SPILL_THRESHOLD, Blob, BlobWriter, MemoryBlob
from .clock import utcnow
from .errors import (
    AccessDenied,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidArgument,
    MethodNotAllowed,
    NoSuchBucket,
    NoSuchKey,
    NoSuchVersion,
)
from .identity import DEFAULT_OWNER_ID
from .records import DEFAULT_CHECKSUM, ObjectVersion, Part, Upload, now
from .snapshots import Buckets

__all__ = [
    "DEFAULT_CHECKSUM",
    "OBJECT_LOCK",
    "Bucket",
    "ObjectVersion",
    "Part",
    "Store",
    "Upload",
    "now",
]

# the Bucket.configs name of the bucket's object lock configuration (ObjectLockConfiguration members);
# present once object lock is enabled, which cannot be undone
OBJECT_LOCK = "object_lock"
PROTECTED_BY_LOCK = "Access Denied because object protected by object lock."


@dataclass(slots=True)
class Bucket:
    """A bucket. ``history`` holds every version of a key, newest first, delete markers included;
    ``objects`` the current object of each key whose newest version is not a delete marker.
    ``keys`` and ``history_keys`` are kept sorted (UTF-8 binary order is code point order) so that
    listings bisect instead of sorting per request."""

    name: str
    region: str
    created: datetime = field(default_factory=now)
    objects: dict[str, ObjectVersion] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    history: dict[str, list[ObjectVersion]] = field(default_factory=dict)
    history_keys: list[str] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    # completed multipart uploads: id -> (key, (part number, ETag)s, the answer), for retries
    completed: dict[str, tuple[str, tuple[tuple[int, str], ...], dict[str, Any]]] = field(
        default_factory=dict
    )
    versioning: str | None = None  # None (never enabled), "Enabled" or "Suspended"
    # writes per key while multipart uploads are in progress: a conditional completion fails with
    # 409 ConditionalRequestConflict when its key was written after the upload was created
    writes: dict[str, int] = field(default_factory=dict)
    owner: str = DEFAULT_OWNER_ID  # the canonical user id of the account that created it
    policy: Any = None  # the compiled bucket policy (policy.Policy), None without one
    # bucket configurations by name (handlers/bucket_config.py): a missing name means AWS's
    # default for a new bucket, None means deleted
    configs: dict[str, Any] = field(default_factory=dict)

    def version(self, key: str, version_id: str) -> ObjectVersion | None:
        """The version of ``key`` with ``version_id`` ("null": the null version), if there is one."""
        wanted = None if version_id == "null" else version_id
        return next((v for v in self.history.get(key, ()) if v.version_id == wanted), None)

    def version_header(self, obj: ObjectVersion) -> str | None:
        """x-amz-version-id for ``obj``: only buckets that have had versioning name versions."""
        return obj.version_label if self.versioning is not None else None


def new_version_id() -> str:
    return uuid.uuid4().hex


def _sorted_add(keys: list[str], key: str) -> None:
    index = bisect.bisect_left(keys, key)
    if index == len(keys) or keys[index] != key:
        keys.insert(index, key)


def _sorted_remove(keys: list[str], key: str) -> None:
    index = bisect.bisect_left(keys, key)
    if index < len(keys) and keys[index] == key:
        del keys[index]


class Store:
    """All state of one emulator. Every public method takes the lock."""

    def __init__(self, spill_threshold: int = DEFAULT_SPILL_THRESHOLD, directory: str | None = None) -> None:
        self.lock = threading.RLock()
        self.spill_threshold = spill_threshold
        self.directory = directory  # where bodies above spill_threshold go (None: the system's temp dir)
        # copy-on-access for buckets shared with a snapshot (snapshots.py)
        self.buckets: dict[str, Bucket] = Buckets(self.lock)
        # new buckets get S3's defaults from before April 2023 (ObjectWriter, no Block Public Access)
        self.legacy_defaults = False

    def emptied(self) -> Store:
        """A new, empty store with the same settings."""
        store = Store(self.spill_threshold, self.directory)
        store.legacy_defaults = self.legacy_defaults
        return store

    def writer(self, size: int | None = None, upload: Upload | None = None) -> BlobWriter:
        """A writer for one body: in memory up to ``spill_threshold`` bytes, then a file in ``directory``.

        ``size`` is the size the request declares: a larger body goes to a file from its first byte.
        For a part of ``upload``, the threshold holds for the whole upload, parts still arriving
        included: a large object sent in small parts (boto3 sends 8 MiB parts, ten at once) is
        stored in files too.
        """
        if upload is None:
            fits = size is None or size <= self.spill_threshold
            return BlobWriter(self.spill_threshold if fits else 0, self.directory)
        with self.lock:
            allowance = max(0, self.spill_threshold - upload.memory())
            claim = allowance if size is None else size if size <= allowance else 0
            upload.reserved += claim

        def done(_: Blob | None) -> None:
            with self.lock:
                upload.reserved -= claim

        return BlobWriter(claim, self.directory, done)

    def create_bucket(self, name: str, region: str, owner: str = DEFAULT_OWNER_ID) -> Bucket:
        with self.lock:
            if name in self.buckets:
                raise BucketAlreadyOwnedByYou(BucketName=name)
            bucket = self.buckets[name] = Bucket(name=name, region=region, owner=owner)
            return bucket

    def bucket(self, name: str) -> Bucket:
        with self.lock:
            try:
                return self.buckets[name]
            except KeyError:
                raise NoSuchBucket(BucketName=name) from None

    def delete_bucket(self, name: str) -> None:
        with self.lock:
            bucket = self.bucket(name)
            # versions and delete markers keep a bucket alive too
            if bucket.history:
                raise BucketNotEmpty(BucketName=name)
            # unfinished multipart uploads do not keep a bucket alive; they go with it
            for upload in bucket.uploads.values():
                upload.release()
            del self.buckets[name]

    def list_buckets(self) -> list[Bucket]:
        with self.lock:
            # read only: no need to copy the buckets a snapshot shares
            return sorted(dict.values(self.buckets), key=lambda bucket: bucket.name)

    def put_object(self, bucket_name: str, obj: ObjectVersion) -> ObjectVersion:
        """Store ``obj`` as the newest version of its key, as the bucket's versioning says:
        a new version id while Enabled; otherwise the null version, replacing the old one."""
        with self.lock:
            bucket = self.bucket(bucket_name)
            obj.version_id = new_version_id() if bucket.versioning == "Enabled" else None
            if obj.lock_mode is None:
                _apply_default_retention(bucket, obj)
            self._add_version(bucket, obj)
            return obj

    def _add_version(self, bucket: Bucket, obj: ObjectVersion) -> None:
        _count_write(bucket, obj.key)
        versions = bucket.history.get(obj.key)
        if versions is None:
            bucket.history[obj.key] = [obj]
            _sorted_add(bucket.history_keys, obj.key)
        else:
            if obj.version_id is None:
                self._drop_null_version(versions)
            versions.insert(0, obj)
        self._refresh(bucket, obj.key)

    @staticmethod
    def _drop_null_version(versions: list[ObjectVersion]) -> None:
        for index, version in enumerate(versions):
            if version.version_id is None:
                del versions[index]
                version.blob.release()
                return

    @staticmethod
    def _refresh(bucket: Bucket, key: str) -> None:
        """Bring ``objects``, ``keys`` and ``history_keys`` in line with ``history[key]``."""
        versions = bucket.history.get(key)
        if not versions:
            bucket.history.pop(key, None)
            _sorted_remove(bucket.history_keys, key)
        newest = versions[0] if versions else None
        if newest is not None and not newest.delete_marker:
            if key not in bucket.objects:
                _sorted_add(bucket.keys, key)
            bucket.objects[key] = newest
        elif bucket.objects.pop(key, None) is not None:
            _sorted_remove(bucket.keys, key)

    def get_object(self, bucket_name: str, key: str, version_id: str | None = None) -> ObjectVersion:
        """The current object, or the version ``version_id`` ("null" for the null version).

        S3's answers: NoSuchKey (with x-amz-delete-marker when the newest version is a delete
        marker), NoSuchVersion, and 405 MethodNotAllowed for a delete marker's own version id.
        """
        with self.lock:
            bucket = self.bucket(bucket_name)
            if version_id is None:
                found = bucket.objects.get(key)
                if found is None:
                    raise _no_such_key(bucket, key)
                return found
            version = self.find_version(bucket, key, version_id)
            if version.delete_marker:
                raise _delete_marker_not_allowed(bucket, version)
            return version

    def find_version(self, bucket: Bucket, key: str, version_id: str) -> ObjectVersion:
        if not version_id:
            raise InvalidArgument(
                "Version id cannot be the empty string", ArgumentName="versionId", ArgumentValue=""
            )
        found = bucket.version(key, version_id)
        if found is not None:
            return found
        if version_id != "null" and not _well_formed(version_id):
            raise InvalidArgument(
                "Invalid version id specified", ArgumentName="versionId", ArgumentValue=version_id
            )
        raise NoSuchVersion(Key=key, VersionId=version_id)

    def delete_object(
        self, bucket_name: str, key: str, version_id: str | None = None, bypass_governance: bool = False
    ) -> ObjectVersion | None:
        """Delete as S3 does; returns the version removed or the delete marker created, if any.

        Without a version id: unversioned buckets remove the object, versioned ones add a delete
        marker (the null one while Suspended). With one: that version goes for good, unless object
        lock protects it (AccessDenied; ``bypass_governance`` lifts GOVERNANCE retention only).
        """
        with self.lock:
            bucket = self.bucket(bucket_name)
            if version_id is not None:
                return self._delete_version(bucket, key, version_id, bypass_governance)
            if bucket.versioning is None:
                return self._delete_version(bucket, key, "null")
            marker = ObjectVersion(key=key, blob=MemoryBlob(b""), etag="", delete_marker=True)
            marker.version_id = new_version_id() if bucket.versioning == "Enabled" else None
            self._add_version(bucket, marker)
            return marker

    def _delete_version(
        self, bucket: Bucket, key: str, version_id: str, bypass_governance: bool = False
    ) -> ObjectVersion | None:
        try:
            version = self.find_version(bucket, key, version_id)
        except NoSuchVersion:
            return None  # deleting what is not there succeeds, as on S3
        if is_protected(version, bypass_governance):
            raise AccessDenied(PROTECTED_BY_LOCK)
        bucket.history[key].remove(version)
        _count_write(bucket, key)
        version.blob.release()
        self._refresh(bucket, key)
        return version

    def release(self) -> None:
        """Free every body (temporary files); the store is not used afterwards."""
        with self.lock:
            from .snapshots import release_unshared

            release_unshared(self.buckets)
            self.buckets.clear()


def _count_write(bucket: Bucket, key: str) -> None:
    # only writes made while an upload is in progress can conflict with one
    if bucket.uploads:
        bucket.writes[key] = bucket.writes.get(key, 0) + 1


def is_protected(version: ObjectVersion, bypass_governance: bool = False) -> bool:
    """Whether object lock forbids deleting ``version``: a legal hold, or a retention period not yet
    over (GOVERNANCE gives way to x-amz-bypass-governance-retention, COMPLIANCE never does)."""
    if version.legal_hold == "ON":
        return True
    if version.lock_until is None or version.lock_until <= utcnow():
        return False
    return version.lock_mode == "COMPLIANCE" or not bypass_governance


def _apply_default_retention(bucket: Bucket, obj: ObjectVersion) -> None:
    """Give a new version the bucket's default retention (PutObjectLockConfiguration's Rule)."""
    config = bucket.configs.get(OBJECT_LOCK) or {}
    default = (config.get("Rule") or {}).get("DefaultRetention")
    if not default or obj.delete_marker:
        return
    # S3 counts a year of default retention as 365 days
    days = default.get("Days") or 365 * (default.get("Years") or 0)
    obj.lock_mode = default["Mode"]
    obj.lock_until = obj.last_modified + timedelta(days=days)


def _well_formed(version_id: str) -> bool:
    return len(version_id) == 32 and all(c in "0123456789abcdef" for c in version_id)


def _no_such_key(bucket: Bucket, key: str) -> NoSuchKey:
    error = NoSuchKey(Key=key)
    versions = bucket.history.get(key)
    if versions and versions[0].delete_marker:
        error.headers["x-amz-delete-marker"] = "true"
        error.headers["x-amz-version-id"] = versions[0].version_label
    return error


def _delete_marker_not_allowed(bucket: Bucket, marker: ObjectVersion) -> MethodNotAllowed:
    error = MethodNotAllowed(Method="GET", ResourceType="DeleteMarker")
    error.headers.update(
        {"x-amz-delete-marker": "true", "x-amz-version-id": marker.version_label, "Allow": "DELETE"}
    )
    return error
