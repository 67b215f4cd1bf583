"""Shared test configuration: the plugin under test is loaded through its entry point."""

from __future__ import annotations

import uuid

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def bucket_name() -> str:
    """A unique, valid bucket name."""
    return f"t-{uuid.uuid4().hex[:24]}"
