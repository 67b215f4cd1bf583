"""POST Object: the browser form upload, a ``multipart/form-data`` POST to the bucket URL.

The botocore model has no such operation (``generate_presigned_post`` builds the form), so the
app routes a POST to a bucket without a sub-resource here. The form fields before the part named
``file`` become the headers of a PutObject request (``Content-Type``, ``x-amz-meta-*``,
``x-amz-checksum-*``, ...), and the PutObject handler stores the file part's bytes as they stream
in. Fields after ``file`` are ignored, as S3 ignores them.

A form with a policy has its signature and every condition verified (post_policy.py) before
anything is stored; the file's size is held to the policy's ``content-length-range`` as it
streams. Then the access rules decide, as for a PutObject of the policy's signer (a form with
neither policy nor signature is anonymous): the signature first, the policy's conditions next,
the access decision last, as for a presigned URL, whose expiry S3 reports before any access check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import BinaryIO, cast
from urllib.parse import quote, urlencode

from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from .. import access, model, post_policy, router
from ..body import RequestBody
from ..errors import (
    InvalidArgument,
    MalformedPOSTRequest,
    MalformedXML,
    MaxPostPreDataLengthExceeded,
    PreconditionFailed,
)
from ..identity import Accounts
from ..parser import parse, parse_document
from ..request import HttpRequest
from ..serializer import Body, Headers, serialize, to_xml
from . import HANDLERS, Context

OPERATION = "PostObject"
RESULT = "s3emu.post_object.result"  # environ key: the stored object, for its event (app.py)
CALLER = "s3emu.post_object.caller"  # environ key: the signer's account, for the journal (app.py)
MAX_PRE_DATA_BYTES = 20480  # S3: the fields before the file may take 20 KB
_READ = 64 * 1024
# fields that describe the form itself, never the object
_FORM_FIELDS = frozenset(
    {
        "key",
        "bucket",
        "policy",
        "signature",
        "awsaccesskeyid",
        "x-amz-signature",
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-security-token",
        "success_action_status",
        "success_action_redirect",
        "redirect",
        "tagging",
        "acl",
    }
)
# headers that frame a request body: a form field of that name must not reframe the file
_FRAMING = frozenset(
    {
        "host",
        "expect",
        "content-length",
        "transfer-encoding",
        "x-amz-content-sha256",
        "x-amz-decoded-content-length",
        "x-amz-trailer",
    }
)


def form_bucket(request: HttpRequest, domains: tuple[str, ...]) -> str | None:
    """The bucket a POST-object upload goes to; None for any other request."""
    if request.method != "POST" or request.query:
        return None
    bucket, key = router.split_path(request, domains)
    return bucket if key is None else None


@dataclass(slots=True)
class _Upload:
    fields: dict[str, str]
    key: str
    filename: str | None


def post_object(ctx: Context, bucket: str, accounts: Accounts) -> tuple[int, Headers, Body]:
    """Store the form's file as PutObject would; answer as S3 does (204, 200, 201 or a 303).

    ``accounts`` give the secret of the access key that signed the form's policy, and its account.
    """
    form = _Form(ctx.body, _boundary(ctx.request.headers.get("content-type", "")))
    upload = _read_fields(form)
    verified = post_policy.authorize(upload.fields, bucket, upload.key, accounts.get)
    caller = accounts.by_key(verified.access_key) if verified.access_key is not None else None
    ctx.request.environ[CALLER] = caller
    operation = model.operation("PutObject")
    request = HttpRequest(
        method="PUT",
        raw_path="/" + quote(bucket) + "/" + quote(upload.key, safe="/"),
        query={},
        headers=_object_headers(upload.fields),
        body=cast(BinaryIO, _FileStream(form, verified.sizes)),  # read(size) is all RequestBody uses
        environ=ctx.request.environ,
    )
    body = RequestBody(request, operation.http_checksum)
    body.framed = True  # the form's multipart boundary delimits the file, which has no Content-Length
    params = parse(request, router.Match(operation, bucket, upload.key), body)
    # decided on the POST itself (its address, Referer, User-Agent) with the PutObject's params
    access.authorize(ctx.store, caller, "PutObject", params, ctx.request)
    result = HANDLERS["PutObject"](replace(ctx, request=request, body=body, caller=caller), params)
    ctx.request.environ[RESULT] = {**result, "Key": upload.key}
    ctx.body.drain()  # the fields after the file, which S3 ignores
    _, headers, _ = serialize(operation, result)
    return _answer(ctx.request, bucket, upload, headers)


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind.lower() != "multipart/form-data":
        raise PreconditionFailed(Condition="Bucket POST must be of the enclosure-type multipart/form-data")
    boundary = options.get("boundary")
    if not boundary:
        raise MalformedPOSTRequest()
    return boundary.encode("latin-1")


class _Form:
    """The multipart decoder fed from the request body as events are asked for."""

    def __init__(self, body: RequestBody, boundary: bytes) -> None:
        self._body = body
        self._decoder = MultipartDecoder(boundary)
        self._ended = False

    def next_event(self) -> object:
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError:
                raise MalformedPOSTRequest() from None
            if not isinstance(event, NeedData):
                return event
            data = self._body.read(_READ)
            if not data:
                if self._ended:
                    raise MalformedPOSTRequest()
                self._ended = True
            self._decoder.receive_data(data or None)


def _read_fields(form: _Form) -> _Upload:
    """The fields up to the file part (names in lower case, the first of a repeated name kept)."""
    fields: dict[str, str] = {}
    name: str | None = None
    value = bytearray()
    size = 0
    while True:
        event = form.next_event()
        if isinstance(event, (Field, File)):
            if (event.name or "").lower() == "file":
                filename = event.filename if isinstance(event, File) else None
                return _Upload(fields, _key(fields, filename), filename)
            name = (event.name or "").lower()
        elif isinstance(event, Data):
            size += len(event.data)
            if size > MAX_PRE_DATA_BYTES:
                raise MaxPostPreDataLengthExceeded(MaxPostPreDataLengthBytes=str(MAX_PRE_DATA_BYTES))
            value += event.data
            if not event.more_data and name is not None:
                fields.setdefault(name, value.decode("utf-8", "replace"))
                name, value = None, bytearray()
        elif isinstance(event, Epilogue):
            _key(fields, None)  # a missing key is reported before the missing file
            raise InvalidArgument(
                "POST requires exactly one file upload per request.", ArgumentName="file", ArgumentValue="0"
            )


def _key(fields: dict[str, str], filename: str | None) -> str:
    key = fields.get("key")
    if not key:
        raise InvalidArgument(
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order "
            "of the fields.",
            ArgumentName="key",
            ArgumentValue="",
        )
    # a file part without a filename parameter leaves ${filename} as it is
    return key.replace("${filename}", filename) if filename is not None else key


def _object_headers(fields: dict[str, str]) -> dict[str, str]:
    """The PutObject headers the form fields stand for."""
    headers = {
        name: value
        for name, value in fields.items()
        if name not in _FORM_FIELDS and name not in _FRAMING and not name.startswith("if-")
    }
    encodings = [e.strip() for e in headers.pop("content-encoding", "").split(",")]
    if any(e and e != "aws-chunked" for e in encodings):
        headers["content-encoding"] = ",".join(e for e in encodings if e and e != "aws-chunked")
    if "acl" in fields:
        headers["x-amz-acl"] = fields["acl"]
    if "tagging" in fields:
        headers["x-amz-tagging"] = _tagging(fields["tagging"])
    return headers


def _tagging(document: str) -> str:
    """The form's <Tagging> XML as the x-amz-tagging header's query string."""
    shape = model.operation("PutObjectTagging").input_shape
    assert shape is not None
    try:
        tagging = parse_document(shape.members["Tagging"], document.encode("utf-8"))
    except MalformedXML:
        text = document.lstrip()
        if text.startswith("<") and not text.startswith(("<Tagging", "<?")):
            return ""  # S3 stores no tags for a document with another root element
        raise
    return urlencode([(tag.get("Key", ""), tag.get("Value", "")) for tag in tagging.get("TagSet") or ()])


class _FileStream:
    """The file part's bytes, read from the form as the store asks for them."""

    def __init__(self, form: _Form, sizes: post_policy.SizeRange | None) -> None:
        self._form = form
        self._sizes = sizes
        self._pending = b""
        self._done = False
        self._size = 0

    def read(self, size: int = -1) -> bytes:
        while not self._pending and not self._done:
            event = self._form.next_event()
            if not isinstance(event, Data):
                break
            self._pending = event.data
            self._done = not event.more_data
            self._size += len(event.data)
            if self._sizes is not None:
                # refused before it is stored: too large as soon as it is, too small at its end
                self._sizes.check_growing(self._size)
                if self._done:
                    self._sizes.check_final(self._size)
        if size is None or size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data


