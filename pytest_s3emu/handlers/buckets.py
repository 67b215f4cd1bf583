"""Bucket operations: create, head, list, delete, location."""

from __future__ import annotations

import ipaddress
import re

from ..errors import (
    BucketAlreadyExists,
    IllegalLocationConstraintException,
    InvalidArgument,
    InvalidBucketName,
    InvalidLocationConstraint,
)
from ..store import Bucket
from . import Context, Params, Result, operation
from .object_lock import enable_object_lock
from .tokens import decode_token, encode_token

US_EAST_1 = "us-east-1"
OWNER = {"DisplayName": "s3emu", "ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def validate_bucket_name(name: str) -> None:
    """AWS's naming rules for general purpose buckets; InvalidBucketName otherwise."""
    valid = (
        bool(_NAME.match(name))
        and ".." not in name
        and ".-" not in name
        and "-." not in name
        and not name.startswith(_RESERVED_PREFIXES)
        and not name.endswith(_RESERVED_SUFFIXES)
        and not _is_ip_address(name)
    )
    if not valid:
        raise InvalidBucketName(BucketName=name)


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def _location(params: Params, region: str) -> str:
    """The bucket's region, following AWS's rules on LocationConstraint vs. the endpoint's region."""
    config = params.get("CreateBucketConfiguration") or {}
    constraint = config.get("LocationConstraint")
    if constraint is None:
        if region != US_EAST_1:
            raise IllegalLocationConstraintException(
                "The unspecified location constraint is incompatible for the region specific "
                "endpoint this request was sent to."
            )
        return US_EAST_1
    if constraint == "EU":
        constraint = "eu-west-1"
    if constraint == US_EAST_1 or not _REGION.match(constraint):
        raise InvalidLocationConstraint(LocationConstraint=constraint)
    if region not in (US_EAST_1, constraint):
        raise IllegalLocationConstraintException(
            f"The {constraint} location constraint is incompatible for the region specific "
            "endpoint this request was sent to."
        )
    return constraint


@operation("CreateBucket")
def create_bucket(ctx: Context, params: Params) -> Result:
    name: str = params["Bucket"]
    validate_bucket_name(name)
    location = _location(params, ctx.region)
    from .acl import new_bucket_configs  # here: acl.py takes OWNER from this module

    owner = ctx.caller.canonical_id if ctx.caller is not None else OWNER["ID"]
    # ObjectOwnership and the ACL, after S3's checks
    configs = new_bucket_configs(params, location, ctx.store.legacy_defaults, ctx.accounts, owner)
    with ctx.store.lock:
        existing = ctx.store.buckets.get(name)
        if existing is not None and existing.owner != owner:
            raise BucketAlreadyExists(BucketName=name)  # the namespace is shared by all accounts
        # legacy behaviour AWS keeps in us-east-1: re-creating your own bucket answers 200
        if existing is None or existing.region != US_EAST_1 or location != US_EAST_1:
            bucket = ctx.store.create_bucket(name, location, owner)
            bucket.configs.update(configs)
            if params.get("ObjectLockEnabledForBucket"):
                enable_object_lock(bucket)  # which turns versioning on
    return {"Location": f"/{name}"}


@operation("HeadBucket")
def head_bucket(ctx: Context, params: Params) -> Result:
    bucket = ctx.store.bucket(params["Bucket"])
    return {"BucketRegion": bucket.region, "AccessPointAlias": False}


@operation("DeleteBucket")
def delete_bucket(ctx: Context, params: Params) -> Result:
    ctx.store.delete_bucket(params["Bucket"])
    return {}


@operation("GetBucketLocation")
def get_bucket_location(ctx: Context, params: Params) -> Result:
    region = ctx.store.bucket(params["Bucket"]).region
    # us-east-1 buckets report an empty LocationConstraint
    return {"LocationConstraint": None if region == US_EAST_1 else region}


def _entry(bucket: Bucket) -> dict[str, object]:
    return {"Name": bucket.name, "CreationDate": bucket.created, "BucketRegion": bucket.region}


@operation("ListBuckets")
def list_buckets(ctx: Context, params: Params) -> Result:
    prefix: str = params.get("Prefix") or ""
    region: str | None = params.get("BucketRegion")
    limit: int | None = params.get("MaxBuckets")
    if limit is not None and not 1 <= limit <= 10000:
        raise InvalidArgument(
            "Argument max-buckets must be an integer between 1 and 10000",
            ArgumentName="max-buckets",
            ArgumentValue=str(limit),
        )
    token: str | None = params.get("ContinuationToken")
    after = decode_token(token) if token else ""
    owner = ctx.caller.owner() if ctx.caller is not None else OWNER
    buckets = [
        b
        for b in ctx.store.list_buckets()
        if b.owner == owner["ID"]
        and b.name.startswith(prefix)
        and (region is None or b.region == region)
        and b.name > after
    ]
    result: Result = {"Owner": owner, "Prefix": params.get("Prefix")}
    if limit is not None and len(buckets) > limit:
        buckets = buckets[:limit]
        result["ContinuationToken"] = encode_token(buckets[-1].name)
    result["Buckets"] = [_entry(b) for b in buckets]
    return result
