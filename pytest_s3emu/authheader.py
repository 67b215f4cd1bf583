"""The ``Authorization`` header, parsed in this one place: its scheme, then SigV2's or SigV4's parts.

Each refusal is the one S3 answers for that malformation (InvalidArgument, AuthorizationHeaderMalformed,
AccessDenied); what the parts are checked against (keys, scope, time) is ``auth``'s business.
"""

from __future__ import annotations

from .errors import AccessDenied, AuthorizationHeaderMalformed, InvalidArgument

ALGORITHM = "AWS4-HMAC-SHA256"
V2 = "AWS"
V4_COMPONENTS = ("Credential", "SignedHeaders", "Signature")


def scheme(header: str | None) -> str | None:
    """The header's scheme, "AWS" (SigV2) or ALGORITHM; None without the header."""
    if header is None:
        return None
    if not header.strip():
        raise AccessDenied()  # an empty header is no anonymous request (ceph/s3-tests)
    name = header.partition(" ")[0]
    if name not in (V2, ALGORITHM):
        raise InvalidArgument("Unsupported Authorization Type", **_argument(header))
    return name


def _argument(header: str) -> dict[str, str]:
    return {"ArgumentName": "Authorization", "ArgumentValue": header}


def parse_v2(header: str) -> tuple[str, str]:
    """(access key, signature) of an ``AWS <key>:<signature>`` header."""
    rest = header[len(V2) + 1 :]
    if not rest or " " in rest:
        raise InvalidArgument(
            "Authorization header is invalid -- one and only one ' ' (space) required", **_argument(header)
        )
    access_key, colon, given = rest.rpartition(":")
    if not colon or not access_key or not given:
        raise InvalidArgument(
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature", **_argument(header)
        )
    return access_key, given


def parse_v4(header: str) -> dict[str, str]:
    """The Credential, SignedHeaders and Signature components of an ``AWS4-HMAC-SHA256`` header."""
    fields: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in header[len(ALGORITHM) :].split(","))):
        name, equals, value = part.partition("=")
        if not equals or " " in part:
            raise AuthorizationHeaderMalformed(
                f'The authorization header is malformed; the authorization component "{part}" is malformed.'
            )
        fields[name] = value
    if not all(fields.get(name) for name in V4_COMPONENTS):
        raise AuthorizationHeaderMalformed(
            "The authorization header is malformed; the authorization header requires three "
            "components: Credential, SignedHeaders, and Signature."
        )
    return fields
