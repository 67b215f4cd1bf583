"""Shared test configuration: the plugin under test is loaded through its entry point."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_s3emu.server import S3Emulator

pytest_plugins = ["pytester"]


@pytest.fixture
def bucket_name() -> str:
    """A unique, valid bucket name."""
    return f"t-{uuid.uuid4().hex[:24]}"


@pytest.fixture(autouse=True)
def _no_internal_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test during which the emulator answered a 500 (an emulator bug, never S3 behaviour)."""
    if "s3emu" not in request.fixturenames:
        yield
        return
    emulator: S3Emulator = request.getfixturevalue("s3emu")
    yield
    crashed = [call for call in emulator.log if call.status == 500]
    assert not crashed, f"the emulator answered 500 to {crashed}"
