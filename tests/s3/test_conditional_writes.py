"""Conditional writes end to end: If-None-Match: * and If-Match on PutObject, CopyObject and
CompleteMultipartUpload, alone and racing.

The emulator checks the condition and stores the object under one lock, so racing writers are
serialized: the first one wins and every other one sees its object and gets 412 PreconditionFailed.
AWS answers 409 ConditionalRequestConflict when a conflicting write is still in flight at the moment
it decides; an emulator that decides atomically never has a write in flight. It does send 409 where
AWS recorded it outside races: a conditional CompleteMultipartUpload whose condition holds, but whose
key was written or deleted after the upload was created (LocalStack's AWS-validated snapshots,
tests/aws/services/s3/test_s3_api.py::TestS3ObjectWritePrecondition).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

THREADS = 16


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def _outcome(call: Callable[[], Any]) -> str:
    """ "ok", or the error code a call ended with."""
    try:
        call()
    except ClientError as error:
        response: Any = error.response
        return f"{response['Error']['Code']} {response['ResponseMetadata']['HTTPStatusCode']}"
    return "ok"


def _race(calls: list[Callable[[], Any]]) -> Counter[str]:
    """Run every call at once (released together by a barrier); count the outcomes."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> str:
        barrier.wait(timeout=10)
        return _outcome(call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return Counter(pool.map(run, calls))


@pytest.fixture
def pooled(s3emu: S3Emulator) -> S3Client:
    """A client with a connection per racing thread (botocore's pool holds 10 by default)."""
    return s3emu.client(config=Config(max_pool_connections=THREADS * 2, retries={"max_attempts": 1}))


# --- PutObject -----------------------------------------------------------------------------------


def test_if_none_match_creates_only(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"second", IfNoneMatch="*")
    assert _error(excinfo) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"first"
    s3.delete_object(Bucket=s3_bucket, Key="k")
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"third", IfNoneMatch="*")
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"third"


def test_if_match_replaces_only_that_version(s3: S3Client, s3_bucket: str) -> None:
    etag = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v1")["ETag"]
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v2", IfMatch=_etag(b"something else"))
    assert _error(excinfo) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v1"
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v2", IfMatch=etag)
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v2"
    # the old ETag no longer matches
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v3", IfMatch=etag)
    assert _error(excinfo) == ("PreconditionFailed", 412)


def test_if_match_on_a_missing_key(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="missing", Body=b"x", IfMatch=_etag(b"x"))
    assert _error(excinfo) == ("NoSuchKey", 404)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=s3_bucket, Key="missing")


def test_if_match_on_a_delete_marker(s3: S3Client, s3_bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=s3_bucket, VersioningConfiguration={"Status": "Enabled"})
    etag = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v1")["ETag"]
    s3.delete_object(Bucket=s3_bucket, Key="k")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v2", IfMatch=etag)
    assert _error(excinfo) == ("NoSuchKey", 404)
    # If-None-Match: * holds where the current version is a delete marker
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v3", IfNoneMatch="*")
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v3"


def _not_implemented(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str, str]:
    error: Any = excinfo.value.response["Error"]
    return (*_error(excinfo), error["Header"], error["additionalMessage"])


@pytest.mark.parametrize("operation", ["put", "copy", "complete"])
def test_conditions_s3_does_not_implement(s3: S3Client, s3_bucket: str, operation: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"x")
    etag = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")["ETag"]
    complete = _prepared(s3, s3_bucket, "k", b"upload")
    writes: dict[str, Callable[..., Any]] = {
        "put": lambda **c: s3.put_object(Bucket=s3_bucket, Key="k", Body=b"y", **c),
        "copy": lambda **c: s3.copy_object(Bucket=s3_bucket, Key="k", CopySource=f"{s3_bucket}/src", **c),
        "complete": complete,
    }
    write = writes[operation]
    refused = "We don't accept the provided value of {} header for this API"
    # even on a key that does not exist: these are refused before the key is looked at
    for conditions, header, message in (
        ({"IfNoneMatch": etag}, "If-None-Match", refused.format("If-None-Match")),
        ({"IfMatch": "*"}, "If-Match", refused.format("If-Match")),
        (
            {"IfNoneMatch": "*", "IfMatch": etag},
            "If-Match,If-None-Match",
            "Multiple conditional request headers present in the request",
        ),
    ):
        with pytest.raises(ClientError) as excinfo:
            write(**conditions)
        assert _not_implemented(excinfo) == ("NotImplemented", 501, header, message)
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"x"


def test_racing_creates_have_one_winner(pooled: S3Client, s3_bucket: str) -> None:
    bodies = [f"writer {i}".encode() for i in range(THREADS)]
    calls: list[Callable[[], Any]] = [
        lambda body=body: pooled.put_object(Bucket=s3_bucket, Key="k", Body=body, IfNoneMatch="*")  # type: ignore[misc]  # default binds the loop value
        for body in bodies
    ]
    assert _race(calls) == Counter({"ok": 1, "PreconditionFailed 412": THREADS - 1})
    assert pooled.get_object(Bucket=s3_bucket, Key="k")["Body"].read() in bodies


def test_racing_compare_and_swap_has_one_winner(pooled: S3Client, s3_bucket: str) -> None:
    etag = pooled.put_object(Bucket=s3_bucket, Key="k", Body=b"start")["ETag"]
    bodies = [f"writer {i}".encode() for i in range(THREADS)]
    calls: list[Callable[[], Any]] = [
        lambda body=body: pooled.put_object(Bucket=s3_bucket, Key="k", Body=body, IfMatch=etag)  # type: ignore[misc]  # default binds the loop value
        for body in bodies
    ]
    assert _race(calls) == Counter({"ok": 1, "PreconditionFailed 412": THREADS - 1})
    assert pooled.get_object(Bucket=s3_bucket, Key="k")["Body"].read() in bodies


