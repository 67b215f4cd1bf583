"""Port values: parsing, the xdist worker offset, and the account of a failed bind."""

from __future__ import annotations

import errno

import pytest

from pytest_s3emu.ports import PortError, bind_failure, parse_port, worker_port


@pytest.mark.parametrize(("text", "port"), [("0", 0), (" 8080 ", 8080), ("65535", 65535)])
def test_parse_port(text: str, port: int) -> None:
    assert parse_port(text) == port


@pytest.mark.parametrize("text", ["", "x", "-1", "65536", "1e3", "0x50"])
def test_parse_port_refuses(text: str) -> None:
    with pytest.raises(PortError, match="a port must be an integer from 0 to 65535"):
        parse_port(text)


@pytest.mark.parametrize(
    ("port", "worker", "expected"),
    [(0, "gw3", 0), (5000, None, 5000), (5000, "gw0", 5000), (5000, "gw7", 5007), (65534, "gw1", 65535)],
)
def test_worker_port(port: int, worker: str | None, expected: int) -> None:
    assert worker_port(port, worker) == expected


def test_worker_port_beyond_the_range() -> None:
    with pytest.raises(PortError, match="port 65535 plus 2 for xdist worker gw2 is beyond 65535"):
        worker_port(65535, "gw2")


def test_bind_failure_names_the_address_and_the_way_out() -> None:
    busy = OSError(errno.EADDRINUSE, "pytest-s3emu could not bind 127.0.0.1:80: Address already in use")
    assert bind_failure("::1", 80, busy) == (
        "cannot listen on [::1]:80 (Address already in use): another process listens there; "
        "choose another port, or 0 for any free port"
    )
    denied = bind_failure("127.0.0.1", 80, OSError(errno.EACCES, "denied"))
    assert denied.startswith("cannot listen on 127.0.0.1:80 (Permission denied): ports below 1024")
