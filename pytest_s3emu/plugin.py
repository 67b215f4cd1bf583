"""The pytest11 entry point: options, marker and fixtures. No S3 logic lives here.

Importing this module does no work: the emulator (and botocore) load when a fixture asks.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import pytest

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType

    from .server import S3Emulator
    from .snapshots import Snapshot

MARKER = "s3"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("s3emu", "fake Amazon S3 (pytest-s3emu)")
    group.addoption(
        "--s3emu-autouse",
        action="store_true",
        default=None,
        help="activate the S3 emulator for every test (ini: s3emu_autouse)",
    )
    group.addoption("--s3emu-host", default=None, help="address the emulator binds (ini: s3emu_host)")
    group.addoption("--s3emu-region", default=None, help="the emulator's region (ini: s3emu_region)")
    group.addoption(
        "--s3emu-port",
        default=None,
        help="port the emulator binds, 0 for a free one; xdist worker gwK binds port+K (ini: s3emu_port)",
    )
    group.addoption(
        "--s3emu-bucket-defaults",
        default=None,
        help="what new buckets get: 2023 (AWS's defaults) or legacy (ini: s3emu_bucket_defaults)",
    )
    group.addoption(
        "--s3emu-transport",
        default=None,
        help="how the emulator's own boto3 clients reach it: http or inprocess (ini: s3emu_transport)",
    )
    group.addoption(
        "--s3emu-https",
        action="store_true",
        default=None,
        help="serve HTTPS with a throw-away CA exported as AWS_CA_BUNDLE; needs pytest-s3emu[https] "
        "(ini: s3emu_https)",
    )
    parser.addini("s3emu_autouse", type="bool", default=False, help="activate the S3 emulator for every test")
    parser.addini(
        "s3emu_https",
        type="bool",
        default=False,
        help="serve HTTPS (throw-away CA in AWS_CA_BUNDLE; needs the https extra, trustme)",
    )
    parser.addini("s3emu_host", default="127.0.0.1", help="address the S3 emulator binds (loopback)")
    parser.addini("s3emu_region", default="us-east-1", help="region of the S3 emulator")
    parser.addini(
        "s3emu_port", default="0", help="port the S3 emulator binds (0: a free one; xdist worker gwK: port+K)"
    )
    parser.addini(
        "s3emu_domains",
        type="linelist",
        default=["localhost"],
        help="domains of virtual-hosted-style requests: Host <bucket>.<domain> names the bucket",
    )
    parser.addini(
        "s3emu_transport",
        default="http",
        help="http, or inprocess: the s3 fixture and boto3.client() skip the socket (before-send)",
    )
    parser.addini(
        "s3emu_accounts",
        type="linelist",
        default=[],
        help="more accounts, one a line: NAME or NAME=ACCESS_KEY:SECRET_KEY",
    )
    parser.addini(
        "s3emu_bucket_defaults",
        default="2023",
        help="2023: new buckets are BucketOwnerEnforced with Block Public Access on (AWS since "
        "April 2023); legacy: ObjectWriter and no Block Public Access, as before",
    )
    parser.addini(
        "s3emu_spill_threshold",
        default="",
        help="object bodies above this many bytes go to temporary files (default: 8388608, 8 MiB)",
    )
    parser.addini(
        "s3emu_events_url",
        default="",
        help="POST every S3 event record to this loopback URL (s3emu.events keeps them anyway)",
    )
    parser.addini(
        "s3emu_guard",
        type="bool",
        default=True,
        help="while active, refuse requests that would leave the machine (proxy settings, botocore sockets)",
    )


def pytest_configure(config: pytest.Config) -> None:
    _check_loopback(_option(config, "host"))
    _check_transport(_option(config, "transport"))
    _port(config)
    _check_bucket_defaults(_option(config, "bucket_defaults"))
    _accounts(config)
    _spill_threshold(config)
    _check_https(config)
    config.addinivalue_line(
        "markers",
        f"{MARKER}: run the test with the S3 emulator active: every boto3/botocore S3 client the "
        "code under test creates reaches it (pytest-s3emu)",
    )


def _option(config: pytest.Config, name: str) -> str:
    value = config.getoption(f"--s3emu-{name.replace('_', '-')}")
    return str(value) if value is not None else str(config.getini(f"s3emu_{name}"))


def _check_loopback(host: str) -> None:
    # the emulator answers anyone who can reach it, with fake credentials: never bind beyond loopback
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise pytest.UsageError(
            f"pytest-s3emu: s3emu_host must be a loopback address (127.0.0.1, ::1, localhost), not {host!r}"
        )


def _spill_threshold(config: pytest.Config) -> int:
    from .blobs import DEFAULT_SPILL_THRESHOLD

    text = str(config.getini("s3emu_spill_threshold")).strip()
    if not text:
        return DEFAULT_SPILL_THRESHOLD
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise pytest.UsageError(
            f"pytest-s3emu: s3emu_spill_threshold must be a number of bytes, not {text!r}"
        )
    return value


def _port(config: pytest.Config) -> int:
    """The configured port (0: a free one); a usage error unless it is one."""
    from .ports import PortError, parse_port

    try:
        return parse_port(_option(config, "port"))
    except PortError as error:
        raise pytest.UsageError(f"pytest-s3emu: s3emu_port / --s3emu-port: {error}") from None


def _worker_id(config: pytest.Config) -> str | None:
    # pytest-xdist gives each worker's config its id ("gw0", "gw1", ...) in workerinput
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if isinstance(workerinput, dict) else None


def _check_bucket_defaults(value: str) -> None:
    if value not in ("2023", "legacy"):
        raise pytest.UsageError(f"pytest-s3emu: s3emu_bucket_defaults must be 2023 or legacy, not {value!r}")


def _accounts(config: pytest.Config) -> list[str]:
    from .identity import parse_spec  # store and errors only: no botocore

    specs = [str(line) for line in config.getini("s3emu_accounts")]
    for spec in specs:
        try:
            parse_spec(spec)
        except ValueError as error:
            raise pytest.UsageError(f"pytest-s3emu: s3emu_accounts: {error}") from None
    return specs


def _check_transport(transport: str) -> None:
    from .inprocess import TRANSPORTS  # botocore-free: a cheap import

    if transport not in TRANSPORTS:
        raise pytest.UsageError(
            f"pytest-s3emu: s3emu_transport must be one of {', '.join(TRANSPORTS)}, not {transport!r}"
        )


def _flag(config: pytest.Config, name: str) -> bool:
    flag = config.getoption(f"--s3emu-{name}")
    return bool(flag) if flag is not None else bool(config.getini(f"s3emu_{name}"))


def _autouse(config: pytest.Config) -> bool:
    return _flag(config, "autouse")


def _check_https(config: pytest.Config) -> None:
    # refused at start-up, not at the first test that wants the emulator: the whole run needs it
    if not _flag(config, "https"):
        return
    from . import tls

    try:
        tls.certificate_authority()
    except tls.HttpsUnavailable as exc:
        raise pytest.UsageError(f"pytest-s3emu: s3emu_https: {exc}") from None


@pytest.fixture(scope="session")
def s3emu_server(pytestconfig: pytest.Config) -> Iterator[S3Emulator]:
    """The session's S3 emulator (one per pytest-xdist worker), started on first use.

    Prefer ``s3emu``: it resets the emulator and points AWS clients at it for one test.
    """
    emulator = _started(pytestconfig)
    if isinstance(emulator, str):
        # outside any except block: each test using the emulator errors with this line alone, not
        # a chain of tracebacks from the socket layer (and on an xdist worker a usage error would
        # crash the worker)
        pytest.fail(emulator, pytrace=False)
    yield emulator
    emulator.stop()


def _started(config: pytest.Config) -> S3Emulator | str:
    """The session's emulator, started; or why it could not be."""
    from .ports import PortError, worker_port
    from .server import S3Emulator

    try:
        # each xdist worker needs a port of its own: gwK binds the configured port + K
        port = worker_port(_port(config), _worker_id(config))
    except PortError as error:
        return f"pytest-s3emu: s3emu_port / --s3emu-port: {error}"
    emulator = S3Emulator(
        host=_option(config, "host"),
        port=port,
        region=_option(config, "region"),
        spill_threshold=_spill_threshold(config),
        transport=_option(config, "transport"),
        domains=tuple(config.getini("s3emu_domains")),
        https=_flag(config, "https"),
        events_url=str(config.getini("s3emu_events_url")) or None,
        accounts=_accounts(config),
        bucket_defaults=_option(config, "bucket_defaults"),
    )
    try:
        emulator.start()
    except OSError as error:
        return _bind_failure(config, emulator, error)
    return emulator


