"""Server-side encryption, continued: SSE-C multipart completion, ETags, DSSE-KMS, blocked SSE-C."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from sse_support import (
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

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOT_MATCHING = "The provided encryption parameters did not match the ones used originally."
NEEDS_KEY = (
    "The multipart upload initiate requested encryption. Subsequent part requests must include the "
    "appropriate encryption parameters."
)


def _quoted_md5(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


def _sse_c_upload(s3: S3Client, bucket: str, **checksum: Any) -> tuple[str, Any]:
    """An SSE-C upload with two parts uploaded; (upload id, the parts to complete it with)."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key="m", **sse_c(), **checksum)["UploadId"]
    parts: list[dict[str, Any]] = []
    for number, body in ((1, b"a" * MIN_PART), (2, b"b")):
        part = s3.upload_part(
            Bucket=bucket, Key="m", UploadId=uid, PartNumber=number, Body=body, **sse_c(), **checksum
        )
        entry: dict[str, Any] = {"PartNumber": number, "ETag": part["ETag"]}
        entry.update({k: v for k, v in part.items() if k.startswith("Checksum") and k != "ChecksumType"})
        parts.append(entry)
    return uid, parts


# --- SSE-C multipart ------------------------------------------------------------------------------


def test_sse_c_complete_needs_no_key_and_names_no_sse_c(s3: S3Client, s3_bucket: str) -> None:
    uid, parts = _sse_c_upload(s3, s3_bucket)
    listed = s3.list_parts(Bucket=s3_bucket, Key="m", UploadId=uid)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2]
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    assert done["ETag"].endswith('-2"')
    assert not [name for name in done if name.startswith(("SSE", "ServerSide"))]
    assert s3.head_object(Bucket=s3_bucket, Key="m", **sse_c())["SSECustomerKeyMD5"] == b64_md5(KEY)


def test_sse_c_complete_with_the_key_and_with_another(s3: S3Client, s3_bucket: str) -> None:
    uid, parts = _sse_c_upload(s3, s3_bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(
            Bucket=s3_bucket,
            Key="m",
            UploadId=uid,
            MultipartUpload={"Parts": parts},
            **sse_c_encoded(OTHER_KEY),
        )
    assert client_error(excinfo) == ("InvalidRequest", 400, NOT_MATCHING)
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts}, **sse_c_encoded()
    )
    assert done["ETag"].endswith('-2"')


def test_sse_c_key_on_completion_of_a_plain_upload_is_refused(s3: S3Client, s3_bucket: str) -> None:
    uid = s3.create_multipart_upload(Bucket=s3_bucket, Key="m")["UploadId"]
    part = s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"a")
    parts: Any = [{"PartNumber": 1, "ETag": part["ETag"]}]
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(
            Bucket=s3_bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts}, **sse_c_encoded()
        )
    assert client_error(excinfo) == ("InvalidRequest", 400, NEEDS_KEY)


def test_sse_c_upload_with_a_checksum_needs_the_key_to_list_and_complete(
    s3: S3Client, s3_bucket: str
) -> None:
    uid, parts = _sse_c_upload(s3, s3_bucket, ChecksumAlgorithm="SHA256")
    with pytest.raises(ClientError) as excinfo:
        s3.list_parts(Bucket=s3_bucket, Key="m", UploadId=uid)
    assert client_error(excinfo) == ("InvalidRequest", 400, NEEDS_KEY)
    listed = s3.list_parts(Bucket=s3_bucket, Key="m", UploadId=uid, **sse_c_encoded())
    assert [p["ChecksumSHA256"] for p in listed["Parts"]] == [p["ChecksumSHA256"] for p in parts]
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(
            Bucket=s3_bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts}
        )
    assert client_error(excinfo) == ("InvalidRequest", 400, NEEDS_KEY)
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts}, **sse_c_encoded()
    )
    assert done["ChecksumSHA256"].endswith("-2")


def test_upload_part_copy_from_an_sse_c_source_with_its_key(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"source bytes", **sse_c(OTHER_KEY))
    uid = s3.create_multipart_upload(Bucket=s3_bucket, Key="m", **sse_c())["UploadId"]
    copied = s3.upload_part_copy(
        Bucket=s3_bucket,
        Key="m",
        UploadId=uid,
        PartNumber=1,
        CopySource={"Bucket": s3_bucket, "Key": "src"},
        CopySourceSSECustomerAlgorithm="AES256",
        CopySourceSSECustomerKey=OTHER_KEY,  # botocore encodes bytes too
        **sse_c(),
    )
    assert copied["SSECustomerKeyMD5"] == b64_md5(KEY)
    parts: Any = [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]}]
    s3.complete_multipart_upload(Bucket=s3_bucket, Key="m", UploadId=uid, MultipartUpload={"Parts": parts})
    assert s3.get_object(Bucket=s3_bucket, Key="m", **sse_c())["Body"].read() == b"source bytes"
    attributes = s3.get_object_attributes(
        Bucket=s3_bucket, Key="m", ObjectAttributes=["ObjectParts", "ObjectSize"], **sse_c_encoded()
    )
    assert attributes["ObjectSize"] == 12


