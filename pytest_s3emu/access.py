"""Authorization: whether the caller may perform an operation, decided as S3 decides it.

In S3's order: a request that names no bucket (ListBuckets) needs a signed caller; a bucket that
does not exist is the handler's NoSuchBucket. Otherwise the bucket policy is evaluated (an
explicit Deny wins over everything, Block Public Access's RestrictPublicBuckets drops a public
policy's grants to other accounts and anonymous callers), then the ACLs (unless Object Ownership
is BucketOwnerEnforced; IgnorePublicAcls drops grants to AllUsers and AuthenticatedUsers), then
ownership: the bucket owner may do anything its policy does not deny.

Every account acts as its root user: there are no IAM users and no identity-based policies, so
a bucket policy or ACL that allows another account is enough for it.

The bucket owner's request to a bucket without a policy returns after two dictionary lookups.
"""

from __future__ import annotations

from typing import Any

from . import policy as policies
from .errors import AccessDenied
from .handlers.acl_grants import ALL_USERS, AUTHENTICATED_USERS, PUBLIC_GROUPS
from .identity import Account
from .request import HttpRequest
from .store import Bucket, ObjectVersion, Store

# operations whose S3 action is not "s3:" + the operation name
_ACTIONS = {
    "HeadObject": "GetObject",
    "SelectObjectContent": "GetObject",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListParts": "ListMultipartUploadParts",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "UploadPartCopy": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "CopyObject": "PutObject",
    "DeleteObjects": "DeleteObject",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "PutBucketCors": "PutBucketCORS",
    "GetBucketCors": "GetBucketCORS",
    "DeleteBucketCors": "PutBucketCORS",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketTagging": "PutBucketTagging",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "PutBucketReplication": "PutReplicationConfiguration",
    "GetBucketReplication": "GetReplicationConfiguration",
    "DeleteBucketReplication": "PutReplicationConfiguration",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
    "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
}
# object operations whose action names the version when the request names one
_VERSIONED = {
    "GetObject": "GetObjectVersion",
    "HeadObject": "GetObjectVersion",
    "DeleteObject": "DeleteObjectVersion",
    "GetObjectAcl": "GetObjectVersionAcl",
    "PutObjectAcl": "PutObjectVersionAcl",
    "GetObjectTagging": "GetObjectVersionTagging",
    "PutObjectTagging": "PutObjectVersionTagging",
    "DeleteObjectTagging": "DeleteObjectVersionTagging",
}
# what each ACL permission allows, on a bucket and on an object (S3 User Guide, "Access control
# list (ACL) overview", "Mapping of ACL permissions and access policy permissions")
_BUCKET_ACL = {
    "READ": frozenset({"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"}),
    "WRITE": frozenset({"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"}),
    "READ_ACP": frozenset({"s3:GetBucketAcl"}),
    "WRITE_ACP": frozenset({"s3:PutBucketAcl"}),
}
_OBJECT_ACL = {
    "READ": frozenset({"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTorrent"}),
    "WRITE": frozenset(),
    "READ_ACP": frozenset({"s3:GetObjectAcl", "s3:GetObjectVersionAcl"}),
    "WRITE_ACP": frozenset({"s3:PutObjectAcl", "s3:PutObjectVersionAcl"}),
}
_BUCKET_ACL["FULL_CONTROL"] = frozenset().union(*_BUCKET_ACL.values())
_OBJECT_ACL["FULL_CONTROL"] = frozenset().union(*_OBJECT_ACL.values())
# object actions an object's own ACL decides (the others need the bucket's), and their operations
_OBJECT_ACL_ACTIONS = _OBJECT_ACL["FULL_CONTROL"]
_OBJECT_ACL_OPERATIONS = frozenset({"GetObject", "HeadObject", "GetObjectAcl", "PutObjectAcl"})


# reads whose missing key is told apart from a forbidden one only to a caller allowed to list
_READS = frozenset({"GetObject", "HeadObject"})
_INITIATOR_MAY = frozenset({"ListParts", "AbortMultipartUpload"})


# the bucket owner's root user may always manage the policy, even one denying it everything (S3
# User Guide, "Bucket policies": "the root user of the account that owns the bucket can always
# perform GetBucketPolicy, PutBucketPolicy and DeleteBucketPolicy")
_OWNER_ALWAYS = frozenset({"GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"})