def _bind_failure(config: pytest.Config, emulator: S3Emulator, error: OSError) -> str:
    from .ports import bind_failure

    where = f"s3emu_port / --s3emu-port = {_option(config, 'port')}"
    worker = _worker_id(config)
    if worker is not None:
        where += f", plus {worker[2:]} on xdist worker {worker}"
    return f"pytest-s3emu: {bind_failure(emulator.host, emulator.port, error)} ({where})"


@pytest.fixture(scope="session")
def s3emu_seed(s3emu_server: S3Emulator) -> Snapshot | None:
    """What every test starts from: None (an empty emulator), or a snapshot.

    Override it in a conftest.py to seed once per session (or per xdist worker)::

        @pytest.fixture(scope="session")
        def s3emu_seed(s3emu_server):
            s3emu_server.client().create_bucket(Bucket="fixtures")
            return s3emu_server.snapshot()
    """
    return None


@pytest.fixture
def s3emu(
    s3emu_server: S3Emulator,
    s3emu_seed: Snapshot | None,
    pytestconfig: pytest.Config,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[S3Emulator]:
    """An empty S3 emulator, active for this test.

    Every boto3/botocore S3 client created during the test (and any subprocess it starts)
    reaches the emulator; the environment is restored afterwards::

        def test_upload(s3emu):
            boto3.client("s3").create_bucket(Bucket="demo")
            assert s3emu.log[-1].operation == "CreateBucket"
    """
    from . import env

    s3emu_server.seed = s3emu_seed
    s3emu_server.reset()
    # the test's own ``monkeypatch``, not a private one: a test that also monkeypatches an AWS
    # variable records our value as "before", and two MonkeyPatch objects undone in the wrong
    # order would leave it behind; one object undoes every change in reverse order
    env.activate(monkeypatch, s3emu_server, guard=bool(pytestconfig.getini("s3emu_guard")))
    yield s3emu_server
    s3emu_server.check()


@pytest.fixture
def s3(s3emu: S3Emulator) -> S3Client:
    """A boto3 S3 client on a fresh, empty emulator, active for this test (like ``s3emu``).

    Its endpoint is the emulator's own, so it works whatever the environment says::

        def test_roundtrip(s3):
            s3.create_bucket(Bucket="demo")
            s3.put_object(Bucket="demo", Key="k", Body=b"v")
            assert s3.get_object(Bucket="demo", Key="k")["Body"].read() == b"v"
    """
    return s3emu.default_client()


@pytest.fixture
def s3_other_account(s3emu: S3Emulator) -> S3Client:
    """A boto3 S3 client of a second account (``other``), on the same emulator as ``s3``.

    Its buckets are its own; it reaches the first account's buckets only where an ACL or bucket
    policy lets it::

        def test_private(s3, s3_other_account, s3_bucket):
            with pytest.raises(ClientError):
                s3_other_account.list_objects_v2(Bucket=s3_bucket)   # AccessDenied
    """
    return s3emu.add_account("other").client


@pytest.fixture
def s3_bucket(s3: S3Client) -> str:
    """The name of a new, empty bucket on the emulator (created with the ``s3`` client)."""
    name = f"s3emu-{uuid.uuid4().hex[:20]}"
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        # S3 refuses a create without LocationConstraint on any other region's endpoint
        location = cast("BucketLocationConstraintType", region)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": location})
    return name


@pytest.fixture(autouse=True)
def _s3emu_autouse(request: pytest.FixtureRequest) -> None:
    # activates the emulator for @pytest.mark.s3 tests and, in autouse mode, for every test;
    # for any other test it does nothing at all
    if request.node.get_closest_marker(MARKER) is not None or _autouse(request.config):
        request.getfixturevalue("s3emu")
