"""Lifecycle execution: a bucket's lifecycle rules applied to its versions and uploads.

Rules act when the emulator's clock moves (``set``/``advance``) and on ``run_lifecycle()``; never
per request. Every date S3 derives from a number of days is rounded to the next day's midnight UTC
(AWS S3 User Guide, "Lifecycle configuration elements": an object created 2014-01-15 10:30 UTC
with a 3-day rule is due 2014-01-19 00:00 UTC). Where several rules are due, S3's documented
precedence holds ("How Amazon S3 handles conflicts in lifecycle configurations"): the earliest
expiration wins, permanent deletion beats transition, transition beats a delete marker, and the
cheaper storage class wins.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from .records import ObjectVersion, Upload
from .store import Bucket, Store, is_protected

LIFECYCLE = "lifecycle"  # the Bucket.configs name of the lifecycle configuration
_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# since September 2024 S3 transitions no object under 128 KiB unless a rule's size filter says so
_SMALL = 128 * 1024
_SMALL_OK = {"varies_by_storage_class": frozenset({"GLACIER", "DEEP_ARCHIVE"})}
# cheaper is higher; S3 Intelligent-Tiering is favoured over all but the two Glacier archives
_RANK = {
    "STANDARD_IA": 1,
    "ONEZONE_IA": 2,
    "GLACIER_IR": 3,
    "INTELLIGENT_TIERING": 4,
    "GLACIER": 5,
    "DEEP_ARCHIVE": 6,
}

Rule = dict[str, Any]


class Action(NamedTuple):
    """One thing lifecycle did: ``action`` names the rule's action (``Expiration``, ``Transition``,
    ``NoncurrentVersionExpiration``, ``NoncurrentVersionTransition``, ``ExpiredObjectDeleteMarker``,
    ``AbortIncompleteMultipartUpload``); ``version_id`` is the version removed or moved, or the
    delete marker an expiration added (``detail`` then says ``"DeleteMarker"``)."""

    action: str
    bucket: str
    key: str
    version_id: str | None
    rule_id: str
    detail: str | None = None  # the new storage class of a transition, the id of an aborted upload


def next_midnight(moment: datetime) -> datetime:
    """The first midnight UTC after ``moment`` (a midnight itself goes on to the next one)."""
    return _EPOCH + (math.floor((moment - _EPOCH) / _DAY) + 1) * _DAY


def days_after(start: datetime, days: int) -> datetime:
    """When a ``days`` rule counting from ``start`` is due: S3 adds the days, then rounds to the
    next day's midnight UTC (so a 0-day transition is due at the midnight after creation)."""
    return next_midnight(start + days * _DAY)


def enabled_rules(bucket: Bucket) -> list[Rule]:
    config = bucket.configs.get(LIFECYCLE)
    rules: list[Rule] = (config or {}).get("Rules") or []
    return [rule for rule in rules if rule.get("Status") == "Enabled"]


def _filter(rule: Rule) -> dict[str, Any]:
    if "Filter" not in rule:  # the older rule-level Prefix
        return {"Prefix": rule.get("Prefix") or ""}
    node: dict[str, Any] = rule["Filter"] or {}
    return node.get("And") or node


def has_size_filter(rule: Rule) -> bool:
    node = _filter(rule)
    return "ObjectSizeGreaterThan" in node or "ObjectSizeLessThan" in node


def selects(rule: Rule, key: str, size: int, tags: dict[str, str]) -> bool:
    """Whether ``rule``'s filter takes in an object: every condition of it holds (sizes strictly)."""
    node = _filter(rule)
    if not key.startswith(node.get("Prefix") or ""):
        return False
    wanted = node.get("Tags") or ([node["Tag"]] if node.get("Tag") else [])
    if any(tags.get(tag["Key"]) != tag["Value"] for tag in wanted):
        return False
    if "ObjectSizeGreaterThan" in node and not size > node["ObjectSizeGreaterThan"]:
        return False
    return "ObjectSizeLessThan" not in node or size < node["ObjectSizeLessThan"]


