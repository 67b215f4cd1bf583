"""DeleteObjects end to end: many keys at once, quiet mode, errors, required body checksum."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import XMLNS, send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _keys(s3: S3Client, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _put(s3: S3Client, bucket: str, keys: list[str]) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())


def _objects(keys: list[str]) -> Any:
    return [{"Key": key} for key in keys]


def test_delete_several_keys(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b", "c", "keep"])
    response = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": _objects(["a", "b", "c", "never-was"])})
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    # a key that does not exist is reported deleted too, as DeleteObject answers 204 for it
    assert sorted(d["Key"] for d in response["Deleted"]) == ["a", "b", "c", "never-was"]
    assert "Errors" not in response
    assert _keys(s3, s3_bucket) == ["keep"]


def test_quiet_mode_reports_only_errors(s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b"])
    response = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": _objects(["a", "b"]), "Quiet": True})
    assert "Deleted" not in response
    assert "Errors" not in response
    assert _keys(s3, s3_bucket) == []


def test_awkward_keys(s3: S3Client, s3_bucket: str) -> None:
    keys = ["  spaced  ", "a&b<c>d", "ünï/cødé", "per%20cent", "tab\there", "trailing/"]
    _put(s3, s3_bucket, [*keys, "keep"])
    response = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": _objects(keys)})
    assert sorted(d["Key"] for d in response["Deleted"]) == sorted(keys)
    assert _keys(s3, s3_bucket) == ["keep"]


def test_one_thousand_keys_at_most(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["k0", "k999"])
    thousand = [f"k{i}" for i in range(1000)]
    response = s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": _objects(thousand), "Quiet": True})
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _keys(s3, s3_bucket) == []
    _put(s3, s3_bucket, ["k0"])
    with pytest.raises(ClientError) as excinfo:
        s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": _objects([f"k{i}" for i in range(1001)])})
    assert _error(excinfo) == ("MalformedXML", 400)
    assert _keys(s3, s3_bucket) == ["k0"]  # nothing was deleted


def test_no_keys_is_malformed(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.delete_objects(Bucket=s3_bucket, Delete={"Objects": []})
    assert _error(excinfo) == ("MalformedXML", 400)


def test_missing_bucket(s3: S3Client, bucket_name: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.delete_objects(Bucket=bucket_name, Delete={"Objects": _objects(["a"])})
    assert _error(excinfo) == ("NoSuchBucket", 404)


# --- raw requests: body checksums and malformed documents -----------------------------------------


def _document(keys: list[str], quiet: bool = False) -> bytes:
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in keys)
    quiet_element = "<Quiet>true</Quiet>" if quiet else ""
    return f'<Delete xmlns="{XMLNS[1:-1]}">{quiet_element}{objects}</Delete>'.encode()


def _md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def _post(s3emu: S3Emulator, bucket: str, body: bytes, headers: dict[str, str]) -> Any:
    return send(s3emu, "POST", f"/{bucket}?delete", body, headers)


def test_raw_delete_with_content_md5(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a", "b"])
    body = _document(["a"])
    response = _post(s3emu, s3_bucket, body, {"Content-MD5": _md5(body)})
    assert response.status == 200
    root = ElementTree.fromstring(response.body)
    assert root.tag == f"{XMLNS}DeleteResult"
    assert [e.text for e in root.iterfind(f"{XMLNS}Deleted/{XMLNS}Key")] == ["a"]
    assert _keys(s3, s3_bucket) == ["b"]


def test_raw_delete_with_a_flexible_checksum(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a"])
    body = _document(["a"], quiet=True)
    checksum = base64.b64encode(hashlib.sha256(body).digest()).decode()
    response = _post(s3emu, s3_bucket, body, {"x-amz-checksum-sha256": checksum})
    assert response.status == 200
    assert ElementTree.fromstring(response.body).find(f"{XMLNS}Deleted") is None
    assert _keys(s3, s3_bucket) == []


def test_raw_delete_needs_a_body_checksum(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a"])
    response = _post(s3emu, s3_bucket, _document(["a"]), {})
    assert response.status == 400
    assert response.error()["Code"] == "InvalidRequest"
    assert _keys(s3, s3_bucket) == ["a"]


def test_raw_delete_with_a_wrong_content_md5(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    _put(s3, s3_bucket, ["a"])
    body = _document(["a"])
    response = _post(s3emu, s3_bucket, body, {"Content-MD5": _md5(b"something else")})
    assert response.status == 400
    assert response.error()["Code"] == "BadDigest"
    assert _keys(s3, s3_bucket) == ["a"]


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<Delete><Object><Key>a</Key></Object>",  # unclosed
        b"<Remove><Object><Key>a</Key></Object></Remove>",  # wrong root
        b"<Delete><Object><Name>a</Name></Object></Delete>",  # unknown element
        b"<Delete><Object></Object></Delete>",  # an object without its required key
        b"<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>",
        b"<Delete></Delete>",
        b"",
    ],
)
def test_raw_malformed_documents(s3emu: S3Emulator, s3: S3Client, s3_bucket: str, body: bytes) -> None:
    _put(s3, s3_bucket, ["a"])
    response = _post(s3emu, s3_bucket, body, {"Content-MD5": _md5(body)})
    assert response.status == 400
    assert response.error()["Code"] == "MalformedXML"
    assert _keys(s3, s3_bucket) == ["a"]
