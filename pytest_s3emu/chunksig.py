"""Chunk signatures of SigV4 streaming uploads (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]``).

Each chunk is signed with the request's signing key over the previous signature (the request's
own, the "seed", for the first chunk) and the SHA-256 of the chunk's data, as the AWS guide
"Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"
describes. :class:`ChunkVerifier` is fed by :class:`chunked.AwsChunkedReader` as it decodes.
"""

from __future__ import annotations

import hashlib
import hmac

from .errors import SignatureDoesNotMatch

_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class ChunkVerifier:
    """Checks each chunk's signature once its data has been read."""

    def __init__(self, key: bytes, amz_date: str, scope: str, seed: str, access_key: str) -> None:
        self._key = key
        self._prefix = f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n"
        self._previous = seed
        self._access_key = access_key
        self._claimed: str | None = None
        self._hash = hashlib.sha256()

    def begin(self, signature: str | None) -> None:
        """A chunk header was read: ``signature`` must sign the data that follows it."""
        self._claimed = signature or ""
        self._hash = hashlib.sha256()

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def end(self) -> None:
        """The current chunk's data is complete: SignatureDoesNotMatch unless its signature is right."""
        if self._claimed is None:
            return
        text = self._prefix + f"{self._previous}\n{_EMPTY_SHA256}\n{self._hash.hexdigest()}"
        expected = hmac.digest(self._key, text.encode(), "sha256").hex()
        claimed, self._claimed = self._claimed, None
        if not hmac.compare_digest(expected, claimed):
            raise SignatureDoesNotMatch(
                AWSAccessKeyId=self._access_key, StringToSign=text, SignatureProvided=claimed
            )
        self._previous = expected
