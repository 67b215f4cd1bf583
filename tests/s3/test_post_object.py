"""POST Object: the browser form upload that boto3's generate_presigned_post prepares.

Forms without a policy are anonymous: the bucket here lets anyone write (its policy allows
s3:PutObject to everyone). The policy checks are in test_post_policy.py, the access rules in
test_access_post.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit
from xml.etree import ElementTree

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from rawhttp import RawResponse, send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.http_only  # hand-made form uploads: HTTP itself

FileField = tuple[str | None, bytes]


@pytest.fixture
def bucket(s3: S3Client, s3_bucket: str) -> str:
    """A bucket whose policy lets anonymous forms write (Block Public Access off, so it may)."""
    s3.delete_public_access_block(Bucket=s3_bucket)
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{s3_bucket}/*",
    }
    s3.put_bucket_policy(
        Bucket=s3_bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    return s3_bucket


def _form(
    fields: dict[str, str],
    file: FileField | None = ("f.txt", b"content"),
    after: dict[str, str] | None = None,
) -> tuple[bytes, str]:
    """A multipart/form-data body: the fields, then the part named ``file``, then ``after``."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
        for name, value in fields.items()
    ]
    if file is not None:
        filename, data = file
        disposition = 'form-data; name="file"' + (f'; filename="{filename}"' if filename is not None else "")
        parts.append(
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/octet-stream"
            "\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (after or {}).items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(
    s3emu: S3Emulator,
    bucket: str,
    fields: dict[str, str],
    file: FileField | None = ("f.txt", b"content"),
    **kw: Any,
) -> RawResponse:
    body, content_type = _form(fields, file, kw.pop("after", None))
    return send(s3emu, "POST", f"/{bucket}", body, {"Content-Type": kw.pop("content_type", content_type)})


def _presigned_fields(s3: S3Client, bucket: str, key: str, **fields: str) -> dict[str, str]:
    conditions: list[Any] = [{name: value} for name, value in fields.items()]
    post = s3.generate_presigned_post(bucket, key, Fields=fields or None, Conditions=conditions or None)
    assert urlsplit(post["url"]).path == f"/{bucket}"
    return dict(post["fields"])


