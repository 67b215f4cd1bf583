"""Bucket lifecycle configurations, with S3's checks of the rules, and the headers naming what they
will do to an object or upload. The rules act in ``lifecycle.py``, when the clock moves."""

from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any

from .. import lifecycle
from ..errors import InvalidArgument, InvalidRequest, MalformedXML
from ..records import ObjectVersion, Upload
from ..serializer import http_date
from ..store import Bucket
from . import Context, Params, Result, operation
from .bucket_config import document, generated_id, read, remove, write

MAX_ID_CHARS = 255
DEFAULT_MINIMUM_SIZE = "all_storage_classes_128K"
MINIMUM_SIZES = frozenset({"varies_by_storage_class", DEFAULT_MINIMUM_SIZE})
_FILTER_KINDS = ("Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And")
_ACTIONS = (
    "Expiration",
    "Transitions",
    "NoncurrentVersionExpiration",
    "NoncurrentVersionTransitions",
    "AbortIncompleteMultipartUpload",
)
# objects must stay 30 days before S3 moves them to an infrequent access class
_MINIMUM_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}

Rule = dict[str, Any]


def _filter_node(rule: Rule) -> dict[str, Any]:
    node: dict[str, Any] = rule.get("Filter") or {}
    return node.get("And") or node


def _has_tags(rule: Rule) -> bool:
    node = _filter_node(rule)
    return bool(node.get("Tag") or node.get("Tags"))


def _has_size(rule: Rule) -> bool:
    node = _filter_node(rule)
    return "ObjectSizeGreaterThan" in node or "ObjectSizeLessThan" in node


def describe_filter(rule: Rule) -> str:
    """A rule's filter as S3's messages name it: ``(prefix=logs/)``."""
    if "Filter" not in rule:
        return f"(prefix={rule.get('Prefix') or ''})"
    node = _filter_node(rule)
    parts = [f"prefix={node['Prefix']}"] if node.get("Prefix") else []
    tags = node.get("Tags") or ([node["Tag"]] if node.get("Tag") else [])
    parts.extend(f"tag={{key={tag['Key']}, value={tag['Value']}}}" for tag in tags)
    for member in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        if member in node:
            parts.append(f"{member.lower()}={node[member]}")
    return f"({' and '.join(parts)})" if parts else "(prefix=)"


def _at_midnight(value: datetime) -> bool:
    return value.astimezone(timezone.utc).time() == time(0)


def _check_filter(rule: Rule) -> None:
    # exactly one of Filter and the older rule-level Prefix; a filter names at most one condition
    if ("Filter" in rule) == ("Prefix" in rule):
        raise MalformedXML()
    node: dict[str, Any] = rule.get("Filter") or {}
    if sum(kind in node for kind in _FILTER_KINDS) > 1:
        raise MalformedXML()
    keys = [tag["Key"] for tag in (node.get("And") or {}).get("Tags") or []]
    if len(keys) != len(set(keys)):
        raise InvalidRequest("Duplicate Tag Keys are not allowed.")


def _check_expiration(rule: Rule) -> None:
    expiration: dict[str, Any] | None = rule.get("Expiration")
    if expiration is None:
        return
    if sum(member in expiration for member in ("Date", "Days", "ExpiredObjectDeleteMarker")) != 1:
        raise MalformedXML()
    days = expiration.get("Days")
    if days is not None and days <= 0:
        raise InvalidArgument(
            "'Days' for Expiration action must be a positive integer",
            ArgumentName="Days",
            ArgumentValue=str(days),
        )
    date = expiration.get("Date")
    if date is not None and not _at_midnight(date):
        raise InvalidArgument(
            "'Date' must be at midnight GMT", ArgumentName="Date", ArgumentValue=date.isoformat()
        )
    if "ExpiredObjectDeleteMarker" in expiration and _has_tags(rule):
        raise InvalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.")


def _check_transition(transition: dict[str, Any]) -> None:
    if ("Days" in transition) == ("Date" in transition) or "StorageClass" not in transition:
        raise MalformedXML()
    storage_class: str = transition["StorageClass"]
    days = transition.get("Days")
    if days is not None and days < 0:
        raise InvalidArgument("'Days' for Transition action must be a positive integer")
    if days is not None and days < _MINIMUM_DAYS.get(storage_class, 0):
        raise InvalidArgument(
            "'Days' in Transition action must be greater than or equal to 30 for storageClass "
            f"'{storage_class}'"
        )
    date = transition.get("Date")
    if date is not None and not _at_midnight(date):
        raise InvalidArgument(
            "'Date' must be at midnight GMT", ArgumentName="Date", ArgumentValue=date.isoformat()
        )


