"""POST object policies: signature, expiration and every condition family, as S3 verifies them.

Forms come from boto3's generate_presigned_post and are posted with a hand-made multipart body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from botocore.config import Config
from rawhttp import RawResponse, send

from pytest_s3emu.server import ACCESS_KEY, SECRET_KEY, S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

pytestmark = pytest.mark.http_only  # hand-made form uploads: HTTP itself

Conditions = list[Any]


def _post(
    s3emu: S3Emulator, bucket: str, fields: dict[str, str], data: bytes = b"content", filename: str = "f.txt"
) -> RawResponse:
    """POST the fields, then the file part, as a browser form does."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return send(
        s3emu, "POST", f"/{bucket}", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )


def _presign(
    client: S3Client,
    bucket: str,
    key: str,
    fields: dict[str, str] | None = None,
    conditions: Conditions | None = None,
    expires: int = 3600,
) -> dict[str, str]:
    post = client.generate_presigned_post(
        bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires
    )
    return dict(post["fields"])


@pytest.fixture
def v4(s3emu: S3Emulator) -> S3Client:
    return s3emu.client(config=Config(signature_version="s3v4"))


@pytest.fixture
def v2(s3emu: S3Emulator) -> S3Client:
    return s3emu.client(config=Config(signature_version="s3"))


def _refused(response: RawResponse, status: int, code: str) -> dict[str, str]:
    error = response.error()
    assert (response.status, error["Code"]) == (status, code), error
    return error


def _failed(condition: str) -> str:
    return "Invalid according to Policy: Policy Condition failed: " + condition