def _answer(
    request: HttpRequest, bucket: str, upload: _Upload, headers: Headers
) -> tuple[int, Headers, Body]:
    etag = next(value for name, value in headers if name.lower() == "etag")
    redirect = upload.fields.get("success_action_redirect") or upload.fields.get("redirect")
    if redirect and redirect.startswith(("http://", "https://")):
        # S3 appends bucket, key and etag to the redirect URL (a relative one is ignored)
        query = urlencode([("bucket", bucket), ("key", upload.key), ("etag", etag)])
        separator = "&" if "?" in redirect else "?"
        return 303, [*headers, ("Location", redirect + separator + query)], []
    location = _location(request, bucket, upload.key)
    headers = [*headers, ("Location", location)]
    status = upload.fields.get("success_action_status")
    if status == "200":
        return 200, headers, []
    if status == "201":
        document = {"PostResponse": {"Location": location, "Bucket": bucket, "Key": upload.key, "ETag": etag}}
        return 201, [*headers, ("Content-Type", "application/xml")], [to_xml(document)]
    return 204, headers, []  # any other value, or none, is 204 No Content


def _location(request: HttpRequest, bucket: str, key: str) -> str:
    """The object's URL as S3 writes it: the key percent-encoded, "/" included."""
    host = request.host or "localhost"
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    path = "/" + quote(key, safe="") if name.startswith(bucket + ".") else f"/{bucket}/{quote(key, safe='')}"
    return f"http://{host}{path}"
