"""ACLs: Put/Get BucketAcl and ObjectAcl, and the ACL of a bucket or object its write request sets.

S3 checks a requested ACL against the bucket's settings, in this order:

* Object Ownership. BucketOwnerEnforced (the default for new buckets since April 2023) disables
  ACLs: a request that sets one fails with AccessControlListNotSupported, unless it only gives the
  bucket owner full control (the bucket-owner-full-control canned ACL, or the same grant written
  out). Reads still work and report the owner's FULL_CONTROL. ObjectWriter and
  BucketOwnerPreferred (or no ownership controls) keep ACLs.
* Block Public Access. BlockPublicAcls (on by default) refuses ACLs that grant AllUsers or
  AuthenticatedUsers: AccessDenied.

A bucket keeps its ACL in ``Bucket.configs["acl"]``, an object version in ``ObjectVersion.acl``;
None means the owner's FULL_CONTROL only.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    AccessControlListNotSupported,
    AccessDenied,
    InvalidArgument,
    InvalidBucketAclWithBlockPublicAccessError,
    InvalidBucketAclWithObjectOwnership,
    S3Error,
)
from ..store import Bucket
from . import Context, Params, Result, operation
from .acl_grants import (
    BUCKET_CANNED,
    OBJECT_CANNED,
    Grant,
    grant_headers_sent,
    grants_others,
    is_owner_full_control,
    is_public,
    owner_full_control,
    requested_grants,
)
from .bucket_config import current
from .buckets import OWNER

ACL_CONFIG = "acl"
OWNERSHIPS = frozenset({"BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"})
ENFORCED = "BucketOwnerEnforced"


def ownership(bucket: Bucket) -> str | None:
    """The bucket's Object Ownership setting; None when its ownership controls were deleted."""
    config = current(bucket, "ownership")
    return config["Rules"][0]["ObjectOwnership"] if config else None


def acls_disabled(bucket: Bucket) -> bool:
    return ownership(bucket) == ENFORCED


def _blocks_public_acls(bucket: Bucket) -> bool:
    config = current(bucket, "public_access_block")
    return bool(config and config.get("BlockPublicAcls"))


def _stored(grants: list[Grant]) -> list[Grant] | None:
    return None if grants == owner_full_control() else grants


def _gives_bucket_owner_full_control(params: Params, canned: frozenset[str], region: str) -> bool:
    """What a bucket with ACLs disabled accepts: bucket-owner-full-control, or that grant written out."""
    if params.get("ACL") is not None:
        return params["ACL"] == "bucket-owner-full-control" and not grant_headers_sent(params)
    try:
        grants = requested_grants(params, canned, region, document="AccessControlPolicy" in params)
    except S3Error:
        return False
    return grants is not None and is_owner_full_control(grants)


def _checked(bucket: Bucket, params: Params, canned: frozenset[str], document: bool) -> list[Grant] | None:
    """The ACL a request sets on ``bucket`` or one of its objects (None: it sets none), after the
    checks against Object Ownership and Block Public Access. With ACLs disabled, the ACL that
    passes is the owner's FULL_CONTROL, which is what such a bucket reports anyway."""
    sets_acl = params.get("ACL") is not None or grant_headers_sent(params)
    if (sets_acl or document) and acls_disabled(bucket):
        if not _gives_bucket_owner_full_control(params, canned, bucket.region):
            raise AccessControlListNotSupported()
        return owner_full_control()
    grants = requested_grants(params, canned, bucket.region, document)
    if grants is not None and _blocks_public_acls(bucket) and is_public(grants):
        raise AccessDenied()
    return grants


def new_object_acl(ctx: Context, params: Params) -> list[Grant] | None:
    """The ACL of the object a PutObject, CopyObject or CreateMultipartUpload makes (None: the
    owner's FULL_CONTROL). A copy never takes its source's ACL. NoSuchBucket comes first."""
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        grants = _checked(bucket, params, OBJECT_CANNED, document=False)
    return None if grants is None else _stored(grants)


def new_bucket_configs(params: Params, region: str, legacy: bool = False) -> dict[str, Any]:
    """The ownership and ACL configurations CreateBucket gives the new bucket, after S3's checks.

    A new bucket has ACLs disabled and Block Public Access on, unless the request says otherwise:
    an ACL other than the owner's full control needs ObjectOwnership ObjectWriter or
    BucketOwnerPreferred, and a public one is refused even then. With ``legacy`` (the bucket
    defaults S3 had before April 2023) a new bucket is ObjectWriter with no Block Public Access,
    and takes any ACL.
    """
    chosen: str | None = params.get("ObjectOwnership")
    if chosen is not None and chosen not in OWNERSHIPS:
        raise InvalidArgument(
            f"Invalid x-amz-object-ownership header: {chosen}",
            ArgumentName="x-amz-object-ownership",
            ArgumentValue=chosen,
        )
    configs: dict[str, Any] = {}
    if legacy:
        configs["public_access_block"] = None
    if chosen is not None or legacy:
        configs["ownership"] = {"Rules": [{"ObjectOwnership": chosen or "ObjectWriter"}]}
    grants = requested_grants(params, BUCKET_CANNED, region)
    if grants is None:
        return configs
    if (chosen or ("ObjectWriter" if legacy else ENFORCED)) == ENFORCED and not is_owner_full_control(grants):
        raise InvalidBucketAclWithObjectOwnership()
    if is_public(grants) and not legacy:
        raise InvalidBucketAclWithBlockPublicAccessError()
    if chosen is None and not legacy and params.get("ACL") == "private":
        # kept from before ACLs were disabled by default: a bucket created with the private canned
        # ACL and no ownership setting gets BucketOwnerPreferred
        configs["ownership"] = {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    if _stored(grants) is not None:
        configs[ACL_CONFIG] = grants
    return configs


def check_ownership_change(bucket: Bucket, config: dict[str, Any]) -> None:
    """ACLs cannot be disabled while the bucket's own ACL grants anyone but its owner."""
    disabling = config["Rules"][0].get("ObjectOwnership") == ENFORCED
    if disabling and grants_others(bucket.configs.get(ACL_CONFIG)):
        raise InvalidBucketAclWithObjectOwnership()


def _policy(grants: list[Grant] | None) -> Result:
    # an ACL with no grants at all is kept as such: nobody, not even the owner, has a grant
    return {"Owner": dict(OWNER), "Grants": owner_full_control() if grants is None else list(grants)}


@operation("PutBucketAcl")
def put_bucket_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        grants = _checked(bucket, params, BUCKET_CANNED, document=True)
        assert grants is not None  # a Put*Acl without an ACL fails with MissingSecurityHeader
        bucket.configs[ACL_CONFIG] = _stored(grants)
    return {}


@operation("GetBucketAcl")
def get_bucket_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        grants = None if acls_disabled(bucket) else bucket.configs.get(ACL_CONFIG)
        return _policy(grants)


@operation("PutObjectAcl")
def put_object_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        obj = ctx.store.get_object(bucket.name, params["Key"], params.get("VersionId"))
        grants = _checked(bucket, params, OBJECT_CANNED, document=True)
        assert grants is not None  # a Put*Acl without an ACL fails with MissingSecurityHeader
        obj.acl = _stored(grants)
    return {}


@operation("GetObjectAcl")
def get_object_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        obj = ctx.store.get_object(bucket.name, params["Key"], params.get("VersionId"))
        # with ACLs disabled S3 reports the bucket owner's full control, whatever was set before
        return _policy(None if acls_disabled(bucket) else obj.acl)
