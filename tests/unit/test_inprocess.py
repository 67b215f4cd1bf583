"""The in-process transport: the app sees what HTTP would give it, botocore gets what urllib3 would."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HeadersDict
from botocore.config import Config
from botocore.exceptions import ClientError, ResponseStreamingError

from pytest_s3emu.httpserver import make_server
from pytest_s3emu.inprocess import answer, before_send_handler
from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from mypy_boto3_s3 import S3Client

# environ entries that differ by nature (the socket, the peer) or by the clock (the signature)
_UNCOMPARED = {
    "HTTP_AUTHORIZATION",
    "HTTP_X_AMZ_DATE",
    "HTTP_AMZ_SDK_INVOCATION_ID",
    "HTTP_AMZ_SDK_REQUEST",
    "REMOTE_ADDR",
    "REMOTE_PORT",
    "SERVER_SOFTWARE",
}
_COMPARED = {
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "REQUEST_URI",
    "RAW_URI",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "wsgi.url_scheme",
    "wsgi.input_terminated",
}


class Recorder:
    """Records what each request looked like to a WSGI app; answers with fixed headers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        record = {k: v for k, v in environ.items() if k in _COMPARED or k.startswith("HTTP_")}
        record = {k: v for k, v in record.items() if k not in _UNCOMPARED}
        record["body"] = environ["wsgi.input"].read()
        self.seen.append(record)
        headers = [("x-amz-request-id", "REQ"), ("X-Amz-Meta-Dup", "a"), ("x-amz-meta-dup", "b")]
        if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"].count("/") > 1:
            # GetObject: a streamed body without Content-Length (chunked over HTTP)
            start_response("200 OK", [*headers, ("Content-Type", "text/plain")])
            return iter([b"hello ", b"world"])
        start_response("200 OK", [*headers, ("Content-Length", "0")])
        return [b""]


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, str]]:
    app = Recorder()
    server = make_server(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()


def _request(
    method: str, url: str, headers: dict[str, bytes] | None = None, body: Any = None
) -> AWSPreparedRequest:
    # botocore-stubs type the headers as HTTPHeaders; botocore itself passes a HeadersDict
    return AWSPreparedRequest(method, url, HeadersDict(headers or {}), body, False)  # type: ignore[arg-type]


def _answer_with(client: S3Client, handler: Any) -> None:
    # Any: botocore-stubs type handlers as returning None; a before-send one may return a response
    client.meta.events.register("before-send.s3", handler)


def _client(endpoint: str, keys: tuple[str, str] = ("a", "b"), **config: Any) -> S3Client:
    access, secret = keys
    session = boto3.session.Session(
        aws_access_key_id=access, aws_secret_access_key=secret, region_name="us-east-1"
    )
    return session.client("s3", endpoint_url=endpoint, config=Config(**config) if config else None)


CALLS: dict[str, Callable[[S3Client], Any]] = {
    "put bytes": lambda c: c.put_object(
        Bucket="bkt", Key="dir/a b+ü%?#~.txt", Body=b"x" * 3000, Metadata={"m": "v"}, ContentType="text/x"
    ),
    "put file": lambda c: c.put_object(Bucket="bkt", Key="f", Body=io.BytesIO(b"file body")),
    "put empty": lambda c: c.put_object(Bucket="bkt", Key="empty"),
    "get range": lambda c: c.get_object(Bucket="bkt", Key="k", Range="bytes=0-3", VersionId="v1")[
        "Body"
    ].read(),
    "head": lambda c: c.head_object(Bucket="bkt", Key="k"),
    "list": lambda c: c.list_objects_v2(Bucket="bkt", Prefix="a b/", Delimiter="/"),
    "delete many": lambda c: c.delete_objects(
        Bucket="bkt", Delete={"Objects": [{"Key": "a"}, {"Key": "b&c"}]}
    ),
    "create bucket": lambda c: c.create_bucket(Bucket="bkt"),
    "delete bucket": lambda c: c.delete_bucket(Bucket="bkt"),
    "list buckets": lambda c: c.list_buckets(),
}


@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_the_app_sees_what_http_gives_it(recorder: tuple[Recorder, str], call: str) -> None:
    app, endpoint = recorder
    client = _client(endpoint)
    inprocess = [False]
    _answer_with(client, lambda request, **_: answer(app, request, endpoint) if inprocess[0] else None)
    answers = []
    for inprocess[0] in (False, True):
        before = len(app.seen)
        answers.append(CALLS[call](client))
        assert len(app.seen) == before + 1
    over_http, in_process = app.seen[-2:]
    assert in_process == over_http
    if isinstance(answers[0], dict):
        metadata = [a["ResponseMetadata"] for a in answers]
        for m in metadata:
            m["HTTPHeaders"].pop("date")
        assert metadata[1] == metadata[0]
        assert metadata[0]["HTTPHeaders"]["x-amz-meta-dup"] == "a, b"
    else:
        assert answers[1] == answers[0] == b"hello world"


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("PUT", None),
        ("POST", b"abc"),
        ("GET", None),
        ("DELETE", None),
        ("PUT", "text body"),
        ("PUT", "iterable"),  # unknown length: urllib3 sends it chunked
    ],
)
def test_requests_botocore_leaves_unframed_are_framed_as_urllib3_does(
    recorder: tuple[Recorder, str], method: str, body: bytes | str | None
) -> None:
    app, endpoint = recorder
    from botocore.httpsession import URLLib3Session

    def request() -> AWSPreparedRequest:
        data: Any = iter([b"chunk one, ", b"chunk two"]) if body == "iterable" else body
        return _request(method, f"{endpoint}/b?x=1", {"X-Thing": b"v"}, data)

    URLLib3Session().send(request())
    answer(app, request(), endpoint)
    over_http, in_process = app.seen[-2:]
    assert in_process == over_http


