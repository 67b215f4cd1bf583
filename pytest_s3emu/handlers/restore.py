"""RestoreObject: a temporary readable copy of an object in an archive storage class.

S3 takes minutes (Expedited) to hours (Standard, Bulk) to restore an object from GLACIER or
DEEP_ARCHIVE. The emulator restores at once, which a caller cannot tell apart from a fast restore:
the first request answers 202 Accepted, and the object is readable right away, HEAD reporting
``x-amz-restore: ongoing-request="false", expiry-date="..."``. A request for an object already
restored answers 200 and moves the expiry date. So RestoreAlreadyInProgress (409), which S3 sends
while a restore is running, never happens here. After the expiry date the object is archived again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..errors import (
    InvalidObjectState,
    MalformedXML,
    NotImplementedOperation,
    ObjectAlreadyInActiveTierError,
)
from ..records import ObjectVersion, now
from ..serializer import STATUS, http_date
from . import Context, Params, Result, operation

# storage classes whose objects must be restored before they can be read (or copied)
ARCHIVED = frozenset({"GLACIER", "DEEP_ARCHIVE"})


def restore_header(obj: ObjectVersion) -> str | None:
    """x-amz-restore of an object whose restored copy has not expired."""
    if not obj.restored:
        return None
    assert obj.restore_expiry is not None
    return f'ongoing-request="false", expiry-date="{http_date(obj.restore_expiry)}"'


def expiry_date(days: int, moment: datetime | None = None) -> datetime:
    """S3's expiry of a copy restored for ``days``: the first midnight UTC after that many days."""
    end = (moment or now()) + timedelta(days=days)
    return end.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _days(request: dict[str, Any]) -> int:
    if request.get("Type") == "SELECT" or request.get("SelectParameters") or request.get("OutputLocation"):
        # a restore with a query is S3 Select, which AWS closed to new customers in July 2024
        raise NotImplementedOperation(
            "RestoreObject with SelectParameters is S3 Select, which AWS no longer offers to new "
            "customers; pytest-s3emu does not implement it."
        )
    days: int | None = request.get("Days")
    if days is None or days < 1:
        raise MalformedXML()  # an archive restore needs a positive number of days
    return days


@operation("RestoreObject")
def restore_object(ctx: Context, params: Params) -> Result:
    days = _days(params.get("RestoreRequest") or {})
    with ctx.store.lock:
        obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
        if obj.storage_class == "INTELLIGENT_TIERING":
            # the emulator keeps Intelligent-Tiering objects in their frequent access tier
            raise ObjectAlreadyInActiveTierError()
        if obj.storage_class not in ARCHIVED:
            raise InvalidObjectState("Restore is not allowed for the object's current storage class")
        already = obj.restored
        obj.restore_expiry = expiry_date(days)
    return {STATUS: 200 if already else 202}
