"""The emulator's clock: real time by default, frozen, set or advanced by a test.

Every reading of "now" in the emulator goes through the clock of the emulator serving the request
(:func:`current`), so moving it moves Last-Modified, conditional requests, presigned URL expiry,
request-time skew, object lock retention and restore expiry together.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# moves remembered to date a signature made before the latest ones (see Clock.emulated)
_HISTORY = 64


def _wall() -> datetime:
    # read at call time, through the datetime module: time-machine and freezegun are seen
    return datetime.now(timezone.utc)


def _utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True)
class _Setting:
    """From wall time ``since`` on: emulated = frozen, or wall + offset while running."""

    since: datetime
    offset: timedelta
    frozen: datetime | None


class Clock:
    """The time one emulator lives in; ``s3emu.clock``.

    By default it reads the real time at every call (so time-machine or freezegun, when a test
    uses them, are obeyed). ``freeze()``, ``set()`` and ``advance()`` take it over::

        s3emu.clock.freeze()              # time stands still from now on
        s3emu.clock.advance(days=31)      # a month later; lifecycle rules run
        s3emu.clock.set(datetime(2030, 1, 1, tzinfo=timezone.utc))
        s3emu.clock.resume()              # back to real time (each test starts with it)

    A frozen clock stays frozen when set or advanced; a running one goes on ticking from there.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: list[_Setting] = []
        self._listeners: list[Callable[[], object]] = []

    def now(self) -> datetime:
        """The emulator's current time, an aware UTC datetime (microseconds kept)."""
        wall = _wall()
        with self._lock:
            setting = self._settings[-1] if self._settings else None
        return wall if setting is None else self._read(setting, wall)

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        with self._lock:
            return bool(self._settings) and self._settings[-1].frozen is not None

    @property
    def overridden(self) -> bool:
        """Whether the clock was frozen, set or advanced since the last :meth:`resume`."""
        with self._lock:
            return bool(self._settings)

    def freeze(self) -> datetime:
        """Stop the clock at its current time (returned)."""
        moment = self.now()
        self._apply(moment, frozen=True)
        return moment

    def set(self, moment: datetime) -> datetime:
        """Make it ``moment`` (naive means UTC); lifecycle rules run."""
        moment = _utc(moment)
        self._apply(moment, frozen=self.frozen)
        self._moved()
        return moment

    def advance(self, seconds: float = 0, days: float = 0) -> datetime:
        """Move the clock forward (``seconds`` and ``days`` add up); lifecycle rules run."""
        step = timedelta(seconds=seconds, days=days)
        if step < timedelta(0):
            raise ValueError(f"advance() moves the clock forward only; use set() to go back ({step})")
        return self.set(self.now() + step)

    def resume(self) -> None:
        """Back to the real time, unfrozen."""
        with self._lock:
            self._settings.clear()

    def emulated(self, wall: datetime, signed_late: bool = True) -> datetime:
        """What the emulator's clock read at wall time ``wall`` (a signature's whole second).

        A client signs requests with the real time; this dates its signature in the emulator's
        time, so a presigned URL made before ``advance(seconds=3601)`` has expired after it, and one
        made after it has not. A signature dated in the very second of a move counts as made after
        the move when ``signed_late`` (a request signed as it is sent), else as made before it (a
        presigned URL).
        """
        with self._lock:
            settings = list(self._settings)
        for setting in reversed(settings):
            since = setting.since.replace(microsecond=0) if signed_late else setting.since
            if since <= wall:
                return self._read(setting, wall)
        return wall  # signed before the first move: the clock read the real time then

    def on_move(self, listener: Callable[[], object]) -> None:
        """Call ``listener`` after every set() and advance() (its result is ignored)."""
        with self._lock:  # a move copies the list under the same lock
            self._listeners.append(listener)

    @staticmethod
    def _read(setting: _Setting, wall: datetime) -> datetime:
        return setting.frozen if setting.frozen is not None else wall + setting.offset

    def _apply(self, moment: datetime, frozen: bool) -> None:
        wall = _wall()
        setting = _Setting(wall, moment - wall, moment if frozen else None)
        with self._lock:
            self._settings.append(setting)
            del self._settings[:-_HISTORY]

    def _moved(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:  # outside the lock: a listener reads the clock
            listener()


# the clock of the emulator serving the current request; the real time outside any
_REAL = Clock()
_CURRENT: contextvars.ContextVar[Clock] = contextvars.ContextVar("s3emu_clock", default=_REAL)


def current() -> Clock:
    """The clock of the emulator this thread is serving."""
    return _CURRENT.get()


def utcnow() -> datetime:
    """Now, in the time of the emulator this thread is serving."""
    return _CURRENT.get().now()


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """Make ``clock`` the current one for the duration of the block."""
    token = _CURRENT.set(clock)
    try:
        yield clock
    finally:
        _CURRENT.reset(token)
