"""The safety guard: while the emulator is active, no request leaves for real AWS (or anywhere else).

Nothing here needs a network: a request the guard misses would fail on name resolution instead,
and the tests would fail because they expect the guard's own errors.
"""

from __future__ import annotations

import pytest

GUARD_TESTS = """
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
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen("http://example.invalid/some/path", timeout=2)
    assert caught.value.code == 403
    assert "Blocked by pytest-s3emu" in caught.value.reason
    assert b"http://example.invalid/some/path" in caught.value.read()


@pytest.mark.s3
def test_the_emulator_itself_is_reachable(s3emu):
    # NO_PROXY keeps requests to the emulator direct: a proxied one would be refused
    client = boto3.session.Session().client("s3", endpoint_url=s3emu.endpoint_url, config=ONCE)
    client.create_bucket(Bucket="direct")
    assert [c.operation for c in s3emu.log] == ["CreateBucket"]
"""


def test_guard_while_active(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(GUARD_TESTS)

    result = pytester.runpytest("-s")

    result.assert_outcomes(passed=7)
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
