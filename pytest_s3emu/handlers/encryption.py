"""Server-side encryption as S3 enforces it: SSE-S3, SSE-KMS and SSE-C on writes, reads and copies.

The emulator encrypts nothing: bodies are stored as sent. It keeps what S3 would report about
each object's encryption and, for SSE-C, a randomly salted HMAC of the customer's key (never the
key itself, as S3 does), so that reading with another key, or none, is refused as S3 refuses it.

KMS is not emulated. A key named by id (a UUID or an ``mrk-`` multi-Region key id), by alias
(``alias/name``) or by key or alias ARN in the bucket's region is accepted as if it existed, and
reported the way S3 reports it: as the key ARN. An alias stands for a made-up key whose id is
derived from the alias and account, so it is the same in every run; ``alias/aws/s3`` is the AWS
managed key S3 uses when a request names no key. Any other value is answered as S3 answers a key
KMS does not know (400 ``KMS.NotFoundException``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import uuid
from dataclasses import dataclass
from typing import Any

from ..errors import (
    AccessDenied,
    InvalidArgument,
    InvalidEncryptionAlgorithmError,
    InvalidRequest,
    KMSNotFoundException,
)
from ..store import Bucket, ObjectVersion, Upload
from . import Context, Params, Result
from .bucket_config import ACCOUNT_ID, current

SSE_HEADER = "x-amz-server-side-encryption"
ALGORITHMS = frozenset({"AES256", "aws:kms", "aws:kms:dsse"})  # what a general purpose bucket takes
KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
AWS_MANAGED_KEY = "alias/aws/s3"
# where an SSE-C object keeps its key's salted HMAC among its headers (not a model member name,
# so no answer ever carries it)
KEY_HASH = "_SSECustomerKeyHMAC"
# the encryption members of an object's headers: a write replaces all of them
STORED = (
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "BucketKeyEnabled",
    "SSEKMSEncryptionContext",
    "SSECustomerAlgorithm",
    "SSECustomerKeyMD5",
    KEY_HASH,
)
# headers only writes take: S3 refuses them on GET and HEAD (the object's encryption is fixed)
_WRITE_ONLY_HEADERS = (
    SSE_HEADER,
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
)
_CUSTOMER = "Requests specifying Server Side Encryption with Customer provided keys must provide "
_STORED_WITH_SSE_C = (
    "The object was stored using a form of Server Side Encryption. The correct parameters must be "
    "provided to retrieve the object."
)
_PART_NEEDS_KEY = (
    "The multipart upload initiate requested encryption. Subsequent part requests must include the "
    "appropriate encryption parameters."
)
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32}")
_ALIAS = re.compile(r"alias/[a-zA-Z0-9/_-]{1,250}")
_ARN = re.compile(r"arn:aws[a-z-]*:kms:([a-z0-9-]+):([0-9]{12}):(.+)")


@dataclass(frozen=True, slots=True)
class Requested:
    """The encryption headers of one request, as sent: what bucket policy conditions compare."""

    algorithm: str | None = None  # x-amz-server-side-encryption
    kms_key_id: str | None = None  # x-amz-server-side-encryption-aws-kms-key-id
    context: str | None = None  # x-amz-server-side-encryption-context
    bucket_key: bool | None = None  # x-amz-server-side-encryption-bucket-key-enabled
    customer_algorithm: str | None = None  # x-amz-server-side-encryption-customer-algorithm
    customer_key: str | None = None  # base64, as sent
    customer_key_md5: str | None = None

    @property
    def customer(self) -> bool:
        """Whether the request sent any SSE-C header."""
        return any(v is not None for v in (self.customer_algorithm, self.customer_key, self.customer_key_md5))


def requested(params: Params, prefix: str = "") -> Requested:
    """The encryption a request names; ``prefix="CopySource"`` reads a copy's source key instead."""
    customer = {
        "customer_algorithm": params.get(f"{prefix}SSECustomerAlgorithm"),
        "customer_key": params.get(f"{prefix}SSECustomerKey"),
        "customer_key_md5": params.get(f"{prefix}SSECustomerKeyMD5"),
    }
    if prefix:
        return Requested(**customer)
    return Requested(
        algorithm=params.get("ServerSideEncryption"),
        kms_key_id=params.get("SSEKMSKeyId"),
        context=params.get("SSEKMSEncryptionContext"),
        bucket_key=params.get("BucketKeyEnabled"),
        **customer,
    )


