"""The website endpoint: a bucket's website configuration served as S3's static website hosting does.

A request reaches it on a website host, ``<bucket>.s3-website.<domain>``,
``<bucket>.s3-website-<region>.<domain>`` or ``<bucket>.s3-website.<region>.<domain>`` (``domain``
one of the emulator's virtual-host domains), or on the path ``/_s3emu/website/<bucket>/<key>``
(``_`` is never in a bucket name, so the path shadows no S3 request). Only GET and HEAD are served;
answers are objects, redirects, and the endpoint's HTML error pages, never XML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from . import access
from .blobs import Reader
from .errors import (
    AccessDenied,
    InvalidURI,
    MethodNotAllowed,
    NoSuchBucket,
    NoSuchKey,
    NoSuchWebsiteConfiguration,
    NotModified,
    S3Error,
)
from .handlers.bucket_config import current
from .handlers.preconditions import check_read_conditions, parse_range
from .parser import parse_timestamp
from .request import HttpRequest
from .serializer import Body, Headers, http_date
from .store import Store

OPERATION = "WebsiteRequest"  # the name a website request is logged under: no model operation is one
PATH_PREFIX = "/_s3emu/website/"
_LABEL = "s3-website"
_NESTED = "An Error Occurred While Attempting to Retrieve a Custom Error Document"
_STATUS_TITLES = {
    301: "Moved Permanently",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    412: "Precondition Failed",
    416: "Requested Range Not Satisfiable",
}
_OBJECT_HEADERS = (("CacheControl", "Cache-Control"), ("ContentDisposition", "Content-Disposition"))

Config = dict[str, Any]
Answer = tuple[int, Headers, Body]


@dataclass(frozen=True, slots=True)
class Site:
    """A website request: the bucket, the key its path names ("" for the root) and what precedes
    the key in the path ("" on a website host), which redirects within the site keep."""

    bucket: str
    key: str
    base: str


def locate(request: HttpRequest, domains: tuple[str, ...]) -> Site | None:
    """The website request this is, or None for an ordinary S3 request."""
    path = request.raw_path
    if path.startswith(PATH_PREFIX):
        bucket_raw, _, key_raw = path[len(PATH_PREFIX) :].partition("/")
        if not bucket_raw:
            return None
        return Site(_decode(bucket_raw), _decode(key_raw), PATH_PREFIX + bucket_raw)
    bucket = host_bucket(request.host, domains)
    return None if bucket is None else Site(bucket, _decode(path[1:]), "")


def host_bucket(host: str, domains: tuple[str, ...]) -> str | None:
    """The bucket of a website host name (with or without its port), else None."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    for domain in domains:
        if not name.endswith("." + domain):
            continue
        labels = name[: -len(domain) - 1].split(".")
        if len(labels) >= 2 and (labels[-1] == _LABEL or labels[-1].startswith(_LABEL + "-")):
            return ".".join(labels[:-1])
        if len(labels) >= 3 and labels[-2] == _LABEL:  # the newer regions: s3-website.<region>
            return ".".join(labels[:-2])
    return None


def _decode(raw: str) -> str:
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidURI() from None


def website_access_allowed(store: Store, request: HttpRequest, bucket: str, key: str) -> bool:
    """Whether an anonymous reader may GetObject ``key``: what the website endpoint serves.

    The endpoint serves only what a bucket policy or ACL makes public; a request's signature, if
    any, is not looked at (the website endpoint authenticates no one).
    """
    try:
        access.authorize(store, None, "GetObject", {"Bucket": bucket, "Key": key}, request)
    except AccessDenied:
        return False
    return True


def serve(store: Store, request: HttpRequest, site: Site, ids: tuple[str, str]) -> Answer:
    """The website endpoint's answer to one request."""
    head = request.method == "HEAD"
    if request.method not in ("GET", "HEAD"):
        error = MethodNotAllowed(Method=request.method, ResourceType="OBJECT")
        return page(error, None, ids, head)
    try:
        config = _config(store, site.bucket)
    except S3Error as error:
        return page(error, None, ids, head)
    redirect_all = config.get("RedirectAllRequestsTo")
    if redirect_all is not None:
        protocol = redirect_all.get("Protocol") or _scheme(request)
        return _redirect(301, f"{protocol}://{redirect_all['HostName']}/{quote(site.key, safe='/~')}")
    rule = _routing_rule(config, site.key, None)
    if rule is not None:
        return _rule_redirect(rule, request, site)
    return _serve_key(store, request, site, config, ids)


