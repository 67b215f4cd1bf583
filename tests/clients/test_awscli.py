"""The AWS CLI v1 (``awscli`` on PyPI, which bundles its own botocore) in a subprocess.

The subprocess inherits the test's environment: AWS_ENDPOINT_URL_S3 and the fake credentials take
it to the emulator with no configuration at all.
"""

from __future__ import annotations

import base64
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


# awscli's own driver, run 50 times in one interpreter: one attempt per call and a 10 s read
# timeout, so a response misframed after an empty Expect: 100-continue upload fails the run
# instead of stalling it for a minute per retry (issue: "aws s3 cp --recursive" hung).
_RECURSIVE_CP_LOOP = """
import sys
from awscli.clidriver import create_clidriver
src, bucket, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(rounds):
    args = ["s3", "cp", src, f"s3://{bucket}/r{n}/", "--recursive", "--only-show-errors",
            "--cli-read-timeout", "10"]
    if create_clidriver().main(args) != 0:
        sys.exit(f"round {n} failed")
"""


def test_recursive_copy_of_small_and_empty_files_50_times(s3: S3Client, bucket: str, tmp_path: Path) -> None:
    files = {f"f{size}.txt": b"x" * size for size in range(12)}
    files |= {"a/n1.txt": b"hi\n", "a/b/n2.txt": b"there\n"}
    for key, data in files.items():
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(data)
    env = os.environ | {"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
    done = subprocess.run(
        [sys.executable, "-c", _RECURSIVE_CP_LOOP, str(tmp_path), bucket, "50"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    listed = keys(s3, bucket)
    assert len(listed) == 50 * len(files)
    assert stored(s3, bucket, "r49/f0.txt") == b"" and stored(s3, bucket, "r49/a/b/n2.txt") == b"there\n"
