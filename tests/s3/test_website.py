"""The website endpoint: index and error documents, redirects and HTML error pages, as S3 static
website hosting answers them, on a website host and on the path form."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from rawhttp import RawResponse, send

from pytest_s3emu.server import S3Emulator

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import RoutingRuleTypeDef

pytestmark = pytest.mark.http_only  # a browser's requests to the website endpoint: HTTP itself


def public_read(s3: S3Client, bucket: str, listing: bool = True) -> None:
    """What S3's website hosting guide has a site do: Block Public Access off, a policy letting
    everyone GetObject (the website endpoint serves only what anonymous callers may read), and
    with ``listing`` ListBucket too, without which a missing page is 403, not 404."""
    s3.delete_public_access_block(Bucket=bucket)
    statements = [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    ]
    if listing:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
            }
        )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


@pytest.fixture
def site(s3: S3Client, s3_bucket: str) -> str:
    """A public bucket with a website: index.html, error.html and a folder."""
    public_read(s3, s3_bucket)
    s3.put_bucket_website(
        Bucket=s3_bucket,
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "error.html"},
        },
    )
    s3.put_object(Bucket=s3_bucket, Key="index.html", Body=b"home", ContentType="text/html")
    s3.put_object(Bucket=s3_bucket, Key="docs/index.html", Body=b"docs home", ContentType="text/html")
    s3.put_object(Bucket=s3_bucket, Key="docs/a.txt", Body=b"a", ContentType="text/plain")
    return s3_bucket


def _get(
    emulator: S3Emulator,
    bucket: str,
    path: str,
    method: str = "GET",
    host: str | None = None,
    headers: dict[str, str] | None = None,
) -> RawResponse:
    """A request to the bucket's website host, ``<bucket>.s3-website.localhost`` unless ``host``."""
    # a browser's request: anonymous
    sent = {"Host": host or f"{bucket}.s3-website.localhost", **(headers or {})}
    return send(emulator, method, path, headers=sent, sign=False)


def _items(response: RawResponse) -> dict[str, str]:
    """The ``<li>Name: value</li>`` items of an HTML error page, the nested ones after ``nested:``."""
    items: dict[str, str] = {}
    prefix = ""
    for line in response.body.decode().splitlines():
        if line.startswith("<h3>"):
            prefix = "nested:"
        if line.startswith("<li>"):
            name, _, value = line[4:-5].partition(": ")
            items[prefix + name] = value
    return items


def test_index_document_for_the_root_and_folders(s3emu: S3Emulator, site: str) -> None:
    root = _get(s3emu, site, "/")
    assert (root.status, root.body, root.headers["content-type"]) == (200, b"home", "text/html")
    assert _get(s3emu, site, "/docs/").body == b"docs home"
    plain = _get(s3emu, site, "/docs/a.txt")
    assert (plain.status, plain.body, plain.headers["content-type"]) == (200, b"a", "text/plain")
    assert "etag" in plain.headers and "last-modified" in plain.headers


def test_folder_without_slash_redirects_302(s3emu: S3Emulator, site: str) -> None:
    response = _get(s3emu, site, "/docs")
    assert response.status == 302
    assert response.headers["location"] == "/docs/"


