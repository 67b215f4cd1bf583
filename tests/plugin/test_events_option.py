"""The s3emu_events_url ini option: every test's events POSTed to one loopback URL."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any

import pytest

TESTS = """
CONFIG = {"QueueConfigurations": [
    {"QueueArn": "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:ObjectCreated:*"]}]}

def test_first(s3, s3_bucket):
    s3.put_bucket_notification_configuration(Bucket=s3_bucket, NotificationConfiguration=CONFIG)
    s3.put_object(Bucket=s3_bucket, Key="first", Body=b"v")

def test_second(s3, s3emu, s3_bucket):
    # the ini URL outlives the reset between tests
    s3.put_bucket_notification_configuration(Bucket=s3_bucket, NotificationConfiguration=CONFIG)
    s3.put_object(Bucket=s3_bucket, Key="second", Body=b"v")
    assert s3emu.events[0].key == "second"
"""


def test_the_ini_url_receives_every_tests_events(pytester: pytest.Pytester) -> None:
    received: list[dict[str, Any]] = []
    both = threading.Semaphore(0)

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()
            both.release()

        def log_message(self, format: str, *args: Any) -> None:  # the base signature
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pytester.makeini(f"[pytest]\ns3emu_events_url = http://127.0.0.1:{server.server_address[1]}/e\n")
        pytester.makepyfile(TESTS)
        pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
        assert both.acquire(timeout=30) and both.acquire(timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    keys = sorted(message["Records"][0]["s3"]["object"]["key"] for message in received)
    assert keys == ["first", "second"]


def test_a_non_loopback_ini_url_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ns3emu_events_url = http://example.com/events\n")
    pytester.makepyfile("def test_it(s3emu):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*delivers events only to a loopback*"])
