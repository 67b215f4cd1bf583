"""CORS from a real browser: a page on a second loopback origin uploads and reads an object with
fetch() in headless Chromium. Skipped when no Chromium is installed (Debian: apt-get install chromium)."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
)
pytestmark = [
    pytest.mark.http_only,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed"),
]

PAGE = """<html><body><script>
async function run() {
  const headers = {"Content-Type": "text/plain"};
  const put = await fetch("%(put)s", {method: "PUT", body: "from the browser", headers: headers});
  const got = await fetch("%(get)s");
  document.body.textContent = "RESULT " + put.status + " " + got.status + " " + (await got.text());
}
run().catch(error => { document.body.textContent = "RESULT failed " + error; });
</script></body></html>"""


@pytest.fixture
def page_origin(s3: S3Client, s3_bucket: str) -> Iterator[str]:
    """A second origin, http://127.0.0.1:<other port>, serving the page."""
    # presigned URLs, as a browser is handed them: the page has no credentials of its own
    params = {"Bucket": s3_bucket, "Key": "browser.txt"}
    urls = {"put": s3.generate_presigned_url("put_object", Params=params)}
    urls["get"] = s3.generate_presigned_url("get_object", Params=params)
    body = (PAGE % urls).encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _browse(url: str) -> str:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom"]
    done = subprocess.run([CHROMIUM, *flags, url], capture_output=True, text=True, timeout=120, check=False)
    return done.stdout


def test_browser_put_and_get_across_origins(s3: S3Client, s3_bucket: str, page_origin: str) -> None:
    rule = {"AllowedOrigins": [page_origin], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"]}
    s3.put_bucket_cors(Bucket=s3_bucket, CORSConfiguration={"CORSRules": [rule]})  # type: ignore[list-item]  # plain dict
    assert "RESULT 200 200 from the browser" in _browse(page_origin)
    assert s3.get_object(Bucket=s3_bucket, Key="browser.txt")["Body"].read() == b"from the browser"


def test_browser_is_refused_without_a_rule(s3: S3Client, s3_bucket: str, page_origin: str) -> None:
    rule = {"AllowedOrigins": ["http://elsewhere.example"], "AllowedMethods": ["GET", "PUT"]}
    s3.put_bucket_cors(Bucket=s3_bucket, CORSConfiguration={"CORSRules": [rule]})  # type: ignore[list-item]  # plain dict
    assert "RESULT failed" in _browse(page_origin)
