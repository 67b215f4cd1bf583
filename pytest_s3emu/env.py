"""Point botocore (and every other AWS client) at the emulator through documented configuration.

``AWS_ENDPOINT_URL_S3`` is botocore's own per-service endpoint setting: it needs no private API,
reaches subprocesses, and a MonkeyPatch undoes it. Clients built during the test with an explicit
``endpoint_url=`` keep it; the proxy variables make any such request that would leave the machine
come to the emulator instead, which refuses it with a clear message. Clients built before
activation ignore all of this: ``netguard`` refuses their connections beyond loopback.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .server import S3Emulator

# Variables that could take a client elsewhere or to real credentials: removed while active.
CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_S3_ENDPOINT",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
)
LOOPBACK = "127.0.0.1,localhost,::1,.localhost"


def _missing_file(name: str) -> str:
    # a path that does not exist: botocore then reads no ~/.aws config or credentials
    return os.path.join(tempfile.gettempdir(), f"s3emu-{os.getpid()}-absent", name)


def variables(emulator: S3Emulator) -> dict[str, str]:
    """The environment a client (or subprocess) needs to reach ``emulator``."""
    endpoint = emulator.endpoint_url
    keys = emulator.accounts.default.credentials
    found = {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": keys.access_key,
        "AWS_SECRET_ACCESS_KEY": keys.secret_key,
        "AWS_DEFAULT_REGION": emulator.region,
        "AWS_REGION": emulator.region,
        # object_store based clients (polars, obstore) refuse plain http unless told
        "AWS_ALLOW_HTTP": "true",
    }
    if emulator.ca_bundle is not None:
        # botocore's own setting for the CA that verifies the endpoint's certificate
        found["AWS_CA_BUNDLE"] = emulator.ca_bundle
    return found


def isolation_variables() -> dict[str, str]:
    """Settings that keep a test away from the developer's ~/.aws and the metadata service."""
    return {
        "AWS_CONFIG_FILE": _missing_file("config"),
        "AWS_SHARED_CREDENTIALS_FILE": _missing_file("credentials"),
        # no credential probing of the instance metadata service (a network address)
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def guard_variables(emulator: S3Emulator) -> dict[str, str]:
    """Proxy settings that send every non-loopback HTTP(S) request to the emulator, which refuses it."""
    endpoint = emulator.endpoint_url
    found: dict[str, str] = {}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        found[name] = found[name.lower()] = endpoint
    # the emulator's own host must bypass the proxy too: with --s3emu-host=127.0.0.2 (or ::1)
    # a request to the emulator would otherwise come to it as a proxy request, and be refused
    host = emulator.host
    bypass = LOOPBACK if host in LOOPBACK.split(",") else f"{LOOPBACK},{host}"
    if ":" in host:
        bypass += f",[{host}]"  # botocore and urllib match the bracketed netloc of an IPv6 URL
    found["NO_PROXY"] = found["no_proxy"] = bypass
    return found


def activate(monkeypatch: pytest.MonkeyPatch, emulator: S3Emulator, guard: bool = True) -> None:
    """Set the variables for ``emulator`` on ``monkeypatch``, which restores them exactly."""
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    settings = {**variables(emulator), **isolation_variables()}
    if guard:
        settings.update(guard_variables(emulator))
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    _install_default_session(monkeypatch, emulator, guard)
    if guard:
        from . import netguard

        netguard.activate(monkeypatch, emulator)


def _install_default_session(monkeypatch: pytest.MonkeyPatch, emulator: S3Emulator, guard: bool) -> None:
    # boto3.client() goes through boto3.DEFAULT_SESSION: one that was created before the test
    # keeps the developer's credentials, and building a new one per test costs ~90 ms, so each
    # emulator prepares one session and the user's own comes back afterwards.
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", emulator.boto3_session(guard=guard))


def refuse_foreign_endpoint(emulator: S3Emulator) -> Any:
    """A botocore ``before-send`` handler refusing any request not addressed to ``emulator``."""
    prefixes = (emulator.endpoint_url + "/", emulator.endpoint_url + "?")

    def before_send(request: Any, **_: Any) -> None:
        url = str(request.url)
        if not url.startswith(prefixes) and url != emulator.endpoint_url:
            raise BlockedRequest(url)

    return before_send


# a client made during the test that still misses the emulator was given an endpoint_url=
_ENDPOINT_ADVICE = "Build the client without endpoint_url= (or with endpoint_url=s3emu.endpoint_url)."


# CancelledError: botocore's HTTP session re-raises it as it is, where it wraps any other error in a
# retryable HTTPClientError (and neither botocore retry mode retries it), so the test sees it at once
class BlockedRequest(RuntimeError, CancelledError):
    """A botocore client tried to reach an endpoint other than the emulator while it was active."""

    def __init__(self, url: str, advice: str = _ENDPOINT_ADVICE) -> None:
        super().__init__(
            f"pytest-s3emu blocked a request to {url}: while the S3 emulator is active no request "
            f"may leave for real AWS. {advice}"
        )
