"""Request authentication as S3 checks it: SigV4 and SigV2 signatures, clock skew, presigned expiry.

Signatures are verified with the secret of the account that owns the access key
(:mod:`identity`); an access key no account has is InvalidAccessKeyId. Expiry and clock skew are
checked first. Chunk signatures of signed streaming uploads are verified as the body is read
(:mod:`chunksig`), from the seed signature and signing key :func:`check` hands back.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from botocore.auth import HmacV1Auth

from . import authheader, clock
from .errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidAccessKeyId,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
)
from .identity import DEFAULT_ACCESS_KEY as ACCESS_KEY
from .identity import DEFAULT_SECRET_KEY as SECRET_KEY
from .request import HttpRequest

__all__ = ["ACCESS_KEY", "SECRET_KEY", "Signature", "Verified", "check"]
ALGORITHM = authheader.ALGORITHM
MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGNED_EXPIRY = 7 * 24 * 3600
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a microsecond more
class Signature:
    """The parts of a SigV4 signature, from the Authorization header or a presigned query."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    presigned: bool

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


@dataclass(slots=True)
class Verified:
    """Who signed a request: the access key, and for SigV4 its signature and signing key."""

    access_key: str
    signature: Signature | None = None
    key: bytes | None = None

    @property
    def region(self) -> str | None:
        """The region of a SigV4 credential scope (None for SigV2)."""
        return self.signature.region if self.signature is not None else None


def check(
    request: HttpRequest,
    secrets: Mapping[str, str],
    now: datetime | None = None,
    domains: tuple[str, ...] = (),
) -> Verified | None:
    """Raise the S3 error AWS would answer for a bad, expired or skewed signature or an unknown key.

    Returns who signed the request; None for an anonymous one (no signature at all).
    ``domains``: the virtual-hosted style domains (SigV2 signs the bucket of such a request).
    """
    moment = now or clock.utcnow()
    scheme = authheader.scheme(request.headers.get("authorization"))
    v2_key = _check_v2(request, secrets, moment, scheme == authheader.V2, domains)
    if v2_key is not None:
        return Verified(v2_key)
    signature = _presigned(request) if scheme is None else _from_header(request)
    if signature is None:
        return None  # anonymous
    # the client signed with the real time: date the signature in the emulator's (clock.py)
    signed_at = clock.current().emulated(_parse_amz_date(signature.amz_date), not signature.presigned)
    if signature.presigned:
        _check_expiry(request, signed_at, moment)
    else:
        _check_skew(signature.amz_date, signed_at, moment)
    _check_amz_headers_signed(request, signature)
    secret = _secret(secrets, signature.access_key)
    return Verified(signature.access_key, signature, _verify(request, signature, secret))


def _secret(secrets: Mapping[str, str], access_key: str) -> str:
    secret = secrets.get(access_key)
    if secret is None:
        raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
    return secret


def _check_amz_headers_signed(request: HttpRequest, signature: Signature) -> None:
    """S3 refuses a SigV4 request carrying an ``x-amz-*`` header its signature does not cover.

    It needs no secret, so it holds whatever the access key. A presigned URL's unsigned
    ``x-amz-content-sha256`` header is no such refusal on AWS (it breaks the signature instead).
    """
    signed = signature.signed_headers
    unsigned = sorted(
        name
        for name in request.headers
        if name.startswith("x-amz-")
        and name not in signed
        and not (signature.presigned and name == "x-amz-content-sha256")
    )
    if unsigned:
        raise AccessDenied(
            "There were headers present in the request which were not signed",
            HeadersNotSigned=", ".join(unsigned),
        )


def _check_skew(sent: str, signed_at: datetime, moment: datetime) -> None:
    if abs(moment - signed_at) > MAX_SKEW:
        raise RequestTimeTooSkewed(
            RequestTime=sent,
            ServerTime=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            MaxAllowedSkewMilliseconds="900000",
        )


def _from_header(request: HttpRequest) -> Signature:
    fields = authheader.parse_v4(request.headers["authorization"])
    signature = _signature(fields["Credential"], fields["SignedHeaders"], fields["Signature"], "-")
    signature.amz_date = _v4_date(request)
    _check_scope(signature)
    return signature


def _v4_date(request: HttpRequest) -> str:
    """The signing time: x-amz-date, else Date (either in ISO 8601 basic format, or Date as HTTP)."""
    headers = request.headers
    value = headers.get("x-amz-date") if "x-amz-date" in headers else headers.get("date")
    if value is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    if "x-amz-date" not in headers and "," in value:
        return _http_date(value).strftime("%Y%m%dT%H%M%SZ")
    _parse_amz_date(value)
    return value