def _config(store: Store, bucket_name: str) -> Config:
    with store.lock:
        bucket = store.buckets.get(bucket_name)
        if bucket is None:
            raise NoSuchBucket(BucketName=bucket_name)
        config: Config | None = current(bucket, "website")
    if config is None:
        raise NoSuchWebsiteConfiguration(BucketName=bucket_name)
    return config


def _serve_key(
    store: Store, request: HttpRequest, site: Site, config: Config, ids: tuple[str, str]
) -> Answer:
    suffix: str = config["IndexDocument"]["Suffix"]
    key = site.key + suffix if site.key == "" or site.key.endswith("/") else site.key
    try:
        answer = _object(store, request, site.bucket, key, 200, requested=True)
        if answer is None and key == site.key and _readable(store, request, site.bucket, f"{key}/{suffix}"):
            # a "folder" named without its slash: S3 sends the browser to the slashed path
            return _redirect(302, f"{site.base}/{quote(key, safe='/~')}/")
    except AccessDenied as denied:
        return _failure(store, request, site, config, denied, ids)
    except S3Error as refused:  # a precondition or range of the request: answered as S3 does, no document
        return page(refused, None, ids, request.method == "HEAD")
    if answer is not None:
        return answer
    # as GetObject: a reader who may not list the bucket is not told that the key is missing
    missing: S3Error = NoSuchKey(Key=key) if _listable(store, request, site.bucket) else AccessDenied()
    return _failure(store, request, site, config, missing, ids)


def _failure(
    store: Store, request: HttpRequest, site: Site, config: Config, error: S3Error, ids: tuple[str, str]
) -> Answer:
    """A failed lookup: a routing rule for its status, the error document, or the HTML page."""
    head = request.method == "HEAD"
    rule = _routing_rule(config, site.key, error.status)
    if rule is not None:
        return _rule_redirect(rule, request, site)
    document = (config.get("ErrorDocument") or {}).get("Key")
    if document:
        try:
            custom = _object(store, request, site.bucket, document, error.status)
        except AccessDenied:
            custom = None
        if custom is not None:
            return custom
    return page(error, document or None, ids, head)


def _listable(store: Store, request: HttpRequest, bucket: str) -> bool:
    """Whether an anonymous reader may list the bucket (s3:ListBucket)."""
    try:
        access.authorize(store, None, "ListObjects", {"Bucket": bucket}, request)
    except AccessDenied:
        return False
    return True


def _readable(store: Store, request: HttpRequest, bucket: str, key: str) -> bool:
    """Whether the object exists (AccessDenied when it does but is not public)."""
    with store.lock:
        found = store.buckets.get(bucket)
        if found is None or key not in found.objects:
            return False
    if not website_access_allowed(store, request, bucket, key):
        raise AccessDenied()
    return True


def _object(
    store: Store, request: HttpRequest, bucket: str, key: str, status: int, requested: bool = False
) -> Answer | None:
    """An object's answer with ``status`` (None when there is no such object); for the document
    ``requested``, its conditional and Range headers are honoured as GetObject does."""
    head = request.method == "HEAD"
    with store.lock:
        found = store.buckets.get(bucket)
        obj = found.objects.get(key) if found is not None else None
        if obj is None:
            return None
        if not website_access_allowed(store, request, bucket, key):
            raise AccessDenied()
        redirect = obj.headers.get("WebsiteRedirectLocation")
        if redirect:
            return _redirect(301, str(redirect))
        span = None
        if requested:
            check_read_conditions(_conditions(request), obj)
            span = parse_range(request.header("range"), obj.size)
        first, last = span if span is not None else (0, obj.size - 1)
        # opened while the lock is held: a concurrent overwrite may delete the file afterwards
        body = obj.blob.open_range(first, last) if not head and last >= first else Reader(iter(()))
    headers: Headers = [
        ("Content-Type", obj.content_type),
        ("Content-Length", str(last - first + 1)),
        ("ETag", obj.etag),
        ("Last-Modified", http_date(obj.last_modified)),
    ]
    if span is not None:
        status = 206
        headers.append(("Content-Range", f"bytes {first}-{last}/{obj.size}"))
    for member, name in _OBJECT_HEADERS:
        if isinstance(obj.headers.get(member), str):
            headers.append((name, obj.headers[member]))
    return status, headers, body


