"""Shared fixtures of the end-to-end S3 tests: the no-500 guard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_s3emu.server import S3Emulator


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
