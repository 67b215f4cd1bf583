"""Bucket configurations: one store for all of them (``Bucket.configs``) and the simple ones.

Each configuration is kept under a name as the document its Put received (keyed by model member
names). A missing name means AWS's value for a new bucket: since 2023 S3 gives every new bucket
default encryption (SSE-S3), Block Public Access and BucketOwnerEnforced ownership. ``None`` means
the configuration was deleted.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

from botocore.model import Shape

from .. import model
from ..errors import (
    InvalidArgument,
    InvalidRequest,
    InvalidTag,
    MalformedXML,
    MetadataConfigurationNotFound,
    NoSuchBucketPolicy,
    NoSuchCORSConfiguration,
    NoSuchLifecycleConfiguration,
    NoSuchPublicAccessBlockConfiguration,
    NoSuchTagSet,
    NoSuchWebsiteConfiguration,
    OwnershipControlsNotFoundError,
    ReplicationConfigurationNotFoundError,
    S3Error,
    ServerSideEncryptionConfigurationNotFoundError,
)
from ..store import Bucket
from . import Context, Params, Result, operation
from .tagging import tag_set, validate_tags

ACCOUNT_ID = "123456789012"  # the emulated AWS account (the documentation's example account)
PUBLIC_ACCESS_BLOCK = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
MAX_BUCKET_TAGS = 50

# the error a Get answers with when the bucket has no such configuration
_MISSING: dict[str, type[S3Error]] = {
    "cors": NoSuchCORSConfiguration,
    "encryption": ServerSideEncryptionConfigurationNotFoundError,
    "lifecycle": NoSuchLifecycleConfiguration,
    "metadata": MetadataConfigurationNotFound,
    "ownership": OwnershipControlsNotFoundError,
    "policy": NoSuchBucketPolicy,
    "public_access_block": NoSuchPublicAccessBlockConfiguration,
    "replication": ReplicationConfigurationNotFoundError,
    "tagging": NoSuchTagSet,
    "website": NoSuchWebsiteConfiguration,
}
# what S3 gives a new bucket (made fresh for every caller)
_DEFAULTS: dict[str, Callable[[], Any]] = {
    "encryption": lambda: {
        "Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
        ]
    },
    "public_access_block": lambda: dict.fromkeys(PUBLIC_ACCESS_BLOCK, True),
    "ownership": lambda: {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    "request_payment": lambda: {"Payer": "BucketOwner"},
    "abac": lambda: {"Status": "Disabled"},
}
# deleting the bucket's encryption goes back to SSE-S3: a bucket is never unencrypted
_RESET_ON_DELETE = frozenset({"encryption"})


def current(bucket: Bucket, name: str) -> Any:
    """The bucket's configuration ``name``, AWS's default when never set; None when it has none."""
    if name in bucket.configs:
        return bucket.configs[name]
    factory = _DEFAULTS.get(name)
    return factory() if factory is not None else None


def read(ctx: Context, params: Params, name: str) -> Any:
    """The configuration a Get answers with: NoSuchBucket, or the configuration's own 404."""
    bucket_name: str = params["Bucket"]
    with ctx.store.lock:
        value = current(ctx.store.bucket(bucket_name), name)
    if value is None:
        raise _MISSING[name](BucketName=bucket_name)
    return value


def write(ctx: Context, params: Params, name: str, value: Any) -> None:
    with ctx.store.lock:
        ctx.store.bucket(params["Bucket"]).configs[name] = value


def remove(ctx: Context, params: Params, name: str) -> None:
    """Delete a configuration; deleting one that is not there succeeds too (204)."""
    with ctx.store.lock:
        configs = ctx.store.bucket(params["Bucket"]).configs
        if name in _DEFAULTS and name not in _RESET_ON_DELETE:
            configs[name] = None
        else:
            configs.pop(name, None)


def document(ctx: Context, params: Params, operation_name: str) -> Any:
    """The XML document of a Put, after S3's schema checks; NoSuchBucket comes first."""
    ctx.store.bucket(params["Bucket"])
    shape = model.operation(operation_name).input_shape
    assert shape is not None
    payload: str = shape.serialization["payload"]
    value = params.get(payload)
    if value is None:
        raise MalformedXML()
    check_enums(shape.members[payload], value)
    return value


