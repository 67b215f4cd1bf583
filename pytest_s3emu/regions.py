"""The bucket's region against the region a SigV4 request was signed for, as S3 checks them.

S3 answers a request signed for another region than its bucket's with an error naming the right
one (``<Region>`` in the body, ``x-amz-bucket-region`` in the headers, which is all a HEAD answer
carries): botocore's region redirector reads either and sends the request again, signed for that
region. Bucket-level answers carry ``x-amz-bucket-region`` too.
"""

from __future__ import annotations

from .errors import AuthorizationHeaderMalformed, AuthorizationQueryParametersError, S3Error
from .request import HttpRequest
from .router import Match
from .store import Store

BUCKET_REGION_HEADER = "x-amz-bucket-region"
# S3 answers GetBucketLocation in any region: it is how a client finds the bucket's region
_ANY_REGION = frozenset({"GetBucketLocation"})


def check(request: HttpRequest, store: Store, match: Match, signed: str | None) -> None:
    """Raise the error S3 answers when ``signed`` (the credential scope's region) is not the bucket's."""
    if signed is None or match.bucket is None or match.operation.name in _ANY_REGION:
        return
    bucket = store.buckets.get(match.bucket)  # a dict read: no lock needed for one lookup
    if bucket is None or bucket.region == signed:
        return
    error: S3Error
    if "authorization" in request.headers:
        error = AuthorizationHeaderMalformed(
            f"The authorization header is malformed; the region '{signed}' is wrong; "
            f"expecting '{bucket.region}'",
            Region=bucket.region,
        )
    else:  # a presigned URL: its credential is the X-Amz-Credential query parameter
        error = AuthorizationQueryParametersError(
            f"Error parsing the X-Amz-Credential parameter; the region '{signed}' is wrong; "
            f"expecting '{bucket.region}'",
            Region=bucket.region,
        )
    error.headers[BUCKET_REGION_HEADER] = bucket.region
    raise error


def add_header(headers: list[tuple[str, str]], store: Store, match: Match) -> None:
    """Add ``x-amz-bucket-region`` to the answer of a bucket-level request, as S3 does."""
    if match.bucket is None or match.key is not None:
        return  # S3 sends it for bucket requests (ListObjects, HeadBucket), not for object ones
    bucket = store.buckets.get(match.bucket)
    if bucket is None or any(name.lower() == BUCKET_REGION_HEADER for name, _ in headers):
        return
    headers.append((BUCKET_REGION_HEADER, bucket.region))
