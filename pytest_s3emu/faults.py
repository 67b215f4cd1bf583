"""Fault injection: make chosen requests fail the way S3 or the network fails, deterministically."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from types import TracebackType
from typing import Any

from .errors import S3Error

__all__ = ["ConnectionResetByFault", "Fault", "Faults"]

Matcher = str | Callable[[str], bool] | None

# S3's transient error codes (botocore retries each), for a fault naming one that no S3Error
# subclass of the emulator carries: (status, message as S3 words it)
_TRANSIENT = {
    "SlowDown": (503, "Please reduce your request rate."),
    "ServiceUnavailable": (503, "Service is unable to handle request."),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "RequestTimeout": (
        400,
        "Your socket connection to the server was not read from or written to within the timeout period.",
    ),
    "RequestTimeTooSkewed": (
        403,
        "The difference between the request time and the current time is too large.",
    ),
}
_DEFAULT_CODE_BY_STATUS = {500: "InternalError", 503: "ServiceUnavailable"}


class ConnectionResetByFault(ConnectionResetError):
    """Raised out of the WSGI app so the transport drops the connection without an answer."""


def _known_errors() -> dict[str, type[S3Error]]:
    found: dict[str, type[S3Error]] = {}
    pending = [S3Error]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


def error_class(code: str, status: int | None, message: str | None) -> type[S3Error]:
    """An S3Error subclass answering ``code`` with ``status`` (defaults: S3's for that code)."""
    known = _known_errors().get(code)
    if known is not None:
        default_status, default_message = known.status, known.message
    elif code in _TRANSIENT:
        default_status, default_message = _TRANSIENT[code]
    elif status is None:
        raise ValueError(f"pytest-s3emu does not know the status of error {code!r}: give status=")
    else:
        default_status, default_message = status, f"Injected fault: {code}"
    attributes = {"code": code, "status": status or default_status, "message": message or default_message}
    return type(f"Injected{code}", (S3Error,), attributes)


class Fault:
    """One injected fault: which requests it hits and what happens to them.

    Made by :meth:`S3Emulator.fail`; a context manager that removes the fault on exit, or stays
    until :meth:`clear` (or the next reset). :attr:`hits` counts the requests it shaped.
    """

    def __init__(
        self,
        owner: Faults,
        *,
        operation: str | None = None,
        bucket: Matcher = None,
        key: Matcher = None,
        times: int | None = None,
        nth: int | None = None,
        error: str | None = None,
        status: int | None = None,
        message: str | None = None,
        latency: float = 0.0,
        reset_connection: bool = False,
        truncate_body: int | None = None,
    ) -> None:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, not {times!r}")
        if nth is not None and nth < 1:
            raise ValueError(f"nth counts matching requests from 1, not {nth!r}")
        if latency < 0 or (truncate_body is not None and truncate_body < 0):
            raise ValueError("latency and truncate_body cannot be negative")
        self._owner = owner
        self.operation, self.bucket, self.key = operation, bucket, key
        # nth alone fails that one request; times alone the first ones; neither: all, until cleared
        self.first = nth or 1
        self.last = None if times is None and nth is None else self.first + (times or 1) - 1
        self.latency = latency
        self.reset_connection = reset_connection
        self.truncate_body = truncate_body
        if error is None and status is not None:
            error = _DEFAULT_CODE_BY_STATUS.get(status) or HTTPStatus(status).phrase.replace(" ", "")
        if error is None and not (latency or reset_connection or truncate_body is not None):
            error = "InternalError"  # a bare fail(): the error botocore retries by default
        self.error: type[S3Error] | None = error_class(error, status, message) if error else None
        self.seen = 0  # matching requests so far
        self.hits = 0  # of them, the ones this fault shaped

    def describe(self) -> str:
        """What this fault does, as the journal records it (``Call.fault``)."""
        if self.reset_connection:
            effect = "reset_connection"
        elif self.error is not None:
            effect = f"error={self.error.code}"
        elif self.truncate_body is not None:
            effect = f"truncate_body={self.truncate_body}"
        else:
            effect = "latency"
        return f"{effect} latency={self.latency}" if self.latency and effect != "latency" else effect

    def _wants(self, operation: str | None, bucket: str | None, key: str | None) -> bool:
        if self.operation is not None and operation != self.operation:
            return False
        return _matches(self.bucket, bucket) and _matches(self.key, key)

    def _take(self) -> bool:
        """Count one matching request (under the owner's lock); whether this fault shapes it."""
        self.seen += 1
        if self.seen < self.first or (self.last is not None and self.seen > self.last):
            return False
        self.hits += 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.last is not None and self.seen >= self.last

    def clear(self) -> None:
        """Remove this fault (the same as leaving its ``with`` block)."""
        self._owner.remove(self)

    def __enter__(self) -> Fault:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.clear()

    def __repr__(self) -> str:
        return f"<Fault {self.describe()} operation={self.operation!r} seen={self.seen} hits={self.hits}>"


def _matches(wanted: Matcher, value: str | None) -> bool:
    if wanted is None:
        return True
    if value is None:
        return False
    return wanted(value) if callable(wanted) else value == wanted


class Faults:
    """The faults in effect, checked in the order they were added; the first that shapes a request wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, **options: Any) -> Fault:
        fault = Fault(self, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __bool__(self) -> bool:
        return bool(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def select(self, operation: str | None, bucket: str | None, key: str | None) -> Fault | None:
        """The fault that shapes this request, if any (every matching fault counts the request)."""
        chosen = None
        with self._lock:
            for fault in self._faults:
                if fault._wants(operation, bucket, key) and fault._take() and chosen is None:
                    chosen = fault
        return chosen


def apply_before(fault: Fault, environ: dict[str, Any]) -> None:
    """The fault's effect before the request is handled: delay, then reset or raise its error."""
    if fault.latency:
        # in the request's own thread (a server thread, or the caller's in process), no lock held
        time.sleep(fault.latency)
    if fault.reset_connection:
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            # SO_LINGER 0: closing sends a TCP RST, not an orderly FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raise ConnectionResetByFault("pytest-s3emu: connection reset by an injected fault")
    if fault.error is not None:
        raise fault.error()


def truncated(payload: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """The first ``limit`` bytes of ``payload``: the body ends there, short of its Content-Length."""
    left = limit
    try:
        for chunk in payload:
            if left <= 0:
                break
            piece = chunk[:left]
            left -= len(piece)
            yield piece
    finally:
        close = getattr(payload, "close", None)
        if callable(close):
            close()
