"""Every XML answer is well-formed XML 1.0, whatever characters a key holds.

S3 writes a key's CR as ``&#13;`` (so that a parser does not read it back as LF) and other
control characters as references such as ``&#x1;``, which XML 1.0 forbids: botocore cannot parse
such an answer from S3 (boto/botocore#3496). The emulator writes those as U+FFFD instead; the
exact key comes back percent-encoded where S3 offers ``encoding-type=url``, which botocore asks
for on every listing of objects.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError
from rawhttp import XMLNS, send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# characters XML 1.0 cannot carry (C0 controls but tab, LF and CR), and CR itself
CONTROLS = ["\x01", "\x08", "\x0b", "\x1f", "\r"]


def _written(control: str) -> str:
    """What a document without encoding-type=url gives back for ``control``."""
    return control if control == "\r" else "\ufffd"


@pytest.mark.parametrize("control", CONTROLS)
def test_keys_with_control_characters_round_trip_through_listings(
    s3: S3Client, s3_bucket: str, control: str
) -> None:
    key = f"a{control}b/c{control}"
    s3.put_object(Bucket=s3_bucket, Key=key, Body=b"x")
    assert [o["Key"] for o in s3.list_objects(Bucket=s3_bucket)["Contents"]] == [key]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]] == [key]
    assert [v["Key"] for v in s3.list_object_versions(Bucket=s3_bucket)["Versions"]] == [key]
    prefixes = s3.list_objects_v2(Bucket=s3_bucket, Delimiter="/", Prefix=f"a{control}")
    assert [p["Prefix"] for p in prefixes["CommonPrefixes"]] == [f"a{control}b/"]
    assert s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read() == b"x"


@pytest.mark.parametrize("control", CONTROLS)
def test_multipart_answers_naming_a_key_with_control_characters_parse(
    s3: S3Client, s3_bucket: str, control: str
) -> None:
    key = f"up{control}load"
    created = s3.create_multipart_upload(Bucket=s3_bucket, Key=key)
    assert created["Key"] == f"up{_written(control)}load"
    upload_id = created["UploadId"]
    # ListMultipartUploads offers encoding-type=url, which botocore does not add (nor decode) itself
    uploads = s3.list_multipart_uploads(Bucket=s3_bucket, EncodingType="url")["Uploads"]
    assert [unquote_plus(u["Key"]) for u in uploads] == [key]
    etag = s3.upload_part(Bucket=s3_bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"p")["ETag"]
    parts = s3.list_parts(Bucket=s3_bucket, Key=key, UploadId=upload_id)
    assert parts["Key"] == f"up{_written(control)}load"
    done = s3.complete_multipart_upload(
        Bucket=s3_bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    assert done["Key"] == f"up{_written(control)}load"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]] == [key]


@pytest.mark.http_only
def test_delete_objects_of_a_key_with_cr_answers_it_as_s3_does(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    # a request names a CR as &#13; (S3's "XML related object key constraints"): botocore writes
    # it raw, which the XML parser reads back as LF, and it cannot write the other controls at all
    s3.put_object(Bucket=s3_bucket, Key="del\rme", Body=b"x")
    body = b"<Delete><Object><Key>del&#13;me</Key></Object></Delete>"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    response = send(s3emu, "POST", f"/{s3_bucket}?delete", body, {"Content-MD5": md5})
    assert response.status == 200
    assert b"<Key>del&#13;me</Key>" in response.body
    assert [k.text for k in ElementTree.fromstring(response.body).iter(f"{XMLNS}Key")] == ["del\rme"]
    assert "Contents" not in s3.list_objects_v2(Bucket=s3_bucket)


@pytest.mark.http_only
@pytest.mark.parametrize("control", CONTROLS)
def test_a_listing_without_encoding_type_is_well_formed(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str, control: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key=f"k{control}", Body=b"")
    response = send(s3emu, "GET", f"/{s3_bucket}?list-type=2")
    assert response.status == 200
    if control == "\r":
        assert b"<Key>k&#13;</Key>" in response.body  # as S3 writes it
    root = ElementTree.fromstring(response.body)
    assert [k.text for k in root.iterfind(f"{XMLNS}Contents/{XMLNS}Key")] == [f"k{_written(control)}"]


@pytest.mark.http_only
def test_an_error_naming_a_key_with_control_characters_is_well_formed(
    s3emu: S3Emulator, s3_bucket: str
) -> None:
    response = send(s3emu, "GET", f"/{s3_bucket}/no%01such%0Dkey")
    assert response.status == 404
    error = response.error()
    assert (error["Code"], error["Key"]) == ("NoSuchKey", "no\ufffdsuch\rkey")


def test_boto3_reads_an_error_naming_a_key_with_control_characters(s3: S3Client, s3_bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        s3.get_object_tagging(Bucket=s3_bucket, Key="no\x01such\rkey")
    response = raised.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == ("NoSuchKey", 404)
