"""The optional HTTPS listener: ini/flag, the throw-away CA in AWS_CA_BUNDLE (restored afterwards),
botocore's TLS-only aws-chunked uploads verified, the standalone ``--https`` and the missing extra."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import urllib.request

import pytest

pytest.importorskip("trustme")

HTTPS_TESTS = """
import base64
import os
import zlib

import boto3
import botocore.config

NO_RETRY = botocore.config.Config(retries={"total_max_attempts": 1})

def test_boto3_over_https(s3emu):
    assert s3emu.endpoint_url.startswith("https://127.0.0.1:")
    assert os.environ["AWS_ENDPOINT_URL_S3"] == s3emu.endpoint_url
    assert os.environ["AWS_CA_BUNDLE"] == s3emu.ca_bundle
    assert os.path.dirname(s3emu.ca_bundle) == s3emu.storage_dir
    assert open(s3emu.ca_bundle).read().startswith("-----BEGIN CERTIFICATE-----")
    client = boto3.client("s3")   # verifies the certificate through AWS_CA_BUNDLE alone
    client.create_bucket(Bucket="tls-bucket")
    client.put_object(Bucket="tls-bucket", Key="k", Body=b"over tls")
    assert client.get_object(Bucket="tls-bucket", Key="k")["Body"].read() == b"over tls"
    # botocore sends a PutObject body over TLS as aws-chunked with the CRC32 in a trailer
    put = s3emu.calls.filter("PutObject")[0].request_headers
    assert (put["content-encoding"], put["x-amz-trailer"]) == ("aws-chunked", "x-amz-checksum-crc32")
    assert put["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    head = client.head_object(Bucket="tls-bucket", Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == base64.b64encode(zlib.crc32(b"over tls").to_bytes(4, "big")).decode()

def test_multipart_over_https(s3, s3emu):
    s3.create_bucket(Bucket="tls-multipart")
    upload = s3.create_multipart_upload(Bucket="tls-multipart", Key="big")["UploadId"]
    parts = []
    for number, data in ((1, b"a" * (5 * 1024 * 1024)), (2, b"tail")):
        etag = s3.upload_part(
            Bucket="tls-multipart", Key="big", UploadId=upload, PartNumber=number, Body=data
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    s3.complete_multipart_upload(
        Bucket="tls-multipart", Key="big", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    body = s3.get_object(Bucket="tls-multipart", Key="big")["Body"].read()
    assert (len(body), body[-4:]) == (5 * 1024 * 1024 + 4, b"tail")
    part_calls = s3emu.calls.filter("UploadPart")
    assert [call.request_headers["content-encoding"] for call in part_calls] == ["aws-chunked"] * 2

def _tamper_trailer(request, **_):
    # the checksum in the aws-chunked trailer no longer matches the bytes sent
    if request.headers.get("x-amz-trailer"):
        data = b"".join(iter(lambda: request.body.read(65536), b""))
        head, name, _ = data.rpartition(b"x-amz-checksum-crc32:")
        request.body = head + name + b"AAAAAA==\\r\\n\\r\\n"

def test_a_wrong_trailing_checksum_is_bad_digest(s3emu):
    client = s3emu.client(config=NO_RETRY)
    client.create_bucket(Bucket="tls-tamper")
    client.meta.events.register_first("before-send.s3.PutObject", _tamper_trailer)
    try:
        client.put_object(Bucket="tls-tamper", Key="k", Body=b"hello")
    except client.exceptions.ClientError as error:
        assert error.response["Error"]["Code"] == "BadDigest"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    else:
        raise AssertionError("the tampered trailer was accepted")
    assert s3emu.calls[-1].request_headers["content-encoding"] == "aws-chunked"
    assert s3emu.calls[-1].error == "BadDigest"

def test_variables_restored_after_the_test():
    assert os.environ["AWS_CA_BUNDLE"] == "/users/own/ca.pem"
    assert "AWS_ENDPOINT_URL_S3" not in os.environ
"""


@pytest.mark.parametrize("how", ["ini", "flag"])
def test_https_option(
    pytester: pytest.Pytester, clean_env: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", "/users/own/ca.pem")
    pytester.makepyfile(test_https=HTTPS_TESTS)
    args = ["-p", "no:cacheprovider"]
    if how == "ini":
        pytester.makeini("[pytest]\ns3emu_https = true\n")
    else:
        args.append("--s3emu-https")
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=4)


def test_plain_http_is_the_default(pytester: pytest.Pytester, clean_env: None) -> None:
    pytester.makepyfile(
        """
        import os

        def test_http(s3emu, s3):
            assert s3emu.endpoint_url.startswith("http://")
            assert s3emu.ca_bundle is None and "AWS_CA_BUNDLE" not in os.environ
            s3.create_bucket(Bucket="plain-bucket")
            s3.put_object(Bucket="plain-bucket", Key="k", Body=b"v")
            put = s3emu.calls.filter("PutObject")[0].request_headers
            # over plain HTTP botocore sends the checksum as a header, not an aws-chunked trailer
            assert "content-encoding" not in put and "x-amz-checksum-crc32" in put
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_https_with_the_inprocess_transport(pytester: pytest.Pytester, clean_env: None) -> None:
    # in process no TLS is spoken, but botocore builds the requests it sends over TLS (the URL is
    # https): the emulator decodes the same aws-chunked bodies; other clients still use TLS
    pytester.makeini("[pytest]\ns3emu_https = true\ns3emu_transport = inprocess\n")
    pytester.makepyfile(
        """
        import ssl
        import urllib.request

        def test_inprocess(s3emu, s3):
            s3.create_bucket(Bucket="inproc-tls")
            s3.put_object(Bucket="inproc-tls", Key="k", Body=b"v")
            put = s3emu.calls.filter("PutObject")[0].request_headers
            assert put["content-encoding"] == "aws-chunked"
            assert s3.get_object(Bucket="inproc-tls", Key="k")["Body"].read() == b"v"
            context = ssl.create_default_context(cafile=s3emu.ca_bundle)
            url = s3emu.endpoint_url + "/_s3emu/health"
            with urllib.request.urlopen(url, context=context, timeout=10) as response:
                assert response.status == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_missing_trustme_is_a_usage_error_naming_the_extra(
    pytester: pytest.Pytester, clean_env: None
) -> None:
    # a conftest runs before the plugin's pytest_configure: it hides trustme as if not installed
    pytester.makeconftest("import sys\nsys.modules['trustme'] = None\n")
    pytester.makepyfile("def test_never_runs(s3emu):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--s3emu-https")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # (not fnmatch_lines: "[https]" would be a character class)
    assert "s3emu_https: HTTPS needs trustme" in result.stderr.str()
    assert "pip install 'pytest-s3emu[https]'" in result.stderr.str()


def test_standalone_https() -> None:
    command = [sys.executable, "-m", "pytest_s3emu", "--https", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        exported: dict[str, str] = {}
        for line in process.stdout:
            if line.startswith("  export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                exported[name] = value
                if name == "AWS_CA_BUNDLE":
                    break
        endpoint = exported["AWS_ENDPOINT_URL_S3"]
        assert endpoint.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=exported["AWS_CA_BUNDLE"])
        with urllib.request.urlopen(endpoint + "/_s3emu/health", context=context, timeout=10) as response:
            assert response.status == 200
            json.loads(response.read() or b"{}")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("name", "covered"),
    [
        ("localhost", True),
        # OpenSSL takes no wildcard right under a single-label name: *.localhost is in the
        # certificate but matches nothing; *.s3-website.localhost and *.s3.example do
        ("bucket-one.localhost", False),
        ("site.s3-website.localhost", True),
        ("site.s3-website-eu-west-1.localhost", True),
        ("site.s3-website.eu-west-1.localhost", True),
        ("bucket.s3.example", True),  # virtual-hosted style on an s3emu_domains domain
        ("dotted.bucket.localhost", False),  # a wildcard spans one label
        ("example.com", False),
    ],
)
def test_the_certificate_names(name: str, covered: bool) -> None:
    from pytest_s3emu.server import S3Emulator

    with S3Emulator(https=True, region="eu-west-1", domains=("localhost", "s3.example")) as emulator:
        context = ssl.create_default_context(cafile=emulator.ca_bundle)
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as raw:
            if covered:
                with context.wrap_socket(raw, server_hostname=name) as tls:
                    assert tls.version() is not None
            else:
                with pytest.raises(ssl.SSLCertVerificationError):
                    context.wrap_socket(raw, server_hostname=name)
    assert emulator.ca_bundle is None


def test_a_silent_connection_does_not_stall_the_others() -> None:
    # the handshake runs in each connection's own thread, never in the accepting one
    from pytest_s3emu.server import S3Emulator

    with S3Emulator(https=True) as emulator:
        context = ssl.create_default_context(cafile=emulator.ca_bundle)
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=10):
            url = emulator.endpoint_url + "/_s3emu/health"
            with urllib.request.urlopen(url, context=context, timeout=10) as response:
                assert response.status == 200
