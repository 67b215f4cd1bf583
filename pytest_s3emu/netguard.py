"""The connection guard: while the emulator is active, botocore connects to loopback only.

A client built before activation (at import time, in an earlier fixture, from the user's own
``boto3.Session()``) keeps its endpoint, credentials and proxies: botocore settles them when the
client is made, and the client's event handlers are a copy of its session's, so nothing
registered later reaches it. What every client still goes through, at request time and in any
thread, is Python's socket module, which reports ``socket.getaddrinfo`` and ``socket.connect``
to audit hooks (PEP 578, ``sys.addaudithook``). The hook is added on first activation; it cannot
be removed, so it returns at once while no emulator is active.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from .env import BlockedRequest

if TYPE_CHECKING:
    from types import FrameType

    from .server import S3Emulator

_EVENTS = frozenset({"socket.getaddrinfo", "socket.connect"})
_INET = (socket.AF_INET, socket.AF_INET6)


@dataclass(frozen=True, slots=True)
class _Guard:
    """Host names a botocore client may look up while active (loopback addresses always pass)."""

    names: frozenset[str]
    suffixes: tuple[str, ...]


_active: _Guard | None = None
_installed = False


def activate(monkeypatch: pytest.MonkeyPatch, emulator: S3Emulator) -> None:
    """Refuse botocore connections that leave loopback until ``monkeypatch`` is undone."""
    global _installed
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True
    # names that may resolve to the emulator: its host, localhost and its virtual-host domains
    domains = {"localhost", *emulator.app.domains}
    names = frozenset({emulator.host.strip("[]").lower(), *domains})
    monkeypatch.setattr(sys.modules[__name__], "_active", _Guard(names, tuple(f".{d}" for d in domains)))


def _audit(event: str, args: tuple[Any, ...]) -> None:
    guard = _active
    if guard is None or event not in _EVENTS:
        return
    if event == "socket.getaddrinfo":
        host, port = args[0], args[1]
    elif args[0].family in _INET:
        host, port = args[1][0], args[1][1]
    else:
        return  # a Unix socket or such: never the network
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or _local(host, guard) or not _from_botocore():
        return
    raise BlockedConnection(host, port)


def _local(host: str, guard: _Guard) -> bool:
    name = host.strip("[]").lower()
    try:
        address = ipaddress.ip_address(name.split("%")[0])  # an IPv6 literal may carry a zone
    except ValueError:
        return not name or name in guard.names or name.endswith(guard.suffixes)
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is loopback too
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _from_botocore() -> bool:
    # botocore's own HTTP layer (urllib3) sits on the caller's stack; awscli bundles a copy
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__")
        if isinstance(module, str) and (module.startswith("botocore.") or ".botocore." in module):
            return True
        frame = frame.f_back
    return False


class BlockedConnection(BlockedRequest):
    """A botocore client tried to connect beyond loopback while the emulator was active."""

    def __init__(self, host: str, port: object) -> None:
        super().__init__(
            f"{host} (port {port})",
            "This client was built before the emulator was activated (at import time, in an "
            "earlier fixture, or from your own boto3.Session) or with an endpoint_url= beyond "
            "loopback: use s3emu.client(), or create the client inside the test.",
        )
