"""Example tests: the code under test builds its own boto3 client and reaches the emulator."""

from __future__ import annotations

import boto3
import pytest


def save_report(bucket: str, name: str, text: str) -> None:
    """Application code: knows nothing about the emulator."""
    boto3.client("s3").put_object(Bucket=bucket, Key=f"reports/{name}", Body=text.encode())


def test_with_the_s3_fixture(s3, s3_bucket):
    save_report(s3_bucket, "daily.txt", "all good")
    body = s3.get_object(Bucket=s3_bucket, Key="reports/daily.txt")["Body"].read()
    assert body == b"all good"


@pytest.mark.s3
def test_with_the_marker():
    client = boto3.client("s3")
    client.create_bucket(Bucket="reports")
    save_report("reports", "weekly.txt", "fine")
    listed = client.list_objects_v2(Bucket="reports")
    assert [o["Key"] for o in listed["Contents"]] == ["reports/weekly.txt"]


def test_errors_are_real_s3_errors(s3, s3_bucket):
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=s3_bucket, Key="missing")
