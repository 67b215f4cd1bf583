"""Snapshots of the store: taken and restored in time proportional to the number of buckets.

A snapshot keeps the store's Bucket records as they are; from then on the store and the snapshot
share them, and whichever store touches a shared bucket first works on a copy of it
(copy-on-access at bucket level: the copy clones the bucket's records, never object bodies).
Bodies are immutable once stored; a snapshot pins those in files so that deleting an object from
the store keeps the file for the snapshot (files go when the emulator stops).
"""

from __future__ import annotations

import copy
import operator
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .records import ObjectVersion, Part, Upload

if TYPE_CHECKING:
    from collections.abc import ItemsView, ValuesView

    from .store import Bucket, Store

__all__ = ["Buckets", "Snapshot", "restore", "take"]

_VERSION_SLOTS: tuple[str, ...] = tuple(ObjectVersion.__slots__)  # dataclass(slots=True)
_UPLOAD_SLOTS: tuple[str, ...] = tuple(Upload.__slots__)  # dataclass(slots=True)
# every slot read at once and written through its descriptor: a third cheaper than getattr/setattr
_VERSION_VALUES = operator.attrgetter(*_VERSION_SLOTS)
_VERSION_SETTERS = tuple(getattr(ObjectVersion, name).__set__ for name in _VERSION_SLOTS)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The buckets of an emulator at one moment (:meth:`S3Emulator.snapshot`); restore it any number
    of times with :meth:`S3Emulator.restore`. Its bucket records are never changed."""

    buckets: dict[str, Bucket]
    taken: float  # time.time()

    @property
    def bucket_names(self) -> list[str]:
        return sorted(self.buckets)


class Buckets(dict[str, "Bucket"]):
    """The store's buckets by name; one shared with a snapshot is copied when first accessed."""

    __slots__ = ("_lock", "shared")

    def __init__(self, lock: threading.RLock) -> None:
        super().__init__()
        self._lock = lock
        self.shared: set[str] = set()

    def _own(self, name: str) -> Bucket:
        with self._lock:
            bucket = dict.__getitem__(self, name)
            if name in self.shared:
                bucket = clone_bucket(bucket)
                dict.__setitem__(self, name, bucket)
                self.shared.discard(name)
            return bucket

    def _own_all(self) -> None:
        for name in list(self.shared):
            self._own(name)

    def __getitem__(self, name: str) -> Bucket:
        if self.shared and name in self.shared:
            return self._own(name)
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self:  # dict.get would bypass the copy in __getitem__
            return default
        return self[name]

    def values(self) -> ValuesView[Bucket]:  # type: ignore[override]  # a view, as dict's is
        self._own_all()
        return dict.values(self)

    def items(self) -> ItemsView[str, Bucket]:  # type: ignore[override]  # a view, as dict's is
        self._own_all()
        return dict.items(self)

    def __setitem__(self, name: str, bucket: Bucket) -> None:
        self.shared.discard(name)
        dict.__setitem__(self, name, bucket)

    def __delitem__(self, name: str) -> None:
        self.shared.discard(name)
        dict.__delitem__(self, name)

    def pop(self, name: str, *default: Any) -> Any:
        self.shared.discard(name)
        return dict.pop(self, name, *default)

    def clear(self) -> None:
        self.shared.clear()
        dict.clear(self)

    def raw_items(self) -> Iterator[tuple[str, Bucket]]:
        """Every (name, bucket) as stored, shared ones included, without copying any."""
        return iter(list(dict.items(self)))


def take(store: Store) -> Snapshot:
    """Snapshot ``store``: its buckets become shared with the snapshot."""
    with store.lock:
        buckets = store.buckets
        assert isinstance(buckets, Buckets)
        found = dict(buckets.raw_items())
        for name, bucket in found.items():
            if name not in buckets.shared:
                _pin_bodies(bucket)  # a shared bucket's bodies were pinned by the snapshot it came from
        buckets.shared.update(found)
        return Snapshot(found, time.time())


def restore(store: Store, snapshot: Snapshot) -> None:
    """Make ``store``'s buckets those of ``snapshot`` (shared until touched); free the ones replaced."""
    with store.lock:
        old = store.buckets
        fresh = Buckets(store.lock)
        dict.update(fresh, snapshot.buckets)
        fresh.shared.update(snapshot.buckets)
        store.buckets = fresh
        release_unshared(old)


def release_unshared(buckets: dict[str, Bucket]) -> None:
    """Free the bodies of the buckets no snapshot shares (a shared one's belong to the snapshot)."""
    shared = buckets.shared if isinstance(buckets, Buckets) else set()
    for name, bucket in list(dict.items(buckets)):
        if name not in shared:
            _release_bodies(bucket)


def _pin_bodies(bucket: Bucket) -> None:
    for versions in bucket.history.values():
        for version in versions:
            version.blob.pin()
    for upload in bucket.uploads.values():
        for part in upload.parts.values():
            part.blob.pin()


def _release_bodies(bucket: Bucket) -> None:
    for versions in bucket.history.values():
        for version in versions:
            version.blob.release()
    for upload in bucket.uploads.values():
        upload.release()


def clone_bucket(bucket: Bucket) -> Bucket:
    """A copy of ``bucket`` whose records may change without touching the original (bodies shared)."""
    clones: dict[int, ObjectVersion] = {}
    history: dict[str, list[ObjectVersion]] = {}
    for key, versions in bucket.history.items():
        copied = []
        for version in versions:
            clone = clones[id(version)] = clone_version(version)
            copied.append(clone)
        history[key] = copied
    new = copy.copy(bucket)
    new.history = history
    new.objects = {key: clones.get(id(obj)) or clone_version(obj) for key, obj in bucket.objects.items()}
    new.keys = list(bucket.keys)
    new.history_keys = list(bucket.history_keys)
    new.uploads = {upload_id: _clone_upload(upload) for upload_id, upload in bucket.uploads.items()}
    new.completed = dict(bucket.completed)
    new.writes = dict(bucket.writes)
    new.configs = copy.deepcopy(bucket.configs)  # small documents, some edited in place
    return new


def clone_version(version: ObjectVersion) -> ObjectVersion:
    """A copy of ``version`` with its own metadata containers; the body and parts are shared."""
    new = object.__new__(ObjectVersion)
    for setter, value in zip(_VERSION_SETTERS, _VERSION_VALUES(version), strict=True):
        setter(new, value)
    new.metadata = dict(version.metadata)
    new.headers = dict(version.headers)
    new.checksums = dict(version.checksums)
    new.tags = dict(version.tags)
    if version.acl is not None:
        new.acl = copy.deepcopy(version.acl)
    if version.annotations is not None:
        new.annotations = dict(version.annotations)
    return new


def _clone_upload(upload: Upload) -> Upload:
    new = object.__new__(Upload)
    for name in _UPLOAD_SLOTS:
        object.__setattr__(new, name, getattr(upload, name))
    new.template = clone_version(upload.template)
    new.parts = {number: _clone_part(part) for number, part in upload.parts.items()}
    return new


def _clone_part(part: Part) -> Part:
    return Part(part.number, part.blob, part.etag, dict(part.checksums), part.last_modified, part.started)
