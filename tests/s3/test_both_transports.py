"""Both transports: each test here runs on the one its id names, and both give botocore the same answers."""

from __future__ import annotations

import io
import logging
import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# what differs from one answer to the next whatever the transport
_VOLATILE = {"x-amz-request-id", "x-amz-id-2", "date", "last-modified"}


def _http_requests(caplog: pytest.LogCaptureFixture, bucket: str) -> int:
    # the HTTP front end logs one DEBUG line per request it answered, after answering: a line of the
    # previous test's last request can land here, so count only the requests naming this bucket
    return sum(
        1
        for r in caplog.records
        if r.name == "pytest_s3emu.httpserver" and '"' in r.getMessage() and bucket in r.getMessage()
    )


def test_the_transport_in_the_test_id_is_used(
    s3: S3Client, s3emu: S3Emulator, s3_bucket: str, _s3emu_transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pytest_s3emu.httpserver")
    assert s3emu.transport == _s3emu_transport
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"v")
    boto3.client("s3").get_object(Bucket=s3_bucket, Key="k")["Body"].read()
    assert [call.operation for call in s3emu.log][-2:] == ["PutObject", "GetObject"]
    assert (_http_requests(caplog, s3_bucket) > 0) == (_s3emu_transport == "http")


def _comparable(response: dict[str, Any]) -> dict[str, Any]:
    found = dict(response)
    metadata = dict(found.pop("ResponseMetadata"))
    metadata.pop("RequestId", None)
    metadata.pop("HostId", None)
    headers = {k: v for k, v in metadata.pop("HTTPHeaders").items() if k not in _VOLATILE}
    found.pop("LastModified", None)
    if "Body" in found:
        found["Body"] = found["Body"].read()
    if "Contents" in found:
        found["Contents"] = [{k: v for k, v in c.items() if k != "LastModified"} for c in found["Contents"]]
    return {**found, "metadata": metadata, "headers": headers}


# each transport writes its own keys; prefixes of one length keep the documents' sizes equal
_PREFIXES = {"http": "t1", "inprocess": "t2"}


def _both(emulator: S3Emulator, call: Any) -> list[dict[str, Any]]:
    """The answers to ``call(prefix)`` over each transport, its own key prefix masked as "tX"."""
    answers = []
    for transport, prefix in _PREFIXES.items():
        emulator.transport = transport
        try:
            answer = _comparable(call(prefix))
        except ClientError as error:
            answer = _comparable(error.response)  # type: ignore[arg-type]  # a parsed error dict
        answers.append(_replace(answer, f"{prefix}/", "tX/"))
    return answers


@pytest.mark.http_only  # it switches the transport itself
def test_both_transports_answer_alike(s3emu: S3Emulator) -> None:
    client = s3emu.client()
    bucket = f"alike-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    data = bytes(range(256)) * 40
    small = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    calls: dict[str, Any] = {
        "put": lambda t: client.put_object(Bucket=bucket, Key=f"{t}/k", Body=data, Metadata={"a": "b"}),
        "put file": lambda t: client.put_object(Bucket=bucket, Key=f"{t}/f", Body=io.BytesIO(data)),
        "get": lambda t: client.get_object(Bucket=bucket, Key=f"{t}/k", ChecksumMode="ENABLED"),
        "range": lambda t: client.get_object(Bucket=bucket, Key=f"{t}/k", Range="bytes=5-300"),
        "head": lambda t: client.head_object(Bucket=bucket, Key=f"{t}/k"),
        "no key": lambda t: client.get_object(Bucket=bucket, Key=f"{t}/missing"),
        "head no key": lambda t: client.head_object(Bucket=bucket, Key=f"{t}/missing"),
        "not modified": lambda t: client.get_object(Bucket=bucket, Key=f"{t}/k", IfNoneMatch="*"),
        "list": lambda t: client.list_objects_v2(Bucket=bucket, Prefix=f"{t}/"),
        "delete": lambda t: client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"{t}/f"}]}),
    }
    for name, call in calls.items():
        over_http, in_process = _both(s3emu, call)
        assert in_process == over_http, name
    for transport, prefix in _PREFIXES.items():
        s3emu.transport = transport
        big = io.BytesIO(b"m" * (11 * 1024 * 1024))
        client.upload_fileobj(big, bucket, f"{prefix}/multi", Config=small)
        sink = io.BytesIO()
        client.download_fileobj(bucket, f"{prefix}/multi", sink, Config=small)
        assert sink.getvalue() == big.getvalue()
    over_http, in_process = _both(s3emu, lambda t: client.head_object(Bucket=bucket, Key=f"{t}/multi"))
    assert in_process == over_http
    s3emu.transport = "http"


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    return value
