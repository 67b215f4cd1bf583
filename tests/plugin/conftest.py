"""Helpers for the pytester tests of the plugin (loaded in inner sessions through its entry point)."""

from __future__ import annotations

import os

# In-process pytester runs restore sys.modules afterwards, so a module first imported by an inner
# session is imported again by the next one (botocore alone takes ~0.3 s): import them here once.
import boto3  # noqa: F401
import pytest

import pytest_s3emu.env
import pytest_s3emu.netguard  # once: a re-import would add a second audit hook
import pytest_s3emu.server  # noqa: F401


def _foreign(name: str) -> bool:
    upper = name.upper()
    return upper.startswith(("AWS_", "PYTEST_XDIST_")) or upper in {
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
    }


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS_*, proxy or xdist-worker variable: the inner session starts from a known environment.

    pytester already points HOME at its own directory, so no ~/.aws is read either. Only
    AWS_EC2_METADATA_DISABLED is set: a client built outside the emulator (a control case, or a
    failing test) must not probe the instance metadata address for credentials.
    """
    for name in list(os.environ):
        if _foreign(name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(autouse=True)
def _inner_sessions_keep_faulthandler(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner sessions run without pytest's faulthandler plugin.

    An in-process inner session ends by re-enabling faulthandler on the stderr it saw, which is
    the outer test's capture file: a later crash of this worker would write its traceback into a
    closed file and vanish from the CI log (how last stop's worker segfaults went unexplained).
    """
    addopts = os.environ.get("PYTEST_ADDOPTS", "")
    monkeypatch.setenv("PYTEST_ADDOPTS", f"{addopts} -p no:faulthandler".strip())
