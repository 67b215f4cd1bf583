"""Bucket operations end to end through boto3: create, head, list, delete, location."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _unique(prefix: str = "b") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, dict[str, Any]]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


# --- CreateBucket: names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "abc",  # the shortest allowed: 3 characters
        "a" * 63,  # the longest allowed: 63 characters
        "my.dotted.bucket",
        "123",
        "a-b-c-1",
        "1.2.3",  # digits and dots that are not four octets: not an IP address
    ],
)
def test_create_bucket_valid_names(s3: S3Client, name: str) -> None:
    response = s3.create_bucket(Bucket=name)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["Location"] == f"/{name}"
    s3.head_bucket(Bucket=name)


@pytest.mark.parametrize(
    "name",
    [
        "ab",  # too short
        "a" * 64,  # too long
        "MyBucket",  # upper case
        "my_bucket",  # underscore: botocore lets it through, S3 refuses it
        ".leading-dot",
        "trailing-dot.",
        "-leading-hyphen",
        "trailing-hyphen-",
        "a..b",
        "a.-b",
        "a-.b",
        "192.168.5.4",  # IP address form
        "xn--reserved-prefix",
        "sthree-reserved",
        "reserved-suffix-s3alias",
        "reserved-suffix--ol-s3",
    ],
)
def test_create_bucket_invalid_names(s3: S3Client, name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=name)
    code, status, error = _error(excinfo)
    assert (code, status) == ("InvalidBucketName", 400)
    assert error["Message"] == "The specified bucket is not valid."
    assert error["BucketName"] == name
    assert s3.list_buckets()["Buckets"] == []


@pytest.mark.parametrize("name", ["has space", "bang!", "a/b", "x" * 256])
def test_create_bucket_names_botocore_rejects(s3: S3Client, s3emu: S3Emulator, name: str) -> None:
    # botocore checks ^[a-zA-Z0-9.\-_]{1,255}$ itself: such a name never reaches the server
    with pytest.raises(ParamValidationError):
        s3.create_bucket(Bucket=name)
    assert s3emu.log == []


# --- CreateBucket: regions ----------------------------------------------------------------------


def test_create_bucket_with_location_constraint_from_us_east_1(s3: S3Client) -> None:
    name = _unique()
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    head = s3.head_bucket(Bucket=name)
    assert head["BucketRegion"] == "eu-west-1"
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"


def test_create_bucket_in_its_own_region(s3emu: S3Emulator) -> None:
    eu = s3emu.client(region_name="eu-central-1")
    name = _unique()
    eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-central-1"


def test_create_bucket_us_east_1_constraint_is_invalid(s3: S3Client) -> None:
    # AWS: us-east-1 is the default and must not be named in CreateBucketConfiguration
    name = _unique()
    config: Any = {"LocationConstraint": "us-east-1"}  # the stubs know no such value
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration=config)
    code, status, error = _error(excinfo)
    assert (code, status) == ("InvalidLocationConstraint", 400)
    assert error["LocationConstraint"] == "us-east-1"
    assert s3.list_buckets()["Buckets"] == []


def test_create_bucket_unknown_constraint_is_invalid(s3: S3Client) -> None:
    config: Any = {"LocationConstraint": "nowhere"}
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=_unique(), CreateBucketConfiguration=config)
    code, status, _ = _error(excinfo)
    assert (code, status) == ("InvalidLocationConstraint", 400)


def test_create_bucket_without_constraint_outside_us_east_1(s3emu: S3Emulator) -> None:
    eu = s3emu.client(region_name="eu-west-1")
    sent: list[bytes] = []

    def record(request: Any, **kwargs: Any) -> None:
        sent.append(request.body or b"")

    eu.meta.events.register("before-send.s3.CreateBucket", record)
    name = _unique()
    with pytest.raises(ClientError) as excinfo:
        eu.create_bucket(Bucket=name)
    # botocore does not add a LocationConstraint for the client's region: the body is empty
    assert sent == [b""]
    code, status, error = _error(excinfo)
    assert (code, status) == ("IllegalLocationConstraintException", 400)
    assert error["Message"] == (
        "The unspecified location constraint is incompatible for the region specific endpoint "
        "this request was sent to."
    )
    assert eu.list_buckets()["Buckets"] == []


def test_create_bucket_constraint_mismatching_the_endpoint_region(s3emu: S3Emulator) -> None:
    eu = s3emu.client(region_name="eu-west-1")
    with pytest.raises(ClientError) as excinfo:
        eu.create_bucket(Bucket=_unique(), CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
    code, status, error = _error(excinfo)
    assert (code, status) == ("IllegalLocationConstraintException", 400)
    assert error["Message"] == (
        "The ap-south-1 location constraint is incompatible for the region specific endpoint "
        "this request was sent to."
    )


def test_recreate_own_bucket_in_eu_west_1_conflicts(s3emu: S3Emulator) -> None:
    eu = s3emu.client(region_name="eu-west-1")
    name = _unique()
    config: Any = {"LocationConstraint": "eu-west-1"}
    eu.create_bucket(Bucket=name, CreateBucketConfiguration=config)
    with pytest.raises(ClientError) as excinfo:
        eu.create_bucket(Bucket=name, CreateBucketConfiguration=config)
    code, status, error = _error(excinfo)
    assert (code, status) == ("BucketAlreadyOwnedByYou", 409)
    assert error["BucketName"] == name


def test_recreate_own_bucket_in_us_east_1_succeeds(s3: S3Client) -> None:
    # the legacy behaviour the CreateBucket reference documents for us-east-1: 200, bucket kept
    name = _unique()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="kept", Body=b"x")
    response = s3.create_bucket(Bucket=name)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=name, Key="kept")["Body"].read() == b"x"
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [name]


def test_recreate_eu_bucket_from_us_east_1_conflicts(s3: S3Client) -> None:
    # the us-east-1 exception covers us-east-1 buckets only
    name = _unique()
    config: Any = {"LocationConstraint": "eu-west-1"}
    s3.create_bucket(Bucket=name, CreateBucketConfiguration=config)
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration=config)
    code, status, _ = _error(excinfo)
    assert (code, status) == ("BucketAlreadyOwnedByYou", 409)


# --- HeadBucket ---------------------------------------------------------------------------------


def test_head_bucket(s3: S3Client, s3_bucket: str) -> None:
    response = s3.head_bucket(Bucket=s3_bucket)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert response["BucketRegion"] == "us-east-1"


def test_head_missing_bucket(s3: S3Client, s3emu: S3Emulator) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.head_bucket(Bucket=_unique())
    # a HEAD answer has no body, so botocore can only report the status
    code, status, _ = _error(excinfo)
    assert (code, status) == ("404", 404)
    assert s3emu.log[-1].error == "NoSuchBucket"


# --- ListBuckets --------------------------------------------------------------------------------


def test_list_buckets_empty(s3: S3Client) -> None:
    response = s3.list_buckets()
    assert response["Buckets"] == []
    assert "ContinuationToken" not in response
    assert response["Owner"]["ID"]


def test_list_buckets_sorted_with_dates_and_owner(s3: S3Client) -> None:
    names = ["zeta-" + uuid.uuid4().hex[:8], "alpha-" + uuid.uuid4().hex[:8], "mid-" + uuid.uuid4().hex[:8]]
    before = datetime.now(timezone.utc).replace(microsecond=0)
    for name in names:
        s3.create_bucket(Bucket=name)
    after = datetime.now(timezone.utc)
    response = s3.list_buckets()
    assert [b["Name"] for b in response["Buckets"]] == sorted(names)
    for bucket in response["Buckets"]:
        assert before <= bucket["CreationDate"] <= after + timedelta(seconds=1)
        assert bucket["BucketRegion"] == "us-east-1"
    owner = response["Owner"]
    assert owner["ID"]
    assert "Prefix" not in response


def _make_buckets(s3: S3Client, count: int, prefix: str = "pg") -> list[str]:
    tag = uuid.uuid4().hex[:8]
    names = [f"{prefix}-{tag}-{i:02d}" for i in range(count)]
    for name in reversed(names):
        s3.create_bucket(Bucket=name)
    return names


def test_list_buckets_pagination(s3: S3Client) -> None:
    names = _make_buckets(s3, 5)
    first = s3.list_buckets(MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2]
    second = s3.list_buckets(MaxBuckets=2, ContinuationToken=first["ContinuationToken"])
    assert [b["Name"] for b in second["Buckets"]] == names[2:4]
    third = s3.list_buckets(MaxBuckets=2, ContinuationToken=second["ContinuationToken"])
    assert [b["Name"] for b in third["Buckets"]] == names[4:]
    assert "ContinuationToken" not in third


def test_list_buckets_exact_page_has_no_token(s3: S3Client) -> None:
    names = _make_buckets(s3, 3)
    response = s3.list_buckets(MaxBuckets=3)
    assert [b["Name"] for b in response["Buckets"]] == names
    assert "ContinuationToken" not in response


def test_list_buckets_paginator_returns_each_bucket_once(s3: S3Client) -> None:
    names = _make_buckets(s3, 7)
    pages = list(s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(page["Buckets"]) for page in pages] == [3, 3, 1]
    assert [b["Name"] for page in pages for b in page["Buckets"]] == names


def test_list_buckets_prefix(s3: S3Client) -> None:
    wanted = _make_buckets(s3, 3, prefix="keep")
    _make_buckets(s3, 2, prefix="drop")
    response = s3.list_buckets(Prefix="keep-")
    assert [b["Name"] for b in response["Buckets"]] == wanted
    assert response["Prefix"] == "keep-"
    paged = s3.list_buckets(Prefix="keep-", MaxBuckets=2)
    assert [b["Name"] for b in paged["Buckets"]] == wanted[:2]
    rest = s3.list_buckets(Prefix="keep-", MaxBuckets=2, ContinuationToken=paged["ContinuationToken"])
    assert [b["Name"] for b in rest["Buckets"]] == wanted[2:]


def test_list_buckets_bucket_region(s3: S3Client) -> None:
    east = _unique("east")
    west = _unique("west")
    s3.create_bucket(Bucket=east)
    s3.create_bucket(Bucket=west, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    eu = s3.list_buckets(BucketRegion="eu-west-1")["Buckets"]
    assert [(b["Name"], b["BucketRegion"]) for b in eu] == [(west, "eu-west-1")]
    us = s3.list_buckets(BucketRegion="us-east-1")["Buckets"]
    assert [b["Name"] for b in us] == [east]
    assert s3.list_buckets(BucketRegion="ap-south-1")["Buckets"] == []


def test_list_buckets_max_buckets_out_of_range(s3: S3Client) -> None:
    # botocore enforces the model's minimum (1) itself; the maximum (10000) is left to S3.
    # Unsure: the exact AWS message; the code and status are InvalidArgument / 400.
    with pytest.raises(ParamValidationError):
        s3.list_buckets(MaxBuckets=0)
    with pytest.raises(ClientError) as excinfo:
        s3.list_buckets(MaxBuckets=10001)
    code, status, _ = _error(excinfo)
    assert (code, status) == ("InvalidArgument", 400)


def test_list_buckets_bad_continuation_token(s3: S3Client) -> None:
    # Unsure: the exact AWS answer to a forged token; an InvalidArgument 400 is what it documents
    # for malformed arguments.
    with pytest.raises(ClientError) as excinfo:
        s3.list_buckets(ContinuationToken="%%%not-a-token")
    code, status, _ = _error(excinfo)
    assert (code, status) == ("InvalidArgument", 400)


# --- DeleteBucket -------------------------------------------------------------------------------


def test_delete_bucket(s3: S3Client, s3_bucket: str) -> None:
    response = s3.delete_bucket(Bucket=s3_bucket)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_buckets()["Buckets"] == []
    with pytest.raises(ClientError) as excinfo:
        s3.head_bucket(Bucket=s3_bucket)
    assert _error(excinfo)[:2] == ("404", 404)


def test_delete_bucket_not_empty(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=s3_bucket)
    code, status, error = _error(excinfo)
    assert (code, status) == ("BucketNotEmpty", 409)
    assert error["BucketName"] == s3_bucket
    assert error["Message"] == "The bucket you tried to delete is not empty"
    s3.delete_object(Bucket=s3_bucket, Key="k")
    assert s3.delete_bucket(Bucket=s3_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_missing_bucket(s3: S3Client) -> None:
    name = _unique()
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=name)
    code, status, error = _error(excinfo)
    assert (code, status) == ("NoSuchBucket", 404)
    assert error["BucketName"] == name
    assert error["Message"] == "The specified bucket does not exist"


def test_delete_then_recreate(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="old", Body=b"v")
    s3.delete_object(Bucket=s3_bucket, Key="old")
    s3.delete_bucket(Bucket=s3_bucket)
    s3.create_bucket(Bucket=s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=s3_bucket, Key="old")
    assert _error(excinfo)[:2] == ("404", 404)


# --- GetBucketLocation --------------------------------------------------------------------------


def test_get_bucket_location_us_east_1_is_none(s3: S3Client, s3_bucket: str) -> None:
    response = s3.get_bucket_location(Bucket=s3_bucket)
    assert response["LocationConstraint"] is None


def test_get_bucket_location_missing_bucket(s3: S3Client) -> None:
    name = _unique()
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_location(Bucket=name)
    code, status, error = _error(excinfo)
    assert (code, status) == ("NoSuchBucket", 404)
    assert error["BucketName"] == name
