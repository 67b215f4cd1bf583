"""Server-side encryption end to end: SSE-C keys, SSE-KMS key ids, header conflicts, multipart."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from rawhttp import send
from sse_support import (
    ACCOUNT,
    KEY,
    KEY_ID,
    MIN_PART,
    OTHER_KEY,
    b64_md5,
    client_error,
    kms_arn,
    set_bucket_default,
    sse_c,
    sse_c_encoded,
)

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

STORED_WITH_SSE_C = (
    "The object was stored using a form of Server Side Encryption. The correct parameters must be "
    "provided to retrieve the object."
)


# --- SSE-C ----------------------------------------------------------------------------------------


def test_sse_c_object_reads_back_with_its_key(s3: S3Client, s3_bucket: str) -> None:
    put = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"secret data", **sse_c())
    assert (put["SSECustomerAlgorithm"], put["SSECustomerKeyMD5"]) == ("AES256", b64_md5(KEY))
    assert "ServerSideEncryption" not in put  # S3 names SSE-C only
    got = s3.get_object(Bucket=s3_bucket, Key="k", **sse_c())
    assert got["Body"].read() == b"secret data"
    assert (got["SSECustomerAlgorithm"], got["SSECustomerKeyMD5"]) == ("AES256", b64_md5(KEY))
    head = s3.head_object(Bucket=s3_bucket, Key="k", **sse_c())
    assert head["SSECustomerKeyMD5"] == b64_md5(KEY) and "ServerSideEncryption" not in head
    ranged = s3.get_object(Bucket=s3_bucket, Key="k", Range="bytes=0-5", **sse_c())
    assert ranged["Body"].read() == b"secret"
    part = s3.get_object(Bucket=s3_bucket, Key="k", PartNumber=1, **sse_c())
    assert part["Body"].read() == b"secret data"
    attributes = s3.get_object_attributes(
        Bucket=s3_bucket, Key="k", ObjectAttributes=["ObjectSize"], **sse_c_encoded()
    )
    assert attributes["ObjectSize"] == 11
    # DeleteObject needs no key
    assert s3.delete_object(Bucket=s3_bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204


@pytest.mark.parametrize(
    "read",
    [
        lambda s3, b, **kw: s3.get_object(Bucket=b, Key="k", **kw),
        lambda s3, b, **kw: s3.get_object(Bucket=b, Key="k", Range="bytes=0-1", **kw),
        lambda s3, b, **kw: s3.get_object(Bucket=b, Key="k", PartNumber=1, **kw),
        lambda s3, b, **kw: s3.head_object(Bucket=b, Key="k", **kw),
    ],
    ids=["get", "ranged", "part", "head"],
)
def test_sse_c_object_refuses_reads_without_or_with_another_key(
    s3: S3Client, s3_bucket: str, read: Any
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"secret data", **sse_c())
    with pytest.raises(ClientError) as excinfo:
        read(s3, s3_bucket)
    code, status, _ = client_error(excinfo)
    assert status == 400 and code in ("InvalidRequest", "400")  # HEAD answers have no body
    with pytest.raises(ClientError) as excinfo:
        read(s3, s3_bucket, **sse_c(OTHER_KEY))
    code, status, _ = client_error(excinfo)
    assert status == 403 and code in ("AccessDenied", "403")


def test_sse_c_errors_carry_aws_messages(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", **sse_c())
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k")
    assert client_error(excinfo) == ("InvalidRequest", 400, STORED_WITH_SSE_C)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k", **sse_c(OTHER_KEY))
    assert client_error(excinfo) == (
        "AccessDenied",
        403,
        "Requests specifying Server Side Encryption with Customer provided keys must provide the correct "
        "secret key.",
    )
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=s3_bucket, Key="k", ObjectAttributes=["ETag"])
    assert client_error(excinfo) == ("InvalidRequest", 400, STORED_WITH_SSE_C)
    s3.put_object(Bucket=s3_bucket, Key="plain", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="plain", **sse_c())
    assert client_error(excinfo) == (
        "InvalidRequest",
        400,
        "The encryption parameters are not applicable to this object.",
    )


_PROVIDE = "Requests specifying Server Side Encryption with Customer provided keys must provide "


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            {"SSECustomerAlgorithm": "AES128", "SSECustomerKey": KEY},
            (
                "InvalidEncryptionAlgorithmError",
                400,
                "The Encryption request you specified is not valid. Supported value: AES256.",
            ),
        ),
        ({"SSECustomerKey": KEY}, ("InvalidArgument", 400, _PROVIDE + "a valid encryption algorithm.")),
        (
            {"SSECustomerAlgorithm": "AES256"},
            ("InvalidArgument", 400, _PROVIDE + "an appropriate secret key."),
        ),
        (
            {**sse_c_encoded(), "SSECustomerKeyMD5": b64_md5(OTHER_KEY)},
            (
                "InvalidArgument",
                400,
                "The calculated MD5 hash of the key did not match the hash that was provided.",
            ),
        ),
        (
            {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": KEY[:16]},
            ("InvalidArgument", 400, "The secret key was invalid for the specified algorithm."),
        ),
        (
            {**sse_c(), "ServerSideEncryption": "AES256"},
            (
                "InvalidArgument",
                400,
                "Server Side Encryption with Customer provided key is incompatible with the encryption "
                "method specified",
            ),
        ),
    ],
    ids=["algorithm", "no-algorithm", "no-key", "md5-mismatch", "short-key", "with-sse-s3"],
)
def test_sse_c_write_validation(s3: S3Client, s3_bucket: str, arguments: Any, expected: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", **arguments)
    assert client_error(excinfo) == expected
    with pytest.raises(ClientError) as excinfo:
        s3.create_multipart_upload(Bucket=s3_bucket, Key="k", **arguments)
    assert client_error(excinfo) == expected


@pytest.mark.http_only
def test_sse_c_without_key_md5_is_refused(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    # botocore always computes the MD5, so the header is left out by hand
    headers = {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY).decode(),
    }
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", b"x", headers)
    error = response.error()
    assert (response.status, error["Code"]) == (400, "InvalidArgument")
    assert error["Message"] == _PROVIDE + "the client calculated MD5 of the secret key."


def test_sse_c_key_is_kept_only_as_a_salted_hash(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="a", Body=b"x", **sse_c())
    s3.put_object(Bucket=s3_bucket, Key="b", Body=b"x", **sse_c())
    bucket = s3emu.app.store.bucket(s3_bucket)
    kept = [repr(bucket.objects[key].headers) for key in ("a", "b")]
    for text in kept:
        assert base64.b64encode(KEY).decode() not in text and repr(KEY) not in text
        assert KEY.hex() not in text
    hashes = [bucket.objects[key].headers["_SSECustomerKeyHMAC"] for key in ("a", "b")]
    assert hashes[0] != hashes[1]  # salted: the same key leaves different traces


def test_sse_c_multipart_parts_carry_the_upload_key(s3: S3Client, s3_bucket: str) -> None:
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="m", **sse_c())
    assert (upload["SSECustomerAlgorithm"], upload["SSECustomerKeyMD5"]) == ("AES256", b64_md5(KEY))
    uid = upload["UploadId"]
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"a")
    assert client_error(excinfo)[:2] == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"a", **sse_c(OTHER_KEY))
    assert client_error(excinfo) == (
        "InvalidRequest",
        400,
        "The provided encryption parameters did not match the ones used originally.",
    )
    first = s3.upload_part(
        Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"a" * MIN_PART, **sse_c()
    )
    assert first["SSECustomerKeyMD5"] == b64_md5(KEY)
    second = s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=2, Body=b"b", **sse_c())
    parts = [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    assert "ServerSideEncryption" not in done
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="m", **sse_c(OTHER_KEY))
    assert client_error(excinfo)[:2] == ("AccessDenied", 403)
    assert s3.get_object(Bucket=s3_bucket, Key="m", PartNumber=2, **sse_c())["Body"].read() == b"b"


def test_plain_upload_refuses_sse_c_parts(s3: S3Client, s3_bucket: str) -> None:
    uid = s3.create_multipart_upload(Bucket=s3_bucket, Key="m")["UploadId"]
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"a", **sse_c())
    assert client_error(excinfo) == (
        "InvalidRequest",
        400,
        "The multipart upload initiate requested encryption. Subsequent part requests must include the "
        "appropriate encryption parameters.",
    )


def test_copy_from_sse_c_source_needs_the_source_key(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"x", **sse_c())
    source = {"Bucket": s3_bucket, "Key": "src"}
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=source)
    assert client_error(excinfo) == ("InvalidRequest", 400, STORED_WITH_SSE_C)
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(
            Bucket=s3_bucket,
            Key="dst",
            CopySource=source,
            CopySourceSSECustomerAlgorithm="AES256",
            CopySourceSSECustomerKey=OTHER_KEY,  # type: ignore[arg-type]  # botocore encodes bytes too
        )
    assert client_error(excinfo)[:2] == ("AccessDenied", 403)
    uid = s3.create_multipart_upload(Bucket=s3_bucket, Key="m")["UploadId"]
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part_copy(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, CopySource=source)
    assert client_error(excinfo) == ("InvalidRequest", 400, STORED_WITH_SSE_C)


# --- SSE-KMS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "resource"),
    [
        (KEY_ID, f"key/{KEY_ID}"),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", "key/mrk-1234abcd12ab34cd56ef1234567890ab"),
        (f"arn:aws:kms:{{region}}:{ACCOUNT}:key/{KEY_ID}", f"key/{KEY_ID}"),
    ],
    ids=["key-id", "multi-region-key-id", "key-arn"],
)
def test_kms_key_is_reported_as_its_arn(s3: S3Client, s3_bucket: str, given: str, resource: str) -> None:
    key_id = given.format(region=s3.meta.region_name)
    put = s3.put_object(
        Bucket=s3_bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id
    )
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"]) == ("aws:kms", kms_arn(s3, resource))
    assert "BucketKeyEnabled" not in put  # S3 leaves it out when false
    head = s3.head_object(Bucket=s3_bucket, Key="k")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", kms_arn(s3, resource))
    got = s3.get_object(Bucket=s3_bucket, Key="k")
    assert got["SSEKMSKeyId"] == kms_arn(s3, resource)


def test_kms_alias_and_default_key_resolve_to_stable_key_arns(s3: S3Client, s3_bucket: str) -> None:
    def key_of(**arguments: Any) -> str:
        put = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms", **arguments)
        return put["SSEKMSKeyId"]

    alias = key_of(SSEKMSKeyId="alias/my-key")
    assert alias.startswith(kms_arn(s3, "key/")) and alias == key_of(SSEKMSKeyId="alias/my-key")
    assert key_of(SSEKMSKeyId=kms_arn(s3, "alias/my-key")) == alias
    assert key_of(SSEKMSKeyId="alias/other") != alias
    managed = key_of()  # no key: the AWS managed key aws/s3
    assert managed.startswith(kms_arn(s3, "key/")) and managed == key_of(SSEKMSKeyId="alias/aws/s3")


@pytest.mark.parametrize(
    ("key_id", "message"),
    [
        ("fake-key-id", "Invalid keyId 'fake-key-id'"),
        (f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{KEY_ID}", "Invalid arn us-west-2"),
    ],
    ids=["malformed", "other-region"],
)
def test_unknown_kms_key_is_refused(s3: S3Client, s3_bucket: str, key_id: str, message: str) -> None:
    if s3.meta.region_name == "us-west-2":
        pytest.skip("the other-region case needs a bucket outside us-west-2")
    for call in (s3.put_object, s3.create_multipart_upload):
        with pytest.raises(ClientError) as excinfo:
            call(Bucket=s3_bucket, Key="k", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)  # type: ignore[operator]  # both take these
        assert client_error(excinfo) == ("KMS.NotFoundException", 400, message)


def test_kms_bucket_key_and_context(s3: S3Client, s3_bucket: str) -> None:
    context = base64.b64encode(json.dumps({"team": "storage"}).encode()).decode()
    put = s3.put_object(
        Bucket=s3_bucket,
        Key="k",
        Body=b"x",
        ServerSideEncryption="aws:kms",
        BucketKeyEnabled=True,
        SSEKMSEncryptionContext=context,
    )
    assert (put["BucketKeyEnabled"], put["SSEKMSEncryptionContext"]) == (True, context)
    head = s3.head_object(Bucket=s3_bucket, Key="k")
    assert head["BucketKeyEnabled"] is True
    assert "SSEKMSEncryptionContext" not in head  # GET and HEAD never return the context
    not_json = base64.b64encode(b"not json").decode()
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(
            Bucket=s3_bucket,
            Key="k",
            Body=b"x",
            ServerSideEncryption="aws:kms",
            SSEKMSEncryptionContext=not_json,
        )
    assert client_error(excinfo)[:2] == ("InvalidArgument", 400)


def test_bucket_default_kms_with_bucket_key_applies_to_writes(s3: S3Client, s3_bucket: str) -> None:
    set_bucket_default(s3, s3_bucket, "aws:kms", KEY_ID, bucket_key=True)
    arn = kms_arn(s3, f"key/{KEY_ID}")
    uid = s3.create_multipart_upload(Bucket=s3_bucket, Key="m")["UploadId"]
    part = s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"p")
    assert (part["ServerSideEncryption"], part["SSEKMSKeyId"], part["BucketKeyEnabled"]) == (
        "aws:kms",
        arn,
        True,
    )
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="m",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert (done["ServerSideEncryption"], done["SSEKMSKeyId"], done["BucketKeyEnabled"]) == (
        "aws:kms",
        arn,
        True,
    )
    # a request naming aws:kms without a key or the bucket key header: aws/s3, with the bucket's Bucket Key
    own = s3.put_object(Bucket=s3_bucket, Key="own", Body=b"x", ServerSideEncryption="aws:kms")
    assert own["SSEKMSKeyId"] != arn and own["BucketKeyEnabled"] is True
    # and the copy of an SSE-C object takes the bucket's default
    s3.put_object(Bucket=s3_bucket, Key="c", Body=b"x", **sse_c())
    copied = s3.copy_object(
        Bucket=s3_bucket,
        Key="d",
        CopySource={"Bucket": s3_bucket, "Key": "c"},
        CopySourceSSECustomerAlgorithm="AES256",
        CopySourceSSECustomerKey=KEY,  # type: ignore[arg-type]  # botocore encodes bytes too
    )
    assert (copied["ServerSideEncryption"], copied["SSEKMSKeyId"], copied["BucketKeyEnabled"]) == (
        "aws:kms",
        arn,
        True,
    )
    assert s3.get_object(Bucket=s3_bucket, Key="d")["Body"].read() == b"x"


def test_bucket_default_with_an_unknown_key_fails_on_write(s3: S3Client, s3_bucket: str) -> None:
    # S3 does not check the key of PutBucketEncryption; the writes find out
    set_bucket_default(s3, s3_bucket, "aws:kms", "aws/s3")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    assert client_error(excinfo) == ("KMS.NotFoundException", 400, "Invalid keyId aws/s3")


def test_delete_bucket_encryption_brings_back_sse_s3(s3: S3Client, s3_bucket: str) -> None:
    default = {
        "Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
        ]
    }
    assert s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"] == default
    set_bucket_default(s3, s3_bucket, "aws:kms")
    assert s3.delete_bucket_encryption(Bucket=s3_bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"] == default
    assert s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")["ServerSideEncryption"] == "AES256"


# --- conflicts and validation ---------------------------------------------------------------------

_KMS_NEEDS_HEADER = (
    "Server Side Encryption with AWS KMS managed key requires HTTP header "
    "x-amz-server-side-encryption : aws:kms"
)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"SSEKMSKeyId": KEY_ID}, _KMS_NEEDS_HEADER),
        ({"ServerSideEncryption": "AES256", "SSEKMSKeyId": KEY_ID}, _KMS_NEEDS_HEADER),
        ({"ServerSideEncryption": "aes:kms"}, "The encryption method specified is not supported"),
        ({**sse_c(), "ServerSideEncryption": "aws:kms"}, None),
    ],
    ids=["kms-key-alone", "kms-key-with-aes256", "unknown-algorithm", "sse-c-with-kms"],
)
def test_conflicting_encryption_headers(
    s3: S3Client, s3_bucket: str, arguments: Any, message: str | None
) -> None:
    source = {"Bucket": s3_bucket, "Key": "src"}
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"x")
    calls = [
        lambda: s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", **arguments),
        lambda: s3.create_multipart_upload(Bucket=s3_bucket, Key="k", **arguments),
        lambda: s3.copy_object(Bucket=s3_bucket, Key="k", CopySource=source, **arguments),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        code, status, text = client_error(excinfo)
        assert (code, status) == ("InvalidArgument", 400)
        assert message is None or text == message


@pytest.mark.http_only
@pytest.mark.parametrize(
    "header",
    [
        ("x-amz-server-side-encryption", "AES256"),
        ("x-amz-server-side-encryption-aws-kms-key-id", KEY_ID),
        ("x-amz-server-side-encryption-bucket-key-enabled", "true"),
    ],
    ids=lambda header: header[0],
)
def test_write_only_encryption_headers_are_refused_on_reads(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str, header: tuple[str, str]
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    response = send(s3emu, "GET", f"/{s3_bucket}/k", headers=dict([header]))
    assert (response.status, response.error()["Code"]) == (400, "InvalidArgument")
    assert send(s3emu, "HEAD", f"/{s3_bucket}/k", headers=dict([header])).status == 400
    assert send(s3emu, "GET", f"/{s3_bucket}/k").status == 200


@pytest.mark.http_only
def test_empty_encryption_header_is_refused(s3emu: S3Emulator, s3_bucket: str) -> None:
    response = send(s3emu, "PUT", f"/{s3_bucket}/k", b"x", {"x-amz-server-side-encryption": ""})
    error = response.error()
    assert (response.status, error["Code"]) == (400, "InvalidArgument")
    assert (error["Message"], error["ArgumentName"]) == (
        "The encryption method specified is not supported",
        "x-amz-server-side-encryption",
    )


def test_an_sse_c_object_copied_onto_itself_with_a_new_key(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"secret", **sse_c())
    s3.copy_object(
        Bucket=s3_bucket,
        Key="k",
        CopySource={"Bucket": s3_bucket, "Key": "k"},
        CopySourceSSECustomerAlgorithm="AES256",
        CopySourceSSECustomerKey=KEY,  # type: ignore[arg-type]  # botocore encodes bytes too
        **sse_c(OTHER_KEY),
    )
    assert s3.get_object(Bucket=s3_bucket, Key="k", **sse_c(OTHER_KEY))["Body"].read() == b"secret"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k", **sse_c())
    assert client_error(excinfo)[:2] == ("AccessDenied", 403)
