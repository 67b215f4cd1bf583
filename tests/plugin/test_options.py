"""The region and host options: ini values, command-line flags over ini, loopback only."""

from __future__ import annotations

import socket

import pytest

REGION_TESTS = """
import os

import boto3
import pytest
from botocore.exceptions import ClientError

EXPECTED = {region!r}

def test_region_everywhere(s3, s3emu):
    assert s3emu.region == EXPECTED
    assert s3.meta.region_name == EXPECTED
    assert os.environ["AWS_DEFAULT_REGION"] == os.environ["AWS_REGION"] == EXPECTED
    assert boto3.client("s3").meta.region_name == EXPECTED
    assert boto3.session.Session().client("s3").meta.region_name == EXPECTED

def test_create_bucket_follows_the_region(s3):
    # botocore adds no LocationConstraint by itself, and S3 refuses a create without one
    # on any endpoint but us-east-1's
    client = boto3.client("s3")
    with pytest.raises(ClientError) as caught:
        client.create_bucket(Bucket="no-constraint")
    assert caught.value.response["Error"]["Code"] == "IllegalLocationConstraintException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    client.create_bucket(Bucket="in-region", CreateBucketConfiguration={{"LocationConstraint": EXPECTED}})
    assert s3.get_bucket_location(Bucket="in-region")["LocationConstraint"] == EXPECTED
    assert s3.head_bucket(Bucket="in-region")["BucketRegion"] == EXPECTED

def test_s3_bucket_fixture_in_region(s3, s3_bucket):
    assert s3.get_bucket_location(Bucket=s3_bucket)["LocationConstraint"] == EXPECTED
"""


def test_region_from_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makeini("[pytest]\ns3emu_region = eu-west-1\n")
    pytester.makepyfile(REGION_TESTS.format(region="eu-west-1"))
    pytester.runpytest().assert_outcomes(passed=3)


def test_region_flag_wins_over_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makeini("[pytest]\ns3emu_region = eu-west-1\n")
    pytester.makepyfile(REGION_TESTS.format(region="ap-northeast-1"))
    pytester.runpytest("--s3emu-region", "ap-northeast-1").assert_outcomes(passed=3)


def test_default_region_is_us_east_1(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        """
        import os

        def test_default(s3, s3emu, s3_bucket):
            assert s3emu.region == s3.meta.region_name == os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
            s3.create_bucket(Bucket="no-constraint-needed")
            assert s3.get_bucket_location(Bucket=s3_bucket)["LocationConstraint"] is None
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


HOST_TESTS = """
import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

@pytest.mark.s3
def test_host(s3emu):
    assert s3emu.endpoint_url.startswith({prefix!r})
    boto3.client("s3").create_bucket(Bucket="on-host")
    names = [b["Name"] for b in boto3.session.Session().client("s3").list_buckets()["Buckets"]]
    assert names == ["on-host"]

@pytest.mark.s3
def test_guard_still_refuses_the_outside():
    config = Config(retries={{"total_max_attempts": 1}}, connect_timeout=2)
    client = boto3.session.Session().client("s3", endpoint_url="http://s3.amazonaws.com", config=config)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.list_buckets()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
"""


def test_host_from_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    # any 127.x address is loopback on Linux; the guard's NO_PROXY must include it
    pytester.makeini("[pytest]\ns3emu_host = 127.0.0.2\n")
    pytester.makepyfile(HOST_TESTS.format(prefix="http://127.0.0.2:"))
    pytester.runpytest().assert_outcomes(passed=2)


def test_host_flag_wins_over_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makeini("[pytest]\ns3emu_host = 127.0.0.2\n")
    pytester.makepyfile(HOST_TESTS.format(prefix="http://127.0.0.3:"))
    pytester.runpytest("--s3emu-host", "127.0.0.3").assert_outcomes(passed=2)


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_ipv6_loopback_host(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(HOST_TESTS.format(prefix="http://[::1]:"))
    pytester.runpytest("--s3emu-host", "::1").assert_outcomes(passed=2)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com", "::"])
def test_non_loopback_host_is_a_usage_error(pytester: pytest.Pytester, host: str) -> None:
    pytester.makepyfile("def test_never_runs(): pass")

    result = pytester.runpytest(f"--s3emu-host={host}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*pytest-s3emu: s3emu_host must be a loopback address*{host!r}*"])


def test_non_loopback_host_in_ini_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ns3emu_host = 0.0.0.0\n")
    pytester.makepyfile("def test_never_runs(): pass")

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*s3emu_host must be a loopback address*'0.0.0.0'*"])
