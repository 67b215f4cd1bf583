"""Shared fixtures of the third-party client tests: a bucket, the requests on the wire, no 500s."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from client_support import WireRequest

from pytest_s3emu.request import HttpRequest
from pytest_s3emu.serializer import Body, Headers
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture
def bucket(s3: S3Client, bucket_name: str) -> str:
    """A new, empty bucket, created with boto3."""
    s3.create_bucket(Bucket=bucket_name)
    return bucket_name


@pytest.fixture
def wire(s3emu: S3Emulator, monkeypatch: pytest.MonkeyPatch) -> list[WireRequest]:
    """Every request the emulator receives during the test, as the client put it on the wire."""
    seen: list[WireRequest] = []
    handle = s3emu.app.handle

    def recording(request: HttpRequest) -> tuple[int, Headers, Body]:
        seen.append(WireRequest(request.method, request.raw_path, dict(request.query), dict(request.headers)))
        return handle(request)

    monkeypatch.setattr(s3emu.app, "handle", recording)
    return seen
