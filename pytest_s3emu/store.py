"""The pure-Python store: buckets and objects under one lock. No HTTP, no botocore."""

from __future__ import annotations

import base64
import bisect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .blobs import DEFAULT_SPILL_THRESHOLD, Blob, BlobWriter, MemoryBlob, Reader
from .checksums import ChecksumSet, combine_parts
from .errors import BucketAlreadyOwnedByYou, BucketNotEmpty, NoSuchBucket, NoSuchKey

# S3 gives every object uploaded without a checksum a full-object CRC64NVME one
DEFAULT_CHECKSUM = "CRC64NVME"


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
    # S3's CRC64NVME for an object stored without a checksum: computed on first demand
    default_checksum: DefaultChecksum | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.checksums:
            self.default_checksum = DefaultChecksum()
            self.checksum_type = "FULL_OBJECT"

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def checksum_algorithms(self) -> list[str]:
        """The algorithms listings name (S3's default one before it is computed too)."""
        return [DEFAULT_CHECKSUM] if self.default_checksum is not None else list(self.checksums)

    def checksums_source(self) -> Callable[[], dict[str, str]]:
        """Call with the store lock held: a function giving every checksum of the object.

        The first caller of that function computes S3's default checksum outside the lock (pure-Python
        CRC-64 runs ~120 MB/s), from a reader opened now, while the body certainly exists.
        """
        default = self.default_checksum
        if default is None:
            known = dict(self.checksums)
            return lambda: known
        if default.value is not None or _combinable(self.parts):
            return lambda: {DEFAULT_CHECKSUM: default.compute(self.parts, None)}
        reader = self.blob.open_range(0, self.size - 1)
        return lambda: {DEFAULT_CHECKSUM: default.compute(None, reader)}


def _combinable(parts: list[Part] | None) -> bool:
    return bool(parts) and all(DEFAULT_CHECKSUM in part.checksums for part in parts or ())


class DefaultChecksum:
    """S3's CRC64NVME of one object, worked out once (concurrent callers wait for the first)."""

    __slots__ = ("_lock", "value")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value: str | None = None

    def compute(self, parts: list[Part] | None, reader: Reader | None) -> str:
        try:
            with self._lock:
                if self.value is None:
                    self.value = _crc64nvme(parts, reader)
                return self.value
        finally:
            if reader is not None:
                reader.close()


def _crc64nvme(parts: list[Part] | None, reader: Reader | None) -> str:
    if reader is None:
        # a multipart upload whose parts all carry CRC64NVME: combine them, no data to read
        assert parts is not None
        found = [(base64.b64decode(part.checksums[DEFAULT_CHECKSUM]), part.size) for part in parts]
        return base64.b64encode(combine_parts(DEFAULT_CHECKSUM, found)).decode()
    hasher = ChecksumSet([DEFAULT_CHECKSUM], md5=False)
    for block in reader:
        hasher.update(block)
    return hasher.b64(DEFAULT_CHECKSUM)


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
    reserved: int = 0  # memory promised to parts still arriving (see Store.writer)

    def release(self) -> None:
        for part in self.parts.values():
            part.blob.release()

    def memory(self) -> int:
        """Bytes of this upload in memory: parts kept there and parts on their way."""
        return self.reserved + sum(p.size for p in self.parts.values() if isinstance(p.blob, MemoryBlob))


@dataclass(slots=True)
class Bucket:
    """A bucket; ``keys`` is kept sorted (UTF-8 binary order is code point order) for listings."""

    name: str
    region: str
    created: datetime = field(default_factory=now)
    objects: dict[str, ObjectVersion] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    versioning: str | None = None  # None (never enabled), "Enabled" or "Suspended"
    # bucket configurations by name (handlers/bucket_config.py): a missing name means AWS's
    # default for a new bucket, None means deleted
    configs: dict[str, Any] = field(default_factory=dict)

    def keys_from(self, start: str, inclusive: bool = True) -> Iterator[str]:
        """Keys in order from ``start``; bisect instead of sorting per request."""
        index = (bisect.bisect_left if inclusive else bisect.bisect_right)(self.keys, start)
        return iter(self.keys[index:])


class Store:
    """All state of one emulator. Every public method takes the lock."""

    def __init__(self, spill_threshold: int = DEFAULT_SPILL_THRESHOLD, directory: str | None = None) -> None:
        self.lock = threading.RLock()
        self.spill_threshold = spill_threshold
        self.directory = directory  # where bodies above spill_threshold go (None: the system's temp dir)
        self.buckets: dict[str, Bucket] = {}

    def emptied(self) -> Store:
        """A new, empty store with the same settings."""
        return Store(self.spill_threshold, self.directory)

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
