"""ACL grants as S3 reads them from a request: a canned ACL (x-amz-acl), grant headers
(x-amz-grant-*: ``id="..."``, ``uri="..."``, ``emailAddress="..."``) or an AccessControlPolicy document.

A grant is kept as the model has it: ``{"Grantee": {"Type": ..., "ID"/"URI": ...}, "Permission": ...}``.
Explicit grants (headers or document) are kept as sent: S3 does not add the owner's FULL_CONTROL
to them. A canned ACL always starts with it. S3 looks every grantee up when the ACL is set: a
canonical id or e-mail address must be a known account's (a grant by e-mail is kept as that
account's CanonicalUser grant), a group URI one of S3's groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from ..identity import Accounts
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
# address up among the accounts
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


@dataclass(frozen=True, slots=True)
class Scope:
    """What an ACL is resolved against: the region, the known accounts, and the canonical ids of
    the resource's owner and of its bucket's owner."""

    region: str
    accounts: Accounts | None = None
    owner: str = OWNER["ID"]
    bucket_owner: str = OWNER["ID"]

    def user(self, canonical_id: str) -> dict[str, str] | None:
        """The CanonicalUser grantee of the account with ``canonical_id``; None if there is none."""
        account = self.accounts.by_canonical_id(canonical_id) if self.accounts is not None else None
        if account is not None:
            return {"Type": "CanonicalUser", "ID": account.canonical_id, "DisplayName": account.display_name}
        if canonical_id == OWNER["ID"]:
            return {"Type": "CanonicalUser", "ID": OWNER["ID"], "DisplayName": OWNER["DisplayName"]}
        return None

    def by_email(self, email: str) -> dict[str, str] | None:
        account = self.accounts.by_email(email) if self.accounts is not None else None
        return None if account is None else self.user(account.canonical_id)

    def named(self, canonical_id: str) -> dict[str, str]:
        """The ``Owner`` of a resource owned by ``canonical_id``, as S3 writes it."""
        user = self.user(canonical_id)
        return {"DisplayName": user["DisplayName"], "ID": canonical_id} if user else {"ID": canonical_id}

    def owner_grantee(self) -> dict[str, str]:
        return self.user(self.owner) or {"Type": "CanonicalUser", "ID": self.owner}

    def owner_full_control(self) -> list[Grant]:
        """The ACL of a resource nobody set one on (and what S3 reports while ACLs are disabled)."""
        return [grant(self.owner_grantee(), "FULL_CONTROL")]


def grant(grantee: dict[str, str], permission: str) -> Grant:
    return {"Grantee": dict(grantee), "Permission": permission}


def _group(uri: str) -> dict[str, str]:
    return {"Type": "Group", "URI": uri}


# the grants each canned ACL adds to the owner's FULL_CONTROL; bucket-owner-read and
# bucket-owner-full-control grant the bucket owner (canned_grants: when it is not the owner)
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


# the permission each of these canned ACLs gives the bucket owner
_BUCKET_OWNER_CANNED = {"bucket-owner-read": "READ", "bucket-owner-full-control": "FULL_CONTROL"}


def canned_grants(name: str, allowed: frozenset[str], scope: Scope) -> list[Grant]:
    if name not in allowed:
        raise InvalidArgument(ArgumentName="x-amz-acl", ArgumentValue=name)
    grants = scope.owner_full_control() + [grant(grantee, permission) for grantee, permission in CANNED[name]]
    permission = _BUCKET_OWNER_CANNED.get(name)
    if permission is not None and scope.bucket_owner != scope.owner:
        # an object another account wrote: the bucket owner gets its grant besides the writer's
        bucket_owner = scope.user(scope.bucket_owner) or {"Type": "CanonicalUser", "ID": scope.bucket_owner}
        grants.append(grant(bucket_owner, permission))
    return grants


def grant_headers_sent(params: dict[str, Any]) -> bool:
    return any(params.get(member) is not None for member, _, _ in GRANT_HEADERS)


def header_grants(params: dict[str, Any], scope: Scope) -> list[Grant]:
    """The grants of the x-amz-grant-* headers, in header order, each header's grantees in turn."""
    grants: list[Grant] = []
    for member, wire, permission in GRANT_HEADERS:
        value: str | None = params.get(member)
        if value is None:
            continue
        for item in _split(value, wire):
            grants.append(grant(_header_grantee(item, wire, scope), permission))
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


def _header_grantee(item: str, wire: str, scope: Scope) -> dict[str, str]:
    kind, _, raw = item.partition("=")
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    kind = kind.strip().lower()
    if not text or kind not in ("id", "uri", "emailaddress"):
        raise InvalidArgument(ArgumentName=wire, ArgumentValue=item)
    if kind == "id":
        return checked_grantee({"Type": "CanonicalUser", "ID": text}, scope)
    if kind == "uri":
        return checked_grantee({"Type": "Group", "URI": text}, scope)
    return checked_grantee({"Type": "AmazonCustomerByEmail", "EmailAddress": text}, scope)


def checked_grantee(grantee: dict[str, str], scope: Scope) -> dict[str, str]:
    """The grantee as S3 keeps it, after S3 looked it up: InvalidArgument for an id no account
    has or an unknown group, UnresolvableGrantByEmailAddress for an address no account has."""
    kind = grantee["Type"]
    if kind == "CanonicalUser":
        user_id = grantee["ID"]
        known = scope.user(user_id) if _CANONICAL_ID.fullmatch(user_id) else None
        if known is None and user_id == EC2_GRANTEE["ID"]:
            known = dict(EC2_GRANTEE)
        if known is None:
            raise InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=user_id)
        return known
    if kind == "Group":
        if grantee["URI"] not in GROUPS:
            raise InvalidArgument("Invalid group uri", ArgumentName="Group/URI", ArgumentValue=grantee["URI"])
        return {"Type": kind, "URI": grantee["URI"]}
    if scope.region in EMAIL_GRANTS_REMOVED:
        raise MethodNotAllowed()
    # S3 keeps (and reports) a grant by e-mail as the grant to that account's canonical user
    found = scope.by_email(grantee["EmailAddress"])
    if found is None:
        raise UnresolvableGrantByEmailAddress(EmailAddress=grantee["EmailAddress"])
    return found


def document_grants(policy: dict[str, Any], scope: Scope) -> list[Grant]:
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
        grants.append(grant(checked_grantee(grantee, scope), item["Permission"]))
    # an ACL never changes who owns a resource
    if owner_id != scope.owner:
        raise InvalidArgument("Invalid id", ArgumentName="CanonicalUser/ID", ArgumentValue=owner_id)
    return grants


def requested_grants(
    params: dict[str, Any], canned: frozenset[str], scope: Scope, document: bool = False
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
        return canned_grants(name, canned, scope)
    if headers:
        return header_grants(params, scope)
    if policy is not None:
        return document_grants(policy, scope)
    if document:
        raise MissingSecurityHeader(MissingHeaderName="x-amz-acl")
    return None


def is_owner_full_control(grants: list[Grant], owner: str) -> bool:
    """Whether the ACL grants ``owner`` FULL_CONTROL and nothing else (what disabled ACLs allow)."""
    return bool(grants) and all(
        g["Permission"] == "FULL_CONTROL" and g["Grantee"].get("ID") == owner for g in grants
    )


def is_public(grants: list[Grant]) -> bool:
    return any(g["Grantee"].get("URI") in PUBLIC_GROUPS for g in grants)


def grants_others(grants: list[Grant] | None, owner: str) -> bool:
    """Whether the ACL gives anyone besides ``owner`` any permission."""
    return any(g["Grantee"].get("ID") != owner for g in grants or ())
