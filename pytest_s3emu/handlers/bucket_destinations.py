"""Bucket configurations that name somewhere else: logging, event notifications, replication.

The configurations are checked as S3 checks them, stored and answered; the event records a
notification configuration asks for are made by events.py (nothing is sent to AWS).
"""

from __future__ import annotations

import functools
from typing import Any

from .. import model
from ..errors import (
    CrossLocationLoggingProhibitted,
    InvalidArgument,
    InvalidRequest,
    InvalidTargetBucketForLogging,
)
from ..store import Bucket, Store
from . import Context, Params, Result, operation
from .bucket_config import current, document, generated_id, read, remove, write

# --- logging --------------------------------------------------------------------------------------


@operation("PutBucketLogging")
def put_bucket_logging(ctx: Context, params: Params) -> Result:
    status = document(ctx, params, "PutBucketLogging")
    enabled: dict[str, Any] | None = status.get("LoggingEnabled")
    if enabled is not None:
        with ctx.store.lock:
            source = ctx.store.bucket(params["Bucket"])
            target = ctx.store.buckets.get(enabled["TargetBucket"])
        if target is None:
            raise InvalidTargetBucketForLogging(TargetBucket=enabled["TargetBucket"])
        if target.region != source.region:
            raise CrossLocationLoggingProhibitted(
                TargetBucketLocation=target.region, SourceBucketLocation=source.region
            )
    # an empty <BucketLoggingStatus/> turns logging off
    write(ctx, params, "logging", enabled)
    return {}


@operation("GetBucketLogging")
def get_bucket_logging(ctx: Context, params: Params) -> Result:
    # a bucket without logging answers an empty BucketLoggingStatus
    with ctx.store.lock:
        enabled = current(ctx.store.bucket(params["Bucket"]), "logging")
    return {"LoggingEnabled": enabled}


# --- event notifications --------------------------------------------------------------------------

_DESTINATIONS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")


@functools.lru_cache(maxsize=1)
def _events() -> frozenset[str]:
    return frozenset(model.service_model().shape_for("Event").enum)  # type: ignore[attr-defined]  # StringShape


def _filter_values(entry: dict[str, Any]) -> tuple[str, str]:
    """(prefix, suffix) of a notification's key filter; InvalidArgument for a malformed filter."""
    found: dict[str, str] = {}
    rules = ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    for rule in rules:
        name = (rule.get("Name") or "").lower()
        if name not in ("prefix", "suffix"):
            raise InvalidArgument(
                "filter rule name must be either prefix or suffix",
                ArgumentName="FilterRule.Name",
                ArgumentValue=rule.get("Name") or "",
            )
        if name in found:
            raise InvalidArgument(
                f"Cannot specify more than one {name} rule in a filter.",
                ArgumentName="FilterRule.Name",
                ArgumentValue=rule.get("Name") or "",
            )
        found[name] = rule.get("Value") or ""
    return found.get("prefix", ""), found.get("suffix", "")


def _covers(wildcard: str, event: str) -> bool:
    return wildcard == event or (wildcard.endswith(":*") and event.startswith(wildcard[:-1]))


def _overlap(first: tuple[list[str], str, str], second: tuple[list[str], str, str]) -> bool:
    """Whether two notifications could fire for one event on one key (S3 refuses that)."""
    events_a, prefix_a, suffix_a = first
    events_b, prefix_b, suffix_b = second
    shared = any(_covers(a, b) or _covers(b, a) for a in events_a for b in events_b)
    prefixes = prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a)
    suffixes = suffix_a.endswith(suffix_b) or suffix_b.endswith(suffix_a)
    return shared and prefixes and suffixes


def _check_notifications(entries: list[dict[str, Any]]) -> None:
    seen: list[tuple[list[str], str, str]] = []
    for entry in entries:
        for event in entry["Events"]:
            if event not in _events():
                raise InvalidArgument(
                    "The event is not supported for notifications", ArgumentName="Event", ArgumentValue=event
                )
        key = (entry["Events"], *_filter_values(entry))
        if any(_overlap(key, other) for other in seen):
            raise InvalidArgument(
                "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
                ArgumentName="Event",
                ArgumentValue=", ".join(entry["Events"]),
            )
        seen.append(key)


@operation("PutBucketNotificationConfiguration")
def put_bucket_notification_configuration(ctx: Context, params: Params) -> Result:
    ctx.store.bucket(params["Bucket"])
    config: dict[str, Any] = params["NotificationConfiguration"]
    entries = [entry for name in _DESTINATIONS for entry in config.get(name) or []]
    _check_notifications(entries)
    for entry in entries:
        entry.setdefault("Id", generated_id())  # S3 names the ones sent without an id
    write(ctx, params, "notification", config)
    return {}


@operation("GetBucketNotificationConfiguration")
def get_bucket_notification_configuration(ctx: Context, params: Params) -> Result:
    # a bucket without notifications answers an empty NotificationConfiguration
    with ctx.store.lock:
        config = current(ctx.store.bucket(params["Bucket"]), "notification")
    return dict(config or {})


# --- replication ----------------------------------------------------------------------------------

_BUCKET_ARN = "arn:aws:s3:::"


def _check_replication_rule(store: Store, rule: dict[str, Any]) -> None:
    """Checks of one rule (call with the store lock held)."""
    if "Filter" in rule and "DeleteMarkerReplication" not in rule:
        # the V2 schema (rules with a Filter) wants DeleteMarkerReplication, even to disable it
        raise InvalidRequest(
            "DeleteMarkerReplication must be specified for this version of Cross Region Replication "
            "configuration schema."
        )
    arn: str = rule["Destination"]["Bucket"]
    if not arn.startswith(_BUCKET_ARN):
        return  # another account's or partition's bucket: nothing to look at here
    destination: Bucket | None = store.buckets.get(arn[len(_BUCKET_ARN) :])
    if destination is None:
        raise InvalidRequest("Destination bucket must exist.")
    if destination.versioning != "Enabled":
        raise InvalidRequest("Destination bucket must have versioning enabled.")


@operation("PutBucketReplication")
def put_bucket_replication(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutBucketReplication")
    with ctx.store.lock:
        if ctx.store.bucket(params["Bucket"]).versioning != "Enabled":
            raise InvalidRequest(
                "Versioning must be 'Enabled' on the bucket to apply a replication configuration"
            )
        for rule in config["Rules"]:
            _check_replication_rule(ctx.store, rule)
    for rule in config["Rules"]:
        rule.setdefault("ID", generated_id())  # S3 names the rules sent without an ID
    write(ctx, params, "replication", config)
    return {}


@operation("GetBucketReplication")
def get_bucket_replication(ctx: Context, params: Params) -> Result:
    return {"ReplicationConfiguration": read(ctx, params, "replication")}


@operation("DeleteBucketReplication")
def delete_bucket_replication(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "replication")
    return {}