def _selects_version(rule: Rule, version: ObjectVersion) -> bool:
    return selects(rule, version.key, version.size, version.tags)


def _due(action: dict[str, Any], start: datetime, days_member: str = "Days") -> datetime | None:
    if action.get("Date") is not None:
        date: datetime = action["Date"]
        return date if date.tzinfo else date.replace(tzinfo=timezone.utc)
    if action.get(days_member) is not None:
        return days_after(start, action[days_member])
    return None


def expiry(rules: Iterable[Rule], obj: ObjectVersion) -> tuple[datetime, str] | None:
    """(when, rule id) of the earliest Expiration by Days or Date of the current version ``obj``."""
    found: list[tuple[datetime, str]] = []
    for rule in rules:
        expiration = rule.get("Expiration")
        if expiration is None or not _selects_version(rule, obj):
            continue
        due = _due(expiration, obj.last_modified)
        if due is not None:
            found.append((due, rule["ID"]))
    return min(found, default=None)


def abort_due(rules: Iterable[Rule], upload: Upload) -> tuple[datetime, str] | None:
    """(when, rule id) of the earliest AbortIncompleteMultipartUpload for ``upload``."""
    found: list[tuple[datetime, str]] = []
    for rule in rules:
        abort = rule.get("AbortIncompleteMultipartUpload")
        # the rule's filter can only be a prefix (tags and sizes are refused with this action)
        if abort is not None and selects(rule, upload.key, 0, {}):
            found.append((days_after(upload.initiated, abort["DaysAfterInitiation"]), rule["ID"]))
    return min(found, default=None)


def _may_transition(config: dict[str, Any], rule: Rule, size: int, storage_class: str) -> bool:
    if size >= _SMALL or has_size_filter(rule):
        return True
    minimum = config.get("TransitionDefaultMinimumObjectSize") or ""
    return storage_class in _SMALL_OK.get(minimum, frozenset())


