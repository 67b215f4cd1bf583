"""One function per S3 operation, registered by operation name in HANDLERS."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..body import RequestBody
from ..identity import Account, Accounts
from ..request import HttpRequest
from ..store import Store

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass(slots=True)
class Context:
    """What a handler may use besides its params: the store and the request it serves."""

    store: Store
    request: HttpRequest
    body: RequestBody
    region: str
    """The region the request was signed for (the emulator's default when unsigned)."""
    caller: Account | None = None
    """The account that signed the request; None for an anonymous one."""
    accounts: Accounts | None = None
    """The accounts the emulator knows (ACL grantees are looked up in them)."""


def checksum_members(sums: Mapping[str, str]) -> dict[str, str]:
    """Checksums by algorithm ({"CRC32": ...}) as the model's members ({"ChecksumCRC32": ...})."""
    return {f"Checksum{alg}": value for alg, value in sums.items()}


Handler = Callable[[Context, Params], Result]
HANDLERS: dict[str, Handler] = {}


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of the S3 operation ``name``."""

    def register(function: Handler) -> Handler:
        HANDLERS[name] = function
        return function

    return register


# imported for their @operation registrations
from . import (  # noqa: E402, F401
    acl,
    attributes,
    bucket_config,
    bucket_config_ids,
    bucket_destinations,
    bucket_lifecycle,
    bucket_metadata,
    bucket_policy,
    buckets,
    copy,
    deletes,
    listing,
    multipart,
    multipart_listing,
    object_annotations,
    object_encryption,
    object_lock,
    objects,
    restore,
    tagging,
    versioning,
)

__all__ = ["HANDLERS", "Context", "Handler", "Params", "Result", "operation"]
