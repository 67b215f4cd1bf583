"""The transport option: http by default, inprocess on request (ini or flag), bad values refused."""

from __future__ import annotations

import pytest

TRANSPORT_TESTS = """
import http.client
import logging
from urllib.parse import urlsplit

import boto3

EXPECTED = {transport!r}

def http_requests(caplog):
    # the HTTP front end logs one DEBUG line per request it answers
    return [r for r in caplog.records if r.name == "pytest_s3emu.httpserver" and '"' in r.getMessage()]

def test_fixture_client(s3, s3emu, caplog):
    caplog.set_level(logging.DEBUG, logger="pytest_s3emu.httpserver")
    assert s3emu.transport == EXPECTED
    s3.create_bucket(Bucket="bucket-a")
    s3.put_object(Bucket="bucket-a", Key="k", Body=b"v")
    assert s3.get_object(Bucket="bucket-a", Key="k")["Body"].read() == b"v"
    assert [call.operation for call in s3emu.log] == ["CreateBucket", "PutObject", "GetObject"]
    assert bool(http_requests(caplog)) == (EXPECTED == "http")

def test_default_session_client(s3emu, caplog):
    caplog.set_level(logging.DEBUG, logger="pytest_s3emu.httpserver")
    client = boto3.client("s3")
    client.create_bucket(Bucket="bucket-b")
    client.put_object(Bucket="bucket-b", Key="k", Body=b"v")
    assert bool(http_requests(caplog)) == (EXPECTED == "http")

def test_http_still_served(s3, s3emu):
    # subprocesses and other clients keep reaching the emulator over HTTP
    s3.create_bucket(Bucket="bucket-c")
    url = urlsplit(s3emu.endpoint_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    # a presigned URL: the raw request is signed as every request to S3 must be
    target = s3.generate_presigned_url("put_object", Params={{"Bucket": "bucket-c", "Key": "raw"}})
    conn.request("PUT", target.removeprefix(s3emu.endpoint_url), body=b"over http")
    assert conn.getresponse().status == 200
    conn.close()
    assert s3.get_object(Bucket="bucket-c", Key="raw")["Body"].read() == b"over http"
"""


def test_http_is_the_default(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(TRANSPORT_TESTS.format(transport="http"))
    pytester.runpytest().assert_outcomes(passed=3)


def test_inprocess_from_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makeini("[pytest]\ns3emu_transport = inprocess\n")
    pytester.makepyfile(TRANSPORT_TESTS.format(transport="inprocess"))
    pytester.runpytest().assert_outcomes(passed=3)


def test_flag_wins_over_ini(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makeini("[pytest]\ns3emu_transport = inprocess\n")
    pytester.makepyfile(TRANSPORT_TESTS.format(transport="http"))
    pytester.runpytest("--s3emu-transport", "http").assert_outcomes(passed=3)


def test_unknown_transport_is_a_usage_error(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("--s3emu-transport", "carrier-pigeon")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*s3emu_transport must be one of http, inprocess*carrier-pigeon*"])
