"""Fixtures of the protocol-engine unit tests."""

from __future__ import annotations

import pytest
from botocore_oracle import BotocoreCapture


@pytest.fixture(scope="session")
def botocore_capture() -> BotocoreCapture:
    """One botocore client per worker (creating one costs ~100 ms)."""
    return BotocoreCapture()