# --- CopyObject ----------------------------------------------------------------------------------


def test_copy_conditions_on_the_target(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"source")
    old = s3.put_object(Bucket=s3_bucket, Key="dst", Body=b"target")["ETag"]
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", IfMatch=_etag(b"nope"))
    assert _error(excinfo) == ("PreconditionFailed", 412)
    s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=f"{s3_bucket}/src", IfMatch=old)
    assert s3.get_object(Bucket=s3_bucket, Key="dst")["Body"].read() == b"source"


# --- CompleteMultipartUpload ---------------------------------------------------------------------


def _prepared(s3: S3Client, bucket: str, key: str, body: bytes) -> Callable[..., Any]:
    """An upload with one part, ready to complete: the returned function completes it."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body)["ETag"]

    def complete(**conditions: Any) -> Any:
        return s3.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
            **conditions,
        )

    return complete


def test_complete_if_none_match(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"existing")
    complete = _prepared(s3, s3_bucket, "k", b"from upload")
    with pytest.raises(ClientError) as excinfo:
        complete(IfNoneMatch="*")
    assert _error(excinfo) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"existing"
    # the upload survives the failed condition, but a delete made after it was created conflicts:
    # S3 wants a new upload
    s3.delete_object(Bucket=s3_bucket, Key="k")
    with pytest.raises(ClientError) as excinfo:
        complete(IfNoneMatch="*")
    assert _error(excinfo) == ("ConditionalRequestConflict", 409)
    assert excinfo.value.response["Error"]["Condition"] == "If-None-Match"
    assert excinfo.value.response["Error"]["Key"] == "k"
    _prepared(s3, s3_bucket, "k", b"from upload")(IfNoneMatch="*")
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"from upload"
    # without a condition, a write in between does not matter
    complete = _prepared(s3, s3_bucket, "k", b"unconditional")
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"in between")
    complete()
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"unconditional"


def test_complete_if_none_match_after_a_put_during_the_upload(s3: S3Client, s3_bucket: str) -> None:
    complete = _prepared(s3, s3_bucket, "k", b"from upload")
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"put")
    with pytest.raises(ClientError) as excinfo:
        complete(IfNoneMatch="*")
    # the condition is decided first: the key exists now
    assert _error(excinfo) == ("PreconditionFailed", 412)


def test_complete_if_match(s3: S3Client, s3_bucket: str) -> None:
    missing = _prepared(s3, s3_bucket, "new", b"x")
    with pytest.raises(ClientError) as excinfo:
        missing(IfMatch=_etag(b"x"))
    assert _error(excinfo) == ("NoSuchKey", 404)
    etag = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v1")["ETag"]
    complete = _prepared(s3, s3_bucket, "k", b"v2")
    with pytest.raises(ClientError) as excinfo:
        complete(IfMatch=_etag(b"other"))
    assert _error(excinfo) == ("PreconditionFailed", 412)
    complete(IfMatch=etag)
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v2"


def test_complete_if_match_after_a_write_during_the_upload(s3: S3Client, s3_bucket: str) -> None:
    first = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v1")["ETag"]
    complete = _prepared(s3, s3_bucket, "k", b"from upload")
    # the same bytes again: the ETag matches, yet it is a write after the upload began
    second = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v1")["ETag"]
    assert first == second
    with pytest.raises(ClientError) as excinfo:
        complete(IfMatch=second)
    assert _error(excinfo) == ("ConditionalRequestConflict", 409)
    s3.delete_object(Bucket=s3_bucket, Key="k")
    with pytest.raises(ClientError) as excinfo:
        complete(IfMatch=second)
    assert _error(excinfo) == ("NoSuchKey", 404)
    assert s3.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]


def test_complete_if_match_against_a_multipart_etag(s3: S3Client, s3_bucket: str) -> None:
    first = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v1")["ETag"]
    done = _prepared(s3, s3_bucket, "k", b"v2")(IfMatch=first)
    assert done["ETag"].endswith('-1"')
    complete = _prepared(s3, s3_bucket, "k", b"v3")
    with pytest.raises(ClientError) as excinfo:
        complete(IfMatch=first)
    assert _error(excinfo) == ("PreconditionFailed", 412)
    complete(IfMatch=done["ETag"])
    assert s3.get_object(Bucket=s3_bucket, Key="k")["Body"].read() == b"v3"


def test_racing_completes_have_one_winner(pooled: S3Client, s3_bucket: str) -> None:
    for round_ in range(3):
        key = f"k{round_}"
        bodies = [f"upload {i}".encode() for i in range(4)]
        completes = [_prepared(pooled, s3_bucket, key, body) for body in bodies]
        calls: list[Callable[[], Any]] = [
            lambda complete=complete: complete(IfNoneMatch="*")  # type: ignore[misc]  # default binds the loop value
            for complete in completes
        ]
        assert _race(calls) == Counter({"ok": 1, "PreconditionFailed 412": 3})
        assert pooled.get_object(Bucket=s3_bucket, Key=key)["Body"].read() in bodies


def test_racing_put_and_complete_have_one_winner(pooled: S3Client, s3_bucket: str) -> None:
    complete = _prepared(pooled, s3_bucket, "k", b"upload")
    calls: list[Callable[[], Any]] = [
        lambda: complete(IfNoneMatch="*"),
        *[
            lambda i=i: pooled.put_object(Bucket=s3_bucket, Key="k", Body=b"put %d" % i, IfNoneMatch="*")
            for i in range(7)
        ],
    ]
    assert _race(calls) == Counter({"ok": 1, "PreconditionFailed 412": 7})