def check_enums(shape: Shape, value: Any) -> None:
    """MalformedXML for a value outside its enum anywhere in a document (S3 checks its schema)."""
    if shape.type_name == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]  # StructureShape
            if name in value:
                check_enums(member, value[name])
    elif shape.type_name == "list":
        for item in value:
            check_enums(shape.member, item)  # type: ignore[attr-defined]  # ListShape
    elif shape.type_name == "string" and shape.enum and value not in shape.enum:  # type: ignore[attr-defined]  # StringShape
        raise MalformedXML()


def generated_id() -> str:
    """An id like the ones S3 gives rules and notifications sent without one."""
    return base64.b64encode(uuid.uuid4().hex.encode()).decode().rstrip("=")


# --- encryption -----------------------------------------------------------------------------------


@operation("PutBucketEncryption")
def put_bucket_encryption(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutBucketEncryption")
    for rule in config["Rules"]:
        by_default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if by_default.get("KMSMasterKeyID") and by_default["SSEAlgorithm"] not in ("aws:kms", "aws:kms:dsse"):
            raise InvalidArgument(
                "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or "
                "aws:kms:dsse",
                ArgumentName="ApplyServerSideEncryptionByDefault",
            )
    write(ctx, params, "encryption", config)
    return {}


@operation("GetBucketEncryption")
def get_bucket_encryption(ctx: Context, params: Params) -> Result:
    return {"ServerSideEncryptionConfiguration": read(ctx, params, "encryption")}


@operation("DeleteBucketEncryption")
def delete_bucket_encryption(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "encryption")
    return {}


# --- CORS -----------------------------------------------------------------------------------------

_CORS_METHODS = frozenset({"GET", "PUT", "HEAD", "POST", "DELETE"})
MAX_CORS_RULES = 100


def _check_cors_rule(rule: dict[str, Any]) -> None:
    for method in rule["AllowedMethods"]:
        if method not in _CORS_METHODS:
            raise InvalidRequest(
                f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            )
    for member, element in (("AllowedOrigins", "AllowedOrigin"), ("AllowedHeaders", "AllowedHeader")):
        for value in rule.get(member) or []:
            if value.count("*") > 1:
                raise InvalidRequest(f'{element} "{value}" can not have more than one wildcard.')


@operation("PutBucketCors")
def put_bucket_cors(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutBucketCors")
    if not 1 <= len(config["CORSRules"]) <= MAX_CORS_RULES:
        raise MalformedXML()
    for rule in config["CORSRules"]:
        _check_cors_rule(rule)
    write(ctx, params, "cors", config)
    return {}


@operation("GetBucketCors")
def get_bucket_cors(ctx: Context, params: Params) -> Result:
    return {"CORSRules": read(ctx, params, "cors")["CORSRules"]}


@operation("DeleteBucketCors")
def delete_bucket_cors(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "cors")
    return {}


# --- website --------------------------------------------------------------------------------------


def _check_website(config: dict[str, Any]) -> None:
    if config.get("RedirectAllRequestsTo") is not None:
        if len(config) > 1:
            raise InvalidArgument(
                "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
                ArgumentName="RedirectAllRequestsTo",
                ArgumentValue="not null",
            )
        return
    index = config.get("IndexDocument")
    if index is None:
        raise InvalidArgument(
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            ArgumentName="IndexDocument",
            ArgumentValue="null",
        )
    if not index["Suffix"] or "/" in index["Suffix"]:
        raise InvalidArgument(
            "The IndexDocument Suffix is not well formed",
            ArgumentName="IndexDocument",
            ArgumentValue=index["Suffix"],
        )
    for rule in config.get("RoutingRules") or []:
        if {"ReplaceKeyPrefixWith", "ReplaceKeyWith"} <= set(rule["Redirect"]):
            raise InvalidRequest("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")


@operation("PutBucketWebsite")
def put_bucket_website(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutBucketWebsite")
    _check_website(config)
    write(ctx, params, "website", config)
    return {}


@operation("GetBucketWebsite")
def get_bucket_website(ctx: Context, params: Params) -> Result:
    return dict(read(ctx, params, "website"))


@operation("DeleteBucketWebsite")
def delete_bucket_website(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "website")
    return {}


# --- tagging --------------------------------------------------------------------------------------


@operation("PutBucketTagging")
def put_bucket_tagging(ctx: Context, params: Params) -> Result:
    tagging = document(ctx, params, "PutBucketTagging")
    pairs = [(tag["Key"], tag["Value"]) for tag in tagging["TagSet"]]
    too_many = f"Bucket tag count cannot be greater than {MAX_BUCKET_TAGS}"
    tags = validate_tags(pairs, limit=MAX_BUCKET_TAGS, too_many=too_many)
    if any(key.lower().startswith("aws:") for key in tags):
        raise InvalidTag("System tags cannot be added/updated by requester")
    # an empty TagSet removes the bucket's tags
    write(ctx, params, "tagging", tags or None)
    return {}


@operation("GetBucketTagging")
def get_bucket_tagging(ctx: Context, params: Params) -> Result:
    return {"TagSet": tag_set(read(ctx, params, "tagging"))}


@operation("DeleteBucketTagging")
def delete_bucket_tagging(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "tagging")
    return {}


# --- small settings: accelerate, request payment, ABAC --------------------------------------------


@operation("PutBucketAccelerateConfiguration")
def put_bucket_accelerate_configuration(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutBucketAccelerateConfiguration")
    if "." in params["Bucket"]:
        raise InvalidRequest(
            "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names"
        )
    if config.get("Status") is None:
        raise MalformedXML()
    write(ctx, params, "accelerate", config)
    return {}


@operation("GetBucketAccelerateConfiguration")
def get_bucket_accelerate_configuration(ctx: Context, params: Params) -> Result:
    # a bucket that never had acceleration answers an empty configuration
    with ctx.store.lock:
        config = current(ctx.store.bucket(params["Bucket"]), "accelerate")
    return dict(config or {})


@operation("PutBucketRequestPayment")
def put_bucket_request_payment(ctx: Context, params: Params) -> Result:
    write(ctx, params, "request_payment", document(ctx, params, "PutBucketRequestPayment"))
    return {}


@operation("GetBucketRequestPayment")
def get_bucket_request_payment(ctx: Context, params: Params) -> Result:
    return dict(read(ctx, params, "request_payment"))


@operation("PutBucketAbac")
def put_bucket_abac(ctx: Context, params: Params) -> Result:
    write(ctx, params, "abac", document(ctx, params, "PutBucketAbac"))
    return {}


@operation("GetBucketAbac")
def get_bucket_abac(ctx: Context, params: Params) -> Result:
    return {"AbacStatus": read(ctx, params, "abac")}


# --- public access block, ownership controls ------------------------------------------------------


@operation("PutPublicAccessBlock")
def put_public_access_block(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutPublicAccessBlock")
    # a setting left out is false
    write(ctx, params, "public_access_block", {name: bool(config.get(name)) for name in PUBLIC_ACCESS_BLOCK})
    return {}


@operation("GetPublicAccessBlock")
def get_public_access_block(ctx: Context, params: Params) -> Result:
    return {"PublicAccessBlockConfiguration": read(ctx, params, "public_access_block")}


@operation("DeletePublicAccessBlock")
def delete_public_access_block(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "public_access_block")
    return {}


@operation("PutBucketOwnershipControls")
def put_bucket_ownership_controls(ctx: Context, params: Params) -> Result:
    config = document(ctx, params, "PutBucketOwnershipControls")
    if len(config["Rules"]) != 1:
        raise MalformedXML()
    from .acl import check_ownership_change  # here: acl.py reads configurations through this module

    check_ownership_change(ctx.store.bucket(params["Bucket"]), config)
    write(ctx, params, "ownership", config)
    return {}


@operation("GetBucketOwnershipControls")
def get_bucket_ownership_controls(ctx: Context, params: Params) -> Result:
    return {"OwnershipControls": read(ctx, params, "ownership")}


@operation("DeleteBucketOwnershipControls")
def delete_bucket_ownership_controls(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "ownership")
    return {}