def _keys(s3: S3Client, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


# --- conditions that hold ---------------------------------------------------------------------


def test_every_condition_family_holds(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    fields = {
        "acl": "bucket-owner-full-control",  # the one canned ACL a BucketOwnerEnforced bucket takes
        "Content-Type": "image/png",
        "x-amz-meta-owner": "ann",
        "x-amz-storage-class": "STANDARD_IA",
        "success_action_status": "201",
    }
    conditions: Conditions = [
        {"acl": "bucket-owner-full-control"},
        ["starts-with", "$Content-Type", "image/"],
        ["eq", "$x-amz-meta-owner", "ann"],
        ["starts-with", "$x-amz-storage-class", ""],  # an empty prefix matches anything
        ["EQ", "$SUCCESS_ACTION_STATUS", "201"],  # operators and field names ignore case
        ["content-length-range", 1, 100],
    ]
    form = _presign(v4, s3_bucket, "img/${filename}", fields, conditions)
    response = _post(s3emu, s3_bucket, form, b"png bytes", "cat.png")
    assert response.status == 201, response.body
    assert ElementTree.fromstring(response.body).find("Key").text == "img/cat.png"  # type: ignore[union-attr]
    head = v4.head_object(Bucket=s3_bucket, Key="img/cat.png")
    assert (head["ContentType"], head["Metadata"], head["StorageClass"]) == (
        "image/png",
        {"owner": "ann"},
        "STANDARD_IA",
    )


def test_x_ignore_fields_need_no_condition(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    form = _presign(v4, s3_bucket, "k")
    assert _post(s3emu, s3_bucket, {**form, "x-ignore-tracking": "1"}).status == 204


def test_filename_is_expanded_before_the_key_condition(
    s3emu: S3Emulator, v4: S3Client, s3_bucket: str
) -> None:
    form = _presign(v4, s3_bucket, "user/7/${filename}")  # botocore: ["starts-with", "$key", "user/7/"]
    assert _post(s3emu, s3_bucket, form, filename="report.pdf").status == 204
    # the key as expanded is what an exact condition meets
    exact = _presign(v4, s3_bucket, "user/7/${filename}", conditions=[{"key": "user/7/a.txt"}])
    assert _post(s3emu, s3_bucket, exact, filename="a.txt").status == 204
    response = _post(s3emu, s3_bucket, exact, filename="b.txt")
    error = _refused(response, 403, "AccessDenied")
    assert error["Message"] == _failed('["eq", "$key", "user/7/a.txt"]')
    assert sorted(_keys(v4, s3_bucket)) == ["user/7/a.txt", "user/7/report.pdf"]


def test_success_action_redirect_condition_and_303(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    redirect = "http://app.test/done"
    form = _presign(
        v4,
        s3_bucket,
        "k",
        {"success_action_redirect": redirect},
        [["starts-with", "$success_action_redirect", "http://app.test/"]],
    )
    response = _post(s3emu, s3_bucket, form)
    assert response.status == 303
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert (query["bucket"], query["key"]) == ([s3_bucket], ["k"])
    response = _post(s3emu, s3_bucket, {**form, "success_action_redirect": "http://evil.test/"})
    error = _refused(response, 403, "AccessDenied")
    assert error["Message"] == _failed('["starts-with", "$success_action_redirect", "http://app.test/"]')


# --- conditions that fail ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "conditions", "posted", "message"),
    [
        ({"acl": "private"}, [{"acl": "private"}], {"acl": "public-read"}, '["eq", "$acl", "private"]'),
        (
            {"x-amz-meta-team": "web"},
            [["eq", "$x-amz-meta-team", "web"]],
            {"x-amz-meta-team": "ops"},
            '["eq", "$x-amz-meta-team", "web"]',
        ),
        (
            {"Content-Type": "image/png"},
            [["starts-with", "$Content-Type", "image/"]],
            {"Content-Type": "image/png, text/html"},
            '["starts-with", "$Content-Type", "image/"]',
        ),
        (
            {"success_action_status": "201"},
            [{"success_action_status": "201"}],
            {"success_action_status": "200"},
            '["eq", "$success_action_status", "201"]',
        ),
        (
            {"x-amz-server-side-encryption": "AES256"},
            [["eq", "$x-amz-server-side-encryption", "AES256"]],
            {"x-amz-server-side-encryption": "aws:kms"},
            '["eq", "$x-amz-server-side-encryption", "AES256"]',
        ),
        # a value is compared with its case; a field named without "$" never matches
        ({"acl": "private"}, [["eq", "$acl", "PRIVATE"]], {}, '["eq", "$acl", "PRIVATE"]'),
        ({"acl": "private"}, [["eq", "acl", "private"]], {}, '["eq", "acl", "private"]'),
    ],
    ids=["acl", "meta", "content-type-list", "success-status", "x-amz-field", "value-case", "no-dollar"],
)
def test_a_failed_condition_is_access_denied(
    s3emu: S3Emulator,
    v4: S3Client,
    s3_bucket: str,
    fields: dict[str, str],
    conditions: Conditions,
    posted: dict[str, str],
    message: str,
) -> None:
    form = _presign(v4, s3_bucket, "k", fields, conditions)
    error = _refused(_post(s3emu, s3_bucket, {**form, **posted}), 403, "AccessDenied")
    assert error["Message"] == _failed(message)
    assert _keys(v4, s3_bucket) == []


def test_the_key_and_bucket_conditions(
    s3emu: S3Emulator, v4: S3Client, s3_bucket: str, bucket_name: str
) -> None:
    form = _presign(v4, s3_bucket, "exact")
    error = _refused(_post(s3emu, s3_bucket, {**form, "key": "other"}), 403, "AccessDenied")
    assert error["Message"] == _failed('["eq", "$key", "exact"]')
    v4.create_bucket(Bucket=bucket_name)
    error = _refused(_post(s3emu, bucket_name, form), 403, "AccessDenied")
    assert error["Message"] == _failed(f'["eq", "$bucket", "{s3_bucket}"]')


def test_a_field_no_condition_names_is_refused(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    form = _presign(v4, s3_bucket, "k", {"x-amz-meta-note": "hi"})  # a field but no condition
    error = _refused(_post(s3emu, s3_bucket, form), 403, "AccessDenied")
    assert error["Message"] == "Invalid according to Policy: Extra input fields: x-amz-meta-note"
    error = _refused(
        _post(s3emu, s3_bucket, {**_presign(v4, s3_bucket, "k"), "acl": "private"}), 403, "AccessDenied"
    )
    assert error["Message"] == "Invalid according to Policy: Extra input fields: acl"


@pytest.mark.parametrize(
    ("data", "code", "detail"),
    [
        (b"", "EntityTooSmall", ("MinSizeAllowed", "1")),
        (b"x" * 11, "EntityTooLarge", ("MaxSizeAllowed", "10")),
    ],
)
def test_content_length_range(
    s3emu: S3Emulator, v4: S3Client, s3_bucket: str, data: bytes, code: str, detail: tuple[str, str]
) -> None:
    form = _presign(v4, s3_bucket, "k", conditions=[["content-length-range", 1, 10]])
    error = _refused(_post(s3emu, s3_bucket, form, data), 400, code)
    assert (error["ProposedSize"], error[detail[0]]) == (str(len(data)), detail[1])
    assert _keys(v4, s3_bucket) == []
    assert _post(s3emu, s3_bucket, form, b"x" * 10).status == 204


def test_every_content_length_range_holds(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    ranges: Conditions = [["content-length-range", 0, 100], ["content-length-range", "5", "8"]]
    form = _presign(v4, s3_bucket, "k", conditions=ranges)
    error = _refused(_post(s3emu, s3_bucket, form, b"x" * 9), 400, "EntityTooLarge")
    assert error["MaxSizeAllowed"] == "8"
    assert _post(s3emu, s3_bucket, form, b"x" * 5).status == 204


def test_a_large_file_over_the_range_is_refused(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    form = _presign(v4, s3_bucket, "k", conditions=[["content-length-range", 0, 1000]])
    error = _refused(_post(s3emu, s3_bucket, form, b"y" * 3_000_000), 400, "EntityTooLarge")
    assert error["MaxSizeAllowed"] == "1000"
    assert _keys(v4, s3_bucket) == []


# --- expiration and signature -----------------------------------------------------------------


def test_an_expired_policy(s3emu: S3Emulator, v4: S3Client, v2: S3Client, s3_bucket: str) -> None:
    forms = [_presign(v4, s3_bucket, "k", expires=60), _presign(v2, s3_bucket, "k", expires=60)]
    s3emu.clock.advance(seconds=61)
    for form in forms:
        error = _refused(_post(s3emu, s3_bucket, form), 403, "AccessDenied")
        assert error["Message"] == "Invalid according to Policy: Policy expired."


def test_sigv2_presigned_post(s3emu: S3Emulator, s3: S3Client, v2: S3Client, s3_bucket: str) -> None:
    acl = "bucket-owner-full-control"
    form = _presign(v2, s3_bucket, "v2/${filename}", {"acl": acl}, [{"acl": acl}])
    assert set(form) == {"key", "acl", "AWSAccessKeyId", "policy", "signature"}
    response = _post(s3emu, s3_bucket, form, b"v2", "a.txt")
    assert response.status == 204, response.body
    assert _keys(s3, s3_bucket) == ["v2/a.txt"]
    error = _refused(
        _post(s3emu, s3_bucket, {**form, "signature": "AAAA" + form["signature"][4:]}),
        403,
        "SignatureDoesNotMatch",
    )
    assert (error["AWSAccessKeyId"], error["StringToSign"]) == (form["AWSAccessKeyId"], form["policy"])


def _tamper(policy: str, change: dict[str, Any]) -> str:
    document = json.loads(base64.b64decode(policy))
    return base64.b64encode(json.dumps({**document, **change}).encode()).decode()


def test_a_tampered_policy_or_signature(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    form = _presign(v4, s3_bucket, "k", conditions=[["content-length-range", 0, 1]])
    looser = _tamper(form["policy"], {"conditions": [{"bucket": s3_bucket}, ["starts-with", "$key", ""]]})
    for changed in ({"policy": looser}, {"x-amz-signature": "0" * 64}):
        error = _refused(_post(s3emu, s3_bucket, {**form, **changed}), 403, "SignatureDoesNotMatch")
        assert error["SignatureProvided"] == {**form, **changed}["x-amz-signature"]
    assert _keys(v4, s3_bucket) == []


def test_an_unknown_access_key(s3emu: S3Emulator, s3_bucket: str) -> None:
    stranger = s3emu.client(
        aws_access_key_id="AKIDUNKNOWN", aws_secret_access_key="nope", config=Config(signature_version="s3v4")
    )
    error = _refused(_post(s3emu, s3_bucket, _presign(stranger, s3_bucket, "k")), 403, "InvalidAccessKeyId")
    assert error["AWSAccessKeyId"] == "AKIDUNKNOWN"


@pytest.mark.parametrize("missing", ["x-amz-signature", "x-amz-date", "policy"])
def test_a_missing_signature_field(s3emu: S3Emulator, v4: S3Client, s3_bucket: str, missing: str) -> None:
    form = _presign(v4, s3_bucket, "k")
    del form[missing]
    error = _refused(_post(s3emu, s3_bucket, form), 400, "InvalidArgument")
    assert error["ArgumentName"].lower() == missing


def test_a_policy_nobody_signed_is_refused(s3emu: S3Emulator, v4: S3Client, s3_bucket: str) -> None:
    form = _presign(v4, s3_bucket, "k")
    unsigned = {"key": "k", "policy": form["policy"]}
    _refused(_post(s3emu, s3_bucket, unsigned), 403, "AccessDenied")


# --- malformed policies -----------------------------------------------------------------------


def _signed_policy(s3emu: S3Emulator, document: object) -> dict[str, str]:
    """A SigV2 form whose policy is ``document`` (any JSON, or raw text), correctly signed."""
    text = document if isinstance(document, str) else json.dumps(document)
    policy = base64.b64encode(text.encode()).decode()
    signature = base64.b64encode(hmac.digest(SECRET_KEY.encode(), policy.encode(), hashlib.sha1)).decode()
    return {"key": "k", "AWSAccessKeyId": ACCESS_KEY, "policy": policy, "signature": signature}


_LATER = "2100-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "Invalid Policy: Invalid JSON."),
        ({"conditions": [["starts-with", "$key", ""]]}, "Invalid Policy: Policy missing expiration."),
        ({"EXPIRATION": _LATER, "conditions": []}, "Invalid Policy: Policy missing expiration."),
        ({"expiration": _LATER}, "Invalid Policy: Policy missing conditions."),
        (
            {"expiration": "tomorrow", "conditions": []},
            "Invalid Policy: Invalid 'expiration' value: 'tomorrow'",
        ),
        (
            {"expiration": _LATER, "conditions": [{"key": "k", "acl": "private"}]},
            "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property "
            "specified.",
        ),
        ({"expiration": _LATER, "conditions": [["content-length-range", -1, 0]]}, None),
        ({"expiration": _LATER, "conditions": [["content-length-range", 0]]}, None),
        ({"expiration": _LATER, "conditions": [["matches", "$key", "k"]]}, None),
    ],
    ids=[
        "json",
        "no-expiration",
        "expiration-case",
        "no-conditions",
        "bad-date",
        "two-props",
        "negative-range",
        "short-range",
        "operator",
    ],
)
def test_a_malformed_policy(s3emu: S3Emulator, s3_bucket: str, document: object, message: str | None) -> None:
    error = _refused(_post(s3emu, s3_bucket, _signed_policy(s3emu, document)), 400, "InvalidPolicyDocument")
    if message is not None:
        assert error["Message"] == message
