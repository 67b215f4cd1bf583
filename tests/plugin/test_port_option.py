"""The port option: ini and flag, one port per xdist worker, and clear errors for bad or busy ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from pytest_s3emu.__main__ import main

PORT_TEST = """
import os
import pathlib

import boto3
import pytest

@pytest.mark.s3
@pytest.mark.parametrize("n", range({count}))
def test_on_the_port(s3emu, n):
    boto3.client("s3").create_bucket(Bucket=f"bucket-{{n}}")
    out = os.environ.get("S3EMU_TEST_OUT")
    if out:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "none")
        (pathlib.Path(out) / f"{{n}}.txt").write_text(f"{{worker}} {{s3emu.port}}")
    assert s3emu.endpoint_url == f"http://127.0.0.1:{{s3emu.port}}"
    assert s3emu.port in {ports!r}
"""


def _free_ports(count: int) -> int:
    """A port P with P .. P+count-1 all free on loopback now (bound, read, closed)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first: int = probe.getsockname()[1]
        if first + count - 1 > 65535:
            continue
        held: list[socket.socket] = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                held.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError("no run of free loopback ports found")


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another socket listens on for the test's duration."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port: int = sock.getsockname()[1]
        yield port


def test_port_from_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    port = _free_ports(1)
    pytester.makeini(f"[pytest]\ns3emu_port = {port}\n")
    pytester.makepyfile(PORT_TEST.format(count=2, ports=[port]))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_port_flag_wins_over_ini(pytester: pytest.Pytester, clean_env: None, busy_port: int) -> None:
    port = _free_ports(1)
    pytester.makeini(f"[pytest]\ns3emu_port = {busy_port}\n")
    pytester.makepyfile(PORT_TEST.format(count=1, ports=[port]))
    pytester.runpytest("-p", "no:cacheprovider", f"--s3emu-port={port}").assert_outcomes(passed=1)


def test_port_zero_is_a_free_port(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        """
        def test_any(s3emu):
            assert s3emu.port > 0
        """
    )
    pytester.runpytest("-p", "no:cacheprovider", "--s3emu-port", "0").assert_outcomes(passed=1)


def test_each_xdist_worker_adds_its_number(
    pytester: pytest.Pytester, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_ports(2)
    out = pytester.mkdir("ports")
    monkeypatch.setenv("S3EMU_TEST_OUT", str(out))
    pytester.makepyfile(PORT_TEST.format(count=6, ports=[port, port + 1]))

    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist", "load", "-p", "no:cacheprovider", "--s3emu-port", str(port)
    )

    result.assert_outcomes(passed=6)
    seen = {path.read_text() for path in out.iterdir()}
    assert seen == {f"gw0 {port}", f"gw1 {port + 1}"}


def test_a_busy_port_is_a_clear_error(pytester: pytest.Pytester, clean_env: None, busy_port: int) -> None:
    pytester.makepyfile(PORT_TEST.format(count=2, ports=[busy_port]))

    result = pytester.runpytest("-p", "no:cacheprovider", f"--s3emu-port={busy_port}")

    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            f"*pytest-s3emu: cannot listen on 127.0.0.1:{busy_port} (Address already in use): another "
            f"process listens there; choose another port, or 0 for any free port "
            f"(s3emu_port / --s3emu-port = {busy_port})"
        ]
    )
    # the message alone, not a traceback from the socket layer
    result.stdout.no_fnmatch_line("*httpserver.py*")
    result.stdout.no_fnmatch_line("*could not bind*")
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_busy_port_on_an_xdist_worker_names_the_offset(
    pytester: pytest.Pytester, clean_env: None, busy_port: int
) -> None:
    # gw1 binds busy_port (--dist each: every worker runs every test); gw0's tests skip
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.skipif(os.environ.get("PYTEST_XDIST_WORKER") != "gw1", reason="gw1's test")
        @pytest.mark.parametrize("n", range(4))
        def test_on_gw1(s3emu, n):
            pass
        """
    )

    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist", "each", "-p", "no:cacheprovider", f"--s3emu-port={busy_port - 1}", "-rE"
    )

    result.stdout.fnmatch_lines(
        [
            f"*cannot listen on 127.0.0.1:{busy_port} (Address already in use)*"
            f"(s3emu_port / --s3emu-port = {busy_port - 1}, plus 1 on xdist worker gw1)*"
        ]
    )


def test_a_worker_port_beyond_65535_is_a_clear_error(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile("def test_needs_it(s3emu): pass")

    # gw0 binds 65535 if it is free (it need not be: only gw1's error is asserted)
    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist", "each", "-p", "no:cacheprovider", "--s3emu-port=65535", "-rE"
    )

    result.stdout.fnmatch_lines(
        ["*pytest-s3emu: s3emu_port / --s3emu-port: port 65535 plus 1 for xdist worker gw1 is beyond 65535"]
    )
    result.stdout.no_fnmatch_line("*crashed*")


@pytest.mark.parametrize("value", ["abc", "-1", "65536", "80.5", ""])
def test_bad_port_flag_is_a_usage_error(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile("def test_never_runs(): pass")

    result = pytester.runpytest(f"--s3emu-port={value}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*pytest-s3emu: s3emu_port / --s3emu-port: a port must be an integer from 0 to 65535*"]
    )


def test_bad_port_in_ini_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ns3emu_port = http\n")
    pytester.makepyfile("def test_never_runs(): pass")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*s3emu_port / --s3emu-port: a port must be an integer from 0 to 65535, not 'http'"]
    )


@pytest.mark.parametrize("value", ["70000", "port", "-5"])
def test_standalone_server_refuses_a_bad_port(capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", value])

    assert exited.value.code == 2
    assert "argument --port: a port must be an integer from 0 to 65535" in capsys.readouterr().err


def test_standalone_server_names_a_busy_port(capsys: pytest.CaptureFixture[str], busy_port: int) -> None:
    assert main(["--port", str(busy_port)]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"pytest-s3emu: cannot listen on 127.0.0.1:{busy_port} (Address already in use)")
    assert err.rstrip().endswith(f"(--port {busy_port})")
