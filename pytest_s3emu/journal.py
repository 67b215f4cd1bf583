"""The request journal: one :class:`Call` per request the emulator answered, and queries over them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

if TYPE_CHECKING:
    from .request import HttpRequest
    from .store import Store

__all__ = ["Call", "Journal", "access_key_of", "attempt_of"]

_NO_QUERY: Mapping[str, list[str]] = {}
_NO_HEADERS: Mapping[str, str] = {}
_NO_PARAMS: Mapping[str, Any] = {}
_EPOCH = datetime.fromtimestamp(0, timezone.utc)
# Call attributes a filter may name in lower case; any other name is a model member of the params
_FIELDS = frozenset(
    {"bucket", "key", "status", "error", "version_id", "method", "access_key", "account", "attempt"}
)


class Call(NamedTuple):
    """One request the emulator answered: what the test asked and what it got.

    ``params`` holds the parsed input keyed by model member names (``"Bucket"``,
    ``"ContentType"``), without the streamed body; ``body`` holds the request body bytes the
    emulator read, only while ``s3emu.calls.record_bodies`` is on. ``attempt``/``max_attempts``
    come from botocore's ``amz-sdk-request: attempt=N; max=M`` header (None without it);
    ``fault`` names the injected fault that shaped the answer, if any. ``started`` and
    ``finished`` are read from the emulator's clock (``s3emu.clock``: the time Last-Modified and
    signature checks use, frozen or moved with it); ``duration`` is real elapsed seconds.
    """

    operation: str | None
    bucket: str | None
    key: str | None
    status: int
    error: str | None = None
    version_id: str | None = None
    method: str = ""
    path: str = ""
    query: Mapping[str, list[str]] = _NO_QUERY
    request_headers: Mapping[str, str] = _NO_HEADERS
    params: Mapping[str, Any] = _NO_PARAMS
    response_headers: Mapping[str, str] = _NO_HEADERS
    access_key: str | None = None
    account: str | None = None
    attempt: int | None = None
    max_attempts: int | None = None
    started: datetime = _EPOCH
    finished: datetime = _EPOCH
    duration: float = 0.0
    transport: str = "http"
    fault: str | None = None
    body: bytes | None = None

    def matches(self, operation: str | None = None, **criteria: Any) -> bool:
        """Whether this call is ``operation`` and meets every criterion (see :meth:`Journal.filter`)."""
        if operation is not None and self.operation != operation:
            return False
        for name, wanted in criteria.items():
            if name in _FIELDS:
                value = getattr(self, name)
            elif name in self.params:
                value = self.params[name]
            else:
                return False
            if not (wanted(value) if callable(wanted) else value == wanted):
                return False
        return True

    def summary(self) -> str:
        """``PutObject b/k -> 200`` (for assertion messages)."""
        target = "/".join(part for part in (self.bucket, self.key) if part)
        outcome = f"{self.status} {self.error}" if self.error else str(self.status)
        return f"{self.operation or self.method} {target} -> {outcome}".replace("  ", " ")


class Journal(list[Call]):
    """Every call since the last reset, in the order the answers were made (a list of :class:`Call`).

    ::

        s3emu.calls.filter("PutObject", bucket="demo")      # the matching calls
        s3emu.calls.operations()                            # ["CreateBucket", "PutObject", ...]
    """

    #: also keep each request's body bytes in :attr:`Call.body` (off: bodies can be large)
    record_bodies: bool = False

    def filter(self, operation: str | None = None, **criteria: Any) -> list[Call]:
        """The calls of ``operation`` (any, if None) meeting every criterion.

        A lower-case criterion names a :class:`Call` field (``bucket``, ``key``, ``status``,
        ``error``, ``version_id``, ``method``, ``access_key``, ``account``, ``attempt``); any other
        name is an input member of the operation (``Key``, ``ContentType``, ``VersionId``, ...).
        A criterion is a value to compare with, or a predicate: ``Key=lambda k: k.endswith(".csv")``.
        """
        return [call for call in list(self) if call.matches(operation, **criteria)]

    def operations(self) -> list[str | None]:
        """The operation of each call, in order."""
        return [call.operation for call in list(self)]

    def describe(self) -> str:
        """One line per call, for assertion messages."""
        return "\n".join(f"  {call.summary()}" for call in list(self)) or "  (no calls)"


def assert_called(
    journal: Journal, operation: str, times: int | None, criteria: dict[str, Any]
) -> list[Call]:
    found = journal.filter(operation, **criteria)
    if (times is None and not found) or (times is not None and len(found) != times):
        expected = "at least once" if times is None else f"{times} time(s)"
        raise AssertionError(
            f"expected {_describe(operation, criteria)} {expected}, found {len(found)}; "
            f"the emulator answered:\n{journal.describe()}"
        )
    return found


def assert_not_called(journal: Journal, operation: str | None, criteria: dict[str, Any]) -> None:
    found = journal.filter(operation, **criteria)
    if found:
        raise AssertionError(
            f"expected no {_describe(operation, criteria)}, found {len(found)}:\n"
            + "\n".join(f"  {call.summary()}" for call in found)
        )


def leftover_uploads(store: Store) -> list[tuple[str, str, str]]:
    """(bucket, key, upload id) of every multipart upload neither completed nor aborted."""
    with store.lock:
        return [
            (bucket.name, upload.key, upload.upload_id)
            for bucket in store.buckets.values()
            for upload in bucket.uploads.values()
        ]


def _describe(operation: str | None, criteria: dict[str, Any]) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in criteria.items())
    return f"{operation or 'a call'}({shown})"


def access_key_of(request: HttpRequest) -> str | None:
    """The access key id a request is signed with (SigV4 or SigV2, header or presigned URL)."""
    authorization = request.headers.get("authorization", "")
    if authorization.startswith("AWS4-"):
        _, _, rest = authorization.partition("Credential=")
        return rest.split("/", 1)[0] or None
    if authorization.startswith("AWS "):
        return authorization[4:].rpartition(":")[0] or None
    credential = request.query_value("X-Amz-Credential")
    if credential:
        return credential.split("/", 1)[0]
    return request.query_value("AWSAccessKeyId")


def attempt_of(request: HttpRequest) -> tuple[int | None, int | None]:
    """botocore's ``amz-sdk-request: attempt=N; max=M``: (N, M), None where absent."""
    header = request.headers.get("amz-sdk-request")
    if not header:
        return None, None
    found: dict[str, int] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if value.isdigit():
            found[name] = int(value)
    return found.get("attempt"), found.get("max")


def journal_params(params: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The params without the streamed body (a reader the journal must not keep)."""
    if not params:
        return _NO_PARAMS
    from .body import RequestBody

    return {name: value for name, value in params.items() if not isinstance(value, RequestBody)}


class BodyTee:
    """The request body stream, keeping a copy of what is read (``Journal.record_bodies``)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._parts: list[bytes] = []

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        if data:
            self._parts.append(bytes(data))
        return data

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


def first(items: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (lower case) in ``items``."""
    for header, value in items:
        if header.lower() == name:
            return value
    return None
