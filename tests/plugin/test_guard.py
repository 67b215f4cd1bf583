"""The safety guard: while the emulator is active, no request leaves for real AWS (or anywhere else).

Nothing here needs a network: a request the guard misses would fail on name resolution instead,
and the tests would fail because they expect the guard's own errors.
"""

from __future__ import annotations

import pytest

GUARD_TESTS = """
import socket
import time
import urllib.error
import urllib.request

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from pytest_s3emu.env import BlockedRequest

# the guard must fail even a client that would retry; one attempt keeps a miss from hanging
# ("total_max_attempts": "max_attempts" counts the retries only)
ONCE = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=2)


@pytest.mark.s3
@pytest.mark.parametrize("url", ["https://s3.amazonaws.com", "http://s3.amazonaws.com"])
def test_default_session_client_with_foreign_endpoint(url):
    client = boto3.client("s3", endpoint_url=url)
    started = time.monotonic()
    with pytest.raises(BlockedRequest, match="pytest-s3emu blocked a request to " + url):
        client.list_buckets()
    assert time.monotonic() - started < 1


@pytest.mark.s3
def test_new_session_plain_http_is_refused_by_the_emulator(s3emu):
    client = boto3.session.Session().client("s3", endpoint_url="http://s3.amazonaws.com", config=ONCE)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.list_buckets()
    error = caught.value.response
    assert error["Error"]["Code"] == "AccessDenied"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "Blocked by pytest-s3emu" in error["Error"]["Message"]
    assert "http://s3.amazonaws.com/" in error["Error"]["Message"]
    assert s3emu.log == []  # refused before routing: never an S3 call of the emulator's own


@pytest.mark.s3
def test_new_session_https_is_refused_at_connect():
    client = boto3.session.Session().client("s3", endpoint_url="https://s3.amazonaws.com", config=ONCE)
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.ProxyConnectionError) as caught:
        client.list_buckets()
    assert time.monotonic() - started < 2
    # urllib3 only sees the CONNECT answer's status line, which carries the reason
    assert "403 Blocked by pytest-s3emu" in str(caught.value.kwargs["error"])


@pytest.mark.s3
def test_new_session_https_default_retries_stay_fast():
    # botocore's default ("standard") retry mode retries the refused CONNECT, with backoff
    client = boto3.session.Session().client("s3", endpoint_url="https://s3.amazonaws.com")
    sent = []
    client.meta.events.register("before-send.s3", lambda **_: sent.append(1))
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.ProxyConnectionError):
        client.list_buckets()
    elapsed = time.monotonic() - started
    assert len(sent) == 3
    assert elapsed < 5
    print(f"default retries: {len(sent)} attempts in {elapsed:.2f}s")


@pytest.mark.s3
def test_other_http_libraries_are_refused_too():
    # .invalid never resolves: only the proxy (the emulator) can answer this with a 403
    # a new opener reads the proxy variables now; urlopen() keeps the opener of its first call,
    # whose proxy may be an emulator an earlier in-process session stopped
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.build_opener().open("http://example.invalid/some/path", timeout=2)
    assert caught.value.code == 403
    assert "Blocked by pytest-s3emu" in caught.value.reason
    assert b"http://example.invalid/some/path" in caught.value.read()


@pytest.mark.s3
def test_the_emulator_itself_is_reachable(s3emu):
    # NO_PROXY keeps requests to the emulator direct: a proxied one would be refused
    client = boto3.session.Session().client("s3", endpoint_url=s3emu.endpoint_url, config=ONCE)
    client.create_bucket(Bucket="direct")
    assert [c.operation for c in s3emu.log] == ["CreateBucket"]


@pytest.mark.s3
def test_botocore_connections_are_checked_once_resolved():
    # a name let through at look-up (one of the emulator's domains) may resolve beyond loopback:
    # the connect is checked too. The code runs as a botocore module's would.
    namespace = {"__name__": "botocore.stand_in"}
    source = "import socket\\ndef dial(address):\\n    with socket.socket() as sock:\\n"
    exec(source + "        sock.connect(address)", namespace)
    with pytest.raises(BlockedRequest, match=r"192\\.0\\.2\\.1 \\(port 9\\).*s3emu\\.client\\(\\)"):
        namespace["dial"](("192.0.2.1", 9))
    with pytest.raises(ConnectionRefusedError):
        namespace["dial"](("127.0.0.1", 9))


@pytest.mark.s3
def test_other_code_is_left_to_the_proxy_settings():
    # the connection guard refuses botocore only: this look-up fails on its own (.invalid)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("s3.example.invalid", 443)
"""


def test_guard_while_active(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(GUARD_TESTS)

    result = pytester.runpytest("-s")

    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["*default retries: 3 attempts in *s*"])