# --- ETags ----------------------------------------------------------------------------------------


def test_sse_s3_etag_is_the_md5_of_the_data(s3: S3Client, s3_bucket: str) -> None:
    plain = s3.put_object(Bucket=s3_bucket, Key="a", Body=b"data")
    explicit = s3.put_object(Bucket=s3_bucket, Key="b", Body=b"data", ServerSideEncryption="AES256")
    assert plain["ETag"] == explicit["ETag"] == _quoted_md5(b"data")


@pytest.mark.parametrize(
    "arguments",
    [
        {"ServerSideEncryption": "aws:kms"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ID},
        {"ServerSideEncryption": "aws:kms:dsse"},
        sse_c(),
    ],
    ids=["kms-aws-managed", "kms-key", "dsse-kms", "sse-c"],
)
def test_kms_and_sse_c_etags_are_not_the_md5(s3: S3Client, s3_bucket: str, arguments: Any) -> None:
    reads = {k: v for k, v in arguments.items() if k.startswith("SSECustomer")}
    put = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"data", **arguments)
    etag = put["ETag"]
    assert etag != _quoted_md5(b"data")
    assert len(etag) == 34 and int(etag.strip('"'), 16) >= 0  # 32 hex digits, quoted
    # the same data under the same key gets the same ETag; another body or key another one
    assert s3.put_object(Bucket=s3_bucket, Key="k2", Body=b"data", **arguments)["ETag"] == etag
    assert s3.put_object(Bucket=s3_bucket, Key="k3", Body=b"other", **arguments)["ETag"] != etag
    assert s3.put_object(Bucket=s3_bucket, Key="k4", Body=b"data")["ETag"] != etag
    # reads, listings and attributes answer the stored ETag
    assert s3.head_object(Bucket=s3_bucket, Key="k", **reads)["ETag"] == etag
    listed = s3.list_objects_v2(Bucket=s3_bucket, Prefix="k")["Contents"]
    assert [o["ETag"] for o in listed if o["Key"] == "k"] == [etag]
    # conditional requests compare the stored ETag, not the MD5
    assert s3.get_object(Bucket=s3_bucket, Key="k", IfMatch=etag, **reads)["Body"].read() == b"data"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=s3_bucket, Key="k", IfMatch=_quoted_md5(b"data"), **reads)
    assert client_error(excinfo)[:2] == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new", IfMatch=_quoted_md5(b"data"), **arguments)
    assert client_error(excinfo)[:2] == ("PreconditionFailed", 412)
    s3.put_object(Bucket=s3_bucket, Key="k", Body=b"new", IfMatch=etag, **arguments)


def test_content_md5_is_checked_against_the_data_of_encrypted_writes(s3: S3Client, s3_bucket: str) -> None:
    for arguments in ({"ServerSideEncryption": "aws:kms"}, sse_c()):
        put = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"data", ContentMD5=b64_md5(b"data"), **arguments)
        assert put["ETag"] != _quoted_md5(b"data")
        with pytest.raises(ClientError) as excinfo:
            s3.put_object(Bucket=s3_bucket, Key="k", Body=b"data", ContentMD5=b64_md5(b"other"), **arguments)
        assert client_error(excinfo)[:2] == ("BadDigest", 400)


def test_copy_to_a_kms_destination_gets_a_non_md5_etag(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="src", Body=b"data")
    source: Any = {"Bucket": s3_bucket, "Key": "src"}
    copied = s3.copy_object(Bucket=s3_bucket, Key="dst", CopySource=source, ServerSideEncryption="aws:kms")
    etag = copied["CopyObjectResult"]["ETag"]
    assert etag != _quoted_md5(b"data") and s3.head_object(Bucket=s3_bucket, Key="dst")["ETag"] == etag
    back = s3.copy_object(Bucket=s3_bucket, Key="back", CopySource={"Bucket": s3_bucket, "Key": "dst"})
    assert back["CopyObjectResult"]["ETag"] == _quoted_md5(b"data")  # SSE-S3 again: the MD5


def test_bucket_default_kms_gives_non_md5_etags(s3: S3Client, s3_bucket: str) -> None:
    set_bucket_default(s3, s3_bucket, "aws:kms")
    put = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"data")
    assert put["ServerSideEncryption"] == "aws:kms" and put["ETag"] != _quoted_md5(b"data")


# --- DSSE-KMS -------------------------------------------------------------------------------------


