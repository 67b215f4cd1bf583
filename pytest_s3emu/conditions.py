"""Policy conditions: the IAM condition operators and the request's condition keys.

An operator is ``[ForAnyValue:|ForAllValues:]<base>[IfExists]``. Within one operator every key
must match (and); a key matches when any of its policy values does (or), and a negated operator
(``StringNotEquals``, ``NotIpAddress``, ...) when none does. A key missing from the request fails
a positive operator and passes a negated one; ``...IfExists`` passes it either way; ``Null``
tests presence. Keys are compared without case; each is resolved once per request.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from . import clock
from .auth import amz_datetime
from .errors import MalformedPolicy, S3Error

if TYPE_CHECKING:
    from .identity import Account
    from .request import HttpRequest
    from .store import Bucket, Store

Values = list[str]


class Context:
    """The condition keys of one request, resolved on first use."""

    def __init__(
        self,
        caller: Account | None,
        request: HttpRequest,
        params: dict[str, Any],
        store: Store,
        bucket: Bucket,
        key: str | None,
    ) -> None:
        self.caller = caller
        self.request = request
        self.params = params
        self.store = store
        self.bucket = bucket
        self.key = key
        self._cache: dict[str, Values] = {}

    def values(self, name: str) -> Values:
        """The key's values in this request; empty when the request has none."""
        lowered = name.lower()
        found = self._cache.get(lowered)
        if found is None:
            found = self._cache[lowered] = self._resolve(lowered)
        return found

    def _resolve(self, name: str) -> Values:
        simple = _SIMPLE.get(name)
        if simple is not None:
            return _one(simple(self))
        if name.startswith("s3:existingobjecttag/"):
            tags = {k.lower(): v for k, v in self._stored_tags().items()}
            return _one(tags.get(name.split("/", 1)[1]))
        if name.startswith("s3:requestobjecttag/"):
            return _one(dict((k.lower(), v) for k, v in self._request_tags()).get(name.split("/", 1)[1]))
        if name == "s3:requestobjecttagkeys":
            return [k for k, _ in self._request_tags()]
        return []

    def _stored_tags(self) -> dict[str, str]:
        """The tags of the object (the version the request names) the request is about."""
        try:
            obj = self.store.get_object(self.bucket.name, self.key or "", self.params.get("VersionId"))
        except S3Error:
            return {}  # no such object or version: the handler answers for it
        return obj.tags

    def _request_tags(self) -> list[tuple[str, str]]:
        """The tags a request sets: PutObject's x-amz-tagging, PutObjectTagging's TagSet."""
        tagging = self.params.get("Tagging")
        if isinstance(tagging, dict):
            tag_set = tagging.get("TagSet") or ()
            return [(str(tag.get("Key", "")), str(tag.get("Value", ""))) for tag in tag_set]
        return parse_qsl(tagging or "", keep_blank_values=True)


def _one(value: str | None) -> Values:
    return [] if value is None else [value]


def _param(member: str) -> Callable[[Context], str | None]:
    def read(context: Context) -> str | None:
        value = context.params.get(member)
        return None if value is None else str(value)

    return read


def _remote_ip(context: Context) -> str | None:
    address = context.request.environ.get("REMOTE_ADDR")
    return str(address) if address else "127.0.0.1"


def _secure(context: Context) -> str:
    return "true" if context.request.environ.get("wsgi.url_scheme") == "https" else "false"


def _signature_age(context: Context) -> str | None:
    """Milliseconds since a presigned URL was signed (S3 sets it for presigned requests only; a
    SigV2 one is always 0), in the emulator's time."""
    request = context.request
    signed = request.query_value("X-Amz-Date")
    if signed:
        at = amz_datetime(signed)
        if at is None:
            return None  # the signature check has refused it already
        return str(max(0, int((clock.utcnow() - at).total_seconds() * 1000)))
    return "0" if request.query_value("Signature") else None


def _signature_version(context: Context) -> str | None:
    request = context.request
    header = request.headers.get("authorization", "")
    if header.startswith("AWS4-") or request.query_value("X-Amz-Algorithm"):
        return "AWS4-HMAC-SHA256"
    if header.startswith("AWS ") or request.query_value("Signature"):
        return "AWS"
    return None


def _auth_type(context: Context) -> str | None:
    request = context.request
    if request.method == "POST" and request.headers.get("content-type", "").startswith("multipart/form-data"):
        return "POST"  # a browser form (POST object): its signature is in the form's fields
    if request.headers.get("authorization"):
        return "REST-HEADER"
    if request.query_value("X-Amz-Algorithm") or request.query_value("Signature"):
        return "REST-QUERY-STRING"
    return None


