"""The WSGI application: route -> parse -> handle -> serialize. The only place an S3Error becomes
an HTTP answer, and where unexpected exceptions are logged, answered with 500 and kept for check().
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from . import access, auth, cors, events, faults, journal, lifecycle, notify, regions, router, website
from .body import RequestBody
from .chunksig import ChunkVerifier
from .clock import Clock, using
from .coverage import UNSUPPORTED
from .errors import (
    AccessDenied,
    BadRequest,
    HttpVersionNotSupported,
    InternalError,
    NotImplementedOperation,
    S3Error,
)
from .handlers import HANDLERS, Context, Params, post_object
from .identity import Account, Accounts
from .journal import Call, Journal
from .parser import parse
from .request import HttpRequest, from_environ
from .serializer import Body, Headers, request_ids, serialize, serialize_error
from .store import Store

logger = logging.getLogger(__name__)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
HEALTH_PATH = "/_s3emu/health"
# S3's message for a request it cannot parse as HTTP (aristidb/aws#205, aws/aws-sdk-cpp#1559)
REQUEST_PARSE_ERROR = "An error occurred when parsing the HTTP request."
BLOCKED_REASON = "Blocked by pytest-s3emu: requests to real AWS are not allowed while the emulator is active"


@dataclass(slots=True)
class _Target:
    """What a request asked for, as far as it was understood before anything failed."""

    name: str | None = None
    bucket: str | None = None
    key: str | None = None
    params: Params | None = None
    fault: faults.Fault | None = None
    result: Params | None = None  # the handler's result, for the events it makes (notify.py)
    caller: Account | None = None  # the account whose signature checked out (None: anonymous)


class S3App:
    """The emulator's WSGI application over one replaceable :class:`Store`."""

    def __init__(
        self,
        region: str = "us-east-1",
        domains: tuple[str, ...] = ("localhost",),
        accounts: Accounts | None = None,
    ) -> None:
        self.region = region
        self.domains = domains
        self.store = Store()
        self.clock = Clock()  # every time the emulator reads (clock.py)
        self.clock.on_move(self.run_lifecycle)  # lifecycle rules act when time moves, not per request
        # the known accounts; as a Mapping, access key -> secret (whose signatures are verified)
        self.accounts = accounts or Accounts()
        self._configured = self.accounts.copy()  # what reset() goes back to
        self.log = Journal()
        self.events = events.Events()
        self.deliverer: events.Deliverer | None = None  # POSTs the events to a loopback URL
        self.faults = faults.Faults()
        self.crashes: list[BaseException] = []
        self._reset_lock = threading.Lock()

    def reset(self) -> None:
        """Forget every bucket, object, logged call and crash."""
        with self._reset_lock:
            old, self.store = self.store, self.store.emptied()
            self.accounts = self._configured.copy()
            self.log = Journal()
            self.events = events.Events()
            self.faults.clear()
            self.crashes = []
            self.clock.resume()
        old.release()

    def run_lifecycle(self) -> list[lifecycle.Action]:
        """Apply the buckets' lifecycle rules as of the clock's time; what they did."""
        with using(self.clock):
            done = lifecycle.run(self.store, self.clock.now())
        origin = events.Origin("s3.amazonaws.com", "s3.amazonaws.com", *request_ids())  # S3 itself acts
        for bucket, happenings in notify.from_lifecycle(done).items():
            self._notify(bucket, happenings, origin)
        return done

    def _notify(self, bucket_name: str, happenings: list[events.Happening], origin: events.Origin) -> None:
        """Record (and deliver) the events ``happenings`` make under the bucket's configuration."""
        bucket = self.store.buckets.get(bucket_name)
        config = bucket.configs.get(events.NOTIFICATION) if bucket is not None else None
        if not config or not happenings or bucket is None:
            return
        made = events.build(
            config, bucket_name, bucket.region, bucket.owner, origin, happenings, self.clock.now()
        )
        if made:
            self.events.add(made)
            if self.deliverer is not None:
                self.deliverer.send([event.record for event in made])

    def _request_events(
        self, request: HttpRequest, target: _Target, status: int, ids: tuple[str, str]
    ) -> None:
        bucket = self.store.buckets.get(target.bucket or "")
        if bucket is None or not bucket.configs.get(events.NOTIFICATION):
            return  # the common case: no configuration, no work
        source = notify.SOURCES[target.name or ""]
        happenings = source(self.store, bucket.name, target.params or {}, target.result or {}, status)
        access_key = journal.access_key_of(request)
        origin = events.Origin(
            f"AWS:{access_key}" if access_key else "anonymous",
            str(request.environ.get("REMOTE_ADDR", "127.0.0.1")),
            *ids,
        )
        self._notify(bucket.name, happenings, origin)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = from_environ(environ)
        if request.method == "CONNECT" or environ.get("REQUEST_URI", "").startswith(("http://", "https://")):
            return self._blocked(request, start_response)
        if request.raw_path == HEALTH_PATH:
            # "_" is never in a bucket name, so this path cannot shadow an S3 request
            health = b'{"status": "ok"}'
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(health)))]
            )
            return [health]
        status, headers, body = self.handle(request)
        start_response(f"{status} {_reason(status)}", headers)
        return body

    def handle(self, request: HttpRequest) -> tuple[int, Headers, Body]:
        """Answer one request: (status, headers, body), in the time of this emulator's clock."""
        with using(self.clock):
            return self._handle(request)

    def _handle(self, request: HttpRequest) -> tuple[int, Headers, Body]:
        # journal times: the emulator's clock (as Last-Modified); the duration: a wall stopwatch
        started, stopwatch = self.clock.now(), time.perf_counter()
        request_id, host_id = request_ids()
        target = _Target()
        tee = journal.BodyTee(request.body) if self.log.record_bodies else None
        if tee is not None:
            request.body = tee  # type: ignore[assignment]  # reads like the stream it wraps
        try:
            status, headers, payload = self._dispatch(request, target, (request_id, host_id))
            error_code = None
        except S3Error as error:
            status, headers, payload = serialize_error(error, request_id, host_id, request.method)
            error_code = error.code
        except faults.ConnectionResetByFault:
            self._record(request, target, 0, None, [], (started, stopwatch), tee)
            raise  # the transport drops the connection: no answer at all
        except Exception as crash:
            logger.exception("s3emu: unexpected error in %s", target.name or request.method)
            self.crashes.append(crash)
            status, headers, payload = serialize_error(InternalError(), request_id, host_id, request.method)
            error_code = InternalError.code
        if request.method != "OPTIONS":
            headers.extend(cors.response_headers(self.store, request, target.bucket))
        headers.append(("x-amz-request-id", request_id))
        headers.append(("x-amz-id-2", host_id))
        _set_content_length(headers, payload)
        if target.fault is not None and target.fault.truncate_body is not None:
            payload = faults.truncated(payload, target.fault.truncate_body)
        self._record(request, target, status, error_code, headers, (started, stopwatch), tee)
        if error_code is None and target.name in notify.SOURCES:
            self._events_of(request, target, status, (request_id, host_id))
        what = target.name or request.method
        logger.debug("s3emu: %s %s/%s -> %s %s", what, target.bucket, target.key, status, error_code or "")
        return status, headers, payload

    def _events_of(self, request: HttpRequest, target: _Target, status: int, ids: tuple[str, str]) -> None:
        try:
            self._request_events(request, target, status, ids)
        except Exception as crash:  # an emulator bug: kept for check(), never the client's failure
            logger.exception("s3emu: making the events of %s failed", target.name)
            self.crashes.append(crash)

    def _record(
        self,
        request: HttpRequest,
        target: _Target,
        status: int,
        error_code: str | None,
        headers: Headers,
        started: tuple[datetime, float],
        tee: journal.BodyTee | None,
    ) -> None:
        access_key = journal.access_key_of(request)
        attempt, max_attempts = journal.attempt_of(request)
        params = target.params or {}
        self.log.append(
            Call(
                target.name,
                target.bucket,
                target.key,
                status,
                error_code,
                journal.first(headers, "x-amz-version-id") or params.get("VersionId"),
                request.method,
                request.raw_path,
                request.query,
                request.headers,
                journal.journal_params(params),
                dict(headers),
                access_key,
                target.caller.account_id if target.caller is not None else None,
                attempt,
                max_attempts,
                started[0],
                self.clock.now(),
                time.perf_counter() - started[1],
                str(request.environ.get("s3emu.transport", "http")),
                target.fault.describe() if target.fault is not None else None,
                tee.getvalue() if tee is not None else None,
            )
        )

    def _inject(self, request: HttpRequest, target: _Target) -> None:
        """Apply the fault (if any) chosen for this request: delay, reset, or its S3 error."""
        target.fault = self.faults.select(target.name, target.bucket, target.key)
        if target.fault is not None:
            faults.apply_before(target.fault, request.environ)

    def _dispatch(
        self, request: HttpRequest, target: _Target, ids: tuple[str, str]
    ) -> tuple[int, Headers, Body]:
        """Answer one request (preflight, website, form or REST); ``target`` records what was asked."""
        site = website.locate(request, self.domains)
        if request.method == "OPTIONS":
            # a CORS preflight: answered from the bucket's rules, never signed (cors.py)
            bucket, key = (
                (site.bucket, site.key or None) if site else router.split_path(request, self.domains)
            )
            target.name, target.bucket, target.key = cors.OPERATION, bucket, key
            return cors.preflight(self.store, request, bucket, key)
        if site is not None:
            # the bucket's website endpoint: anonymous GET/HEAD answered in HTML (website.py)
            target.name, target.bucket, target.key = website.OPERATION, site.bucket, site.key
            return website.serve(self.store, request, site, ids)
        form_bucket = post_object.form_bucket(request, self.domains)
        if form_bucket is not None:
            return self._post_form(request, target, form_bucket)
        return self._operation(request, target)

    def _post_form(self, request: HttpRequest, target: _Target, bucket: str) -> tuple[int, Headers, Body]:
        """POST Object, the browser form upload: no operation of the model describes it."""
        target.name, target.bucket = post_object.OPERATION, bucket
        if self.faults:
            self._inject(request, target)
        context = Context(self.store, request, RequestBody(request), self.region)
        # the secrets of the access keys of every known account, and who they belong to
        try:
            answer = post_object.post_object(context, bucket, self.accounts)
        finally:
            signer = request.environ.get(post_object.CALLER)  # refused forms too
            target.caller = signer if isinstance(signer, Account) else None
        posted = request.environ.get(post_object.RESULT)
        target.result = posted if isinstance(posted, dict) else None
        return answer

    def _operation(self, request: HttpRequest, target: _Target) -> tuple[int, Headers, Body]:
        """A REST request: route, authenticate, parse, authorize, handle, serialize."""
        match = router.match(request, self.domains)
        target.name, target.bucket, target.key = match.operation.name, match.bucket, match.key
        if self.faults:
            self._inject(request, target)
        verified = auth.check(request, self.accounts, domains=self.domains)
        caller = target.caller = self.accounts.by_key(verified.access_key) if verified else None
        signed_region = verified.region if verified is not None else None
        regions.check(request, self.store, match, signed_region)
        region = signed_region or self.region
        body = RequestBody(request, match.operation.http_checksum, _chunk_verifier(request, verified))
        params = target.params = parse(request, match, body)
        access.authorize(self.store, caller, match.operation.name, params, request)
        handler = HANDLERS.get(match.operation.name)
        if handler is None:
            logger.warning("s3emu: %s is not implemented", match.operation.name)
            reason = UNSUPPORTED.get(match.operation.name, "not yet")  # the deliberate ones say why
            raise NotImplementedOperation(f"pytest-s3emu does not implement {target.name}: {reason}.")
        context = Context(self.store, request, body, region, caller, self.accounts)
        result = target.result = handler(context, params)
        status, headers, payload = serialize(match.operation, result)
        regions.add_header(headers, self.store, match)
        return status, headers, payload

    def refuse_request_line(self, unsupported_version: bool) -> tuple[int, Headers, Body]:
        """S3's answer to a request line the HTTP server cannot parse (no operation runs)."""
        # S3's answers: "GET /a b HTTP/1.1" (a space in the path) is 505 HttpVersionNotSupported
        # (JuliaCloud/AWS.jl#223); what it cannot parse as HTTP is 400 BadRequest with this text
        error = HttpVersionNotSupported() if unsupported_version else BadRequest(REQUEST_PARSE_ERROR)
        status, headers, body = serialize_error(error, *request_ids(), "GET")
        _set_content_length(headers, body)
        return status, headers, body

    def _blocked(self, request: HttpRequest, start_response: StartResponse) -> Iterable[bytes]:
        target = request.environ.get("REQUEST_URI", request.raw_path)
        logger.warning("s3emu: blocked a request to %s %s", request.method, target)
        # an S3 <Error> body, so botocore reports "AccessDenied: Blocked by pytest-s3emu ..." rather
        # than a bare "403 Forbidden"; a CONNECT client only sees the reason in the status line
        error = AccessDenied(f"{BLOCKED_REASON} ({request.method} {target})")
        status, headers, body = serialize_error(error, *request_ids(), request.method)
        _set_content_length(headers, body)
        start_response(f"{status} {BLOCKED_REASON}", [*headers, ("Connection", "close")])
        return body


def _chunk_verifier(request: HttpRequest, verified: auth.Verified | None) -> ChunkVerifier | None:
    """The checker of a signed streaming upload's chunk signatures (None for any other request)."""
    if verified is None or verified.signature is None or verified.key is None:
        return None
    if not request.headers.get("x-amz-content-sha256", "").startswith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"):
        return None
    signature = verified.signature
    return ChunkVerifier(
        verified.key, signature.amz_date, signature.scope, signature.signature, verified.access_key
    )


@functools.lru_cache(maxsize=64)
def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _set_content_length(headers: Headers, payload: Body) -> None:
    for name, _ in headers:
        if name.lower() == "content-length":
            return
    if isinstance(payload, list):
        headers.append(("Content-Length", str(sum(len(chunk) for chunk in payload))))
