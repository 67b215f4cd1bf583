"""UpdateObjectEncryption: re-encrypt an existing object with SSE-KMS, in place.

S3 re-wraps the object's data key, so nothing else changes: not the ETag, checksums,
Last-Modified, storage class or metadata. SSE-KMS is the only new type S3 accepts; the key must
be a KMS key ARN of the bucket owner's account; objects encrypted with SSE-C or DSSE-KMS and
objects under an Object Lock retention or legal hold are refused.
"""

from __future__ import annotations

import re

from ..errors import AccessDenied, InvalidRequest
from ..store import is_protected
from . import Context, Params, Result, operation
from .bucket_config import ACCOUNT_ID

_KMS_KEY_ARN = re.compile(r"arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:([0-9]{12}):key/[a-zA-Z0-9-]+")


def _key_arn(params: Params) -> tuple[str, bool | None]:
    """The SSE-KMS key ARN and Bucket Key setting the request asks for, after S3's checks."""
    kms = params["ObjectEncryption"].get("SSEKMS")
    if not kms:
        raise InvalidRequest(
            "Requests that modify an object encryption configuration require a valid new encryption "
            "type. Valid values are SSEKMS. Modify the request to specify SSE-KMS for the updated "
            "encryption type, and then try again."
        )
    arn: str = kms.get("KMSKeyArn") or ""
    found = _KMS_KEY_ARN.fullmatch(arn)
    if found is None:
        raise InvalidRequest(
            "Requests that modify an object's encryption type to SSE-KMS require a valid AWS KMS key "
            "Amazon Resource Name (ARN). Confirm that you have a correctly formatted KMS key ARN in "
            "your request, and then try again."
        )
    if found.group(1) != ACCOUNT_ID:
        raise AccessDenied(
            "The AWS KMS key in the request must be owned by the same account as the bucket. Modify "
            "the request to specify a KMS key from the same account, and then try again."
        )
    return arn, kms.get("BucketKeyEnabled")


@operation("UpdateObjectEncryption")
def update_object_encryption(ctx: Context, params: Params) -> Result:
    arn, bucket_key = _key_arn(params)
    with ctx.store.lock:
        obj = ctx.store.get_object(params["Bucket"], params["Key"], params.get("VersionId"))
        current = obj.headers.get("ServerSideEncryption")
        if obj.headers.get("SSECustomerAlgorithm") or current == "aws:kms:dsse":
            raise InvalidRequest(
                "The UpdateObjectEncryption operation doesn't support source objects with the "
                "encryption type DSSE-KMS or SSE-C. Only source objects encrypted with SSE-S3 or "
                "SSE-KMS are supported."
            )
        if is_protected(obj):
            raise AccessDenied(
                "The encryption type for the specified object can't be updated because that object "
                "is protected by S3 Object Lock."
            )
        obj.headers["ServerSideEncryption"] = "aws:kms"
        obj.headers["SSEKMSKeyId"] = arn
        if bucket_key:
            obj.headers["BucketKeyEnabled"] = True
        else:
            obj.headers.pop("BucketKeyEnabled", None)
    return {}
