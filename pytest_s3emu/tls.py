"""The optional HTTPS listener's throw-away certificate authority (the ``https`` extra: trustme).

botocore sends some requests differently over TLS (a PutObject/UploadPart body as ``aws-chunked``
with a trailing checksum, where plain HTTP gets a checksum header), so a test that should see what
production sees serves TLS. The CA lives only as long as the emulator: its PEM goes into the
emulator's own storage directory, and ``AWS_CA_BUNDLE`` names it to the clients.
"""

from __future__ import annotations

import os
import ssl
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import trustme

CA_FILE = "s3emu-ca.pem"
_EXTRA = "pip install 'pytest-s3emu[https]'"


class HttpsUnavailable(RuntimeError):
    """HTTPS was asked for without the ``https`` extra (trustme) installed."""


def certificate_authority() -> type[trustme.CA]:
    """trustme's CA class, or HttpsUnavailable naming the extra."""
    try:
        import trustme
    except ImportError as exc:
        raise HttpsUnavailable(f"HTTPS needs trustme, which the 'https' extra installs: {_EXTRA}") from exc
    return trustme.CA


def server_names(host: str, region: str, domains: tuple[str, ...]) -> list[str]:
    """The names the certificate must cover: the bound address, loopback, and the virtual hosts.

    A wildcard spans one label (RFC 6125), so ``<bucket>.<domain>`` and the website hosts
    (``<bucket>.s3-website.<domain>`` and both regional forms) each get their own; a bucket name
    with dots in it matches none, as with real S3's own certificate. OpenSSL honours no wildcard
    right under a one-label name (``*.localhost``); it is listed anyway, for other TLS stacks.
    """
    names = [host, "127.0.0.1", "::1", "localhost"]
    for domain in domains:
        for label in ("", "s3-website.", f"s3-website-{region}.", f"s3-website.{region}."):
            names += [f"{label}{domain}", f"*.{label}{domain}"]
    return list(dict.fromkeys(name for name in names if name))


def server_context(directory: str, names: list[str]) -> tuple[ssl.SSLContext, str]:
    """A TLS server context with a new CA's certificate for ``names``; and the CA PEM's path."""
    ca = certificate_authority()(organization_name="pytest-s3emu throw-away CA")
    certificate = ca.issue_cert(*names)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    path = os.path.join(directory, CA_FILE)
    ca.cert_pem.write_to_path(path)
    return context, path
