"""Object lock: the bucket's configuration, retention and legal hold of each version, and the
``x-amz-object-lock-*`` headers of writes.

Deleting a protected version is refused in ``Store.delete_object`` (``store.is_protected``); a
bucket's default retention is given to new versions in ``Store.put_object``. Messages are the ones
AWS answers with (as recorded by suites that run against AWS: moto's and LocalStack's
``aws_verified`` tests, Adobe S3Mock's ``S3VerifiedSuccess`` ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import model
from ..clock import utcnow
from ..errors import (
    AccessDenied,
    InvalidArgument,
    InvalidBucketState,
    InvalidRequest,
    MalformedXML,
    MethodNotAllowed,
    MissingRequestBodyError,
    NoSuchObjectLockConfiguration,
    ObjectLockConfigurationNotFoundError,
)
from ..store import OBJECT_LOCK, PROTECTED_BY_LOCK, Bucket, ObjectVersion
from . import Context, Params, Result, operation
from .bucket_config import check_enums

MODES = ("GOVERNANCE", "COMPLIANCE")
LEGAL_HOLD_STATUSES = ("ON", "OFF")
_MISSING_CONFIG = "Bucket is missing Object Lock Configuration"
_BOTH = "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied"
# a bucket's default retention is at most 100 years, in either unit
_MAX_DEFAULT_RETENTION = {"Days": 36500, "Years": 100}


def _to_millis(when: datetime | None) -> datetime | None:
    """S3 keeps retain-until dates to the millisecond: a date read back and sent again must be equal."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000) if when is not None else None


def lock_enabled(bucket: Bucket) -> bool:
    return bucket.configs.get(OBJECT_LOCK) is not None


def enable_object_lock(bucket: Bucket) -> None:
    """CreateBucket with x-amz-bucket-object-lock-enabled: lock on, versioning on for good."""
    bucket.versioning = "Enabled"
    bucket.configs[OBJECT_LOCK] = {"ObjectLockEnabled": "Enabled"}


def default_retention(bucket: Bucket) -> dict[str, Any] | None:
    config = bucket.configs.get(OBJECT_LOCK) or {}
    found: dict[str, Any] | None = (config.get("Rule") or {}).get("DefaultRetention")
    return found


@dataclass(slots=True, frozen=True)
class LockRequest:
    """The x-amz-object-lock-* headers of a write (PutObject, CopyObject, CreateMultipartUpload)."""

    mode: str | None = None
    until: datetime | None = None
    legal_hold: str | None = None

    def given(self) -> bool:
        return self.mode is not None or self.until is not None or self.legal_hold is not None

    def apply(self, obj: ObjectVersion) -> None:
        """Set on a new version; without a mode, Store.put_object gives it the bucket's default."""
        if self.mode is not None:
            obj.lock_mode, obj.lock_until = self.mode, self.until
        if self.legal_hold is not None:
            obj.legal_hold = self.legal_hold


def requested_lock(params: Params, bucket: Bucket) -> LockRequest:
    """The write's lock headers after S3's checks (the bucket must have object lock)."""
    lock = LockRequest(
        params.get("ObjectLockMode"),
        _to_millis(params.get("ObjectLockRetainUntilDate")),
        params.get("ObjectLockLegalHoldStatus"),
    )
    if not lock.given():
        return lock
    if not lock_enabled(bucket):
        raise InvalidRequest(_MISSING_CONFIG)
    if (lock.mode is None) != (lock.until is None):
        missing = "x-amz-object-lock-mode" if lock.mode is None else "x-amz-object-lock-retain-until-date"
        raise InvalidArgument(_BOTH, ArgumentName=missing)
    if lock.mode is not None and lock.mode not in MODES:
        raise InvalidArgument(
            "Unknown wormMode directive.", ArgumentName="x-amz-object-lock-mode", ArgumentValue=lock.mode
        )
    if lock.until is not None and lock.until <= utcnow():
        raise InvalidArgument(
            "The retain until date must be in the future!",
            ArgumentName="x-amz-object-lock-retain-until-date",
            ArgumentValue=lock.until.isoformat(),
        )
    if lock.legal_hold is not None and lock.legal_hold not in LEGAL_HOLD_STATUSES:
        raise InvalidArgument(
            "Legal Hold must be either of 'ON' or 'OFF'",
            ArgumentName="x-amz-object-lock-legal-hold",
            ArgumentValue=lock.legal_hold,
        )
    return lock


def require_checksum(ctx: Context, bucket: Bucket, locked: bool, kind: str = "Put Object") -> None:
    """S3 wants Content-MD5 or an x-amz-checksum-* on uploads object lock will protect: ones with
    lock headers (``locked``), and every upload (PutObject, UploadPart) to a bucket with a default
    retention."""
    if not locked and default_retention(bucket) is None:
        return
    if ctx.body.algorithm or "content-md5" in ctx.request.headers:
        return
    raise InvalidRequest(
        f"Content-MD5 OR x-amz-checksum- HTTP header is required for {kind} requests with Object Lock "
        "parameters"
    )


def lock_members(obj: ObjectVersion) -> Result:
    """The object lock members of GetObject/HeadObject."""
    members: Result = {}
    if obj.lock_mode is not None:
        members["ObjectLockMode"] = obj.lock_mode
        members["ObjectLockRetainUntilDate"] = obj.lock_until
    if obj.legal_hold is not None:
        members["ObjectLockLegalHoldStatus"] = obj.legal_hold
    return members


