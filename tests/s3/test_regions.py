"""A request signed for another region than its bucket's, and the answers that name the bucket's region."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from rawhttp import send, signed

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

EU = "eu-west-1"
_EU_CONFIG: Any = {"LocationConstraint": EU}  # the stubs type the constraint as a literal


def _eu_bucket(s3: S3Client) -> str:
    name = f"eu-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration=_EU_CONFIG)
    return name


def _errors(s3emu: S3Emulator, operation: str) -> list[str | None]:
    return [call.error for call in s3emu.log if call.operation == operation]


@pytest.mark.http_only
def test_a_header_signed_for_another_region_is_malformed(s3: S3Client, s3emu: S3Emulator) -> None:
    bucket = _eu_bucket(s3)
    response = send(
        s3emu, "GET", f"/{bucket}", headers=signed(s3emu, "GET", f"/{bucket}", region="us-east-1")
    )
    assert response.status == 400
    error = response.error()
    assert error["Code"] == "AuthorizationHeaderMalformed"
    assert error["Message"] == (
        "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'"
    )
    assert error["Region"] == EU
    assert response.headers["x-amz-bucket-region"] == EU


@pytest.mark.http_only
def test_a_head_signed_for_another_region_names_the_region_in_a_header(
    s3: S3Client, s3emu: S3Emulator
) -> None:
    bucket = _eu_bucket(s3)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    path = f"/{bucket}/k"
    response = send(s3emu, "HEAD", path, headers=signed(s3emu, "HEAD", path, region="us-west-2"))
    # a HEAD answer has no body: the header is all a client can learn the region from
    assert (response.status, response.body) == (400, b"")
    assert response.headers["x-amz-bucket-region"] == EU


@pytest.mark.http_only
def test_a_request_signed_for_the_bucket_region_is_accepted(s3: S3Client, s3emu: S3Emulator) -> None:
    bucket = _eu_bucket(s3)
    response = send(s3emu, "GET", f"/{bucket}", headers=signed(s3emu, "GET", f"/{bucket}", region=EU))
    assert response.status == 200
    # S3 names the region on bucket-level answers (ListObjects, HeadBucket), not on object ones
    assert response.headers["x-amz-bucket-region"] == EU


def test_botocore_follows_the_region_error_to_the_bucket(s3: S3Client, s3emu: S3Emulator) -> None:
    bucket = _eu_bucket(s3)  # created from us-east-1, which may create a bucket in any region
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"hello"
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == 5
    assert s3.head_bucket(Bucket=bucket)["BucketRegion"] == EU
    # the first request was refused and botocore sent it again, signed for eu-west-1; later ones
    # go there at once (botocore caches the bucket's region)
    assert _errors(s3emu, "PutObject") == ["AuthorizationHeaderMalformed", None]
    assert _errors(s3emu, "GetObject") == [None]


def test_a_head_object_from_another_region_is_redirected_by_botocore(s3emu: S3Emulator) -> None:
    eu = s3emu.client(region_name=EU)
    bucket = _eu_bucket(eu)
    eu.put_object(Bucket=bucket, Key="k", Body=b"abc")
    fresh = s3emu.client(region_name="us-west-2")  # has never talked to the bucket
    assert fresh.head_object(Bucket=bucket, Key="k")["ContentLength"] == 3
    assert fresh.head_bucket(Bucket=bucket)["BucketRegion"] == EU
    assert _errors(s3emu, "HeadObject") == ["AuthorizationHeaderMalformed", None]


def test_get_bucket_location_answers_in_any_region(s3: S3Client, s3emu: S3Emulator) -> None:
    bucket = _eu_bucket(s3)
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == EU
    assert _errors(s3emu, "GetBucketLocation") == [None]


def test_recreating_a_bucket_from_another_region_reaches_its_region(s3emu: S3Emulator) -> None:
    bucket = f"west-{uuid.uuid4().hex[:20]}"
    west = s3emu.client(region_name="us-west-2")
    west.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    with pytest.raises(ClientError) as raised:
        s3emu.client().create_bucket(Bucket=bucket, CreateBucketConfiguration=_EU_CONFIG)
    response = raised.value.response
    # refused for the region first; signed for us-west-2, the eu-west-1 constraint is illegal there
    assert _errors(s3emu, "CreateBucket") == [None, "AuthorizationHeaderMalformed", response["Error"]["Code"]]
    assert response["Error"]["Code"] == "IllegalLocationConstraintException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_presigned_url_for_another_region_is_refused(s3: S3Client, s3emu: S3Emulator) -> None:
    bucket = _eu_bucket(s3)
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    # a client that never met the bucket signs for its own region, as on AWS
    fresh = s3emu.client(region_name="us-east-1", config=Config(signature_version="s3v4"))
    url = fresh.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "doc.txt"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url)
    body = raised.value.read()
    assert raised.value.code == 400
    assert b"<Code>AuthorizationQueryParametersError</Code>" in body
    assert (
        b"<Message>Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; "
        b"expecting 'eu-west-1'</Message>"
    ) in body
    assert b"<Region>eu-west-1</Region>" in body
    signed_for_eu = s3emu.client(region_name=EU, config=Config(signature_version="s3v4"))
    good = signed_for_eu.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "doc.txt"})
    with urllib.request.urlopen(good) as response:
        assert response.read() == b"hello"
