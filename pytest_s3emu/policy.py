"""Bucket policies compiled once (at PutBucketPolicy) and evaluated on every request to the bucket.

Evaluation follows IAM's logic for a resource-based policy: every statement whose principal,
action and resource match and whose conditions hold counts; one Deny wins, else one Allow
allows, else the policy has no say (None). Wildcards ``*`` and ``?`` match in Action (ignoring
case), Resource and the String*/Arn*Like operators. Condition keys are resolved lazily by
:mod:`conditions`, once per request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .conditions import Context, compile_condition
from .errors import MalformedPolicy
from .identity import Account

__all__ = ["ALLOW", "DENY", "Context", "Policy", "compile_policy"]

ALLOW = "Allow"
DENY = "Deny"
_Matcher = Callable[[str], bool]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard(pattern: str, ignore_case: bool = False) -> _Matcher:
    """A matcher for an IAM wildcard pattern (``*`` any run, ``?`` one character)."""
    if "*" not in pattern and "?" not in pattern:
        if ignore_case:
            lowered = pattern.lower()
            return lambda text: text.lower() == lowered
        return pattern.__eq__
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL).fullmatch  # type: ignore[return-value]  # a Match is truthy


@dataclass(frozen=True, slots=True)
class _Principals:
    """Who a Principal element names: everyone, account ids, canonical user ids."""

    everyone: bool
    accounts: frozenset[str]
    canonical_ids: frozenset[str]

    def matches(self, caller: Account | None) -> bool:
        if self.everyone:
            return True
        if caller is None:
            return False
        return caller.account_id in self.accounts or caller.canonical_id in self.canonical_ids


def _principals(value: Any) -> _Principals:
    if value == "*":
        return _Principals(True, frozenset(), frozenset())
    if not isinstance(value, dict) or not value:
        raise MalformedPolicy("Invalid principal in policy")
    everyone, accounts, canonical = False, set(), set()
    for kind, names in value.items():
        for name in _as_list(names):
            if not isinstance(name, str):
                raise MalformedPolicy("Invalid principal in policy")
            if kind == "AWS":
                everyone = everyone or name == "*"
                accounts.add(_account_of(name))
            elif kind == "CanonicalUser":
                canonical.add(name)
            elif kind not in ("Service", "Federated"):
                raise MalformedPolicy("Invalid principal in policy")
    return _Principals(everyone, frozenset(accounts), frozenset(canonical))


def _account_of(name: str) -> str:
    """An account id or its root ARN names the account; any other principal ARN matches no caller
    (every caller here is an account's root user)."""
    if name.isdigit() and len(name) == 12:
        return name
    parts = name.split(":")
    if len(parts) == 6 and parts[:3] == ["arn", "aws", "iam"] and parts[5] == "root":
        return parts[4]
    return ""


@dataclass(frozen=True, slots=True)
class _Statement:
    effect: str
    principals: _Principals
    not_principal: bool
    actions: tuple[_Matcher, ...]
    not_action: bool
    resources: tuple[_Matcher, ...]
    not_resource: bool
    conditions: tuple[Callable[[Context], bool], ...]

    def applies(self, caller: Account | None, action: str, resource: str, context: Context) -> bool:
        if self.principals.matches(caller) == self.not_principal:
            return False
        if any(match(action) for match in self.actions) == self.not_action:
            return False
        if any(match(resource) for match in self.resources) == self.not_resource:
            return False
        return all(condition(context) for condition in self.conditions)


def _statement(raw: dict[str, Any]) -> _Statement:
    not_principal = "NotPrincipal" in raw
    not_action = "NotAction" in raw
    not_resource = "NotResource" in raw
    actions = raw.get("NotAction" if not_action else "Action")
    resources = raw.get("NotResource" if not_resource else "Resource")
    condition = raw.get("Condition") or {}
    if not isinstance(condition, dict):
        raise MalformedPolicy("Invalid Condition")
    return _Statement(
        raw["Effect"],
        _principals(raw.get("NotPrincipal" if not_principal else "Principal")),
        not_principal,
        tuple(wildcard(a, ignore_case=True) for a in _as_list(actions)),
        not_action,
        tuple(wildcard(r) for r in _as_list(resources)),
        not_resource,
        tuple(compile_condition(op, tests) for op, tests in condition.items()),
    )


class Policy:
    """A compiled bucket policy."""

    __slots__ = ("public", "statements")

    def __init__(self, statements: list[_Statement], public: bool) -> None:
        self.statements = statements
        self.public = public  # S3's "public" (Block Public Access's RestrictPublicBuckets)

    def evaluate(self, caller: Account | None, action: str, resource: str, context: Context) -> str | None:
        """DENY, ALLOW, or None when no statement applies."""
        allowed = False
        for statement in self.statements:
            if statement.applies(caller, action, resource, context):
                if statement.effect == DENY:
                    return DENY
                allowed = True
        return ALLOW if allowed else None


def compile_policy(document: dict[str, Any], public: bool) -> Policy:
    """The policy's compiled form; MalformedPolicy for what cannot be evaluated."""
    statements = _as_list(document["Statement"])
    return Policy([_statement(raw) for raw in statements], public)