def test_missing_key_serves_the_error_document_with_404(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    s3.put_object(Bucket=site, Key="error.html", Body=b"oops", ContentType="text/html")
    response = _get(s3emu, site, "/nope.html")
    assert (response.status, response.body, response.headers["content-type"]) == (404, b"oops", "text/html")


def test_missing_key_and_error_document_is_an_html_404(s3emu: S3Emulator, site: str) -> None:
    response = _get(s3emu, site, "/directory-wrong/")
    assert response.status == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["x-amz-error-code"] == "NoSuchKey"
    assert response.body.startswith(
        b"<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found"
    )
    items = _items(response)
    assert items["Code"] == "NoSuchKey"
    assert items["Message"] == "The specified key does not exist."
    assert items["Key"] == "directory-wrong/index.html"
    assert items["RequestId"] == response.headers["x-amz-request-id"]
    assert (items["nested:Code"], items["nested:Key"]) == ("NoSuchKey", "error.html")


def test_missing_key_is_403_when_anonymous_may_not_list(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    # S3 tells a missing page apart from a forbidden one only to a reader allowed s3:ListBucket
    public_read(s3, site, listing=False)
    assert _get(s3emu, site, "/docs/a.txt").status == 200
    response = _get(s3emu, site, "/nope.html")
    assert (response.status, response.headers["x-amz-error-code"]) == (403, "AccessDenied")
    items = _items(response)
    assert (items["Code"], items["Message"]) == ("AccessDenied", "Access Denied")
    assert (items["nested:Code"], items["nested:Key"]) == ("NoSuchKey", "error.html")
    head = _get(s3emu, site, "/nope.html", method="HEAD")
    assert (head.status, head.body, head.headers["x-amz-error-code"]) == (403, b"", "AccessDenied")
    # the error document is served with the 403
    s3.put_object(Bucket=site, Key="error.html", Body=b"oops", ContentType="text/html")
    assert (_get(s3emu, site, "/nope.html").status, _get(s3emu, site, "/nope.html").body) == (403, b"oops")


def test_head_has_status_and_no_body(s3emu: S3Emulator, site: str) -> None:
    found = _get(s3emu, site, "/", method="HEAD")
    assert (found.status, found.body, found.headers["content-length"]) == (200, b"", "4")
    missing = _get(s3emu, site, "/nope", method="HEAD")
    assert (missing.status, missing.body, missing.headers["x-amz-error-code"]) == (404, b"", "NoSuchKey")


def test_other_methods_are_405(s3emu: S3Emulator, site: str) -> None:
    response = _get(s3emu, site, "/index.html", method="PUT")
    assert response.status == 405
    items = _items(response)
    assert (items["Code"], items["Method"], items["ResourceType"]) == ("MethodNotAllowed", "PUT", "OBJECT")
    assert response.headers["x-amz-error-code"] == "MethodNotAllowed"


def test_bucket_without_website_and_missing_bucket(s3emu: S3Emulator, s3_bucket: str) -> None:
    response = _get(s3emu, s3_bucket, "/")
    assert response.status == 404
    items = _items(response)
    assert (items["Code"], items["BucketName"]) == ("NoSuchWebsiteConfiguration", s3_bucket)
    assert items["Message"] == "The specified bucket does not have a website configuration"
    missing = _get(s3emu, "no-such-website-bucket", "/")
    assert missing.status == 404
    assert _items(missing)["Code"] == "NoSuchBucket"


@pytest.mark.parametrize(
    "host",
    ["{}.s3-website.localhost", "{}.s3-website-eu-west-1.localhost", "{}.s3-website.eu-west-1.localhost:80"],
    ids=["dash-less", "dash-region", "dot-region"],
)
def test_website_host_forms(s3emu: S3Emulator, site: str, host: str) -> None:
    assert _get(s3emu, site, "/docs/a.txt", host=host.format(site)).body == b"a"


def test_path_form(s3emu: S3Emulator, site: str) -> None:
    response = send(s3emu, "GET", f"/_s3emu/website/{site}/")
    assert (response.status, response.body) == (200, b"home")
    folder = send(s3emu, "GET", f"/_s3emu/website/{site}/docs")
    assert (folder.status, folder.headers["location"]) == (302, f"/_s3emu/website/{site}/docs/")


def test_website_redirect_location_object_is_301(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    s3.put_object(Bucket=site, Key="old.html", Body=b"", WebsiteRedirectLocation="/docs/")
    response = _get(s3emu, site, "/old.html")
    assert (response.status, response.headers["location"], response.body) == (301, "/docs/", b"")
    # the S3 endpoint itself serves the object as stored
    assert send(s3emu, "GET", f"/{site}/old.html").status == 200


def test_redirect_all_requests(s3emu: S3Emulator, s3: S3Client, s3_bucket: str) -> None:
    s3.put_bucket_website(
        Bucket=s3_bucket,
        WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}},
    )
    response = _get(s3emu, s3_bucket, "/a/b.html")
    assert (response.status, response.headers["location"]) == (301, "https://example.com/a/b.html")


def _routing(s3: S3Client, bucket: str, rules: list[RoutingRuleTypeDef]) -> None:
    s3.put_bucket_website(
        Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": rules}
    )


def test_routing_rule_replace_key_prefix(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    _routing(
        s3,
        site,
        [{"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "documents/"}}],
    )
    response = _get(s3emu, site, "/docs/a.txt")
    assert response.status == 301
    assert response.headers["location"] == f"http://{site}.s3-website.localhost/documents/a.txt"
    assert _get(s3emu, site, "/").status == 200  # the rule's prefix does not match


def test_routing_rule_replace_key_host_protocol_code(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    redirect = {
        "HostName": "other.example",
        "Protocol": "https",
        "ReplaceKeyWith": "x.html",
        "HttpRedirectCode": "307",
    }
    _routing(s3, site, [{"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": redirect}])  # type: ignore[typeddict-item]  # the stubs' Literal protocol
    response = _get(s3emu, site, "/docs/a.txt")
    assert (response.status, response.headers["location"]) == (307, "https://other.example/x.html")


def test_routing_rule_on_error_code(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    _routing(
        s3,
        site,
        [{"Condition": {"HttpErrorCodeReturnedEquals": "404"}, "Redirect": {"ReplaceKeyWith": "index.html"}}],
    )
    # only a failed lookup is redirected
    assert _get(s3emu, site, "/docs/a.txt").status == 200
    response = _get(s3emu, site, "/gone.html")
    assert response.status == 301
    assert response.headers["location"] == f"http://{site}.s3-website.localhost/index.html"


def test_path_form_routing_keeps_the_base(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    _routing(
        s3, site, [{"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {"ReplaceKeyPrefixWith": "d/"}}]
    )
    url = send(s3emu, "GET", f"/_s3emu/website/{site}/docs/a.txt").headers["location"]
    assert url.endswith(f"/_s3emu/website/{site}/d/a.txt")


def test_website_is_served_without_signature(s3emu: S3Emulator, site: str) -> None:
    # the website endpoint is anonymous: a public object is served to an unsigned request
    response = _get(s3emu, site, "/docs/a.txt")
    assert response.status == 200
    assert s3emu.log[-1].operation == "WebsiteRequest"
    assert (s3emu.log[-1].bucket, s3emu.log[-1].key) == (site, "docs/a.txt")


def test_website_answers_carry_cors_headers(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    s3.put_bucket_cors(
        Bucket=site, CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}
    )
    response = send(
        s3emu, "GET", "/", headers={"Host": f"{site}.s3-website.localhost", "Origin": "http://app.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"


def test_range_request_is_206_with_content_range(s3emu: S3Emulator, site: str) -> None:
    part = _get(s3emu, site, "/docs/", headers={"Range": "bytes=1-3"})
    assert (part.status, part.body) == (206, b"ocs")
    assert (part.headers["content-range"], part.headers["content-length"]) == ("bytes 1-3/9", "3")
    suffix = _get(s3emu, site, "/index.html", headers={"Range": "bytes=-2"})
    assert (suffix.status, suffix.body, suffix.headers["content-range"]) == (206, b"me", "bytes 2-3/4")
    # a header S3 cannot parse (several ranges) is ignored: the whole document
    whole = _get(s3emu, site, "/index.html", headers={"Range": "bytes=0-1,2-3"})
    assert (whole.status, whole.body) == (200, b"home")
    assert "content-range" not in whole.headers


def test_unsatisfiable_range_is_an_html_416(s3emu: S3Emulator, s3: S3Client, site: str) -> None:
    s3.put_object(Bucket=site, Key="error.html", Body=b"oops", ContentType="text/html")
    response = _get(s3emu, site, "/index.html", headers={"Range": "bytes=10-20"})
    assert response.status == 416
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert (response.headers["x-amz-error-code"], response.headers["content-range"]) == (
        "InvalidRange",
        "bytes */4",
    )
    items = _items(response)  # the error document is not served for a refused range
    assert (items["Code"], items["RangeRequested"], items["ActualObjectSize"]) == (
        "InvalidRange",
        "bytes=10-20",
        "4",
    )
    assert response.body.startswith(b"<html>\n<head><title>416 Requested Range Not Satisfiable</title>")


def test_if_none_match_and_if_modified_since_are_304(s3emu: S3Emulator, site: str) -> None:
    first = _get(s3emu, site, "/index.html")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": "*"}, {"If-Modified-Since": modified}):
        response = _get(s3emu, site, "/index.html", headers=headers)
        assert (response.status, response.body) == (304, b""), headers
        assert (response.headers["etag"], response.headers["last-modified"]) == (etag, modified)
    # If-None-Match that does not match wins over a true If-Modified-Since (AWS's precedence)
    changed = _get(s3emu, site, "/", headers={"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert (changed.status, changed.body) == (200, b"home")
    older = _get(s3emu, site, "/", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert (older.status, older.body) == (200, b"home")


def test_if_match_and_if_unmodified_since_are_html_412(s3emu: S3Emulator, site: str) -> None:
    etag = _get(s3emu, site, "/index.html").headers["etag"]
    for headers, condition in (
        ({"If-Match": '"other"'}, "If-Match"),
        ({"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, "If-Unmodified-Since"),
    ):
        response = _get(s3emu, site, "/index.html", headers=headers)
        assert (response.status, response.headers["x-amz-error-code"]) == (412, "PreconditionFailed")
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert (_items(response)["Code"], _items(response)["Condition"]) == ("PreconditionFailed", condition)
    matched = _get(s3emu, site, "/", headers={"If-Match": etag, "Range": "bytes=0-0"})
    assert (matched.status, matched.body) == (206, b"h")


def _private_site(s3: S3Client, bucket: str) -> None:
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"home", ContentType="text/html")


def test_website_of_a_bucket_with_default_block_public_access_is_403(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    # a new bucket blocks public access: nothing in it is public, so the endpoint refuses
    _private_site(s3, s3_bucket)
    response = _get(s3emu, s3_bucket, "/")
    assert response.status == 403
    assert response.headers["x-amz-error-code"] == "AccessDenied"
    assert response.body.startswith(b"<html>\n<head><title>403 Forbidden</title></head>")
    assert (_items(response)["Code"], _items(response)["Message"]) == ("AccessDenied", "Access Denied")


def test_website_serves_only_what_anonymous_callers_may_read(
    s3emu: S3Emulator, s3: S3Client, s3_bucket: str
) -> None:
    _private_site(s3, s3_bucket)
    s3.delete_public_access_block(Bucket=s3_bucket)
    assert _get(s3emu, s3_bucket, "/").status == 403  # no policy, no public ACL
    # a signed request is no different: the website endpoint authenticates no one
    signed = send(s3emu, "GET", "/", headers={"Host": f"{s3_bucket}.s3-website.localhost"})
    assert (signed.status, signed.headers["x-amz-error-code"]) == (403, "AccessDenied")
    public_read(s3, s3_bucket)
    assert (_get(s3emu, s3_bucket, "/").status, _get(s3emu, s3_bucket, "/").body) == (200, b"home")
