"""ACL grants as S3 reads them from a request: a canned ACL (x-amz-acl), grant headers
(x-amz-grant-*: ``id="..."``, ``uri="..."``, ``emailAddress="..."``) or an AccessControlPolicy document.

A grant is kept as the model has it: ``{"Grantee": {"Type": ..., "ID"/"URI": ...}, "Permission": ...}``.
Explicit grants (headers or document) are kept exactly as sent: S3 does not add the owner's
FULL_CONTROL to them. A canned ACL always starts with it.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import (
    InvalidArgument,
    InvalidRequest,
    MalformedACLError,
    MethodNotAllowed,
    MissingSecurityHeader,
    UnexpectedContent,
    UnresolvableGrantByEmailAddress,
)
from .buckets import OWNER

Grant = dict[str, Any]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY})
# Block Public Access counts grants to everyone and to every signed request as public
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})
PERMISSIONS = frozenset({"FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"})
GRANTEE_TYPES = frozenset({"CanonicalUser", "Group", "AmazonCustomerByEmail"})
# the canonical user aws-exec-read grants READ to (Amazon EC2, reading AMI bundles)
EC2_GRANTEE = {
    "Type": "CanonicalUser",
    "ID": "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c",
    "DisplayName": "za-team",
}
# the regions where S3 answers email grantees with 405 since October 2025; elsewhere it looks the
# address up, and the emulated account knows no other account's address
EMAIL_GRANTS_REMOVED = frozenset(
    {
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "eu-west-1",
        "sa-east-1",
    }
)
_CANONICAL_ID = re.compile(r"[0-9a-f]{64}")
# request members of the grant headers, their wire names and the permission each grants
GRANT_HEADERS = (
    ("GrantFullControl", "x-amz-grant-full-control", "FULL_CONTROL"),
    ("GrantRead", "x-amz-grant-read", "READ"),
    ("GrantReadACP", "x-amz-grant-read-acp", "READ_ACP"),
    ("GrantWrite", "x-amz-grant-write", "WRITE"),
    ("GrantWriteACP", "x-amz-grant-write-acp", "WRITE_ACP"),
)


def owner_grantee() -> dict[str, str]:
    return {"Type": "CanonicalUser", "ID": OWNER["ID"], "DisplayName": OWNER["DisplayName"]}


def grant(grantee: dict[str, str], permission: str) -> Grant:
    return {"Grantee": dict(grantee), "Permission": permission}


def owner_full_control() -> list[Grant]:
    """The ACL of a resource nobody set one on (and what S3 reports while ACLs are disabled)."""
    return [grant(owner_grantee(), "FULL_CONTROL")]


def _group(uri: str) -> dict[str, str]:
    return {"Type": "Group", "URI": uri}


# the grants each canned ACL adds to the owner's FULL_CONTROL; bucket-owner-read and
# bucket-owner-full-control grant the bucket owner, who is the object owner in the one emulated
# account, so their grant is the owner's own
CANNED: dict[str, tuple[tuple[dict[str, str], str], ...]] = {
    "private": (),
    "public-read": ((_group(ALL_USERS), "READ"),),
    "public-read-write": ((_group(ALL_USERS), "READ"), (_group(ALL_USERS), "WRITE")),
    "authenticated-read": ((_group(AUTHENTICATED_USERS), "READ"),),
    "aws-exec-read": ((EC2_GRANTEE, "READ"),),
    "bucket-owner-read": (),
    "bucket-owner-full-control": (),
    "log-delivery-write": ((_group(LOG_DELIVERY), "WRITE"), (_group(LOG_DELIVERY), "READ_ACP")),
}
OBJECT_CANNED = frozenset(CANNED) - {"log-delivery-write"}  # log delivery writes to buckets only
BUCKET_CANNED = frozenset(CANNED)


def canned_grants(name: str, allowed: frozenset[str]) -> list[Grant]:
    if name not in allowed:
        raise InvalidArgument(ArgumentName="x-amz-acl", ArgumentValue=name)
    return owner_full_control() + [grant(grantee, permission) for grantee, permission in CANNED[name]]


def grant_headers_sent(params: dict[str, Any]) -> bool:
    return any(params.get(member) is not None for member, _, _ in GRANT_HEADERS)


def header_grants(params: dict[str, Any], region: str) -> list[Grant]:
    """The grants of the x-amz-grant-* headers, in header order, each header's grantees in turn."""
    grants: list[Grant] = []
    for member, wire, permission in GRANT_HEADERS:
        value: str | None = params.get(member)
        if value is None:
            continue
        for item in _split(value, wire):
            grants.append(grant(_header_grantee(item, wire, region), permission))
    return grants