def test_presigned_post_default_is_204(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    fields = _presigned_fields(s3, bucket, "uploads/${filename}")
    response = _post(s3emu, bucket, fields, ("photo 1.jpg", b"\xff\xd8jpeg bytes"))
    assert (response.status, response.body) == (204, b"")
    etag = '"' + hashlib.md5(b"\xff\xd8jpeg bytes").hexdigest() + '"'
    assert response.headers["etag"] == etag
    assert response.headers["location"].endswith(f"/{bucket}/uploads%2Fphoto%201.jpg")
    got = s3.get_object(Bucket=bucket, Key="uploads/photo 1.jpg")
    assert (got["Body"].read(), got["ETag"], got["ContentType"]) == (
        b"\xff\xd8jpeg bytes",
        etag,
        "binary/octet-stream",
    )


def test_sigv4_post_with_fields(s3emu: S3Emulator, bucket: str) -> None:
    signer = s3emu.client(config=Config(signature_version="s3v4"))
    post = signer.generate_presigned_post(
        bucket,
        "docs/report.csv",
        Fields={"Content-Type": "text/csv", "x-amz-meta-Owner": "Ann", "Cache-Control": "max-age=60"},
        # a field is not in the policy unless a condition names it (botocore leaves that to the caller)
        Conditions=[
            {"Content-Type": "text/csv"},
            ["eq", "$x-amz-meta-owner", "Ann"],
            ["starts-with", "$Cache-Control", "max-age="],
        ],
    )
    assert "x-amz-signature" in post["fields"]
    response = _post(s3emu, bucket, post["fields"], ("report.csv", b"a,b\n"))
    assert response.status == 204
    head = signer.head_object(Bucket=bucket, Key="docs/report.csv")
    assert (head["ContentType"], head["Metadata"], head["CacheControl"]) == (
        "text/csv",
        {"owner": "Ann"},
        "max-age=60",
    )


def test_success_action_status_201_returns_post_response(
    s3emu: S3Emulator, s3: S3Client, bucket: str
) -> None:
    fields = _presigned_fields(s3, bucket, "k/${filename}", success_action_status="201")
    response = _post(s3emu, bucket, fields, ("pré.txt", b"x"))
    assert response.status == 201
    root = ElementTree.fromstring(response.body)
    document = {child.tag: child.text for child in root}
    assert root.tag == "PostResponse"
    assert document["Bucket"] == bucket
    assert document["Key"] == "k/pré.txt"
    assert (
        document["ETag"] == response.headers["etag"] == s3.head_object(Bucket=bucket, Key="k/pré.txt")["ETag"]
    )
    assert document["Location"] == response.headers["location"]
    assert document["Location"].endswith("/k%2Fpr%C3%A9.txt")


def test_success_action_status_200_has_no_body(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    response = _post(s3emu, bucket, {"key": "k", "success_action_status": "200"})
    assert (response.status, response.body) == (200, b"")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"content"


@pytest.mark.parametrize("value", ["404", "202", "nonsense"])
def test_other_success_action_status_is_204(s3emu: S3Emulator, bucket: str, value: str) -> None:
    assert _post(s3emu, bucket, {"key": "k", "success_action_status": value}).status == 204


def test_success_action_redirect(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    response = _post(s3emu, bucket, {"key": "a/b c", "success_action_redirect": "http://app.test/done?x=1"})
    assert (response.status, response.body) == (303, b"")
    location = response.headers["location"]
    assert location.startswith("http://app.test/done?x=1&bucket=")
    query = parse_qs(urlsplit(location).query)
    etag = s3.head_object(Bucket=bucket, Key="a/b c")["ETag"]
    assert (query["bucket"], query["key"], query["etag"]) == ([bucket], ["a/b c"], [etag])
    assert "key=a%2Fb+c" in location


def test_relative_redirect_is_ignored(s3emu: S3Emulator, bucket: str) -> None:
    assert _post(s3emu, bucket, {"key": "k", "success_action_redirect": "/relative"}).status == 204


def test_filename_placeholder_without_a_filename_is_kept(
    s3emu: S3Emulator, s3: S3Client, bucket: str
) -> None:
    assert _post(s3emu, bucket, {"key": "f-${filename}"}, (None, b"data")).status == 204
    assert s3.get_object(Bucket=bucket, Key="f-${filename}")["Body"].read() == b"data"


def test_fields_are_case_insensitive_and_those_after_the_file_ignored(
    s3emu: S3Emulator, s3: S3Client, bucket: str
) -> None:
    response = _post(
        s3emu,
        bucket,
        {"Key": "k", "CONTENT-TYPE": "text/plain", "X-Amz-Meta-Color": "red"},
        after={"x-amz-meta-late": "ignored", "success_action_status": "201"},
    )
    assert response.status == 204
    head = s3.head_object(Bucket=bucket, Key="k")
    assert (head["ContentType"], head["Metadata"]) == ("text/plain", {"color": "red"})


def test_tagging_storage_class_and_checksum(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>"
    data = b"checked body"
    fields = {
        "key": "k",
        "tagging": tagging,
        "x-amz-storage-class": "STANDARD_IA",
        "x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
    }
    response = _post(s3emu, bucket, fields, ("k", data))
    assert response.status == 204
    assert response.headers["x-amz-checksum-sha256"] == fields["x-amz-checksum-sha256"]
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "team", "Value": "data"}]
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert (head["StorageClass"], head["ChecksumSHA256"]) == ("STANDARD_IA", fields["x-amz-checksum-sha256"])


def test_checksum_mismatch_stores_nothing(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    response = _post(s3emu, bucket, {"key": "k", "x-amz-checksum-sha256": wrong})
    assert response.status == 400
    assert response.error()["Code"] == "BadDigest"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_large_file_streams_through(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    data = bytes(range(256)) * 12_000 + b"\r\n--not-the-boundary\r\n" * 10  # ~3 MB
    assert _post(s3emu, bucket, {"key": "big"}, ("big.bin", data)).status == 204
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == data


def test_not_multipart_is_412(s3emu: S3Emulator, bucket: str) -> None:
    response = send(
        s3emu, "POST", f"/{bucket}", b"key=k", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 412
    error = response.error()
    assert error["Code"] == "PreconditionFailed"
    assert error["Condition"] == "Bucket POST must be of the enclosure-type multipart/form-data"


def test_multipart_without_boundary_is_malformed(s3emu: S3Emulator, bucket: str) -> None:
    response = send(s3emu, "POST", f"/{bucket}", b"x", {"Content-Type": "multipart/form-data"})
    assert (response.status, response.error()["Code"]) == (400, "MalformedPOSTRequest")


def test_truncated_form_is_malformed(s3emu: S3Emulator, bucket: str) -> None:
    body, content_type = _form({"key": "k"})
    response = send(
        s3emu, "POST", f"/{bucket}", body[: body.index(b"content") + 3], {"Content-Type": content_type}
    )
    assert (response.status, response.error()["Code"]) == (400, "MalformedPOSTRequest")


def test_missing_key(s3emu: S3Emulator, bucket: str) -> None:
    response = _post(s3emu, bucket, {"acl": "private"}, after={"key": "too-late"})
    assert response.status == 400
    error = response.error()
    assert (error["Code"], error["ArgumentName"], error["ArgumentValue"]) == ("InvalidArgument", "key", "")
    assert error["Message"].startswith("Bucket POST must contain a field named 'key'.")


def test_missing_file(s3emu: S3Emulator, bucket: str) -> None:
    response = _post(s3emu, bucket, {"key": "k"}, None)
    assert response.status == 400
    error = response.error()
    assert (error["Code"], error["ArgumentName"], error["ArgumentValue"]) == ("InvalidArgument", "file", "0")


def test_fields_before_the_file_are_limited(s3emu: S3Emulator, bucket: str) -> None:
    response = _post(s3emu, bucket, {"key": "k", "x-amz-meta-big": "x" * 21_000})
    assert response.status == 400
    error = response.error()
    assert (error["Code"], error["MaxPostPreDataLengthBytes"]) == ("MaxPostPreDataLengthExceeded", "20480")


def test_no_such_bucket(s3emu: S3Emulator, bucket_name: str) -> None:
    response = _post(s3emu, bucket_name, {"key": "k"})
    assert (response.status, response.error()["Code"]) == (404, "NoSuchBucket")


def test_virtual_hosted_post(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    body, content_type = _form({"key": "vh", "success_action_status": "201"})
    host = f"{bucket}.localhost:{s3emu.port}"
    response = send(s3emu, "POST", "/", body, {"Content-Type": content_type, "Host": host})
    assert response.status == 201
    assert response.headers["location"] == f"http://{host}/{quote('vh')}"
    assert s3.get_object(Bucket=bucket, Key="vh")["Body"].read() == b"content"


def test_post_to_a_bucket_is_logged_as_post_object(s3emu: S3Emulator, bucket: str) -> None:
    _post(s3emu, bucket, {"key": "k"})
    assert (s3emu.log[-1].operation, s3emu.log[-1].bucket, s3emu.log[-1].status) == (
        "PostObject",
        bucket,
        204,
    )


# --- encryption fields ----------------------------------------------------------------------------

_SSE_KEY = bytes(range(32))
_KMS_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def _key_fields(key: bytes = _SSE_KEY, md5_of: bytes | None = None) -> dict[str, str]:
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(key if md5_of is None else md5_of).digest()
        ).decode(),
    }


def test_post_with_sse_kms_fields(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    context = base64.b64encode(b'{"team": "web"}').decode()
    fields = {
        "key": "kms.txt",
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": _KMS_KEY_ID,
        "x-amz-server-side-encryption-context": context,
        "x-amz-server-side-encryption-bucket-key-enabled": "true",
    }
    response = _post(s3emu, bucket, fields, ("f.txt", b"kms body"))
    arn = f"arn:aws:kms:{s3.meta.region_name}:123456789012:key/{_KMS_KEY_ID}"
    assert response.status == 204
    assert response.headers["x-amz-server-side-encryption"] == "aws:kms"
    assert response.headers["x-amz-server-side-encryption-aws-kms-key-id"] == arn
    assert response.headers["x-amz-server-side-encryption-context"] == context
    assert response.headers["x-amz-server-side-encryption-bucket-key-enabled"] == "true"
    assert response.headers["etag"] != '"' + hashlib.md5(b"kms body").hexdigest() + '"'
    head = s3.head_object(Bucket=bucket, Key="kms.txt")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"], head["BucketKeyEnabled"]) == (
        "aws:kms",
        arn,
        True,
    )
    assert head["ETag"] == response.headers["etag"]


def test_post_with_sse_s3_and_dsse_fields(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    response = _post(s3emu, bucket, {"key": "s3.txt", "x-amz-server-side-encryption": "AES256"})
    assert (response.status, response.headers["x-amz-server-side-encryption"]) == (204, "AES256")
    response = _post(s3emu, bucket, {"key": "dsse.txt", "x-amz-server-side-encryption": "aws:kms:dsse"})
    assert (response.status, response.headers["x-amz-server-side-encryption"]) == (204, "aws:kms:dsse")
    assert s3.head_object(Bucket=bucket, Key="dsse.txt")["ServerSideEncryption"] == "aws:kms:dsse"


def test_post_with_sse_c_fields(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    response = _post(s3emu, bucket, {"key": "c.txt", **_key_fields()}, ("f.txt", b"secret"))
    assert response.status == 204
    assert response.headers["x-amz-server-side-encryption-customer-algorithm"] == "AES256"
    md5 = base64.b64encode(hashlib.md5(_SSE_KEY).digest()).decode()
    assert response.headers["x-amz-server-side-encryption-customer-key-md5"] == md5
    assert "x-amz-server-side-encryption" not in response.headers
    got = s3.get_object(Bucket=bucket, Key="c.txt", SSECustomerAlgorithm="AES256", SSECustomerKey=_SSE_KEY)
    assert got["Body"].read() == b"secret"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c.txt")
    error: Any = excinfo.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidRequest", 400)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"x-amz-server-side-encryption-aws-kms-key-id": _KMS_KEY_ID},
            (400, "InvalidArgument"),
        ),
        ({"x-amz-server-side-encryption": "aws:nope"}, (400, "InvalidArgument")),
        (
            {
                "x-amz-server-side-encryption-aws-kms-key-id": "nope",
                "x-amz-server-side-encryption": "aws:kms",
            },
            (400, "KMS.NotFoundException"),
        ),
        (_key_fields(md5_of=b"another key"), (400, "InvalidArgument")),
        ({**_key_fields(), "x-amz-server-side-encryption": "AES256"}, (400, "InvalidArgument")),
        (
            {**_key_fields(), "x-amz-server-side-encryption-customer-algorithm": "AES128"},
            (400, "InvalidEncryptionAlgorithmError"),
        ),
    ],
    ids=[
        "kms-key-without-kms",
        "unknown-algorithm",
        "unknown-kms-key",
        "key-md5-mismatch",
        "sse-c-with-sse-s3",
        "sse-c-aes128",
    ],
)
def test_post_encryption_fields_are_validated_as_put_object(
    s3emu: S3Emulator, s3: S3Client, bucket: str, fields: dict[str, str], expected: tuple[int, str]
) -> None:
    response = _post(s3emu, bucket, {"key": "bad.txt", **fields})
    assert (response.status, response.error()["Code"]) == expected
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_post_with_sse_c_to_a_bucket_that_blocks_it(s3emu: S3Emulator, s3: S3Client, bucket: str) -> None:
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                    "BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]},
                }
            ]
        },
    )
    response = _post(s3emu, bucket, {"key": "c.txt", **_key_fields()})
    assert (response.status, response.error()["Code"]) == (403, "AccessDenied")
    assert _post(s3emu, bucket, {"key": "plain.txt"}).status == 204
