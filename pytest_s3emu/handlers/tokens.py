"""Continuation tokens: opaque to clients, the last name of the previous page inside."""

from __future__ import annotations

import base64
import binascii

from ..errors import InvalidArgument


def encode_token(after: str) -> str:
    """The token that resumes a listing after ``after``."""
    return base64.urlsafe_b64encode(after.encode("utf-8", "surrogateescape")).decode()


def decode_token(token: str) -> str:
    """The name a token resumes after; InvalidArgument for a token S3 did not hand out."""
    try:
        return base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode(
            "utf-8", "surrogateescape"
        )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument(
            "The continuation token provided is incorrect",
            ArgumentName="continuation-token",
            ArgumentValue=token,
        ) from None
