"""``python -m pytest_s3emu``: the emulator as a standalone server."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from . import env
from .ports import PortError, bind_failure, parse_port
from .server import S3Emulator
from .tls import HttpsUnavailable


def _port(text: str) -> int:
    try:
        return parse_port(text)
    except PortError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m pytest_s3emu", description="Run the S3 emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=4566, help="port to bind, 0 for any (default: 4566)")
    parser.add_argument("--region", default="us-east-1", help="the emulator's region (default: us-east-1)")
    parser.add_argument(
        "--domain",
        action="append",
        default=None,
        help="domain of virtual-hosted-style requests, <bucket>.<domain> (repeatable; default: localhost)",
    )
    parser.add_argument(
        "--https",
        action="store_true",
        help="serve HTTPS with a throw-away CA, printed as AWS_CA_BUNDLE (needs pytest-s3emu[https])",
    )
    parser.add_argument(
        "--account",
        action="append",
        default=None,
        metavar="NAME=ACCESS_KEY:SECRET_KEY",
        help="an account (repeatable; the first owns what the printed credentials create; "
        "default: the plugin's own s3emu account)",
    )
    parser.add_argument(
        "--bucket-defaults",
        choices=("2023", "legacy"),
        default="2023",
        help="what new buckets get: AWS's 2023 defaults, or legacy (ObjectWriter, no Block Public Access)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    domains = tuple(args.domain or ["localhost"])
    accounts = list(args.account or [])
    try:
        emulator = S3Emulator(
            host=args.host,
            port=args.port,
            region=args.region,
            domains=domains,
            https=args.https,
            owner=accounts[0] if accounts else None,
            accounts=accounts[1:],
            bucket_defaults=args.bucket_defaults,
        )
    except ValueError as error:
        print(f"pytest-s3emu: {error}", file=sys.stderr)
        return 2
    try:
        emulator.start()
    except HttpsUnavailable as error:
        print(f"pytest-s3emu: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(
            f"pytest-s3emu: {bind_failure(args.host, args.port, error)} (--port {args.port})", file=sys.stderr
        )
        return 1
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    lines = [
        f"pytest-s3emu serving S3 on {emulator.endpoint_url}",
        f"health: {emulator.endpoint_url}/_s3emu/health",
    ]
    lines.append("environment for clients:")
    lines += [f"  export {name}={value}" for name, value in env.variables(emulator).items()]
    print("\n".join(lines), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