# --- the bucket's configuration --------------------------------------------------------------------


def _checked_configuration(params: Params) -> dict[str, Any]:
    config: dict[str, Any] | None = params.get("ObjectLockConfiguration")
    if config is None:
        raise MissingRequestBodyError()
    shape = model.operation("PutObjectLockConfiguration").input_shape
    assert shape is not None
    check_enums(shape.members["ObjectLockConfiguration"], config)
    if config.get("ObjectLockEnabled") != "Enabled":
        raise MalformedXML()
    rule = config.get("Rule")
    if rule is None:
        return config
    default = rule.get("DefaultRetention")
    if not default or default.get("Mode") is None or ("Days" in default) == ("Years" in default):
        raise MalformedXML()
    unit = "Days" if "Days" in default else "Years"
    if default[unit] <= 0:
        raise InvalidArgument(
            "Default retention period must be a positive integer value.",
            ArgumentName=unit,
            ArgumentValue=str(default[unit]),
        )
    if default[unit] > _MAX_DEFAULT_RETENTION[unit]:
        raise InvalidArgument(
            "Default retention period is too large.", ArgumentName=unit, ArgumentValue=str(default[unit])
        )
    return config


@operation("PutObjectLockConfiguration")
def put_object_lock_configuration(ctx: Context, params: Params) -> Result:
    ctx.store.bucket(params["Bucket"])
    config = _checked_configuration(params)
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        # since November 2023 S3 turns object lock on for an existing bucket, if it is versioned
        if not lock_enabled(bucket) and bucket.versioning != "Enabled":
            raise InvalidBucketState(
                "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"
            )
        bucket.configs[OBJECT_LOCK] = config
    return {}


@operation("GetObjectLockConfiguration")
def get_object_lock_configuration(ctx: Context, params: Params) -> Result:
    bucket = ctx.store.bucket(params["Bucket"])
    config = bucket.configs.get(OBJECT_LOCK)
    if config is None:
        raise ObjectLockConfigurationNotFoundError(BucketName=bucket.name)
    return {"ObjectLockConfiguration": config}


# --- retention and legal hold of a version ------------------------------------------------------------


def _version(ctx: Context, params: Params, method: str) -> ObjectVersion:
    """The version a retention or legal hold call is about (call with the store lock held)."""
    bucket = ctx.store.bucket(params["Bucket"])
    if not lock_enabled(bucket):
        raise InvalidRequest(_MISSING_CONFIG)
    try:
        return ctx.store.get_object(bucket.name, params["Key"], params.get("VersionId"))
    except MethodNotAllowed as error:
        error.fields["Method"] = method  # a delete marker's version id
        raise


def _checked_retention(params: Params) -> dict[str, Any] | None:
    """The new retention; None (or an empty document) removes it."""
    retention: dict[str, Any] | None = params.get("Retention") or None
    if retention is None:
        return None
    if retention.get("Mode") not in MODES or retention.get("RetainUntilDate") is None:
        raise MalformedXML()
    until = _to_millis(retention["RetainUntilDate"])
    assert until is not None
    if until <= utcnow():
        raise InvalidArgument(
            "The retain until date must be in the future!",
            ArgumentName="RetainUntilDate",
            ArgumentValue=until.isoformat(),
        )
    return {"Mode": retention["Mode"], "RetainUntilDate": until}


def _alters(obj: ObjectVersion, retention: dict[str, Any] | None) -> bool:
    """Whether the new retention alters the one in force other than by lengthening it: removed,
    shorter, or another mode. A retention period that is over protects nothing."""
    if obj.lock_until is None or obj.lock_until <= utcnow():
        return False
    if retention is None:
        return True
    shorter: bool = retention["RetainUntilDate"] < obj.lock_until
    return shorter or retention["Mode"] != obj.lock_mode


@operation("PutObjectRetention")
def put_object_retention(ctx: Context, params: Params) -> Result:
    bypass = bool(params.get("BypassGovernanceRetention"))
    with ctx.store.lock:
        obj = _version(ctx, params, "PUT")
        retention = _checked_retention(params)
        # lengthening is always allowed; any other change (GOVERNANCE made COMPLIANCE too) only to
        # GOVERNANCE, and only with the bypass header: COMPLIANCE can never be shortened or relaxed
        if _alters(obj, retention) and (obj.lock_mode == "COMPLIANCE" or not bypass):
            raise AccessDenied(PROTECTED_BY_LOCK)
        obj.lock_mode = retention["Mode"] if retention else None
        obj.lock_until = retention["RetainUntilDate"] if retention else None
    return {}


@operation("GetObjectRetention")
def get_object_retention(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        obj = _version(ctx, params, "GET")
        if obj.lock_mode is None:
            raise NoSuchObjectLockConfiguration()
        return {"Retention": {"Mode": obj.lock_mode, "RetainUntilDate": obj.lock_until}}


@operation("PutObjectLegalHold")
def put_object_legal_hold(ctx: Context, params: Params) -> Result:
    status = (params.get("LegalHold") or {}).get("Status")
    with ctx.store.lock:
        obj = _version(ctx, params, "PUT")
        if status not in LEGAL_HOLD_STATUSES:
            raise MalformedXML()
        obj.legal_hold = status
    return {}


@operation("GetObjectLegalHold")
def get_object_legal_hold(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        obj = _version(ctx, params, "GET")
        if obj.legal_hold is None:
            raise NoSuchObjectLockConfiguration()
        return {"LegalHold": {"Status": obj.legal_hold}}
