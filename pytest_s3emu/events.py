"""Event notifications: the S3 event records a bucket's notification configuration asks for.

S3 sends each record to an SNS topic, SQS queue, Lambda function or EventBridge; the emulator
keeps them in ``s3emu.events`` instead (and POSTs them to a loopback URL when asked).
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import logging
import queue
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

logger = logging.getLogger(__name__)

__all__ = ["Deliverer", "Event", "Events", "Happening", "check_loopback"]

NOTIFICATION = "notification"  # the bucket configuration PutBucketNotificationConfiguration writes
_DESTINATIONS = (
    ("TopicConfigurations", "TopicArn"),
    ("QueueConfigurations", "QueueArn"),
    ("LambdaFunctionConfigurations", "LambdaFunctionArn"),
)
# the documented structure: 2.3 for lifecycle, tagging, ACL and restore-delete events, else 2.1
_VERSION_23 = (
    "LifecycleExpiration:",
    "LifecycleTransition",
    "ObjectTagging:",
    "ObjectAcl:",
    "ObjectRestore:Delete",
)
_sequence = itertools.count(int(time.time() * 1000) << 16)


class Happening(NamedTuple):
    """One thing done to an object that an event may report (before matching configurations)."""

    name: str  # "ObjectCreated:Put", without the "s3:" of the configuration's Events
    key: str
    version_id: str | None = None
    size: int | None = None
    etag: str | None = None
    detail: Mapping[str, Any] | None = None  # extra members of the record's top level
    sequenced: bool = True  # S3 gives tagging and ACL events no sequencer


class Event(NamedTuple):
    """One S3 event record: ``record`` is the JSON dict S3 would send (one of ``Records``)."""

    name: str
    bucket: str
    key: str
    version_id: str | None
    configuration_id: str | None
    destination: str  # the topic/queue/function ARN, or "EventBridge"
    time: datetime
    record: dict[str, Any]

    def matches(self, name: str | None = None, **criteria: Any) -> bool:
        """Whether this is event ``name`` ("ObjectCreated:Put", or a wildcard "ObjectCreated:*")
        and every criterion (a field value, or a predicate) holds."""
        if name is not None and not covers(name.removeprefix("s3:"), self.name):
            return False
        for field, wanted in criteria.items():
            value = getattr(self, field)
            if not (wanted(value) if callable(wanted) else value == wanted):
                return False
        return True


class Events(list[Event]):
    """The event records since the last reset, in order (a list of :class:`Event`).

    ::

        s3emu.events.filter("ObjectCreated:*", bucket="demo")   # the matching events
        s3emu.events.wait(count=3, timeout=5)                   # for uploads in other threads
    """

    def __init__(self, items: Iterable[Event] = ()) -> None:
        super().__init__(items)
        self._changed = threading.Condition()

    def add(self, events: list[Event]) -> None:
        with self._changed:
            self.extend(events)
            self._changed.notify_all()

    def filter(self, name: str | None = None, **criteria: Any) -> list[Event]:
        """The events named ``name`` (a wildcard like "ObjectRemoved:*" too; any, if None)
        meeting every criterion: ``bucket``, ``key``, ``version_id``, ``configuration_id``,
        ``destination``, as a value or a predicate (``key=lambda k: k.endswith(".csv")``)."""
        return [event for event in list(self) if event.matches(name, **criteria)]

    def wait(
        self, count: int = 1, timeout: float = 5.0, name: str | None = None, **criteria: Any
    ) -> list[Event]:
        """Block until at least ``count`` events match (see :meth:`filter`); those events.

        TimeoutError after ``timeout`` seconds, naming what was recorded.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.filter(name, **criteria)
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    break
                self._changed.wait(left)
        if len(found) < count:
            raise TimeoutError(
                f"expected {count} event(s) {name or ''} {criteria or ''}, found {len(found)} after "
                f"{timeout}s; recorded: {[event.name for event in list(self)]}"
            )
        return found

    def records(self) -> list[dict[str, Any]]:
        """The JSON dict of every event, in order."""
        return [event.record for event in list(self)]


def covers(wildcard: str, name: str) -> bool:
    """Whether an Events entry (without "s3:") takes in event ``name``."""
    return wildcard == name or (wildcard.endswith(":*") and name.startswith(wildcard[:-1]))


def _filter_rules(entry: Mapping[str, Any]) -> tuple[str, str]:
    rules = ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    found = {(rule.get("Name") or "").lower(): rule.get("Value") or "" for rule in rules}
    return found.get("prefix", ""), found.get("suffix", "")