def _check_scope(signature: Signature) -> None:
    if signature.service != "s3":
        raise AuthorizationHeaderMalformed(
            f'The authorization header is malformed; incorrect service "{signature.service}". '
            'This endpoint belongs to "s3".'
        )
    if signature.amz_date[:8] != signature.date:
        raise AuthorizationHeaderMalformed(
            "The authorization header is malformed; Invalid credential date. "
            "Date is not the same as X-Amz-Date."
        )


def _http_date(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header") from None
    # a Date with another zone (+0200) is the same moment in UTC, which the signature is dated in
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _presigned(request: HttpRequest) -> Signature | None:
    if request.query_value("X-Amz-Algorithm") != ALGORITHM:
        return None
    found = _signature(
        request.query_value("X-Amz-Credential"),
        request.query_value("X-Amz-SignedHeaders"),
        request.query_value("X-Amz-Signature"),
        request.query_value("X-Amz-Date") or "",
    )
    return replace(found, presigned=True)


def _signature(credential: str | None, signed: str | None, value: str | None, amz_date: str) -> Signature:
    parts = (credential or "").split("/")
    if len(parts) != 5 or not signed or not value or not amz_date:
        raise AuthorizationHeaderMalformed(
            "The authorization header is malformed; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
    if parts[4] != "aws4_request":
        raise AuthorizationHeaderMalformed(
            f'The authorization header is malformed; incorrect terminal "{parts[4]}". '
            'This endpoint uses "aws4_request".'
        )
    return Signature(parts[0], parts[1], parts[2], parts[3], tuple(signed.split(";")), value, amz_date, False)


@functools.lru_cache(maxsize=64)  # a client signs many requests in the same second
def amz_datetime(value: str) -> datetime | None:
    """An ``x-amz-date`` / ``X-Amz-Date`` value (``20260102T030405Z``) as a UTC time; None if malformed."""
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _parse_amz_date(value: str) -> datetime:
    parsed = amz_datetime(value)
    if parsed is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    return parsed


def _check_expiry(request: HttpRequest, signed_at: datetime, moment: datetime) -> None:
    try:
        expires = int(request.query_value("X-Amz-Expires") or "")
    except ValueError:
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number") from None
    if not 0 <= expires <= MAX_PRESIGNED_EXPIRY:
        raise AuthorizationQueryParametersError(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800"
        )
    if moment > signed_at + timedelta(seconds=expires):
        raise AccessDenied(
            "Request has expired",
            **{
                "X-Amz-Expires": str(expires),
                "Expires": (signed_at + timedelta(seconds=expires)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ServerTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )


def _same(expected: str, given: str) -> bool:
    # compare_digest refuses str with non-ASCII characters (TypeError): compare the bytes sent
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


def _verify(request: HttpRequest, signature: Signature, secret: str) -> bytes:
    """The signing key, once the signature checked out with it."""
    key = _signing_key(secret, signature.date, signature.region, signature.service)
    first = _canonical_request(request, signature, False)
    if _same(_sign(key, signature, first), signature.signature):
        return key
    # a "+" in the query may have been signed as a space
    if _same(_sign(key, signature, _canonical_request(request, signature, True)), signature.signature):
        return key
    raise SignatureDoesNotMatch(
        AWSAccessKeyId=signature.access_key,
        StringToSign=_string_to_sign(signature, first),
        SignatureProvided=signature.signature,
        CanonicalRequest=first,
    )


@functools.lru_cache(maxsize=64)  # derived once per key, day, region and service, as clients do
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 key of a secret for one day, region and service (a POST policy is signed with it)."""
    return _signing_key(secret, date, region, service)


def _string_to_sign(signature: Signature, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{signature.amz_date}\n{signature.scope}\n{digest}"


def _sign(key: bytes, signature: Signature, canonical: str) -> str:
    return hmac.digest(key, _string_to_sign(signature, canonical).encode(), "sha256").hex()


def _canonical_request(request: HttpRequest, signature: Signature, plus_is_space: bool) -> str:
    headers = "".join(f"{name}:{_header_value(request, name)}\n" for name in signature.signed_headers)
    payload = (
        "UNSIGNED-PAYLOAD"
        if signature.presigned
        else request.headers.get("x-amz-content-sha256", _EMPTY_SHA256)
    )
    return "\n".join(
        [
            request.method,
            request.raw_path,
            _canonical_query(request, signature.presigned, plus_is_space),
            headers,
            ";".join(signature.signed_headers),
            payload,
        ]
    )


def _header_value(request: HttpRequest, name: str) -> str:
    value = request.headers.get(name, "")
    # str.split() splits on control and separator characters, which isprintable() rejects (but
    # for the space): a printable value without double or outer spaces is already canonical
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    return " ".join(value.split())


def _canonical_query(request: HttpRequest, presigned: bool, plus_is_space: bool) -> str:
    pairs = []
    for item in filter(None, _raw_query(request).split("&")):
        name, _, value = item.partition("=")
        if presigned and unquote(name) == "X-Amz-Signature":
            continue
        pairs.append((_encode(name, plus_is_space), _encode(value, plus_is_space)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _raw_query(request: HttpRequest) -> str:
    """The query string as sent (still percent-encoded)."""
    environ = request.environ
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if isinstance(target, str) and target:
        return target.partition("?")[2]
    return str(environ.get("QUERY_STRING", ""))


def _encode(component: str, plus_is_space: bool) -> str:
    text = unquote(component.replace("+", " ") if plus_is_space else component)
    return quote(text, safe="-_.~")


def _check_v2(
    request: HttpRequest, secrets: Mapping[str, str], moment: datetime, header: bool, domains: tuple[str, ...]
) -> str | None:
    """SigV2 (what botocore still uses for presigned URLs): expiry, the access key, the signature.

    Returns the access key of a request signed with SigV2, None for any other request.
    """
    if header:
        access_key, given = authheader.parse_v2(request.headers["authorization"])
        date_line = _v2_date(request, moment)
    elif (
        "authorization" not in request.headers
        and request.query_value("AWSAccessKeyId")
        and request.query_value("Signature")
    ):
        access_key, given = (
            request.query_value("AWSAccessKeyId") or "",
            request.query_value("Signature") or "",
        )
        date_line = request.query_value("Expires") or ""
        _check_v2_expiry(date_line, moment)
    else:
        return None
    secret = _secret(secrets, access_key)
    # botocore presigns with SigV2 for a custom endpoint (SigV4 on AWS's own), and a SigV4 URL does
    # not sign Content-Type: a presigned PUT from urllib or curl (which add a form Content-Type)
    # must work as it does on AWS, so the URL also verifies without the Content-Type line
    candidates = [
        _v2_string_to_sign(request, date_line, with_type, resource)
        for resource in _v2_resources(request, domains)
        for with_type in (True, False)
    ]
    for text in candidates:
        expected = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()
        if _same(expected, given):
            return access_key
    raise SignatureDoesNotMatch(
        AWSAccessKeyId=access_key, StringToSign=candidates[0], SignatureProvided=given
    )


def _v2_date(request: HttpRequest, moment: datetime) -> str:
    """The Date line SigV2 signs (empty when x-amz-date stands in for it), after the skew check."""
    headers = request.headers
    sent = headers.get("x-amz-date") or headers.get("date")
    if not sent:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    # dated in the emulator's time, as SigV4 signatures are: a moved clock is not "too skewed"
    _check_skew(sent, clock.current().emulated(_http_date(sent)), moment)
    return "" if "x-amz-date" in headers else sent


def _check_v2_expiry(expires: str, moment: datetime) -> None:
    try:
        deadline = datetime.fromtimestamp(int(expires), timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise AccessDenied("Invalid date (should be seconds since epoch)") from None
    if moment > deadline:
        raise AccessDenied(
            "Request has expired",
            Expires=deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ServerTime=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )


def _v2_string_to_sign(request: HttpRequest, date_line: str, with_type: bool, resource: str) -> str:
    headers = request.headers
    amz = sorted(
        (name, ",".join(v.strip() for v in value.split(",")))
        for name, value in headers.items()
        if name.startswith("x-amz-")
    )
    content_type = headers.get("content-type", "") if with_type else ""
    lines = [request.method, headers.get("content-md5", ""), content_type, date_line]
    lines += [f"{name}:{value}" for name, value in amz]
    return "\n".join(lines) + "\n" + resource


def _v2_resources(request: HttpRequest, domains: tuple[str, ...]) -> list[str]:
    """The CanonicalizedResource: the path (after ``/bucket`` when the Host names the bucket) with
    the sub-resources S3 signs (sorted, values unquoted). botocore signs a path-style bucket
    request ``/bucket`` as ``/bucket/``, which S3 accepts: both forms verify."""
    interesting = []
    for item in filter(None, _raw_query(request).split("&")):
        name, sep, value = item.partition("=")
        if name in _V2_SUBRESOURCES:
            interesting.append(f"{name}={unquote(value)}" if sep else name)
    subresources = "?" + "&".join(sorted(interesting)) if interesting else ""
    host = request.host.rsplit(":", 1)[0]
    bucket = next((host[: -len(d) - 1] for d in domains if host.endswith("." + d)), None)
    path = request.raw_path
    if bucket is not None:
        return [f"/{bucket}{path}{subresources}"]
    paths = [path, path + "/"] if path.count("/") == 1 and len(path) > 1 else [path]
    return [p + subresources for p in paths]


# the query parameters SigV2 signs (Amazon S3 REST authentication, "CanonicalizedResource")
_V2_SUBRESOURCES = frozenset(HmacV1Auth.QSAOfInterest)
