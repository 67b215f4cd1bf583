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

from collections.abc import Callable
from typing import Any

from ..errors import (
    AccessControlListNotSupported,
    AccessDenied,
    InvalidArgument,
    InvalidBucketAclWithBlockPublicAccessError,
    InvalidBucketAclWithObjectOwnership,
    S3Error,
)
from ..identity import Accounts
from ..store import Bucket, ObjectVersion
from . import Context, Params, Result, operation
from .acl_grants import (
    BUCKET_CANNED,
    OBJECT_CANNED,
    Grant,
    Scope,
    grant_headers_sent,
    grants_others,
    is_owner_full_control,
    is_public,
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


def _stored(grants: list[Grant], scope: Scope) -> list[Grant] | None:
    return None if grants == scope.owner_full_control() else grants


def acl_scope(ctx: Context, bucket: Bucket, owner: str | None = None) -> Scope:
    """The scope of an ACL on ``bucket`` (``owner``: of an object in it another account owns)."""
    return Scope(bucket.region, ctx.accounts, owner or bucket.owner, bucket.owner)


def object_owners(ctx: Context, bucket: Bucket) -> Callable[[ObjectVersion], dict[str, str]]:
    """The ``Owner`` listings show for each object of ``bucket``: its writer's, else the bucket's."""
    scope = acl_scope(ctx, bucket)
    bucket_owner = scope.named(bucket.owner)
    return lambda obj: bucket_owner if obj.owner is None else scope.named(obj.owner)


def _gives_bucket_owner_full_control(params: Params, canned: frozenset[str], scope: Scope) -> bool:
    """What a bucket with ACLs disabled accepts: bucket-owner-full-control, or that grant written out."""
    if params.get("ACL") is not None:
        return params["ACL"] == "bucket-owner-full-control" and not grant_headers_sent(params)
    try:
        grants = requested_grants(params, canned, scope, document="AccessControlPolicy" in params)
    except S3Error:
        return False
    return grants is not None and is_owner_full_control(grants, scope.bucket_owner)


def _checked(
    bucket: Bucket, params: Params, canned: frozenset[str], document: bool, scope: Scope
) -> list[Grant] | None:
    """The ACL a request sets on ``bucket`` or one of its objects (None: it sets none), after the
    checks against Object Ownership and Block Public Access. With ACLs disabled, the ACL that
    passes is the owner's FULL_CONTROL, which is what such a bucket reports anyway."""
    sets_acl = params.get("ACL") is not None or grant_headers_sent(params)
    if (sets_acl or document) and acls_disabled(bucket):
        if not _gives_bucket_owner_full_control(params, canned, scope):
            raise AccessControlListNotSupported()
        return scope.owner_full_control()
    grants = requested_grants(params, canned, scope, document)
    if grants is not None and _blocks_public_acls(bucket) and is_public(grants):
        raise AccessDenied()
    return grants


# the canonical id S3 gives what an anonymous caller writes (under ObjectWriter the bucket owner
# then reads it only where its ACL says so, a known pitfall of public-write buckets)
ANONYMOUS_ID = "65a011a29cdf8ec533ec3d1ccaae921c"


def _writer_owns(bucket: Bucket, params: Params) -> bool:
    """Whether an object another account writes is its own: not with BucketOwnerEnforced, nor with
    BucketOwnerPreferred when the writer gives the bucket owner full control."""
    setting = ownership(bucket)
    if setting == ENFORCED:
        return False
    return not (setting == "BucketOwnerPreferred" and params.get("ACL") == "bucket-owner-full-control")


def new_object_acl(ctx: Context, params: Params) -> tuple[str | None, list[Grant] | None]:
    """The owner (None: the bucket owner) and ACL (None: the owner's FULL_CONTROL) of the object a
    PutObject, CopyObject or CreateMultipartUpload makes. A copy never takes its source's ACL.
    NoSuchBucket comes first. An anonymous writer's object belongs to S3's anonymous user."""
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        writer = ctx.caller.canonical_id if ctx.caller is not None else ANONYMOUS_ID
        owner = writer if writer != bucket.owner and _writer_owns(bucket, params) else None
        scope = acl_scope(ctx, bucket, owner)
        grants = _checked(bucket, params, OBJECT_CANNED, False, scope)
    return owner, None if grants is None else _stored(grants, scope)


def new_bucket_configs(
    params: Params,
    region: str,
    legacy: bool = False,
    accounts: Accounts | None = None,
    owner: str = OWNER["ID"],
) -> dict[str, Any]:
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
    scope = Scope(region, accounts, owner, owner)
    grants = requested_grants(params, BUCKET_CANNED, scope)
    if grants is None:
        return configs
    enforced = (chosen or ("ObjectWriter" if legacy else ENFORCED)) == ENFORCED
    if enforced and not is_owner_full_control(grants, owner):
        raise InvalidBucketAclWithObjectOwnership()
    if is_public(grants) and not legacy:
        raise InvalidBucketAclWithBlockPublicAccessError()
    if chosen is None and not legacy and params.get("ACL") == "private":
        # kept from before ACLs were disabled by default: a bucket created with the private canned
        # ACL and no ownership setting gets BucketOwnerPreferred
        configs["ownership"] = {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    if _stored(grants, scope) is not None:
        configs[ACL_CONFIG] = grants
    return configs


def check_ownership_change(bucket: Bucket, config: dict[str, Any]) -> None:
    """ACLs cannot be disabled while the bucket's own ACL grants anyone but its owner."""
    disabling = config["Rules"][0].get("ObjectOwnership") == ENFORCED
    if disabling and grants_others(bucket.configs.get(ACL_CONFIG), bucket.owner):
        raise InvalidBucketAclWithObjectOwnership()


def _policy(grants: list[Grant] | None, scope: Scope) -> Result:
    # an ACL with no grants at all is kept as such: nobody, not even the owner, has a grant
    grants = scope.owner_full_control() if grants is None else list(grants)
    return {"Owner": scope.named(scope.owner), "Grants": grants}


@operation("PutBucketAcl")
def put_bucket_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        scope = acl_scope(ctx, bucket)
        grants = _checked(bucket, params, BUCKET_CANNED, True, scope)
        assert grants is not None  # a Put*Acl without an ACL fails with MissingSecurityHeader
        bucket.configs[ACL_CONFIG] = _stored(grants, scope)
    return {}


@operation("GetBucketAcl")
def get_bucket_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        grants = None if acls_disabled(bucket) else bucket.configs.get(ACL_CONFIG)
        return _policy(grants, acl_scope(ctx, bucket))


@operation("PutObjectAcl")
def put_object_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        obj = ctx.store.get_object(bucket.name, params["Key"], params.get("VersionId"))
        scope = acl_scope(ctx, bucket, obj.owner)
        grants = _checked(bucket, params, OBJECT_CANNED, True, scope)
        assert grants is not None  # a Put*Acl without an ACL fails with MissingSecurityHeader
        obj.acl = _stored(grants, scope)
    return {}


@operation("GetObjectAcl")
def get_object_acl(ctx: Context, params: Params) -> Result:
    with ctx.store.lock:
        bucket = ctx.store.bucket(params["Bucket"])
        obj = ctx.store.get_object(bucket.name, params["Key"], params.get("VersionId"))
        # with ACLs disabled S3 reports the bucket owner's full control, whatever was set before
        if acls_disabled(bucket):
            return _policy(None, acl_scope(ctx, bucket))
        return _policy(obj.acl, acl_scope(ctx, bucket, obj.owner))