def targets(config: Mapping[str, Any], name: str, key: str) -> list[tuple[str | None, str]]:
    """(configuration id, destination ARN) of every configuration entry event ``name`` on ``key``
    goes to: its Events take the event in and the key meets its prefix and suffix."""
    found: list[tuple[str | None, str]] = []
    for member, arn in _DESTINATIONS:
        for entry in config.get(member) or ():
            prefix, suffix = _filter_rules(entry)
            if not key.startswith(prefix) or not key.endswith(suffix):
                continue
            if any(covers(wanted.removeprefix("s3:"), name) for wanted in entry.get("Events") or ()):
                found.append((entry.get("Id"), entry.get(arn) or ""))
    if config.get("EventBridgeConfiguration") is not None:
        found.append((None, "EventBridge"))  # EventBridge gets every event, unfiltered
    return found


class Origin(NamedTuple):
    """Who caused the events and how S3 answered (the record's identity and response members)."""

    principal: str
    source_ip: str
    request_id: str
    host_id: str


def build(
    config: Mapping[str, Any],
    bucket: str,
    region: str,
    owner: str,
    origin: Origin,
    happenings: Iterable[Happening],
    moment: datetime,
) -> list[Event]:
    """The events ``happenings`` make in a bucket with notification configuration ``config``."""
    events: list[Event] = []
    for happening in happenings:
        for configuration_id, destination in targets(config, happening.name, happening.key):
            record = _record(bucket, region, owner, origin, happening, moment, configuration_id)
            events.append(
                Event(
                    happening.name,
                    bucket,
                    happening.key,
                    happening.version_id,
                    configuration_id,
                    destination,
                    moment,
                    record,
                )
            )
    return events


def _record(
    bucket: str,
    region: str,
    owner: str,
    origin: Origin,
    happening: Happening,
    moment: datetime,
    configuration_id: str | None,
) -> dict[str, Any]:
    version = "2.3" if happening.name.startswith(_VERSION_23) else "2.1"
    # S3 form-encodes the key: "red flower.jpg" arrives as "red+flower.jpg"
    obj: dict[str, Any] = {"key": urllib.parse.quote_plus(happening.key, safe="/")}
    if happening.size is not None:
        obj["size"] = happening.size
    if happening.etag is not None:
        obj["eTag"] = happening.etag.strip('"')
    if happening.version_id is not None:
        obj["versionId"] = happening.version_id
    if happening.sequenced:
        obj["sequencer"] = f"{next(_sequence):018X}"
    record: dict[str, Any] = {
        "eventVersion": version,
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_ms(moment),
        "eventName": happening.name,
        "userIdentity": {"principalId": origin.principal},
        "requestParameters": {"sourceIPAddress": origin.source_ip},
        "responseElements": {"x-amz-request-id": origin.request_id, "x-amz-id-2": origin.host_id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id or "",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": owner},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }
    record.update(happening.detail or {})
    return record


def iso_ms(moment: datetime) -> str:
    """``2030-01-01T00:00:00.000Z``: the ISO 8601 form, to the millisecond, S3's records use."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def check_loopback(url: str) -> str:
    """``url`` if it is an http(s) URL on a loopback address; ValueError otherwise."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        raise ValueError(
            f"s3emu delivers events only to a loopback http(s) URL (127.0.0.1, ::1 or localhost), not {url!r}"
        )
    return url


class Deliverer:
    """POSTs ``{"Records": [...]}`` to a loopback URL from a daemon thread; never blocks S3."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = check_loopback(url)
        self.timeout = timeout
        self.failures: list[str] = []  # why a delivery failed, for the test to look at
        self._queue: queue.SimpleQueue[list[dict[str, Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="s3emu-events", daemon=True)
        self._thread.start()

    def send(self, records: list[dict[str, Any]]) -> None:
        self._queue.put(records)

    def close(self) -> None:
        self._queue.put(None)

    def _run(self) -> None:
        while (records := self._queue.get()) is not None:
            body = json.dumps({"Records": records}).encode()
            request = urllib.request.Request(
                self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            # the proxy handler is left out: a loopback URL must never go through an HTTP proxy
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(request, timeout=self.timeout) as answer:
                    answer.read()
            except OSError as error:
                logger.warning(
                    "s3emu: delivering %d event(s) to %s failed: %s", len(records), self.url, error
                )
                self.failures.append(str(error))