def test_guard_disabled_by_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makeini("[pytest]\ns3emu_guard = false\n")
    pytester.makepyfile(
        """
        import os

        import boto3
        import botocore.exceptions
        import pytest
        from botocore.config import Config

        @pytest.mark.s3
        def test_no_proxy_variables(s3emu):
            assert os.environ["AWS_ENDPOINT_URL_S3"] == s3emu.endpoint_url
            assert [name for name in os.environ if "PROXY" in name.upper()] == []

        @pytest.mark.s3
        def test_default_session_does_not_refuse(s3emu):
            # a closed loopback port: the guard would raise BlockedRequest before connecting
            client = boto3.client(
                "s3", endpoint_url="http://127.0.0.1:9", config=Config(retries={"total_max_attempts": 1})
            )
            with pytest.raises(botocore.exceptions.EndpointConnectionError):
                client.list_buckets()

        @pytest.mark.s3
        def test_emulator_still_reached():
            boto3.client("s3").create_bucket(Bucket="unguarded")
            assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == ["unguarded"]
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_guard_refuses_a_foreign_loopback_endpoint_on_the_default_session(
    pytester: pytest.Pytester, clean_env: None
) -> None:
    # the counterpart of the ini test above: with the guard on, the same call is refused
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from pytest_s3emu.env import BlockedRequest

        @pytest.mark.s3
        def test_refused():
            with pytest.raises(BlockedRequest, match="http://127.0.0.1:9/"):
                boto3.client("s3", endpoint_url="http://127.0.0.1:9").list_buckets()
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


# The test's own safety net, registered before the plugin's guard: a connection leaving loopback
# that the guard missed fails here, before a packet leaves (a miss without network fails earlier,
# on name resolution). Either way the tests below see no BlockedRequest, and fail.
BACKSTOP = """
import ipaddress
import socket
import sys

ESCAPED = []


def _backstop(event, args):
    if event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6):
        if not ipaddress.ip_address(args[1][0]).is_loopback:
            ESCAPED.append(args[1])
            raise OSError(f"backstop: a connection to {args[1]} would have left loopback")


sys.addaudithook(_backstop)
"""

PREBUILT_TESTS = """
import io

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import ESCAPED
from pytest_s3emu.env import BlockedRequest

# what a developer's ~/.aws would give: real-looking keys, no endpoint, no proxy
KEYS = {
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "region_name": "us-east-1",
}
# built at import time, before any emulator exists
S3 = boto3.client("s3", **KEYS)
OWN_SESSION_CLIENT = boto3.session.Session(**KEYS).client("s3")
RESOURCE = boto3.resource("s3", **KEYS)
# the control: one attempt, so that the unguarded failure below is quick
ONCE = boto3.client("s3", config=Config(retries={"total_max_attempts": 1}), **KEYS)

SENT = []
for client in (S3, OWN_SESSION_CLIENT, RESOURCE.meta.client, ONCE):
    client.meta.events.register("before-send.s3", lambda request, **_: SENT.append(request.url))

FIX = r"pytest-s3emu blocked .*s3\\.amazonaws\\.com.*s3emu\\.client\\(\\)"


@pytest.fixture(autouse=True)
def _nothing_escaped():
    SENT.clear()
    yield
    assert ESCAPED == []


def test_unguarded_before():
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        ONCE.list_buckets()


def test_fixture_refuses_the_module_client(s3emu):
    with pytest.raises(BlockedRequest, match=FIX):
        S3.list_buckets()
    assert SENT == ["https://s3.amazonaws.com/"]  # one attempt: botocore did not retry
    assert s3emu.log == []


@pytest.mark.s3
def test_marker_refuses_the_module_client():
    with pytest.raises(BlockedRequest, match=FIX):
        S3.put_object(Bucket="real-bucket", Key="k", Body=b"v")
    assert len(SENT) == 1


@pytest.mark.s3
def test_own_session_and_resource():
    with pytest.raises(BlockedRequest, match=FIX):
        OWN_SESSION_CLIENT.list_buckets()
    with pytest.raises(BlockedRequest, match=FIX):
        list(RESOURCE.buckets.all())
    assert len(SENT) == 2


@pytest.mark.s3
def test_transfer_threads():
    # s3transfer sends from its worker threads and hands the error back to the caller
    with pytest.raises(BlockedRequest, match=FIX):
        S3.upload_fileobj(io.BytesIO(b"data"), "real-bucket", "k")
    with pytest.raises(BlockedRequest, match=FIX):
        S3.download_fileobj("real-bucket", "k", io.BytesIO())
    assert len(SENT) == 2


@pytest.mark.s3
def test_the_emulator_is_still_reached(s3emu):
    s3emu.client().create_bucket(Bucket="fine")
    boto3.client("s3").create_bucket(Bucket="fine-too")
    assert [c.operation for c in s3emu.log] == ["CreateBucket", "CreateBucket"]


def test_unguarded_after():
    # the guard is inert again: the same failure as before activation, not a refusal
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        ONCE.list_buckets()
    assert len(SENT) == 1
"""


def test_guard_refuses_clients_built_before_activation(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makeconftest(BACKSTOP)
    pytester.makepyfile(PREBUILT_TESTS)
    # a fresh process: the module's clients really are built before any emulator, and the
    # backstop's audit hook (which cannot be removed) ends with it
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


def test_guard_off_leaves_clients_built_before_activation_alone(
    pytester: pytest.Pytester, clean_env: None
) -> None:
    pytester.makeini("[pytest]\ns3emu_guard = false\n")
    pytester.makeconftest(BACKSTOP)
    pytester.makepyfile(
        PREBUILT_TESTS.split("\n\ndef test_unguarded_before")[0]
        + """

@pytest.mark.s3
def test_not_refused():
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        ONCE.list_buckets()
"""
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