def _split(value: str, wire: str) -> list[str]:
    """The grantees of one header: commas separate them, except inside quotes."""
    items, current, quoted = [], "", False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    if quoted or not all(items):
        raise InvalidArgument(ArgumentName=wire, ArgumentValue=value)
    return items


def _header_grantee(item: str, wire: str, region: str) -> dict[str, str]:
    kind, _, raw = item.partition("=")
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    kind = kind.strip().lower()
    if not text or kind not in ("id", "uri", "emailaddress"):
        raise InvalidArgument(ArgumentName=wire, ArgumentValue=item)
    if kind == "id":
        return checked_grantee({"Type": "CanonicalUser", "ID": text}, region)
    if kind == "uri":
        return checked_grantee({"Type": "Group", "URI": text}, region)
    return checked_grantee({"Type": "AmazonCustomerByEmail", "EmailAddress": text}, region)


def checked_grantee(grantee: dict[str, str], region: str) -> dict[str, str]:
    """The grantee as S3 keeps it, after S3 looked it up: InvalidArgument for an unknown id or group."""
    kind = grantee["Type"]
    if kind == "CanonicalUser":
        user_id = grantee["ID"]
        if not _CANONICAL_ID.fullmatch(user_id):
            raise InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=user_id)
        for known in (owner_grantee(), EC2_GRANTEE):
            if known["ID"] == user_id:
                return dict(known)
        return {"Type": kind, "ID": user_id}
    if kind == "Group":
        if grantee["URI"] not in GROUPS:
            raise InvalidArgument("Invalid group uri", ArgumentName="Group/URI", ArgumentValue=grantee["URI"])
        return {"Type": kind, "URI": grantee["URI"]}
    if region in EMAIL_GRANTS_REMOVED:
        raise MethodNotAllowed()
    raise UnresolvableGrantByEmailAddress(EmailAddress=grantee["EmailAddress"])


def document_grants(policy: dict[str, Any], region: str) -> list[Grant]:
    """The grants of an AccessControlPolicy document, after S3's checks of its schema and owner."""
    owner_id = (policy.get("Owner") or {}).get("ID")
    if not owner_id:
        raise MalformedACLError()
    grants: list[Grant] = []
    for item in policy.get("Grants") or []:
        grantee: dict[str, str] = item.get("Grantee") or {}
        if item.get("Permission") not in PERMISSIONS or grantee.get("Type") not in GRANTEE_TYPES:
            raise MalformedACLError()
        member = {"CanonicalUser": "ID", "Group": "URI"}.get(grantee["Type"], "EmailAddress")
        if not grantee.get(member):
            raise MalformedACLError()
        grants.append(grant(checked_grantee(grantee, region), item["Permission"]))
    # an ACL never changes who owns a resource
    if owner_id != OWNER["ID"]:
        raise InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=owner_id)
    return grants


def requested_grants(
    params: dict[str, Any], canned: frozenset[str], region: str, document: bool = False
) -> list[Grant] | None:
    """The ACL a request sets: canned, grant headers or (``document``: Put*Acl) its body.

    None when it names none (a Put*Acl then fails: MissingSecurityHeader). S3 takes one way only:
    InvalidRequest for a canned ACL with grant headers, UnexpectedContent for headers with a body.
    """
    name: str | None = params.get("ACL")
    headers = grant_headers_sent(params)
    if name is not None and headers:
        raise InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
    policy = params.get("AccessControlPolicy") if document else None
    if policy is not None and (name is not None or headers):
        raise UnexpectedContent()
    if name is not None:
        return canned_grants(name, canned)
    if headers:
        return header_grants(params, region)
    if policy is not None:
        return document_grants(policy, region)
    if document:
        raise MissingSecurityHeader(MissingHeaderName="x-amz-acl")
    return None


def is_owner_full_control(grants: list[Grant]) -> bool:
    """Whether the ACL grants the owner FULL_CONTROL and nothing else (what disabled ACLs allow)."""
    return bool(grants) and all(
        g["Permission"] == "FULL_CONTROL" and g["Grantee"].get("ID") == OWNER["ID"] for g in grants
    )


def is_public(grants: list[Grant]) -> bool:
    return any(g["Grantee"].get("URI") in PUBLIC_GROUPS for g in grants)


def grants_others(grants: list[Grant] | None) -> bool:
    """Whether the ACL gives anyone besides the owner any permission."""
    return any(g["Grantee"].get("ID") != OWNER["ID"] for g in grants or ())
