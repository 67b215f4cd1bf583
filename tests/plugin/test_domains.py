"""Virtual-hosted-style addressing on a configured domain."""

from __future__ import annotations

import pytest


def test_ini_domains_route_virtual_hosted_requests(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        s3emu_domains =
            localhost
            s3.test.internal
        """
    )
    pytester.makepyfile(
        """
        import http.client
        from urllib.parse import urlsplit

        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        def _get(s3emu, host, path):
            port = urlsplit(s3emu.endpoint_url).port
            # signed for the virtual host, as any client of S3 signs its Host
            request = AWSRequest(method="GET", url=f"http://{host}:{port}{path}")
            keys = s3emu.accounts.default.credentials
            signer = S3SigV4Auth(Credentials(keys.access_key, keys.secret_key), "s3", s3emu.region)
            signer.add_auth(request)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Host": f"{host}:{port}", **request.headers})
            response = conn.getresponse()
            return response.status, response.read()

        def test_virtual_host(s3, s3emu):
            s3.create_bucket(Bucket="vhost-bucket")
            s3.put_object(Bucket="vhost-bucket", Key="dir/file.txt", Body=b"via host")
            assert _get(s3emu, "vhost-bucket.s3.test.internal", "/dir/file.txt") == (200, b"via host")
            assert _get(s3emu, "vhost-bucket.localhost", "/dir/file.txt") == (200, b"via host")
            # an unconfigured domain is path style: "/dir/file.txt" is bucket "dir"
            status, body = _get(s3emu, "vhost-bucket.example.org", "/dir/file.txt")
            assert status == 404 and b"<Code>NoSuchBucket</Code>" in body
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
