"""Presigned URLs used by plain HTTP clients: urllib and curl send a body with
``Content-Type: application/x-www-form-urlencoded`` unless told otherwise. The body is the object,
never a form, and the type is stored as sent.
"""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
from typing import TYPE_CHECKING

import pytest
from botocore.config import Config
from client_support import stored

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("signature", ["s3", "s3v4"])
def test_presigned_put_with_urllib(s3emu: S3Emulator, s3: S3Client, bucket: str, signature: str) -> None:
    signer = s3emu.client(config=Config(signature_version=signature))
    url = signer.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "a b/c.txt"})
    request = urllib.request.Request(url, data=b"name=value&x=%20y", method="PUT")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert stored(s3, bucket, "a b/c.txt") == b"name=value&x=%20y"
    assert s3.head_object(Bucket=bucket, Key="a b/c.txt")["ContentType"] == FORM
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a b/c.txt"})
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"name=value&x=%20y"


def test_presigned_put_with_a_declared_content_type(s3: S3Client, bucket: str) -> None:
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "t.csv", "ContentType": "text/csv"}
    )
    request = urllib.request.Request(
        url, data=b"a,b\n1,2\n", method="PUT", headers={"Content-Type": "text/csv"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert s3.head_object(Bucket=bucket, Key="t.csv")["ContentType"] == "text/csv"
    assert stored(s3, bucket, "t.csv") == b"a,b\n1,2\n"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_presigned_put_with_curl(s3: S3Client, bucket: str) -> None:
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "curl.txt"})
    done = subprocess.run(
        ["curl", "-sS", "-X", "PUT", "--data-binary", "k=v&w", "-o", "/dev/null", "-w", "%{http_code}", url],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "200"), done.stderr
    assert stored(s3, bucket, "curl.txt") == b"k=v&w"
    assert s3.head_object(Bucket=bucket, Key="curl.txt")["ContentType"] == FORM
