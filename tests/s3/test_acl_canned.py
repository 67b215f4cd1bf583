"""Each canned ACL against each kind of caller (the bucket owner, another account, anonymous), with
the legacy bucket defaults that keep ACLs on: which reads and writes S3 allows and which it refuses
with 403 AccessDenied."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from access_support import NO_RETRY, anonymous_client
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.http_only  # one emulator of its own, over HTTP

CALLERS = ("owner", "other", "anonymous")
ALLOWED, DENIED = True, False
# who may GetObject an object the bucket owner wrote with each canned ACL
OBJECT_READ = {
    "private": (ALLOWED, DENIED, DENIED),
    "public-read": (ALLOWED, ALLOWED, ALLOWED),
    "public-read-write": (ALLOWED, ALLOWED, ALLOWED),
    "authenticated-read": (ALLOWED, ALLOWED, DENIED),
    "bucket-owner-read": (ALLOWED, DENIED, DENIED),
    "bucket-owner-full-control": (ALLOWED, DENIED, DENIED),
}
# who may PutObject, and who may ListObjects, in a bucket with each canned ACL
BUCKET_WRITE = {
    "private": (ALLOWED, DENIED, DENIED),
    "public-read": (ALLOWED, DENIED, DENIED),
    "public-read-write": (ALLOWED, ALLOWED, ALLOWED),
    "authenticated-read": (ALLOWED, DENIED, DENIED),
    "bucket-owner-read": (ALLOWED, DENIED, DENIED),
    "bucket-owner-full-control": (ALLOWED, DENIED, DENIED),
}
BUCKET_LIST = {
    "private": (ALLOWED, DENIED, DENIED),
    "public-read": (ALLOWED, ALLOWED, ALLOWED),
    "public-read-write": (ALLOWED, ALLOWED, ALLOWED),
    "authenticated-read": (ALLOWED, ALLOWED, DENIED),
    "bucket-owner-read": (ALLOWED, DENIED, DENIED),
    "bucket-owner-full-control": (ALLOWED, DENIED, DENIED),
}


@pytest.fixture(scope="module")
def legacy() -> Iterator[S3Emulator]:
    with S3Emulator(bucket_defaults="legacy") as emulator:
        yield emulator


@pytest.fixture(scope="module")
def clients(legacy: S3Emulator) -> dict[str, S3Client]:
    other = legacy.add_account("other")
    return {
        "owner": legacy.client(config=Config(retries=NO_RETRY)),
        "other": legacy.client(
            aws_access_key_id=other.access_key,
            aws_secret_access_key=other.secret_key,
            config=Config(retries=NO_RETRY),
        ),
        "anonymous": anonymous_client(legacy),  # type: ignore[arg-type]
    }


def _bucket(clients: dict[str, S3Client]) -> str:
    name = f"t-canned-{uuid.uuid4().hex[:20]}"
    clients["owner"].create_bucket(Bucket=name)
    return name


def _allowed(call: Any, **kwargs: Any) -> bool:
    """True if the call succeeds; False if S3 refuses it with 403 AccessDenied (anything else fails)."""
    try:
        call(**kwargs)
    except ClientError as error:
        response: Any = error.response
        assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (
            "AccessDenied",
            403,
        )
        return False
    return True


@pytest.mark.parametrize("canned", sorted(OBJECT_READ))
def test_get_object_by_object_acl(clients: dict[str, S3Client], canned: Any) -> None:
    bucket = _bucket(clients)
    clients["owner"].put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    got = tuple(_allowed(clients[who].get_object, Bucket=bucket, Key="k") for who in CALLERS)
    assert got == OBJECT_READ[canned]


@pytest.mark.parametrize("canned", sorted(BUCKET_WRITE))
def test_put_object_by_bucket_acl(clients: dict[str, S3Client], canned: Any) -> None:
    bucket = _bucket(clients)
    clients["owner"].put_bucket_acl(Bucket=bucket, ACL=canned)
    got = tuple(_allowed(clients[who].put_object, Bucket=bucket, Key=who, Body=b"x") for who in CALLERS)
    assert got == BUCKET_WRITE[canned]


@pytest.mark.parametrize("canned", sorted(BUCKET_LIST))
def test_list_objects_by_bucket_acl(clients: dict[str, S3Client], canned: Any) -> None:
    bucket = _bucket(clients)
    clients["owner"].put_bucket_acl(Bucket=bucket, ACL=canned)
    got = tuple(_allowed(clients[who].list_objects_v2, Bucket=bucket) for who in CALLERS)
    assert got == BUCKET_LIST[canned]


# who may GetObject an object *another account* wrote into a public-read-write bucket: under
# ObjectWriter the writer owns it, and the bucket owner reads it only where its ACL says so
WRITTEN_BY_OTHER = {
    "private": (DENIED, ALLOWED, DENIED),
    "public-read": (ALLOWED, ALLOWED, ALLOWED),
    "authenticated-read": (ALLOWED, ALLOWED, DENIED),
    "bucket-owner-read": (ALLOWED, ALLOWED, DENIED),
    "bucket-owner-full-control": (ALLOWED, ALLOWED, DENIED),
}


@pytest.mark.parametrize("canned", sorted(WRITTEN_BY_OTHER))
def test_get_object_another_account_wrote(clients: dict[str, S3Client], canned: Any) -> None:
    bucket = _bucket(clients)
    clients["owner"].put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    clients["other"].put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    got = tuple(_allowed(clients[who].get_object, Bucket=bucket, Key="k") for who in CALLERS)
    assert got == WRITTEN_BY_OTHER[canned]
    # the bucket owner may always delete it (DeleteObject is decided by the bucket's ACL)
    clients["owner"].delete_object(Bucket=bucket, Key="k")


def _missing_key_answer(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response: Any = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.mark.parametrize("canned", sorted(BUCKET_LIST))
def test_missing_key_is_no_such_key_to_whoever_may_list(clients: dict[str, S3Client], canned: Any) -> None:
    # a missing key has no ACL of its own: the bucket's listing permission decides between
    # NoSuchKey and AccessDenied (GetObject API reference, "Permissions")
    bucket = _bucket(clients)
    clients["owner"].put_bucket_acl(Bucket=bucket, ACL=canned)
    got = tuple(_missing_key_answer(clients[who].get_object, Bucket=bucket, Key="gone") for who in CALLERS)
    listing = BUCKET_LIST[canned]
    assert got == tuple(("NoSuchKey", 404) if may else ("AccessDenied", 403) for may in listing)


# what an anonymous caller writes into a public-read-write bucket belongs to S3's anonymous user:
# the bucket owner reads it only where its ACL says so
WRITTEN_BY_ANONYMOUS = {
    "private": (DENIED, DENIED, DENIED),
    "public-read": (ALLOWED, ALLOWED, ALLOWED),
    "bucket-owner-read": (ALLOWED, DENIED, DENIED),
    "bucket-owner-full-control": (ALLOWED, DENIED, DENIED),
}


@pytest.mark.parametrize("canned", sorted(WRITTEN_BY_ANONYMOUS))
def test_get_object_an_anonymous_caller_wrote(clients: dict[str, S3Client], canned: Any) -> None:
    bucket = _bucket(clients)
    clients["owner"].put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    clients["anonymous"].put_object(Bucket=bucket, Key="k", Body=b"x", ACL=canned)
    got = tuple(_allowed(clients[who].get_object, Bucket=bucket, Key="k") for who in CALLERS)
    assert got == WRITTEN_BY_ANONYMOUS[canned]
    listed = clients["owner"].list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]
    assert listed["Owner"]["ID"] == "65a011a29cdf8ec533ec3d1ccaae921c"
    clients["owner"].delete_object(Bucket=bucket, Key="k")


def test_an_older_version_is_decided_by_its_own_owner(clients: dict[str, S3Client]) -> None:
    # the other account's version stays its own after the bucket owner writes a newer one
    bucket = _bucket(clients)
    owner = clients["owner"]
    owner.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    owner.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    theirs = clients["other"].put_object(Bucket=bucket, Key="k", Body=b"theirs")["VersionId"]
    mine = owner.put_object(Bucket=bucket, Key="k", Body=b"mine")["VersionId"]
    assert owner.get_object(Bucket=bucket, Key="k", VersionId=mine)["Body"].read() == b"mine"
    assert not _allowed(owner.get_object, Bucket=bucket, Key="k", VersionId=theirs)
    assert clients["other"].get_object(Bucket=bucket, Key="k", VersionId=theirs)["Body"].read() == b"theirs"
