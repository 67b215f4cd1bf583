"""``mock_s3``: a fresh, active emulator around a block, a function or a test class (moto's shape)."""

from __future__ import annotations

import functools
import inspect
import unittest
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar, overload

from .server import S3Emulator

_T = TypeVar("_T")


class _MockS3:
    """Context manager and decorator; each ``with`` or call gets an emulator of its own."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self._running: list[S3Emulator] = []

    def __enter__(self) -> S3Emulator:
        emulator = S3Emulator(activate=True, **self._options)
        emulator.__enter__()
        self._running.append(emulator)
        return emulator

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        emulator = self._running.pop()
        try:
            if exc_type is None:
                emulator.check()  # an emulator bug surfaces here, as at a fixture's teardown
        finally:
            emulator.__exit__(exc_type, exc, traceback)

    def __call__(self, target: _T) -> _T:
        if isinstance(target, type):
            return _decorate_class(target, self._options)  # type: ignore[return-value]  # same class
        if not callable(target):
            raise TypeError(f"mock_s3 decorates a function or a class, not {target!r}")
        return _decorate_function(target, self._options)  # type: ignore[return-value]  # wraps it


def _decorate_function(function: Callable[..., Any], options: dict[str, Any]) -> Callable[..., Any]:
    # functools.wraps keeps the signature (through __wrapped__): pytest still sees the fixtures
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with _MockS3(options):
                return await function(*args, **kwargs)

        return run_async

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _MockS3(options):
            return function(*args, **kwargs)

    return run


def _decorate_class(cls: type, options: dict[str, Any]) -> type:
    if issubclass(cls, unittest.TestCase):
        # moto's order: the emulator is active from setUp through tearDown and its cleanups
        original = cls.setUp

        def set_up(self: unittest.TestCase) -> None:
            mock = _MockS3(options)
            mock.__enter__()
            self.addCleanup(mock.__exit__, None, None, None)
            original(self)

        cls.setUp = functools.wraps(original)(set_up)  # type: ignore[method-assign]  # the point
        return cls
    for name, member in list(vars(cls).items()):
        if name.startswith("test") and inspect.isfunction(member):
            setattr(cls, name, _decorate_function(member, options))
    return cls


@overload
def mock_s3(target: _T, /) -> _T: ...
@overload
def mock_s3(target: None = None, /, **options: Any) -> _MockS3: ...
def mock_s3(target: Any = None, /, **options: Any) -> Any:
    """A fresh S3 emulator, active (as the pytest fixtures make it) for a block, function or class.

    ``with mock_s3() as emu:``, ``@mock_s3`` and ``@mock_s3(region="eu-west-1")`` each start
    a new emulator, set the environment so that ``boto3.client("s3")`` reaches it, and restore
    the environment and stop the emulator afterwards. On a class it wraps each ``test*`` method
    (a ``unittest.TestCase``: from ``setUp`` to the last cleanup). Keyword arguments go to
    :class:`S3Emulator` (``region``, ``guard``, ``port``, ...)::

        @mock_s3
        def test_upload():
            boto3.client("s3").create_bucket(Bucket="demo")
    """
    mock = _MockS3(options)
    return mock if target is None else mock(target)
