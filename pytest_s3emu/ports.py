"""The emulator's listening port: parsing a configured value, xdist offsets, and bind failures."""

from __future__ import annotations

import errno
import os

MAX_PORT = 65535


class PortError(ValueError):
    """A configured port that is not an integer in 0..65535 (or overflows with the worker offset)."""


def parse_port(text: str) -> int:
    """``text`` as a port number: an integer from 0 (any free port) to 65535."""
    try:
        port = int(text.strip())
    except ValueError:
        raise PortError(f"a port must be an integer from 0 to {MAX_PORT}, not {text!r}") from None
    if not 0 <= port <= MAX_PORT:
        raise PortError(f"a port must be an integer from 0 to {MAX_PORT}, not {port}")
    return port


def worker_port(port: int, worker: str | None) -> int:
    """The port xdist worker ``worker`` ("gwK") binds for a configured ``port``: port + K (0 stays 0)."""
    if port == 0 or worker is None:
        return port
    offset = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    if port + offset > MAX_PORT:
        raise PortError(f"port {port} plus {offset} for xdist worker {worker} is beyond {MAX_PORT}")
    return port + offset


def bind_failure(host: str, port: int, error: OSError) -> str:
    """A one-line account of why ``host:port`` could not be bound."""
    reason = os.strerror(error.errno) if error.errno else str(error)
    advice = ""
    if error.errno == errno.EADDRINUSE:
        advice = ": another process listens there; choose another port, or 0 for any free port"
    elif error.errno == errno.EACCES:
        advice = ": ports below 1024 need privileges; choose another port, or 0 for any free port"
    shown = f"[{host}]" if ":" in host else host
    return f"cannot listen on {shown}:{port} ({reason}){advice}"
