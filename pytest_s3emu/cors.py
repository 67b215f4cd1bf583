"""CORS: the answer to a browser's preflight (OPTIONS) and the Access-Control-* headers of its
actual requests, from the bucket's CORS rules (stored by handlers/bucket_config.py).

Both are worked out before authentication, as S3 does: a browser never signs a preflight, and the
headers of an actual request do not depend on whether it was allowed. The first rule that allows
the origin, the method and every requested header decides; origins and methods are compared as
written (an origin or header pattern may hold one ``*``), header names without regard to case.
"""

from __future__ import annotations

from typing import Any

from .errors import AccessForbidden, BadRequest, S3Error
from .handlers.bucket_config import current
from .request import HttpRequest
from .serializer import Body, Headers
from .store import Store

OPERATION = "PreflightRequest"  # the name a preflight is logged under: no model operation is one
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NO_ORIGIN = "Insufficient information. Origin request header needed."
NO_BUCKET = "CORSResponse: Bucket not found"
NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
    "whitelisted by the resource's CORS spec."
)

Rule = dict[str, Any]


def preflight(
    store: Store, request: HttpRequest, bucket: str | None, key: str | None
) -> tuple[int, Headers, Body]:
    """S3's answer to an OPTIONS request: 200 with the matching rule's headers, or the error."""
    origin = request.header("origin")
    if origin is None:
        raise BadRequest(NO_ORIGIN)
    # S3 names the method asked for, or OPTIONS itself when the preflight names none
    method = request.header("access-control-request-method") or "OPTIONS"
    requested = _requested_headers(request)
    if bucket is None or bucket not in store.buckets:
        raise AccessForbidden(NO_BUCKET, Method=method, ResourceType="BUCKET")
    rules = _rules(store, bucket)
    if rules is None:
        raise AccessForbidden(NOT_ENABLED, Method=method, ResourceType="BUCKET")
    rule = _matching_rule(rules, origin, method, requested)
    if rule is None:
        resource = "OBJECT" if key is not None else "BUCKET"
        raise AccessForbidden(NOT_ALLOWED, Method=method, ResourceType=resource)
    headers = _allowed(rule, origin)
    if requested:
        # the names asked for, lower-cased, in the order asked
        headers.append(("Access-Control-Allow-Headers", ", ".join(requested)))
    return 200, headers, []


def response_headers(store: Store, request: HttpRequest, bucket: str | None) -> Headers:
    """The Access-Control-* headers of an actual (non-OPTIONS) request; none unless a rule matches."""
    origin = request.header("origin")
    if origin is None or bucket is None:
        return []
    try:
        rules = _rules(store, bucket)
    except S3Error:
        return []
    if rules is None:
        return []
    # S3 evaluates an actual request carrying preflight headers as that preflight
    method = request.header("access-control-request-method") or request.method
    rule = _matching_rule(rules, origin, method, _requested_headers(request))
    return [] if rule is None else _allowed(rule, origin)


def _rules(store: Store, bucket: str) -> list[Rule] | None:
    """The bucket's CORS rules (None: no configuration); NoSuchBucket when there is no bucket."""
    with store.lock:
        config = current(store.bucket(bucket), "cors")
    return None if config is None else list(config["CORSRules"])


def _requested_headers(request: HttpRequest) -> list[str]:
    value = request.header("access-control-request-headers") or ""
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def _matching_rule(rules: list[Rule], origin: str, method: str, requested: list[str]) -> Rule | None:
    for rule in rules:
        if not any(_fits(pattern, origin) for pattern in rule["AllowedOrigins"]):
            continue
        if method not in rule["AllowedMethods"]:
            continue
        patterns = [pattern.lower() for pattern in rule.get("AllowedHeaders") or ()]
        if all(any(_fits(pattern, name) for pattern in patterns) for name in requested):
            return rule
    return None


def _fits(pattern: str, value: str) -> bool:
    """``value`` matches ``pattern``, whose one ``*`` (if any) stands for any run of characters."""
    prefix, star, suffix = pattern.partition("*")
    if not star:
        return pattern == value
    return len(value) >= len(prefix) + len(suffix) and value.startswith(prefix) and value.endswith(suffix)


def _allowed(rule: Rule, origin: str) -> Headers:
    """The headers a matching rule gives both a preflight and an actual request."""
    wildcard = "*" in rule["AllowedOrigins"] and not any(
        pattern != "*" and _fits(pattern, origin) for pattern in rule["AllowedOrigins"]
    )
    # a "*" rule answers "*" and no credentials; any other echoes the origin and allows them
    headers: Headers = [("Access-Control-Allow-Origin", "*" if wildcard else origin)]
    if not wildcard:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    headers.append(("Access-Control-Allow-Methods", ", ".join(rule["AllowedMethods"])))
    if rule.get("ExposeHeaders"):
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule["ExposeHeaders"])))
    if rule.get("MaxAgeSeconds") is not None:
        headers.append(("Access-Control-Max-Age", str(rule["MaxAgeSeconds"])))
    headers.append(("Vary", VARY))
    return headers