class _Run:
    """One pass of lifecycle over one bucket at ``now``; ``done`` collects what it did."""

    def __init__(self, store: Store, bucket: Bucket, now: datetime, done: list[Action]) -> None:
        self.store = store
        self.bucket = bucket
        self.now = now
        self.done = done
        self.rules = enabled_rules(bucket)
        self.config: dict[str, Any] = bucket.configs.get(LIFECYCLE) or {}
        self._newer_noncurrent: dict[int, int] = {}  # id(version) -> newer noncurrent versions

    def run(self) -> None:
        if not self.rules:
            return
        for key in list(self.bucket.history_keys):
            self._newer_noncurrent.clear()
            self._current(key)
            self._noncurrent(key)
            self._lone_marker(key)
        for upload in list(self.bucket.uploads.values()):
            self._abort(upload)

    def _record(
        self, action: str, key: str, version: str | None, rule: str, detail: str | None = None
    ) -> None:
        self.done.append(Action(action, self.bucket.name, key, version, rule, detail))

    def _transition(self, version: ObjectVersion, member: str, start: datetime, days_member: str) -> None:
        """Move ``version`` to the cheapest storage class its due transitions (of ``member``) name."""
        best: tuple[int, str, str] | None = None
        for rule in self.rules:
            if not rule.get(member) or not _selects_version(rule, version):
                continue
            for transition in rule[member]:
                due = _due(transition, start, days_member)
                target: str = transition["StorageClass"]
                if due is None or due > self.now or not self._counted_out(transition, version):
                    continue
                if _may_transition(self.config, rule, version.size, target):
                    candidate = (_RANK.get(target, 0), target, rule["ID"])
                    best = candidate if best is None or candidate[0] > best[0] else best
        # lifecycle only ever moves an object down to a cheaper class
        if best is not None and best[0] > _RANK.get(version.storage_class, 0):
            version.storage_class = best[1]
            kind = "Transition" if member == "Transitions" else "NoncurrentVersionTransition"
            self._record(kind, version.key, self.bucket.version_header(version), best[2], best[1])

    def _counted_out(self, action: dict[str, Any], version: ObjectVersion) -> bool:
        """NewerNoncurrentVersions: whether enough newer noncurrent versions are kept before it."""
        keep = action.get("NewerNoncurrentVersions")
        return keep is None or self._newer_noncurrent.get(id(version), 0) >= keep

    def _current(self, key: str) -> None:
        current = self.bucket.objects.get(key)
        if current is None:
            return
        due = expiry(self.rules, current)
        expires = due is not None and due[0] <= self.now
        # a permanent deletion is not preceded by a transition; a delete marker is
        if not (expires and self.bucket.versioning is None):
            self._transition(current, "Transitions", current.last_modified, "Days")
        if due is None or not expires:
            return
        outcome = self.store.delete_object(self.bucket.name, key)
        if outcome is not None and outcome.delete_marker:
            # S3 adds the marker when the rule is due: it dates the old version's noncurrent days
            outcome.last_modified = max(due[0], current.last_modified)
            self._record("Expiration", key, outcome.version_label, due[1], "DeleteMarker")
        else:
            self._record("Expiration", key, self.bucket.version_header(current), due[1])

    def _noncurrent(self, key: str) -> None:
        versions = self.bucket.history.get(key) or []
        if len(versions) < 2:
            return
        versions = list(versions)  # a snapshot: versions go from the list as they expire
        newer = 0
        for successor, version in itertools.pairwise(versions):
            if version.delete_marker:
                continue
            # noncurrent days count from when the successor made this version noncurrent
            self._newer_noncurrent[id(version)] = newer
            newer += 1
            since = successor.last_modified
            self._transition(version, "NoncurrentVersionTransitions", since, "NoncurrentDays")
            rule = self._noncurrent_expiry(version, since)
            if rule is not None and not is_protected(version):
                self.store.delete_object(self.bucket.name, key, version.version_label)
                self._record("NoncurrentVersionExpiration", key, version.version_label, rule)

    def _noncurrent_expiry(self, version: ObjectVersion, since: datetime) -> str | None:
        for rule in self.rules:
            expiration = rule.get("NoncurrentVersionExpiration")
            if expiration is None or not _selects_version(rule, version):
                continue
            days = expiration.get("NoncurrentDays")
            due = since if days is None else days_after(since, days)
            if due <= self.now and self._counted_out(expiration, version):
                rule_id: str = rule["ID"]
                return rule_id
        return None

    def _lone_marker(self, key: str) -> None:
        """A delete marker left with no version behind it (an expired object delete marker) goes."""
        versions = self.bucket.history.get(key) or []
        if len(versions) != 1 or not versions[0].delete_marker:
            return
        marker = versions[0]
        for rule in self.rules:
            if self._clears(rule, marker):
                self.store.delete_object(self.bucket.name, key, marker.version_label)
                self._record("ExpiredObjectDeleteMarker", key, marker.version_label, rule["ID"])
                return

    def _clears(self, rule: Rule, marker: ObjectVersion) -> bool:
        # ExpiredObjectDeleteMarker clears it at once; an Expiration by Days (or Date) once the marker
        # is old enough for it (AWS S3 User Guide, "Lifecycle configuration elements")
        expiration: dict[str, Any] = rule.get("Expiration") or {}
        if not selects(rule, marker.key, 0, {}):
            return False
        if expiration.get("ExpiredObjectDeleteMarker"):
            return True
        due = _due(expiration, marker.last_modified)
        return due is not None and due <= self.now

    def _abort(self, upload: Upload) -> None:
        due = abort_due(self.rules, upload)
        if due is None or due[0] > self.now:
            return
        # as AbortMultipartUpload does: with no upload left, no write can conflict with one
        del self.bucket.uploads[upload.upload_id]
        if not self.bucket.uploads:
            self.bucket.writes.clear()
        upload.release()
        self._record("AbortIncompleteMultipartUpload", upload.key, None, due[1], upload.upload_id)


def run(store: Store, now: datetime) -> list[Action]:
    """Apply every bucket's enabled lifecycle rules as of ``now``; what was done, in order."""
    done: list[Action] = []
    with store.lock:
        for bucket in list(store.buckets.values()):
            _Run(store, bucket, now, done).run()
    return done
