"""Shared fixtures of the end-to-end S3 tests: both transports, and the no-500 guard.

Every test here that uses the emulator runs twice, once per transport (``[http]`` and
``[inprocess]`` in its id): the emulator's own boto3 clients (the ``s3`` fixture,
``s3emu.client()``, ``boto3.client("s3")`` during the test) reach it over HTTP, then through the
in-process ``before-send`` path, and must see the same S3. A test about HTTP itself (it sends
hand-made requests with ``rawhttp`` only, or checks connections) is marked ``http_only`` and runs
once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_s3emu.inprocess import TRANSPORTS
from pytest_s3emu.server import S3Emulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "http_only: the test is about HTTP itself; run it once, not once per transport"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "s3emu" in metafunc.fixturenames and metafunc.definition.get_closest_marker("http_only") is None:
        metafunc.parametrize("_s3emu_transport", TRANSPORTS, indirect=True)


@pytest.fixture(autouse=True)
def _s3emu_transport(request: pytest.FixtureRequest) -> Iterator[str]:
    """The transport of this run of the test (set before any fixture sends a request)."""
    transport = getattr(request, "param", None)
    if transport is None:  # not parametrized: the test does not use the emulator, or is http_only
        yield "http"
        return
    emulator: S3Emulator = request.getfixturevalue("s3emu_server")
    previous, emulator.transport = emulator.transport, transport
    yield transport
    emulator.transport = previous
