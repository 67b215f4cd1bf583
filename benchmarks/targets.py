"""The targets a benchmark worker drives: each gives a boto3 S3 client and a way to fill buckets.

Every target binds 127.0.0.1 only (an ephemeral port), and everything runs in the worker's own
process, as it would in a test session.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from canned import Canned, CannedApp, before_send

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "bench-access-key", "aws_secret_access_key": "bench-secret-key"}


@dataclass(frozen=True)
class TargetInfo:
    name: str
    label: str
    needs: str | None = None  # a module that must be importable
    canned: bool = False  # answers from canned.py: nothing is stored


TARGETS = [
    TargetInfo("botocore", "botocore alone, canned answers from `before-send` (no socket)", canned=True),
    TargetInfo(
        "floor", "minimal WSGI app on our keep-alive handler, canned answers (the floor)", canned=True
    ),
    TargetInfo("stock", "minimal WSGI app on stock Werkzeug (new connection per call)", canned=True),
    TargetInfo("s3emu", "pytest-s3emu over HTTP"),
    TargetInfo("s3emu-inprocess", "pytest-s3emu in process (`s3emu_transport = inprocess`)"),
    TargetInfo("moto", "moto `mock_aws`, in process", needs="moto"),
    TargetInfo("moto-server", "moto `ThreadedMotoServer` (in this process, over HTTP)", needs="moto.server"),
]
BY_NAME = {t.name: t for t in TARGETS}


def available(info: TargetInfo) -> bool:
    if info.needs is None:
        return True
    try:
        return importlib.util.find_spec(info.needs) is not None
    except ModuleNotFoundError:
        return False


@dataclass
class Target:
    """A running target: ``client`` reaches it; ``fill`` stores empty objects (not timed)."""

    client: Any
    fill: Callable[[str, list[str]], None]
    canned: bool = False
    closers: list[Callable[[], object]] = field(default_factory=list)


def _client(endpoint: str | None = None, session: Any = None) -> Any:
    import boto3

    session = session or boto3.session.Session(region_name=REGION, **CREDENTIALS)
    return session.client("s3", endpoint_url=endpoint)


def _fill_with(client: Any) -> Callable[[str, list[str]], None]:
    def fill(bucket: str, keys: list[str]) -> None:
        # a few threads: the client waits on the socket part of the time
        with ThreadPoolExecutor(4) as pool:
            for future in [pool.submit(client.put_object, Bucket=bucket, Key=k, Body=b"") for k in keys]:
                future.result()

    return fill


@contextlib.contextmanager
def start(name: str, canned: Canned) -> Iterator[Target]:
    """Start target ``name``; stop it afterwards."""
    starter = {
        "botocore": _botocore,
        "floor": _floor,
        "stock": _stock,
        "s3emu": _s3emu,
        "s3emu-inprocess": _s3emu,
        "moto": _moto,
        "moto-server": _moto_server,
    }[name]
    with starter(name, canned) as target:
        yield target


@contextlib.contextmanager
def _botocore(name: str, canned: Canned) -> Iterator[Target]:
    endpoint = "http://127.0.0.1:9"  # the discard port: nothing may ever be sent there
    client = _client(endpoint)
    client.meta.events.register("before-send.s3", before_send(canned, endpoint))
    yield Target(client, lambda bucket, keys: None, canned=True)


def _serve(server: Any) -> Callable[[], None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop


@contextlib.contextmanager
def _floor(name: str, canned: Canned) -> Iterator[Target]:
    from pytest_s3emu.httpserver import make_server

    server = make_server(CannedApp(canned), "127.0.0.1", 0)
    stop = _serve(server)
    try:
        yield Target(_client(f"http://127.0.0.1:{server.port}"), lambda bucket, keys: None, canned=True)
    finally:
        stop()


@contextlib.contextmanager
def _stock(name: str, canned: Canned) -> Iterator[Target]:
    from werkzeug.serving import make_server

    # Werkzeug logs every request at INFO, to a stderr handler of its own: not part of the cost
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, CannedApp(canned), threaded=True)
    stop = _serve(server)
    try:
        yield Target(_client(f"http://127.0.0.1:{server.port}"), lambda bucket, keys: None, canned=True)
    finally:
        stop()


@contextlib.contextmanager
def _s3emu(name: str, canned: Canned) -> Iterator[Target]:
    from pytest_s3emu.server import S3Emulator

    transport = "inprocess" if name == "s3emu-inprocess" else "http"
    with S3Emulator(transport=transport) as emulator:
        client = emulator.client()
        put = _fill_with(client)

        def fill(bucket: str, keys: list[str]) -> None:
            # filled in process whatever the measured transport (it is not what is measured)
            emulator.transport = "inprocess"
            try:
                put(bucket, keys)
            finally:
                emulator.transport = transport

        yield Target(client, fill)


@contextlib.contextmanager
def _moto(name: str, canned: Canned) -> Iterator[Target]:
    from moto import mock_aws

    with mock_aws():
        yield Target(_client(), _moto_fill(_client()))


@contextlib.contextmanager
def _moto_server(name: str, canned: Canned) -> Iterator[Target]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # as for stock: no access log to stderr
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    with contextlib.redirect_stdout(io.StringIO()):
        server.start()
    host, port = server.get_host_and_port()
    client = _client(f"http://{host}:{port}")
    try:
        yield Target(client, _moto_fill(client))
    finally:
        server.stop()


def _moto_fill(client: Any) -> Callable[[str, list[str]], None]:
    put = _fill_with(client)

    def fill(bucket: str, keys: list[str]) -> None:
        # moto's backend is this process's (mock_aws and ThreadedMotoServer alike): filling it
        # directly saves minutes; fall back to PutObject calls if its internals have moved
        try:
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.s3.models import s3_backends

            backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
            backend.get_bucket(bucket)
            for key in keys:
                backend.put_object(bucket, key, b"")
        except Exception:
            put(bucket, keys)

    return fill
