"""POST object policies: the form's signature (SigV4 or SigV2) and the policy document's conditions.

A browser form carries a base64 JSON policy (``expiration`` and ``conditions``) and a signature of
that base64 text. S3 verifies the signature first, then the expiration, then each condition in
order against the form's fields (before the file part, names case-insensitive, ``${filename}``
expanded in the key), then that every field is named by some condition. The file's size is held
to ``content-length-range`` while it streams (:class:`SizeRange`).

The secret of an access key comes from one ``SecretFor`` function, so that the accounts of the
emulator decide which keys exist and what their secrets are.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from . import auth, clock
from .errors import (
    AccessDenied,
    EntityTooLarge,
    EntityTooSmall,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidPolicyDocument,
    SignatureDoesNotMatch,
)

SecretFor = Callable[[str], "str | None"]
"""The secret key of an access key, None for a key the emulator does not know."""

_V4_FIELDS = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
_V2_FIELDS = ("awsaccesskeyid", "signature")
# the names S3 writes in "Bucket POST must contain a field named ..."
_SPELLING = {name: "-".join(part.capitalize() for part in name.split("-")) for name in _V4_FIELDS}
_SPELLING.update({"awsaccesskeyid": "AWSAccessKeyId", "signature": "Signature", "policy": "Policy"})
# fields no condition needs to name (AWS: "except x-amz-signature, file, policy, and field names
# that have an x-ignore- prefix"; with SigV2 also AWSAccessKeyId and signature)
_EXEMPT = frozenset({"x-amz-signature", "awsaccesskeyid", "signature", "file", "policy"})
_IGNORED_PREFIX = "x-ignore-"


@dataclass(slots=True, frozen=True)
class SizeRange:
    """The file sizes a policy's content-length-range allows."""

    minimum: int
    maximum: int

    def narrowed(self, other: SizeRange) -> SizeRange:
        return SizeRange(max(self.minimum, other.minimum), min(self.maximum, other.maximum))

    def check_growing(self, size: int) -> None:
        """Refuse the file as soon as what has arrived is over the maximum."""
        if size > self.maximum:
            raise EntityTooLarge(
                "Your proposed upload exceeds the maximum allowed size",
                ProposedSize=str(size),
                MaxSizeAllowed=str(self.maximum),
            )

    def check_final(self, size: int) -> None:
        """Refuse the whole file if it is under the minimum."""
        self.check_growing(size)
        if size < self.minimum:
            raise EntityTooSmall(
                "Your proposed upload is smaller than the minimum allowed size",
                ProposedSize=str(size),
                MinSizeAllowed=str(self.minimum),
            )


@dataclass(slots=True, frozen=True)
class Verified:
    """What a verified form tells: who signed it, and the file sizes its policy allows."""

    access_key: str | None
    """The access key whose secret signed the policy; None for an anonymous form."""
    sizes: SizeRange | None
    """None: any size."""


def authorize(
    fields: Mapping[str, str], bucket: str, key: str, secret_for: SecretFor, now: datetime | None = None
) -> Verified:
    """Verify the form's signature and policy as S3 does; who signed it and the sizes allowed.

    ``fields`` are the form fields before the file, names in lower case; ``key`` is the key with
    ``${filename}`` expanded. A form with neither signature nor policy is anonymous: no check here.
    """
    policy = fields.get("policy")
    access_key, signed_at = _verify_signature(fields, policy, secret_for)
    if policy is None:
        return Verified(None, None)
    document = _decode(policy)
    _check_expiration(document["expiration"], signed_at, now or clock.utcnow())
    values = {**fields, "bucket": bucket, "key": key}
    named: set[str] = set()
    sizes: SizeRange | None = None
    for condition in document["conditions"]:
        found = _check_condition(condition, values, named)
        if found is not None:
            # every range holds: the file must fit them all
            sizes = found if sizes is None else sizes.narrowed(found)
    extra = [
        name
        for name in fields
        if name not in named and name not in _EXEMPT and not name.startswith(_IGNORED_PREFIX)
    ]
    if extra:
        raise AccessDenied("Invalid according to Policy: Extra input fields: " + ", ".join(extra))
    return Verified(access_key, sizes)


def _verify_signature(
    fields: Mapping[str, str], policy: str | None, secret_for: SecretFor
) -> tuple[str | None, datetime | None]:
    """Check the signature fields; the signer's access key and SigV4 signing time (None: unknown)."""
    version: tuple[str, ...] | None = (
        _V4_FIELDS if "x-amz-signature" in fields or "x-amz-credential" in fields else None
    )
    if version is None and any(name in fields for name in _V2_FIELDS):
        version = _V2_FIELDS
    if version is None:
        if policy is not None:
            raise AccessDenied()  # a policy that nobody signed
        return None, None
    for name in (*version, "policy"):
        if name not in fields:
            raise _missing(name)
    assert policy is not None
    if version is _V2_FIELDS:
        _verify_v2(fields["awsaccesskeyid"], fields["signature"], policy, secret_for)
        return fields["awsaccesskeyid"], None
    return _verify_v4(fields, policy, secret_for)


def _missing(name: str) -> InvalidArgument:
    spelled = _SPELLING.get(name, name)
    return InvalidArgument(
        f"Bucket POST must contain a field named '{spelled}'.  If it is specified, please check the "
        "order of the fields.",
        ArgumentName=spelled,
        ArgumentValue="",
    )


def _verify_v2(access_key: str, given: str, policy: str, secret_for: SecretFor) -> None:
    secret = _secret(access_key, secret_for)
    expected = base64.b64encode(hmac.digest(secret.encode(), policy.encode(), "sha1")).decode()
    if not _same(expected, given):
        raise _mismatch(access_key, given, policy)


