"""What the store keeps: object versions, parts, multipart uploads. Plain data, no locking policy."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .blobs import Blob, MemoryBlob
from .checksums import combine_parts
from .clock import utcnow

# S3 gives every object uploaded without a checksum a full-object CRC64NVME one
DEFAULT_CHECKSUM = "CRC64NVME"


def now() -> datetime:
    """The current time at S3's precision for Last-Modified (whole seconds)."""
    return utcnow().replace(microsecond=0)


@dataclass(slots=True)
class Part:
    """An uploaded part; completed objects keep them for partNumber reads and attributes."""

    number: int
    blob: Blob
    etag: str
    checksums: dict[str, str] = field(default_factory=dict)
    last_modified: datetime = field(default_factory=now)
    started: int = 0  # Upload.begin_part() when its request began: the later start wins
    # the part's CRC64NVME when the upload keeps no checksum: S3's default for the whole object
    default_crc64: str | None = None

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def crc64nvme(self) -> str | None:
        """The part's CRC64NVME: the client's, or the one kept for S3's default checksum."""
        return self.checksums.get(DEFAULT_CHECKSUM) or self.default_crc64


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
    delete_marker: bool = False
    # object lock (handlers/object_lock.py): retention mode GOVERNANCE or COMPLIANCE and its end,
    # and the legal hold status ("ON"/"OFF" once set)
    lock_mode: str | None = None
    lock_until: datetime | None = None
    legal_hold: str | None = None
    # the canonical id of the account that wrote it, when not the bucket owner (ObjectWriter)
    owner: str | None = None
    # explicit ACL grants (handlers/acl.py); None is the owner's FULL_CONTROL
    acl: list[dict[str, Any]] | None = None
    # when the restored copy of an archived object expires (handlers/restore.py)
    restore_expiry: datetime | None = None
    annotations: dict[str, Annotation] | None = None  # by name (handlers/object_annotations.py)
    # S3's CRC64NVME of an object written without a checksum of its own: each write settles it
    default_checksum: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._gets_default:
            self.checksum_type = "FULL_OBJECT"

    @property
    def _gets_default(self) -> bool:
        """Whether S3 gives this object its default checksum: it was written without one."""
        return not self.checksums and not self.delete_marker

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def version_label(self) -> str:
        """The version id as S3 writes it: the null version is "null"."""
        return self.version_id or "null"

    @property
    def restored(self) -> bool:
        """Whether an archived object has a restored copy that has not expired yet (RestoreObject)."""
        return self.restore_expiry is not None and self.restore_expiry > utcnow()

    def settle_default(self, value: str | None = None) -> None:
        """Record S3's default checksum (``value``, or combined from the parts' CRC64NVME) if it applies."""
        if not self._gets_default:
            return
        if value is None and self.parts and all(part.crc64nvme for part in self.parts):
            found = [(base64.b64decode(part.crc64nvme or ""), part.size) for part in self.parts]
            value = base64.b64encode(combine_parts(DEFAULT_CHECKSUM, found)).decode()
        self.default_checksum = value

    def known_checksums(self) -> dict[str, str]:
        """Every checksum of the object: its own, or S3's default."""
        if self.default_checksum is not None:
            return {DEFAULT_CHECKSUM: self.default_checksum}
        return self.checksums

    @property
    def checksum_algorithms(self) -> list[str]:
        """The algorithms listings name."""
        return [DEFAULT_CHECKSUM] if self._gets_default else list(self.checksums)


@dataclass(slots=True)
class Annotation:
    """A named payload attached to one object version (PutObjectAnnotation)."""

    payload: bytes
    etag: str
    checksums: dict[str, str] = field(default_factory=dict)
    last_modified: datetime = field(default_factory=now)


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
    key_writes: int = 0  # Bucket.writes of the key when the upload was created
    part_requests: int = 0  # UploadPart and UploadPartCopy requests begun so far
    initiator: str | None = None  # canonical id of the account that created it (None: bucket owner)

    def begin_part(self) -> int:
        """Number a part request as it begins (call with the store lock held)."""
        self.part_requests += 1
        return self.part_requests

    def release(self) -> None:
        for part in self.parts.values():
            part.blob.release()

    def memory(self) -> int:
        """Bytes of this upload in memory: parts kept there and parts on their way."""
        return self.reserved + sum(p.size for p in self.parts.values() if isinstance(p.blob, MemoryBlob))
