"""The pure-Python store: buckets and objects under one lock. No HTTP, no botocore."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .blobs import DEFAULT_SPILL_THRESHOLD, Blob
from .errors import BucketAlreadyOwnedByYou, BucketNotEmpty, NoSuchBucket, NoSuchKey


def now() -> datetime:
    """The current time at S3's precision for Last-Modified (whole seconds)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(slots=True)
class Part:
    """An uploaded part; completed objects keep them for partNumber reads and attributes."""

    number: int
    blob: Blob
    etag: str
    checksums: dict[str, str] = field(default_factory=dict)
    last_modified: datetime = field(default_factory=now)

    @property
    def size(self) -> int:
        return self.blob.size


@dataclass(slots=True)
class ObjectVersion:
    """One stored object. ``headers`` holds the HTTP metadata keyed by model member names."""

    key: str
    blob: Blob
    etag: str
    last_modified: datetime = field(default_factory=now)
    content_type: str = "binary/octet-stream"
    metadata: dict[str, str] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    checksum_type: str | None = None
    storage_class: str = "STANDARD"
    version_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    parts: list[Part] | None = None  # set for objects made by a multipart upload

    @property
    def size(self) -> int:
        return self.blob.size


@dataclass(slots=True)
class Upload:
    """A multipart upload in progress: the object-to-be's attributes and its parts so far."""

    upload_id: str
    key: str
    template: ObjectVersion  # attributes given at CreateMultipartUpload; blob unused
    checksum_algorithm: str | None = None
    checksum_type: str | None = None
    initiated: datetime = field(default_factory=now)
    parts: dict[int, Part] = field(default_factory=dict)

    def release(self) -> None:
        for part in self.parts.values():
            part.blob.release()


@dataclass(slots=True)
class Bucket:
    """A bucket; ``keys`` is kept sorted (UTF-8 binary order is code point order) for listings."""

    name: str
    region: str
    created: datetime = field(default_factory=now)
    objects: dict[str, ObjectVersion] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)

    def keys_from(self, start: str, inclusive: bool = True) -> Iterator[str]:
        """Keys in order from ``start``; bisect instead of sorting per request."""
        index = (bisect.bisect_left if inclusive else bisect.bisect_right)(self.keys, start)
        return iter(self.keys[index:])


class Store:
    """All state of one emulator. Every public method takes the lock."""

    def __init__(self, spill_threshold: int = DEFAULT_SPILL_THRESHOLD) -> None:
        self.lock = threading.RLock()
        self.spill_threshold = spill_threshold
        self.buckets: dict[str, Bucket] = {}

    def create_bucket(self, name: str, region: str) -> Bucket:
        with self.lock:
            if name in self.buckets:
                raise BucketAlreadyOwnedByYou(BucketName=name)
            bucket = self.buckets[name] = Bucket(name=name, region=region)
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
            if bucket.objects:
                raise BucketNotEmpty(BucketName=name)
            # unfinished multipart uploads do not keep a bucket alive; they go with it
            for upload in bucket.uploads.values():
                upload.release()
            del self.buckets[name]

    def list_buckets(self) -> list[Bucket]:
        with self.lock:
            return sorted(self.buckets.values(), key=lambda bucket: bucket.name)

    def put_object(self, bucket_name: str, obj: ObjectVersion) -> ObjectVersion | None:
        """Store ``obj``, replacing (and releasing) what was there."""
        with self.lock:
            bucket = self.bucket(bucket_name)
            old = bucket.objects.get(obj.key)
            bucket.objects[obj.key] = obj
            if old is None:
                bisect.insort(bucket.keys, obj.key)
            else:
                old.blob.release()
            return old

    def get_object(self, bucket_name: str, key: str) -> ObjectVersion:
        with self.lock:
            try:
                return self.bucket(bucket_name).objects[key]
            except KeyError:
                raise NoSuchKey(Key=key) from None

    def delete_object(self, bucket_name: str, key: str) -> ObjectVersion | None:
        with self.lock:
            bucket = self.bucket(bucket_name)
            obj = bucket.objects.pop(key, None)
            if obj is not None:
                del bucket.keys[bisect.bisect_left(bucket.keys, key)]
                obj.blob.release()
            return obj

    def release(self) -> None:
        """Free every body (temporary files); the store is not used afterwards."""
        with self.lock:
            for bucket in self.buckets.values():
                for obj in bucket.objects.values():
                    obj.blob.release()
                for upload in bucket.uploads.values():
                    upload.release()
            self.buckets.clear()