def _verify_v4(fields: Mapping[str, str], policy: str, secret_for: SecretFor) -> tuple[str, datetime]:
    if fields["x-amz-algorithm"] != auth.ALGORITHM:
        raise InvalidArgument(
            "Unsupported value for x-amz-algorithm; only AWS4-HMAC-SHA256 is supported.",
            ArgumentName="x-amz-algorithm",
            ArgumentValue=fields["x-amz-algorithm"],
        )
    parts = fields["x-amz-credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise InvalidArgument(
            'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
            ArgumentName="x-amz-credential",
            ArgumentValue=fields["x-amz-credential"],
        )
    signed_at = auth.amz_datetime(fields["x-amz-date"])
    if signed_at is None:
        raise InvalidArgument(
            "Invalid x-amz-date", ArgumentName="x-amz-date", ArgumentValue=fields["x-amz-date"]
        )
    access_key, date, region, service = parts[:4]
    secret = _secret(access_key, secret_for)
    key = auth.signing_key(secret, date, region, service)
    expected = hmac.digest(key, policy.encode(), hashlib.sha256).hex()
    if not _same(expected, fields["x-amz-signature"]):
        raise _mismatch(access_key, fields["x-amz-signature"], policy)
    return access_key, signed_at


def _secret(access_key: str, secret_for: SecretFor) -> str:
    secret = secret_for(access_key)
    if secret is None:
        raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
    return secret


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


def _mismatch(access_key: str, given: str, policy: str) -> SignatureDoesNotMatch:
    return SignatureDoesNotMatch(
        AWSAccessKeyId=access_key,
        StringToSign=policy,
        SignatureProvided=given,
        StringToSignBytes=" ".join(f"{byte:02x}" for byte in policy.encode()),
    )


def _decode(policy: str) -> dict[str, Any]:
    """The policy document, its two members checked for form."""
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise InvalidPolicyDocument() from None
    if not isinstance(document, dict):
        raise InvalidPolicyDocument()
    # S3 names the members in lower case only ("EXPIRATION" is no expiration)
    if not isinstance(document.get("expiration"), str):
        raise InvalidPolicyDocument("Invalid Policy: Policy missing expiration.")
    if not isinstance(document.get("conditions"), list):
        raise InvalidPolicyDocument("Invalid Policy: Policy missing conditions.")
    return document


def _check_expiration(text: str, signed_at: datetime | None, now: datetime) -> None:
    """Refuse an expired policy, dated in the emulator's time (s3emu.clock)."""
    try:
        expiration = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidPolicyDocument(f"Invalid Policy: Invalid 'expiration' value: '{text}'") from None
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=timezone.utc)
    if signed_at is not None:
        # the client dated the policy in real time: keep its lifetime from the signing, in the
        # emulator's time, as a presigned URL's is kept
        lifetime: timedelta = expiration - signed_at
        expiration = clock.current().emulated(signed_at, False) + lifetime
    if now > expiration:
        raise AccessDenied("Invalid according to Policy: Policy expired.")


def _check_condition(condition: object, values: Mapping[str, str], named: set[str]) -> SizeRange | None:
    """Raise unless the form meets one condition; the size range of a content-length-range."""
    if isinstance(condition, dict):
        if len(condition) != 1:
            raise InvalidPolicyDocument(
                "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one "
                "property specified."
            )
        ((name, expected),) = condition.items()
        if not isinstance(expected, str):
            raise InvalidPolicyDocument("Invalid Policy: Invalid Simple-Condition: value must be a string.")
        named.add(name.lower())
        if values.get(name.lower(), "") != expected:
            raise _failed(["eq", "$" + name, expected])  # S3 reports a simple condition in its eq form
        return None
    if not isinstance(condition, list) or not condition or not isinstance(condition[0], str):
        raise InvalidPolicyDocument(f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    operator = condition[0].lower()
    if operator == "content-length-range":
        return _size_range(condition)
    if operator not in ("eq", "starts-with") or len(condition) != 3:
        raise InvalidPolicyDocument(f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    field, expected = condition[1], condition[2]
    if not isinstance(field, str) or not isinstance(expected, str):
        raise InvalidPolicyDocument(f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
    if not field.startswith("$"):
        raise _failed(condition)  # S3 answers a field without its "$" as a failed condition
    name = field[1:].lower()
    named.add(name)
    if not _matches(operator, name, values.get(name, ""), expected):
        raise _failed(condition)
    return None


def _matches(operator: str, name: str, value: str, expected: str) -> bool:
    if operator == "eq":
        return value == expected
    if name == "content-type":
        # S3 matches each type of a comma-separated Content-Type list
        return all(part.strip().startswith(expected) for part in value.split(","))
    return value.startswith(expected)


def _size_range(condition: list[Any]) -> SizeRange:
    bounds = condition[1:]
    if len(bounds) != 2 or not all(_whole(bound) for bound in bounds):
        raise InvalidPolicyDocument(
            "Invalid Policy: Invalid 'content-length-range' condition: " + json.dumps(condition)
        )
    minimum, maximum = (int(bound) for bound in bounds)
    return SizeRange(minimum, maximum)


def _whole(bound: object) -> bool:
    """A non-negative whole number, as a JSON number or a string of digits."""
    if isinstance(bound, bool):
        return False
    if isinstance(bound, int):
        return bound >= 0
    return isinstance(bound, str) and bound.isdigit()


def _failed(condition: object) -> AccessDenied:
    return AccessDenied("Invalid according to Policy: Policy Condition failed: " + json.dumps(condition))
