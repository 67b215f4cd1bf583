"""The AWS CLI v1 (``awscli`` on PyPI, which bundles its own botocore) in a subprocess.

The subprocess inherits the test's environment: AWS_ENDPOINT_URL_S3 and the fake credentials take
it to the emulator with no configuration at all.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from client_support import MIB, keys, stored

pytest.importorskip("awscli")

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def aws(*args: str) -> str:
    """Run ``aws ARGS...`` with this interpreter; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# ``aws ARGS...`` run ROUNDS times by one CLI driver (what the ``aws`` script runs): the
# same commands and transfers, without paying the CLI's start-up 50 times
_REPEAT = """
import sys
from awscli.clidriver import create_clidriver

driver = create_clidriver()
for _ in range(int(sys.argv[1])):
    if driver.main(sys.argv[2:]) != 0:
        sys.exit(1)
"""


def _crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def test_s3_commands(s3: S3Client, bucket_name: str, tmp_path: Path) -> None:
    up, down = tmp_path / "up", tmp_path / "down"
    up.mkdir()
    (up / "small.txt").write_bytes(b"hello")
    data = os.urandom(9 * MIB)  # above the CLI's 8 MiB multipart threshold
    (up / "big.bin").write_bytes(data)
    aws("s3", "mb", f"s3://{bucket_name}")
    aws("s3", "cp", str(up), f"s3://{bucket_name}/up/", "--recursive")
    assert keys(s3, bucket_name) == ["up/big.bin", "up/small.txt"]
    assert stored(s3, bucket_name, "up/small.txt") == b"hello"
    assert stored(s3, bucket_name, "up/big.bin") == data
    # the CLI uploads parts with CRC32 for an upload created with CRC32: a composite checksum
    parts = s3.get_object_attributes(Bucket=bucket_name, Key="up/big.bin", ObjectAttributes=["ObjectParts"])
    sizes = [part["Size"] for part in parts["ObjectParts"]["Parts"]]
    assert len(sizes) == 2 and sum(sizes) == len(data)
    digest = _crc32(_crc32(data[: sizes[0]]) + _crc32(data[sizes[0] :]))
    head = s3.head_object(Bucket=bucket_name, Key="up/big.bin", ChecksumMode="ENABLED")
    assert (head.get("ChecksumCRC32"), head.get("ChecksumType")) == (
        f"{base64.b64encode(digest).decode()}-2",
        "COMPOSITE",
    )
    listing = aws("s3", "ls", f"s3://{bucket_name}/up/")
    assert "small.txt" in listing and str(len(data)) in listing
    aws("s3", "cp", f"s3://{bucket_name}/up/", str(down), "--recursive")
    assert (down / "big.bin").read_bytes() == data
    assert (down / "small.txt").read_bytes() == b"hello"
    aws("s3", "rb", f"s3://{bucket_name}", "--force")
    assert bucket_name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_recursive_cp_with_an_empty_file_over_kept_alive_connections(
    s3: S3Client,
    bucket_name: str,
    tmp_path: Path,
    small_files: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the CLI's bundled botocore misread the response after an empty upload on a reused
    # connection (botocore#3755): a 60 s stall per run. With no retry (AWS_MAX_ATTEMPTS counts
    # the first attempt) and a 10 s read timeout, a stall fails the run and the test.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.delenv("BOTO_EXPERIMENTAL__NO_EMPTY_CONTINUE", raising=False)  # would drop Expect
    aws("s3", "mb", f"s3://{bucket_name}")
    cp = ["s3", "cp", str(tmp_path), f"s3://{bucket_name}/", "--recursive", "--only-show-errors"]
    done = subprocess.run(
        [sys.executable, "-c", _REPEAT, "50", *cp, "--cli-read-timeout", "10"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Failed to parse headers" not in done.stderr  # urllib3's warning when it misreads
    assert keys(s3, bucket_name) == sorted(small_files)


def test_cp_of_encrypted_objects_whose_etags_are_not_md5s(
    s3: S3Client, bucket_name: str, tmp_path: Path
) -> None:
    # above the 8 MiB threshold the CLI downloads in ranges, each sent with If-Match: <ETag>
    data = os.urandom(9 * MIB)
    s3.create_bucket(Bucket=bucket_name)
    key = tmp_path / "key.bin"
    key.write_bytes(bytes(range(32)))
    put = s3.put_object(Bucket=bucket_name, Key="kms.bin", Body=data, ServerSideEncryption="aws:kms")
    assert put["ETag"].strip('"') != hashlib.md5(data).hexdigest()
    s3.put_object(
        Bucket=bucket_name,
        Key="c.bin",
        Body=data,
        SSECustomerAlgorithm="AES256",
        SSECustomerKey=key.read_bytes(),
    )
    aws("s3", "cp", f"s3://{bucket_name}/kms.bin", str(tmp_path / "kms.bin"))
    assert (tmp_path / "kms.bin").read_bytes() == data
    sse_c = ["--sse-c", "AES256", "--sse-c-key", f"fileb://{key}"]
    aws("s3", "cp", f"s3://{bucket_name}/c.bin", str(tmp_path / "c.bin"), *sse_c)
    assert (tmp_path / "c.bin").read_bytes() == data
    aws("s3", "cp", str(tmp_path / "c.bin"), f"s3://{bucket_name}/up.bin", "--sse", "aws:kms")
    assert s3.head_object(Bucket=bucket_name, Key="up.bin")["ServerSideEncryption"] == "aws:kms"