_SIMPLE: dict[str, Callable[[Context], str | None]] = {
    "aws:sourceip": _remote_ip,
    "aws:securetransport": _secure,
    "aws:principalaccount": lambda c: c.caller.account_id if c.caller else None,
    "aws:principalarn": lambda c: c.caller.arn if c.caller else None,
    "aws:principaltype": lambda c: "Account" if c.caller else "Anonymous",
    # the emulator's clock, so a moved clock moves date conditions too
    "aws:currenttime": lambda _: clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "aws:epochtime": lambda _: str(int(clock.utcnow().timestamp())),
    "aws:referer": lambda c: c.request.headers.get("referer"),
    "aws:useragent": lambda c: c.request.headers.get("user-agent"),
    "s3:prefix": _param("Prefix"),
    "s3:delimiter": _param("Delimiter"),
    "s3:max-keys": _param("MaxKeys"),
    "s3:versionid": _param("VersionId"),
    "s3:x-amz-acl": _param("ACL"),
    "s3:x-amz-server-side-encryption": _param("ServerSideEncryption"),
    "s3:x-amz-server-side-encryption-aws-kms-key-id": _param("SSEKMSKeyId"),
    "s3:x-amz-server-side-encryption-customer-algorithm": _param("SSECustomerAlgorithm"),
    "s3:x-amz-storage-class": _param("StorageClass"),
    "s3:x-amz-metadata-directive": _param("MetadataDirective"),
    "s3:x-amz-content-sha256": lambda c: c.request.headers.get("x-amz-content-sha256"),
    "s3:x-amz-copy-source": lambda c: c.request.headers.get("x-amz-copy-source"),
    "s3:signatureversion": _signature_version,
    "s3:authtype": _auth_type,
    "s3:signatureage": _signature_age,
}

# --- operators ------------------------------------------------------------------------------------

Test = Callable[[str, str], bool]  # (request value, policy value) -> match


def _like(value: str, pattern: str) -> bool:
    from .policy import wildcard

    return bool(wildcard(pattern)(value))


def _arn_like(value: str, pattern: str) -> bool:
    """IAM's ARN match: each of the six colon-separated parts on its own, wildcards within a part
    (the resource part, the last, may hold colons of its own)."""
    parts, wanted = value.split(":", 5), pattern.split(":", 5)
    if len(parts) != 6 or len(wanted) != 6 or parts[0] != "arn":
        return False
    return all(_like(part, want) for part, want in zip(parts, wanted, strict=True))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    number = _number(text)
    if number is not None:
        return number  # epoch seconds
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _compare(parse: Callable[[str], float | None], check: Callable[[float, float], bool]) -> Test:
    def test(value: str, wanted: str) -> bool:
        left, right = parse(value), parse(wanted)
        return left is not None and right is not None and check(left, right)

    return test


def _in_network(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _binary(value: str, wanted: str) -> bool:
    try:
        return base64.b64decode(wanted) == value.encode()
    except ValueError:
        return False


_ORDERINGS: dict[str, Callable[[float, float], bool]] = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}
# base operator -> (test, negated)
_OPERATORS: dict[str, tuple[Test, bool]] = {
    "StringEquals": (str.__eq__, False),
    "StringNotEquals": (str.__eq__, True),
    "StringEqualsIgnoreCase": (lambda a, b: a.lower() == b.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda a, b: a.lower() == b.lower(), True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    # ArnEquals takes wildcards as ArnLike does (IAM User Guide, "Condition operators")
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (lambda a, b: a.lower() == b.lower(), False),
    "BinaryEquals": (_binary, False),
    "IpAddress": (_in_network, False),
    "NotIpAddress": (_in_network, True),
    "NumericNotEquals": (_compare(_number, _ORDERINGS["Equals"]), True),
    "DateNotEquals": (_compare(_date, _ORDERINGS["Equals"]), True),
}
for _suffix, _check in _ORDERINGS.items():
    _OPERATORS["Numeric" + _suffix] = (_compare(_number, _check), False)
    _OPERATORS["Date" + _suffix] = (_compare(_date, _check), False)


def _strings(values: Any) -> list[str]:
    items = values if isinstance(values, list) else [values]
    return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in items]


def _check_networks(pairs: list[tuple[str, list[str]]]) -> None:
    """S3 refuses an IP condition whose value is no address or CIDR block."""
    for _, wanted in pairs:
        for network in wanted:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise MalformedPolicy("Invalid IP address in Conditions") from None


def compile_condition(operator: str, tests: Any) -> Callable[[Context], bool]:
    """One condition operator with its keys; MalformedPolicy for an operator IAM does not have."""
    if not isinstance(tests, dict):
        raise MalformedPolicy("Invalid Condition")
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists") and base != "IfExists"
    base = base[: -len("IfExists")] if if_exists else base
    pairs = [(key, _strings(values)) for key, values in tests.items()]
    if base == "Null" and qualifier == "" and not if_exists:
        # values are or-ed here too: "true" holds for an absent key, "false" for a present one
        return lambda context: all(
            any((not context.values(key)) == (w.lower() == "true") for w in wanted) for key, wanted in pairs
        )
    if base not in _OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise MalformedPolicy(f"Invalid Condition type : {operator}")
    if base in ("IpAddress", "NotIpAddress"):
        _check_networks(pairs)
    test, negated = _OPERATORS[base]

    def one(value: str, wanted: list[str]) -> bool:
        hit = any(test(value, w) for w in wanted)
        return not hit if negated else hit

    def holds(key: str, wanted: list[str], context: Context) -> bool:
        values = context.values(key)
        if qualifier == "ForAllValues":
            return all(one(v, wanted) for v in values)
        if not values:
            return if_exists or (negated and qualifier == "")
        return any(one(v, wanted) for v in values)

    return lambda context: all(holds(key, wanted, context) for key, wanted in pairs)
