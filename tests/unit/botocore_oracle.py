"""Botocore as the oracle: capture the exact requests it would send, with no network at all.

Imported by the unit tests (pytest puts this directory on sys.path: it has no __init__.py).
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.session
from botocore.awsrequest import AWSPreparedRequest
from botocore.config import Config

from pytest_s3emu.request import HttpRequest, parse_query

# a closed port: nothing is ever sent there, the before-send handler aborts first
ENDPOINT = "http://127.0.0.1:9"


class _Captured(Exception):
    def __init__(self, request: AWSPreparedRequest) -> None:
        super().__init__(request.url)
        self.request = request


def _abort(request: AWSPreparedRequest, **kwargs: Any) -> None:
    # before-send runs after serialization, checksums and signing: this is what goes on the wire
    raise _Captured(request)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    data: bytes = body.read()
    return data


def to_http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    """The captured request as the protocol engine sees it (raw path, Host from the URL)."""
    url = urlsplit(prepared.url)
    headers = {
        name.lower(): value.decode("utf-8") if isinstance(value, bytes) else str(value)
        for name, value in prepared.headers.items()
    }
    headers.setdefault("host", url.netloc)  # http.client adds it when sending
    return HttpRequest(
        method=prepared.method,
        raw_path=url.path or "/",
        query=parse_query(url.query),
        headers=headers,
        body=io.BytesIO(_body_bytes(prepared.body)),
    )


class BotocoreCapture:
    """Calls a real botocore S3 client and returns the request it would have sent."""

    def __init__(self, endpoint_url: str = ENDPOINT, config: Config | None = None) -> None:
        self.client = botocore.session.get_session().create_client(
            "s3",
            region_name="us-east-1",
            endpoint_url=endpoint_url,
            aws_access_key_id="a",
            aws_secret_access_key="b",
            config=config,
        )
        self.client.meta.events.register("before-send", _abort)

    def prepared(self, operation: str, **params: Any) -> AWSPreparedRequest:
        method = getattr(self.client, botocore.xform_name(operation))
        try:
            method(**params)
        except _Captured as captured:
            return captured.request
        raise AssertionError(f"botocore sent nothing for {operation}")

    def request(self, operation: str, **params: Any) -> HttpRequest:
        return to_http_request(self.prepared(operation, **params))