def test_dsse_kms_is_accepted_and_echoed(s3: S3Client, s3_bucket: str) -> None:
    put = s3.put_object(
        Bucket=s3_bucket, Key="k", Body=b"x", ServerSideEncryption="aws:kms:dsse", SSEKMSKeyId=KEY_ID
    )
    arn = kms_arn(s3, f"key/{KEY_ID}")
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"]) == ("aws:kms:dsse", arn)
    head = s3.head_object(Bucket=s3_bucket, Key="k")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms:dsse", arn)
    assert "BucketKeyEnabled" not in head  # DSSE-KMS has no S3 Bucket Keys
    upload = s3.create_multipart_upload(Bucket=s3_bucket, Key="m", ServerSideEncryption="aws:kms:dsse")
    assert upload["ServerSideEncryption"] == "aws:kms:dsse"
    assert upload["SSEKMSKeyId"].startswith(kms_arn(s3, "key/"))  # the AWS managed key aws/s3
    copied = s3.copy_object(
        Bucket=s3_bucket,
        Key="c",
        CopySource={"Bucket": s3_bucket, "Key": "k"},
        ServerSideEncryption="aws:kms:dsse",
        SSEKMSKeyId="alias/mine",
    )
    assert copied["ServerSideEncryption"] == "aws:kms:dsse"
    assert s3.get_object(Bucket=s3_bucket, Key="c")["Body"].read() == b"x"


def test_bucket_default_dsse_kms_applies_to_writes(s3: S3Client, s3_bucket: str) -> None:
    configuration = set_bucket_default(s3, s3_bucket, "aws:kms:dsse", KEY_ID, bucket_key=False)
    got = s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"]
    assert got == configuration
    arn = kms_arn(s3, f"key/{KEY_ID}")
    put = s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"]) == ("aws:kms:dsse", arn)
    uid = s3.create_multipart_upload(Bucket=s3_bucket, Key="m")["UploadId"]
    part = s3.upload_part(Bucket=s3_bucket, Key="m", UploadId=uid, PartNumber=1, Body=b"p")
    assert part["ServerSideEncryption"] == "aws:kms:dsse"
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key="m",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert (done["ServerSideEncryption"], done["SSEKMSKeyId"]) == ("aws:kms:dsse", arn)
    # a request's own SSE-S3 still wins over the bucket's default
    assert (
        s3.put_object(Bucket=s3_bucket, Key="s", Body=b"x", ServerSideEncryption="AES256")[
            "ServerSideEncryption"
        ]
        == "AES256"
    )


# --- BlockedEncryptionTypes -----------------------------------------------------------------------


def _block(s3: S3Client, bucket: str, types: list[str]) -> dict[str, Any]:
    configuration: Any = {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": False,
                "BlockedEncryptionTypes": {"EncryptionType": types},
            }
        ]
    }
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=configuration)
    return dict(configuration)


def test_blocked_sse_c_refuses_every_sse_c_write(s3: S3Client, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="old", Body=b"stored before", **sse_c())
    s3.put_object(Bucket=s3_bucket, Key="plain", Body=b"x")
    configuration = _block(s3, s3_bucket, ["SSE-C"])
    got = s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"]
    assert got == configuration
    source: Any = {"Bucket": s3_bucket, "Key": "plain"}
    writes: list[Callable[[], object]] = [
        lambda: s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", **sse_c()),
        lambda: s3.create_multipart_upload(Bucket=s3_bucket, Key="k", **sse_c()),
        lambda: s3.copy_object(Bucket=s3_bucket, Key="k", CopySource=source, **sse_c()),
    ]
    for write in writes:
        with pytest.raises(ClientError) as excinfo:
            write()
        assert client_error(excinfo)[:2] == ("AccessDenied", 403)
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_bucket, Prefix="k")
    # other encryption types still write, and objects stored with SSE-C still read and copy out
    assert s3.put_object(Bucket=s3_bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms")
    assert s3.get_object(Bucket=s3_bucket, Key="old", **sse_c())["Body"].read() == b"stored before"
    copied = s3.copy_object(
        Bucket=s3_bucket,
        Key="out",
        CopySource={"Bucket": s3_bucket, "Key": "old"},
        CopySourceSSECustomerAlgorithm="AES256",
        CopySourceSSECustomerKey=KEY,  # botocore encodes bytes too
    )
    assert copied["ServerSideEncryption"] == "AES256"


def test_unblocking_sse_c_with_none(s3: S3Client, s3_bucket: str) -> None:
    _block(s3, s3_bucket, ["SSE-C"])
    configuration = _block(s3, s3_bucket, ["NONE"])
    got = s3.get_bucket_encryption(Bucket=s3_bucket)["ServerSideEncryptionConfiguration"]
    assert got == configuration
    assert s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", **sse_c())["SSECustomerKeyMD5"] == b64_md5(KEY)
    _block(s3, s3_bucket, ["SSE-C"])
    s3.delete_bucket_encryption(Bucket=s3_bucket)  # back to the default, which blocks nothing here
    assert s3.put_object(Bucket=s3_bucket, Key="k", Body=b"x", **sse_c())["SSECustomerKeyMD5"] == b64_md5(KEY)


def test_unknown_blocked_encryption_type_is_malformed(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        _block(s3, s3_bucket, ["SSE-KMS"])
    assert client_error(excinfo)[:2] == ("MalformedXML", 400)
