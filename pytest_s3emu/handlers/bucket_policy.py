"""Bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus, with S3's checks.

The policy is stored as the text it was put with, and compiled once (``Bucket.policy``) for
:mod:`access` to evaluate on every request; S3's checks of the document apply, and so does Block
Public Access's BlockPublicPolicy (on by default since 2023).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from typing import Any

from ..errors import AccessDenied, MalformedPolicy
from ..policy import compile_policy
from . import Context, Params, Result, operation
from .bucket_config import ACCOUNT_ID, current, read, remove

_EFFECTS = ("Allow", "Deny")
_ARN_PREFIXES = ("arn:aws:s3:::", "arn:aws-cn:s3:::", "arn:aws-us-gov:s3:::")
# condition keys that tie a statement to known callers: with a fixed value, the statement is not
# public (the list of S3's "The meaning of public")
_RESTRICTING_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceIp",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:userid",
        "s3:DataAccessPointAccount",
        "s3:DataAccessPointArn",
    )
)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_utf8(text: str) -> bool:
    """False for a body that arrived undecodable (lone surrogates of surrogateescape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_policy(text: str) -> dict[str, Any]:
    """The policy document; MalformedPolicy when it is not a JSON object (of UTF-8 text)."""
    if not text.isascii() and not _is_utf8(text):
        raise MalformedPolicy()
    if not text.lstrip().startswith("{"):
        raise MalformedPolicy()
    try:
        policy = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise MalformedPolicy() from None
    if not isinstance(policy, dict):
        raise MalformedPolicy()
    return policy


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    if "Statement" not in policy:
        raise MalformedPolicy("Missing required field Statement")
    statements = _as_list(policy["Statement"])
    if not statements or not all(isinstance(statement, dict) for statement in statements):
        raise MalformedPolicy()
    return statements


def _require(statement: dict[str, Any], field: str) -> None:
    if field not in statement and f"Not{field}" not in statement:
        raise MalformedPolicy(f"Missing required field {field}")


def _valid_resource(resource: Any, bucket: str) -> bool:
    """A resource of this bucket: the bucket's ARN or its objects', wildcards allowed."""
    if not isinstance(resource, str) or not resource.startswith(_ARN_PREFIXES):
        return False
    name = resource.split(":::", 1)[1].split("/", 1)[0]
    return fnmatch.fnmatchcase(bucket, name)


def check_statement(statement: dict[str, Any], bucket: str) -> None:
    """S3's checks of one statement: required fields, effect, actions and resources."""
    if "Effect" not in statement:
        raise MalformedPolicy("Missing required field Effect")
    if statement["Effect"] not in _EFFECTS:
        raise MalformedPolicy(f"Invalid effect: {statement['Effect']}")
    for field in ("Principal", "Action", "Resource"):
        _require(statement, field)
    for action in _as_list(statement.get("Action", statement.get("NotAction"))):
        if not isinstance(action, str) or not (action == "*" or action.lower().startswith("s3:")):
            raise MalformedPolicy("Policy has invalid action")
    for resource in _as_list(statement.get("Resource", statement.get("NotResource"))):
        if not _valid_resource(resource, bucket):
            raise MalformedPolicy("Policy has invalid resource")


def _fixed(key: str, value: Any) -> bool:
    text = str(value)
    if "*" in text or "?" in text:
        return False
    if key.lower() == "aws:sourceip":
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return False
        # S3 still calls a range wider than /8 (IPv4) or /32 (IPv6) public
        return network.prefixlen >= (8 if network.version == 4 else 32)
    return True


def _restricted(condition: Any) -> bool:
    """Whether a condition ties the statement to fixed callers (not negated, not IfExists)."""
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if "Not" in operator or operator.endswith("IfExists") or not isinstance(tests, dict):
            continue
        for key, values in tests.items():
            if key.lower() in _RESTRICTING_KEYS and all(_fixed(key, v) for v in _as_list(values)):
                return True
    return False


def _wildcard_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def is_public(policy: dict[str, Any]) -> bool:
    """S3's "public": an Allow for everyone (Principal "*") not tied to fixed callers."""
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in statement:
            return True
        if _wildcard_principal(statement.get("Principal")) and not _restricted(statement.get("Condition")):
            return True
    return False


@operation("PutBucketPolicy")
def put_bucket_policy(ctx: Context, params: Params) -> Result:
    bucket: str = params["Bucket"]
    ctx.store.bucket(bucket)
    text: str = params.get("Policy") or ""
    policy = parse_policy(text)
    for statement in _statements(policy):
        check_statement(statement, bucket)
    public = is_public(policy)
    compiled = compile_policy(policy, public)
    with ctx.store.lock:
        block = current(ctx.store.bucket(bucket), "public_access_block") or {}
    if block.get("BlockPublicPolicy") and public:
        arn = ctx.caller.arn if ctx.caller is not None else f"arn:aws:iam::{ACCOUNT_ID}:root"
        raise AccessDenied(
            f"User: {arn} is not authorized to perform: s3:PutBucketPolicy on "
            f'resource: "arn:aws:s3:::{bucket}" because public policies are blocked by the '
            "BlockPublicPolicy block public access setting."
        )
    with ctx.store.lock:
        target = ctx.store.bucket(bucket)
        target.configs["policy"] = text
        target.policy = compiled
    return {}


@operation("GetBucketPolicy")
def get_bucket_policy(ctx: Context, params: Params) -> Result:
    return {"Policy": read(ctx, params, "policy")}


@operation("DeleteBucketPolicy")
def delete_bucket_policy(ctx: Context, params: Params) -> Result:
    remove(ctx, params, "policy")
    ctx.store.bucket(params["Bucket"]).policy = None
    return {}


@operation("GetBucketPolicyStatus")
def get_bucket_policy_status(ctx: Context, params: Params) -> Result:
    policy = parse_policy(read(ctx, params, "policy"))
    return {"PolicyStatus": {"IsPublic": is_public(policy)}}