def response_members(headers: dict[str, Any]) -> Result:
    """The encryption members of a write's answer (the serializer keeps those its output has)."""
    return {name: headers[name] for name in STORED if name in headers and name != KEY_HASH}


# --- writes ---------------------------------------------------------------------------------------


def apply(headers: dict[str, Any], params: Params, bucket: Bucket) -> None:
    """Set the encryption of a new object or upload: the request's, else the bucket's default."""
    chosen = _chosen(requested(params), bucket)
    for name in STORED:
        headers.pop(name, None)  # a copy's source encryption is never kept
    headers.update(chosen)


def etag(headers: dict[str, Any], md5_hex: str) -> str:
    """The quoted ETag of a single-part write of data whose MD5 is ``md5_hex``, encrypted as
    ``headers`` say.

    S3 gives SSE-S3 objects the MD5 of their data, but SSE-KMS, DSSE-KMS and SSE-C objects an ETag
    that is not an MD5 of the data. Ours is derived from the MD5 and the key (the KMS key ARN, or
    the customer key's MD5), so a test can see it differ from the MD5 while it stays the same for
    the same data and key.
    """
    if headers.get("ServerSideEncryption") in KMS_ALGORITHMS:
        key = f"{headers['ServerSideEncryption']}:{headers['SSEKMSKeyId']}"
    elif headers.get("SSECustomerKeyMD5") is not None:
        key = f"AES256:{headers['SSECustomerKeyMD5']}"
    else:
        return f'"{md5_hex}"'
    mixed = hashlib.md5(f"s3emu-etag:{key}:{md5_hex}".encode(), usedforsecurity=False)
    return f'"{mixed.hexdigest()}"'


def _chosen(request: Requested, bucket: Bucket) -> dict[str, Any]:
    _check_combination(request)
    if request.customer and "SSE-C" in blocked_types(bucket):
        # S3 refuses every SSE-C write to a bucket that blocks SSE-C with a 403; reads of objects
        # already stored with SSE-C still work
        raise AccessDenied()
    key = customer_key(request, write=True)
    if key is not None:
        return {
            "SSECustomerAlgorithm": request.customer_algorithm,
            "SSECustomerKeyMD5": request.customer_key_md5,
            KEY_HASH: _fingerprint(key, os.urandom(16)),
        }
    rule = current(bucket, "encryption")["Rules"][0]
    if request.algorithm is None:
        return default_encryption(bucket)
    # a request naming aws:kms without the bucket key header gets the bucket's Bucket Key setting
    bucket_key = request.bucket_key if request.bucket_key is not None else rule.get("BucketKeyEnabled")
    members = _managed(request.algorithm, request.kms_key_id, bucket_key, bucket.region, quoted=True)
    if request.context is not None:
        members["SSEKMSEncryptionContext"] = _checked_context(request.context)
    return members


def blocked_types(bucket: Bucket) -> frozenset[str]:
    """The encryption types the bucket's PutBucketEncryption rule blocks new writes with."""
    rule = current(bucket, "encryption")["Rules"][0]
    return frozenset((rule.get("BlockedEncryptionTypes") or {}).get("EncryptionType") or ())


def default_encryption(bucket: Bucket) -> dict[str, Any]:
    """The encryption members of a new object of ``bucket`` whose request named none."""
    rule = current(bucket, "encryption")["Rules"][0]
    by_default = rule.get("ApplyServerSideEncryptionByDefault") or {"SSEAlgorithm": "AES256"}
    key: str | None = by_default.get("KMSMasterKeyID")
    return _managed(
        by_default["SSEAlgorithm"], key, rule.get("BucketKeyEnabled"), bucket.region, quoted=False
    )