def _check_transitions(rule: Rule) -> None:
    transitions: list[dict[str, Any]] = rule.get("Transitions") or []
    for transition in transitions:
        _check_transition(transition)
    where = describe_filter(rule)
    classes = [transition["StorageClass"] for transition in transitions]
    if len(classes) != len(set(classes)):
        raise InvalidRequest(
            f"'StorageClass' must be different for 'Transition' actions in same 'Rule' with filter '{where}'"
        )
    kinds = {"Days" if "Days" in transition else "Date" for transition in transitions}
    if len(kinds) > 1:
        raise InvalidRequest(
            f"Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule for filter '{where}'"
        )
    expiration = rule.get("Expiration") or {}
    expires_by = {member for member in ("Days", "Date") if member in expiration}
    if kinds and expires_by and kinds != expires_by:
        raise InvalidRequest(
            "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule for "
            f"filter '{where}'"
        )
    if "Days" in expires_by and any(expiration["Days"] <= t["Days"] for t in transitions if "Days" in t):
        raise InvalidArgument(
            f"'Days' in the Expiration action for filter '{where}' must be greater than 'Days' in the "
            "Transition action"
        )


def _check_noncurrent(rule: Rule) -> None:
    expiration: dict[str, Any] | None = rule.get("NoncurrentVersionExpiration")
    if expiration is not None:
        if "NoncurrentDays" not in expiration and "NewerNoncurrentVersions" not in expiration:
            raise MalformedXML()
        if expiration.get("NoncurrentDays", 1) <= 0:
            raise InvalidArgument(
                "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"
            )
    for transition in rule.get("NoncurrentVersionTransitions") or []:
        if "NoncurrentDays" not in transition or "StorageClass" not in transition:
            raise MalformedXML()
        storage_class: str = transition["StorageClass"]
        if transition["NoncurrentDays"] < _MINIMUM_DAYS.get(storage_class, 0):
            raise InvalidArgument(
                "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 "
                f"for storageClass '{storage_class}'"
            )


def _check_abort(rule: Rule) -> None:
    abort: dict[str, Any] | None = rule.get("AbortIncompleteMultipartUpload")
    if abort is None:
        return
    if "DaysAfterInitiation" not in abort:
        raise MalformedXML()
    if abort["DaysAfterInitiation"] <= 0:
        raise InvalidArgument(
            "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"
        )
    # an upload has no tags or size yet: only a prefix can select it
    if _has_tags(rule):
        raise InvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
    if _has_size(rule):
        raise InvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Object Size.")


def check_rule(rule: Rule) -> None:
    rule_id = rule.get("ID")
    if rule_id is not None and len(rule_id) > MAX_ID_CHARS:
        raise InvalidArgument(
            f"ID length should not exceed allowed limit of {MAX_ID_CHARS}",
            ArgumentName="ID",
            ArgumentValue=rule_id,
        )
    _check_filter(rule)
    if not any(rule.get(action) is not None for action in _ACTIONS):
        raise InvalidRequest("At least one action needs to be specified in a rule")
    _check_expiration(rule)
    _check_transitions(rule)
    _check_noncurrent(rule)
    _check_abort(rule)


def check_lifecycle(rules: list[Rule]) -> None:
    """S3's checks of a lifecycle configuration's rules."""
    seen: set[str] = set()
    for rule in rules:
        check_rule(rule)
        rule_id = rule.get("ID")
        if rule_id is not None and rule_id in seen:
            raise InvalidArgument(
                "Rule ID must be unique. Found same ID for more than one rule",
                ArgumentName="ID",
                ArgumentValue=rule_id,
            )
        if rule_id is not None:
            seen.add(rule_id)


def expiration_header(bucket: Bucket, obj: ObjectVersion) -> str | None:
    """x-amz-expiration of the current version ``obj`` (lock held): its earliest Expiration rule."""
    if obj.delete_marker or bucket.objects.get(obj.key) is not obj:
        return None
    due = lifecycle.expiry(lifecycle.enabled_rules(bucket), obj)
    if due is None:
        return None
    # S3 quotes both values and sends the rule id as it is (a "/" or a space included)
    return f'expiry-date="{http_date(due[0])}", rule-id="{due[1]}"'


def abort_members(bucket: Bucket, upload: Upload) -> Result:
    """AbortDate and AbortRuleId of ``upload``, when an AbortIncompleteMultipartUpload rule applies."""
    due = lifecycle.abort_due(lifecycle.enabled_rules(bucket), upload)
    return {} if due is None else {"AbortDate": due[0], "AbortRuleId": due[1]}


@operation("PutBucketLifecycleConfiguration")
def put_bucket_lifecycle_configuration(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutBucketLifecycleConfiguration")
    minimum_size: str = params.get("TransitionDefaultMinimumObjectSize") or DEFAULT_MINIMUM_SIZE
    if minimum_size not in MINIMUM_SIZES:
        raise InvalidRequest("Invalid TransitionDefaultMinimumObjectSize found")
    check_lifecycle(config["Rules"])
    for rule in config["Rules"]:
        rule.setdefault("ID", generated_id())  # S3 names the rules sent without an ID
    write(
        ctx,
        params,
        "lifecycle",
        {"Rules": config["Rules"], "TransitionDefaultMinimumObjectSize": minimum_size},
    )
    return {"TransitionDefaultMinimumObjectSize": minimum_size}


@operation("GetBucketLifecycleConfiguration")
def get_bucket_lifecycle_configuration(ctx: Context, params: Params) -> Result:
    return dict(read(ctx, params, "lifecycle"))


@operation("DeleteBucketLifecycle")
def delete_bucket_lifecycle(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "lifecycle")
    return {}
