"""pytest-s3emu: a faithful, fast fake Amazon S3 for tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["S3Emulator", "S3Error", "__version__", "mock_s3"]

if TYPE_CHECKING:
    from .errors import S3Error
    from .mock import mock_s3
    from .server import S3Emulator


def __getattr__(name: str) -> Any:
    # pytest imports this package for the plugin entry point in every session; importing the
    # emulator (and botocore with it) waits until someone asks for it
    if name == "S3Emulator":
        from .server import S3Emulator

        return S3Emulator
    if name == "S3Error":
        from .errors import S3Error

        return S3Error
    if name == "mock_s3":
        from .mock import mock_s3

        return mock_s3
    raise AttributeError(f"module 'pytest_s3emu' has no attribute {name!r}")