def _managed(
    algorithm: str, key: str | None, bucket_key: bool | None, region: str, quoted: bool
) -> dict[str, Any]:
    members: dict[str, Any] = {"ServerSideEncryption": algorithm}
    if algorithm in KMS_ALGORITHMS:
        members["SSEKMSKeyId"] = kms_key_arn(key, region, quoted)
        if bucket_key and algorithm == "aws:kms":  # DSSE-KMS has no Bucket Keys
            members["BucketKeyEnabled"] = True
    return members


def _check_combination(request: Requested) -> None:
    """S3's checks of the SSE header against the SSE-C and KMS headers sent with it."""
    algorithm = request.algorithm
    if request.customer and algorithm is not None:
        raise InvalidArgument(
            "Server Side Encryption with Customer provided key is incompatible with the encryption "
            "method specified",
            ArgumentName=SSE_HEADER,
            ArgumentValue=algorithm,
        )
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise InvalidArgument(
            "The encryption method specified is not supported",
            ArgumentName=SSE_HEADER,
            ArgumentValue=algorithm,
        )
    if (request.kms_key_id is not None or request.context is not None) and algorithm not in KMS_ALGORITHMS:
        raise InvalidArgument(
            "Server Side Encryption with AWS KMS managed key requires HTTP header "
            "x-amz-server-side-encryption : aws:kms",
            ArgumentName=SSE_HEADER,
            ArgumentValue=algorithm or "null",
        )


def _checked_context(value: str) -> str:
    """The encryption context must be base64 of a UTF-8 JSON object of strings."""
    try:
        decoded = json.loads(base64.b64decode(value, validate=True).decode("utf-8"))
    # binascii.Error, UnicodeDecodeError and JSONDecodeError are ValueErrors; nesting too deep
    # for the parser is a RecursionError
    except (ValueError, RecursionError):
        decoded = None
    if not isinstance(decoded, dict) or not all(isinstance(v, str) for v in decoded.values()):
        raise InvalidArgument(
            "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string "
            "holding JSON which represents a string-string map",
            ArgumentName="x-amz-server-side-encryption-context",
        )
    return value


# --- KMS key ids ----------------------------------------------------------------------------------


def kms_key_arn(key: str | None, region: str, quoted: bool = True) -> str:
    """The key ARN S3 reports for a KMS key id, alias or ARN; None is the AWS managed key aws/s3."""
    if key is None:
        key = AWS_MANAGED_KEY
    if _KEY_ID.fullmatch(key):
        return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key}"
    if _ALIAS.fullmatch(key):
        return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{_alias_key_id(ACCOUNT_ID, region, key)}"
    found = _ARN.fullmatch(key)
    if found is not None:
        key_region, account, resource = found.groups()
        if key_region != region:
            raise KMSNotFoundException(f"Invalid arn {key_region}")
        if resource.startswith("key/") and _KEY_ID.fullmatch(resource[4:]):
            return key
        if _ALIAS.fullmatch(resource):
            return f"arn:aws:kms:{region}:{account}:key/{_alias_key_id(account, region, resource)}"
    # S3 quotes the key id a request names, not the one a bucket's default names
    raise KMSNotFoundException(f"Invalid keyId '{key}'" if quoted else f"Invalid keyId {key}")


