"""Shared test configuration: the plugin under test is loaded through its entry point."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    crashed = [call for call in emulator.log if call.status == 500 and call.fault is None]
    assert not crashed, f"the emulator answered 500 to {crashed}"


@pytest.fixture
def small_files(tmp_path: Path) -> dict[str, int]:
    """Under ``tmp_path``: twelve files of 0 to 11 bytes and two in nested folders; key -> size."""
    files = {f"f{size}.txt": b"x" * size for size in range(12)}
    files["a/n1.txt"], files["a/b/n2.txt"] = b"hi\n", b"there\n"
    for key, data in files.items():
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(data)
    return {key: len(data) for key, data in files.items()}


@pytest.fixture
def botocore_stale_expect_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's connections with the Expect handling botocore had before boto/botocore#3784.

    ``AWSConnection.request()`` restored its response class only for requests without
    ``Expect: 100-continue``. So when a final response came instead of ``100 Continue`` (whose
    status line botocore reads itself and caches in that class), the next Expect request on the
    pooled connection took its status from the cache and its status line for a header: no
    Content-Length, a read timeout (botocore#3755). awscli v1 still bundles such a botocore.
    """
    from botocore.awsrequest import AWSConnection

    fixed = AWSConnection.request

    def request(
        self: AWSConnection,
        method: str,
        url: str,
        body: Any = None,
        headers: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        kept = self.response_class
        result = fixed(self, method, url, body, headers, *args, **kwargs)
        expects = headers is not None and headers.get("Expect", b"") == b"100-continue"
        early = self._response_received  # type: ignore[attr-defined]  # botocore's own state, unstubbed
        if expects and not early:  # no final response came in place of 100 Continue this time
            self.response_class = kept
        return result

    monkeypatch.setattr(AWSConnection, "request", request)