def _conditions(request: HttpRequest) -> dict[str, Any]:
    """The request's conditional headers as GetObject's members (an unparsable date is ignored)."""
    found: dict[str, Any] = {
        "IfMatch": request.header("if-match"),
        "IfNoneMatch": request.header("if-none-match"),
    }
    for member, name in (
        ("IfModifiedSince", "if-modified-since"),
        ("IfUnmodifiedSince", "if-unmodified-since"),
    ):
        raw = request.header(name)
        found[member] = parse_timestamp(raw) if raw is not None else None
    return found


def _routing_rule(config: Config, key: str, status: int | None) -> Config | None:
    """The first routing rule for ``key``: before the lookup (``status`` None) the rules without an
    error-code condition, after a failed one those whose condition names its status."""
    for rule in config.get("RoutingRules") or ():
        condition = rule.get("Condition") or {}
        if not key.startswith(condition.get("KeyPrefixEquals") or ""):
            continue
        code = condition.get("HttpErrorCodeReturnedEquals")
        if (code is None) == (status is None) and (code is None or int(code) == status):
            return dict(rule)
    return None


def _rule_redirect(rule: Config, request: HttpRequest, site: Site) -> Answer:
    redirect = rule["Redirect"]
    prefix = (rule.get("Condition") or {}).get("KeyPrefixEquals") or ""
    key = site.key
    if redirect.get("ReplaceKeyWith") is not None:
        key = redirect["ReplaceKeyWith"]
    elif redirect.get("ReplaceKeyPrefixWith") is not None:
        key = redirect["ReplaceKeyPrefixWith"] + key[len(prefix) :]
    protocol = redirect.get("Protocol") or _scheme(request)
    # a redirect to another host names no path of ours; one within the site keeps its base
    host = redirect.get("HostName")
    path = f"/{quote(key, safe='/~')}" if host else f"{site.base}/{quote(key, safe='/~')}"
    status = int(redirect.get("HttpRedirectCode") or 301)
    return _redirect(status, f"{protocol}://{host or request.host}{path}")


def _scheme(request: HttpRequest) -> str:
    return str(request.environ.get("wsgi.url_scheme") or "http")


def _redirect(status: int, location: str) -> Answer:
    return status, [("Location", location), ("Content-Length", "0")], []


def page(error: S3Error, document: str | None, ids: tuple[str, str], head: bool) -> Answer:
    """The endpoint's HTML error page; ``document``: the error document that was not found."""
    if isinstance(error, NotModified):  # a 304 carries the validators only, never a page
        return error.status, list(error.headers.items()), []
    title = f"{error.status} {_STATUS_TITLES.get(error.status, 'Error')}"
    lines = ["<html>", f"<head><title>{title}</title></head>", "<body>", f"<h1>{title}</h1>", "<ul>"]
    details = {"Code": error.code, "Message": error.text, **error.fields}
    details.update(RequestId=ids[0], HostId=ids[1])
    lines.extend(f"<li>{name}: {html.escape(value)}</li>" for name, value in details.items())
    lines.append("</ul>")
    if document is not None:
        missing = NoSuchKey(Key=document)
        nested = {"Code": missing.code, "Message": missing.text, "Key": document}
        lines.extend([f"<h3>{_NESTED}</h3>", "<ul>"])
        lines.extend(f"<li>{name}: {html.escape(value)}</li>" for name, value in nested.items())
        lines.append("</ul>")
    lines.extend(["<hr/>", "</body>", "</html>", ""])
    text = "\n".join(lines).encode()
    headers: Headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(text))),
        ("x-amz-error-code", error.code),
        ("x-amz-error-message", error.text),
    ]
    headers.extend((f"x-amz-error-detail-{name}", value) for name, value in error.fields.items())
    headers.extend(error.headers.items())  # a 416's Content-Range: bytes */<size>
    return error.status, headers, [] if head else [text]