def action(operation: str, params: dict[str, Any]) -> str:
    """The S3 action (``s3:GetObject``) an operation needs."""
    if params.get("VersionId") is not None and operation in _VERSIONED:
        return "s3:" + _VERSIONED[operation]
    return "s3:" + _ACTIONS.get(operation, operation)


def resource(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def authorize(
    store: Store, caller: Account | None, operation: str, params: dict[str, Any], request: HttpRequest
) -> None:
    """Return if ``caller`` (None: anonymous) may perform ``operation``; else raise AccessDenied."""
    name: str | None = params.get("Bucket")
    if name is None or operation == "CreateBucket":
        if caller is None:
            raise AccessDenied()  # ListBuckets and CreateBucket need a signed request
        return
    bucket = store.buckets.get(name)
    if bucket is None:
        return  # the handler answers NoSuchBucket
    if _owner_unchecked(bucket, caller, operation, params.get("Key"), params.get("VersionId")):
        return  # the owner, and no policy that could deny it
    if operation == "DeleteObjects":
        keys = [item.get("Key", "") for item in (params.get("Delete") or {}).get("Objects") or ()]
        for each in keys or [""]:
            _decide(store, bucket, caller, "s3:DeleteObject", each, params, request)
        return
    key: str | None = params.get("Key")
    wanted = action(operation, params)
    if operation in _INITIATOR_MAY and _initiated_by(bucket, params, caller):
        # the account that created an upload may list its parts and abort it (S3 User Guide,
        # "Multipart upload API and permissions"); an explicit deny still wins
        _policy_verdict(store, bucket, caller, wanted, key, params, request)
        return
    if operation in _READS and key not in bucket.objects and params.get("VersionId") is None:
        # S3 says NoSuchKey only to a caller that may list the keys anyway, AccessDenied to any
        # other (GetObject, "Permissions"); no object ACL is there to ask, so listing decides,
        # unless the policy denies the read outright
        _policy_verdict(store, bucket, caller, wanted, key, params, request)  # a DENY raises
        _decide(store, bucket, caller, "s3:ListBucket", None, {"Bucket": name}, request)
    else:
        _decide(store, bucket, caller, wanted, key, params, request)
    source = params.get("CopySource")
    if source is not None and operation in ("CopyObject", "UploadPartCopy"):
        _authorize_source(store, caller, source, request)


def _initiated_by(bucket: Bucket, params: dict[str, Any], caller: Account | None) -> bool:
    upload = bucket.uploads.get(params.get("UploadId") or "")
    return upload is not None and caller is not None and upload.initiator == caller.canonical_id


def _authorize_source(store: Store, caller: Account | None, source: Any, request: HttpRequest) -> None:
    """A copy also needs s3:GetObject on its source (when the source bucket exists)."""
    if not isinstance(source, dict):
        return
    bucket = store.buckets.get(source.get("Bucket", ""))
    if bucket is None or _owner_unchecked(
        bucket, caller, "GetObject", source.get("Key"), source.get("VersionId")
    ):
        return
    params = {"Bucket": bucket.name, "Key": source.get("Key"), "VersionId": source.get("VersionId")}
    _decide(store, bucket, caller, action("GetObject", params), params["Key"], params, request)


def _owner_unchecked(bucket: Bucket, caller: Account | None, operation: str, key: Any, version: Any) -> bool:
    """The bucket owner's request needs no evaluation when no policy could deny it (and it does
    not read or manage the ACL of an object another account owns)."""
    if caller is None or bucket.owner != caller.canonical_id:
        return False
    if operation in _OBJECT_ACL_OPERATIONS and _owned_by_another(bucket, key, version):
        return False
    return bucket.policy is None or operation in _OWNER_ALWAYS


def _object_of(bucket: Bucket, key: Any, version: Any) -> ObjectVersion | None:
    """The object version a request names: the current one, or the ``versionId`` it gives."""
    if not isinstance(key, str):
        return None
    return bucket.objects.get(key) if not isinstance(version, str) else bucket.version(key, version)


def _owned_by_another(bucket: Bucket, key: Any, version: Any) -> bool:
    """Whether the object at ``key`` belongs to an account other than the bucket's owner (one it
    wrote under ObjectWriter): only its ACL lets the bucket owner read it (S3 User Guide,
    "Controlling ownership of objects")."""
    obj = _object_of(bucket, key, version)
    if obj is None or obj.owner is None:
        return False
    from .handlers.acl import acls_disabled

    return not acls_disabled(bucket)  # BucketOwnerEnforced: the bucket owner owns every object


def _policy_verdict(
    store: Store,
    bucket: Bucket,
    caller: Account | None,
    wanted: str,
    key: str | None,
    params: dict[str, Any],
    request: HttpRequest,
) -> str | None:
    """The bucket policy's ALLOW, or None (no policy, or no statement applies); a DENY raises."""
    compiled: policies.Policy | None = bucket.policy
    if compiled is None:
        return None
    target = resource(bucket.name, key)
    context = policies.Context(caller, request, params, store, bucket, key)
    verdict = compiled.evaluate(caller, wanted, target, context)
    if verdict == policies.DENY:
        raise AccessDenied(_denied_message(caller, wanted, target, explicit=True))
    return verdict


def _decide(
    store: Store,
    bucket: Bucket,
    caller: Account | None,
    wanted: str,
    key: str | None,
    params: dict[str, Any],
    request: HttpRequest,
) -> None:
    owner = caller is not None and bucket.owner == caller.canonical_id
    verdict = _policy_verdict(store, bucket, caller, wanted, key, params, request)
    if (
        verdict == policies.ALLOW
        and bucket.policy is not None
        and (owner or not _restricted(bucket, bucket.policy))
    ):
        return
    version = params.get("VersionId")
    if owner and wanted in _OBJECT_ACL_ACTIONS and _owned_by_another(bucket, key, version):
        owner = False  # another account's object: its ACL decides, for the bucket owner too
    if owner or _acl_allows(bucket, caller, wanted, key, version):
        return
    raise AccessDenied(_denied_message(caller, wanted, resource(bucket.name, key), explicit=False))


def _denied_message(caller: Account | None, wanted: str, target: str, explicit: bool) -> str | None:
    if caller is None:
        return None  # an anonymous caller is told "Access Denied" only
    why = (
        "with an explicit deny in a resource-based policy"
        if explicit
        else f"because no resource-based policy allows the {wanted} action"
    )
    return f'User: {caller.arn} is not authorized to perform: {wanted} on resource: "{target}" {why}'


def _block(bucket: Bucket, setting: str) -> bool:
    from .handlers.bucket_config import current

    config = current(bucket, "public_access_block")
    return bool(config and config.get(setting))


def _restricted(bucket: Bucket, compiled: policies.Policy) -> bool:
    """RestrictPublicBuckets: a public policy grants only the bucket owner's account."""
    return compiled.public and _block(bucket, "RestrictPublicBuckets")


def _acl_allows(bucket: Bucket, caller: Account | None, wanted: str, key: str | None, version: Any) -> bool:
    from .handlers.acl import ACL_CONFIG, acls_disabled

    if acls_disabled(bucket):
        return False
    if key is not None and wanted in _OBJECT_ACL_ACTIONS:
        obj = _object_of(bucket, key, version)
        if obj is None:
            return False  # S3 then answers AccessDenied too, unless the caller may list
        if caller is not None and obj.owner == caller.canonical_id:
            return True
        grants, table, owner = obj.acl, _OBJECT_ACL, obj.owner or bucket.owner
    else:
        grants, table, owner = bucket.configs.get(ACL_CONFIG), _BUCKET_ACL, bucket.owner
    if grants is None:
        return caller is not None and caller.canonical_id == owner
    ignore_public = _block(bucket, "IgnorePublicAcls")
    for grant in grants:
        if wanted in table.get(grant["Permission"], ()) and _grantee_matches(
            grant["Grantee"], caller, ignore_public
        ):
            return True
    return False


def _grantee_matches(grantee: dict[str, str], caller: Account | None, ignore_public: bool) -> bool:
    uri = grantee.get("URI")
    if uri is not None:
        if ignore_public and uri in PUBLIC_GROUPS:
            return False
        return uri == ALL_USERS or (uri == AUTHENTICATED_USERS and caller is not None)
    if caller is None:
        return False
    return grantee.get("ID") == caller.canonical_id