def _alias_key_id(account: str, region: str, alias: str) -> str:
    """The made-up id of the key an alias names: the same for the same alias in every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3emu:kms:{account}:{region}:{alias}"))


# --- SSE-C ----------------------------------------------------------------------------------------


def customer_key(request: Requested, *, write: bool) -> bytes | None:
    """The customer key a request sends after S3's checks of the three headers; None if none."""
    if not request.customer:
        return None
    algorithm = request.customer_algorithm
    if algorithm is None:
        raise InvalidArgument(
            _CUSTOMER + "a valid encryption algorithm.", ArgumentName=SSE_HEADER, ArgumentValue="null"
        )
    if algorithm != "AES256":
        raise InvalidEncryptionAlgorithmError(ArgumentName=SSE_HEADER, ArgumentValue=algorithm)
    if request.customer_key is None:
        raise InvalidArgument(
            _CUSTOMER + "an appropriate secret key.", ArgumentName=SSE_HEADER, ArgumentValue="null"
        )
    if request.customer_key_md5 is None:
        raise InvalidArgument(
            _CUSTOMER + "the client calculated MD5 of the secret key.",
            ArgumentName=SSE_HEADER,
            ArgumentValue="null",
        )
    key = _decoded(request.customer_key)
    if key is None or _md5(key) != request.customer_key_md5:
        raise InvalidArgument(
            "The calculated MD5 hash of the key did not match the hash that was provided.",
            ArgumentName=SSE_HEADER,
            ArgumentValue="null",
        )
    if write and len(key) != 32:
        # on reads a key of another size is simply not the object's key (403 below)
        raise InvalidArgument(
            "The secret key was invalid for the specified algorithm.",
            ArgumentName=SSE_HEADER,
            ArgumentValue="null",
        )
    return key


def _decoded(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None


def _md5(key: bytes) -> str:
    return base64.b64encode(hashlib.md5(key, usedforsecurity=False).digest()).decode()


def _fingerprint(key: bytes, salt: bytes) -> str:
    return f"{salt.hex()}:{hmac.new(salt, key, hashlib.sha256).hexdigest()}"


def _matches(key: bytes, fingerprint: str) -> bool:
    salt, _, _ = fingerprint.partition(":")
    return hmac.compare_digest(_fingerprint(key, bytes.fromhex(salt)), fingerprint)


def check_key(request: Requested, obj: ObjectVersion) -> None:
    """A read of ``obj`` (or a copy from it) sends its SSE-C key exactly when it has one."""
    key = customer_key(request, write=False)
    stored: str | None = obj.headers.get(KEY_HASH)
    if stored is None:
        if key is not None:
            raise InvalidRequest("The encryption parameters are not applicable to this object.")
        return
    if key is None:
        raise InvalidRequest(_STORED_WITH_SSE_C)
    if not _matches(key, stored):
        raise AccessDenied(
            "Requests specifying Server Side Encryption with Customer provided keys must provide the "
            "correct secret key."
        )


def check_read(ctx: Context, params: Params, obj: ObjectVersion) -> None:
    """GET, HEAD and GetObjectAttributes: no write-only SSE header, and the object's SSE-C key."""
    for header in _WRITE_ONLY_HEADERS:
        if ctx.request.header(header) is not None:
            raise InvalidArgument(f"{header} header is not supported for this operation.")
    check_key(requested(params), obj)


def check_copy_source(params: Params, source: ObjectVersion) -> None:
    """CopyObject and UploadPartCopy: the x-amz-copy-source-server-side-encryption-customer-* key."""
    check_key(requested(params, "CopySource"), source)


def check_part(params: Params, template: ObjectVersion, *, required: bool = True) -> None:
    """UploadPart and UploadPartCopy: each part sends the SSE-C key its upload was created with.

    With ``required=False`` (CompleteMultipartUpload, ListParts) the key may be left out, but a
    key sent must still be the upload's.
    """
    key = customer_key(requested(params), write=True)
    stored: str | None = template.headers.get(KEY_HASH)
    if stored is None or key is None:
        if key is not None or (stored is not None and required):
            raise InvalidRequest(_PART_NEEDS_KEY)
        return
    if not _matches(key, stored):
        raise InvalidRequest("The provided encryption parameters did not match the ones used originally.")


def check_upload_request(params: Params, upload: Upload) -> None:
    """CompleteMultipartUpload and ListParts: S3 wants the SSE-C key only of an upload created with
    a checksum algorithm (its part checksums are encrypted with the key)."""
    check_part(params, upload.template, required=upload.checksum_algorithm is not None)