def test_a_streamed_answer_is_read_lazily_and_closed() -> None:
    closed: list[bool] = []
    produced: list[int] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            for n in range(4):
                produced.append(n)
                yield bytes([65 + n]) * 1000

        def close(self) -> None:
            closed.append(True)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "4000")])
        return Body()

    client = _client("http://127.0.0.1:9")  # nothing listens there: no request may leave
    _answer_with(client, lambda request, **_: answer(app, request, "http://127.0.0.1:9"))
    body = client.get_object(Bucket="bkt", Key="k")["Body"]
    assert produced == []
    assert body.read(1500) == b"A" * 1000 + b"B" * 500
    assert produced == [0, 1]
    assert body.tell() == 1500
    assert list(body.iter_chunks(1000)) == [b"B" * 500 + b"C" * 500, b"C" * 500 + b"D" * 500, b"D" * 500]
    assert closed == [True]


def test_closing_the_body_early_closes_the_app_iterator() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"x" * 10

        def close(self) -> None:
            closed.append(True)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "10")])
        return Body()

    request = _request("GET", "http://127.0.0.1:9/b/k")
    response = answer(app, request, "http://127.0.0.1:9")
    assert closed == []
    response.raw.close()
    assert closed == [True]
    assert response.raw.read(5) == b""


def test_a_body_failing_midway_is_a_streaming_error(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "100")])
        yield b"x" * 10
        raise OSError("disk gone")

    client = _client("http://127.0.0.1:9")
    _answer_with(client, lambda request, **_: answer(app, request, "http://127.0.0.1:9"))
    body = client.get_object(Bucket="bkt", Key="k")["Body"]
    with pytest.raises(ResponseStreamingError):
        body.read()
    assert "failed while streaming" in caplog.text


def test_head_answers_carry_no_body() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"not for HEAD"

        def close(self) -> None:
            closed.append(True)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Length", "12")])
        return Body()

    request = _request("HEAD", "http://127.0.0.1:9/b/k")
    response = answer(app, request, "http://127.0.0.1:9")
    assert closed == [True]
    assert response.content == b""
    assert response.headers["Content-Length"] == "12"


def test_start_response_may_come_with_the_first_block() -> None:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        start_response("404 Not Found", [("Content-Type", "application/xml")])
        yield b"<Error>"
        yield b"</Error>"

    request = _request("GET", "http://127.0.0.1:9/b")
    response = answer(app, request, "http://127.0.0.1:9")
    assert isinstance(response, AWSResponse)
    assert response.status_code == 404
    assert response.content == b"<Error></Error>"
    assert response.headers["Transfer-Encoding"] == "chunked"  # no Content-Length: chunked over HTTP


def test_the_body_is_limited_to_content_length() -> None:
    seen: list[bytes] = []

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Length", "0")])
        return []

    for body in (b"0123456789", io.BytesIO(b"0123456789"), [b"0123", b"456789"]):
        request = _request("PUT", "http://127.0.0.1:9/b/k", {"Content-Length": b"4"}, body)
        answer(app, request, "http://127.0.0.1:9")
    assert seen == [b"0123"] * 3


# --- the emulator's handler ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[S3Emulator]:
    with S3Emulator(transport="inprocess") as emu:
        yield emu


def test_only_the_emulators_endpoint_is_answered(emulator: S3Emulator) -> None:
    handler = before_send_handler(emulator)
    port = emulator.port
    # the health path: the one request the emulator answers 200 without credentials
    answered = handler(_request("GET", f"http://127.0.0.1:{port}/_s3emu/health"))
    assert answered is not None and answered.status_code == 200
    for url in (
        f"http://127.0.0.1:{port}0/",  # a port that merely starts with the emulator's
        f"http://127.0.0.2:{port}/",
        "https://s3.amazonaws.com/",
    ):
        assert handler(_request("GET", url)) is None, url
    emulator.transport = "http"
    try:
        assert handler(_request("GET", f"http://127.0.0.1:{port}/")) is None
    finally:
        emulator.transport = "inprocess"


def test_unknown_transport_is_refused(emulator: S3Emulator) -> None:
    with pytest.raises(ValueError, match="transport must be one of http, inprocess"):
        emulator.transport = "smoke-signals"
    assert emulator.transport == "inprocess"


def test_aws_chunked_upload_with_trailer_checksum(emulator: S3Emulator) -> None:
    # botocore sends streaming uploads aws-chunked with a trailing checksum over https only:
    # an https endpoint answered in process exercises that path with no TLS server at all
    endpoint = emulator.endpoint_url.replace("http://", "https://")
    keys = emulator.accounts.default.credentials
    client = _client(endpoint, (keys.access_key, keys.secret_key))
    sent: list[AWSPreparedRequest] = []

    def handler(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        sent.append(request)
        return answer(emulator.app, request, endpoint)

    _answer_with(client, handler)
    client.create_bucket(Bucket="trailer-bucket")
    data = bytes(range(256)) * 300
    client.put_object(Bucket="trailer-bucket", Key="k", Body=io.BytesIO(data), ChecksumAlgorithm="SHA256")
    headers = sent[-1].headers
    assert headers["Content-Encoding"] == b"aws-chunked"
    assert headers["X-Amz-Trailer"] == b"x-amz-checksum-sha256"
    assert headers["Transfer-Encoding"] == b"chunked"
    put = emulator.log[-1]
    assert (put.operation, put.status) == ("PutObject", 200)
    got = client.get_object(Bucket="trailer-bucket", Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumSHA256"]
    with pytest.raises(ClientError) as caught:
        client.get_object(Bucket="trailer-bucket", Key="missing")
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
