"""S3Emulator: the S3 application served over HTTP on loopback from a daemon thread."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import events, journal
from .app import S3App
from .auth import ACCESS_KEY, SECRET_KEY  # noqa: F401  (re-exported: the default key pair)
from .blobs import DEFAULT_SPILL_THRESHOLD
from .clock import Clock
from .faults import Fault, Matcher
from .identity import Account, Accounts, Credentials, parse_spec
from .journal import Call, Journal
from .snapshots import Snapshot

if TYPE_CHECKING:
    import ssl

    import boto3.session
    import pytest
    from mypy_boto3_s3 import S3Client
    from werkzeug.serving import BaseWSGIServer

    from .lifecycle import Action

logger = logging.getLogger(__name__)


BUCKET_DEFAULTS = ("2023", "legacy")


def _accounts(owner: str | None, specs: Iterable[str]) -> Accounts:
    """The emulator's accounts: ``owner`` (default: the plugin's own) first, then ``specs``."""
    accounts = Accounts()
    if owner is not None:
        name, keys = parse_spec(owner)
        accounts = Accounts(Accounts.make(name, [keys] if keys else []))
    for spec in specs:
        name, keys = parse_spec(spec)
        accounts.add(name, [keys] if keys else [])
    return accounts


class EmulatorCrash(AssertionError):
    """The emulator hit a bug of its own while serving the test (see the chained exception)."""


@dataclass(frozen=True)
class AccountClient:
    """An account of the emulator with its first key pair and a boto3 client signing with it."""

    account: Account
    access_key: str
    secret_key: str
    client: S3Client


class S3Emulator:
    """A fake S3 served on ``127.0.0.1`` (a free port by default).

    Usable as a context manager outside pytest::

        with S3Emulator() as s3emu:
            client = s3emu.client()
            client.create_bucket(Bucket="demo")

    With ``activate=True`` the ``with`` block also sets the environment the pytest fixtures set
    (see :meth:`activate`), so a plain ``boto3.client("s3")`` reaches the emulator.

    Object bodies above ``spill_threshold`` bytes (8 MiB by default) live in temporary files in
    :attr:`storage_dir`, a directory of the emulator's own that :meth:`stop` removes.

    ``accounts`` adds accounts beside the default one (``"NAME"`` or
    ``"NAME=ACCESS_KEY:SECRET_KEY"``); ``owner``, in the same form, replaces the default account.
    ``bucket_defaults="legacy"`` gives new buckets S3's defaults from before April 2023.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        spill_threshold: int = DEFAULT_SPILL_THRESHOLD,
        transport: str = "http",
        domains: tuple[str, ...] = ("localhost",),
        https: bool = False,
        activate: bool = False,
        guard: bool = True,
        events_url: str | None = None,
        accounts: Iterable[str] = (),
        owner: str | None = None,
        bucket_defaults: str = "2023",
    ) -> None:
        """``domains``: a request whose Host is ``<bucket>.<domain>`` is virtual-hosted style.

        ``events_url``: POST every event record to this loopback URL (see :meth:`deliver_events_to`).

        ``https``: serve TLS with a certificate from a throw-away CA (:attr:`ca_bundle`; needs the
        ``https`` extra), so clients send what they send only over TLS (``aws-chunked`` uploads).

        ``activate``: entering the emulator as a context manager also :meth:`activate`-s it, with
        the safety guard unless ``guard`` is false, until the ``with`` block ends.

        ``owner`` and ``accounts``: ``NAME`` or ``NAME=ACCESS_KEY:SECRET_KEY`` specs of the default
        account (the plugin's own ``s3emu`` if None) and more; ``bucket_defaults``: ``"2023"``
        (AWS's) or ``"legacy"`` (ObjectWriter, no Block Public Access), what new buckets get.
        """
        if spill_threshold < 0:
            raise ValueError(f"spill_threshold must be a number of bytes, not {spill_threshold!r}")
        if bucket_defaults not in BUCKET_DEFAULTS:
            choices = ", ".join(BUCKET_DEFAULTS)
            raise ValueError(f"bucket_defaults must be one of {choices}, not {bucket_defaults!r}")
        self.host = host
        self.port = port
        self.region = region
        self.spill_threshold = spill_threshold
        self.transport = transport
        self.https = https
        #: the throw-away CA's PEM file (in :attr:`storage_dir`) while serving HTTPS, else None
        self.ca_bundle: str | None = None
        self.app = S3App(region=region, domains=tuple(domains), accounts=_accounts(owner, accounts))
        self.app.store.spill_threshold = spill_threshold
        self.events_url = events.check_loopback(events_url) if events_url else None
        if self.events_url:
            self.app.deliverer = events.Deliverer(self.events_url)
        self.app.store.legacy_defaults = bucket_defaults == "legacy"
        self._storage: weakref.finalize[..., S3Emulator] | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._sessions: dict[bool, boto3.session.Session] = {}
        #: the snapshot :meth:`reset` restores (None: reset empties the emulator)
        self.seed: Snapshot | None = None
        self._client: S3Client | None = None
        self._activate_on_enter = activate
        self._guard = guard
        self._activations: list[pytest.MonkeyPatch] = []

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https://`` with ``https``); starts the server if it is not
        running yet."""
        if self._server is None:
            self.start()
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 literal needs brackets
        return f"{'https' if self.https else 'http'}://{host}:{self.port}"

    @property
    def log(self) -> Journal:
        """Every request answered since the last reset, in order (the same list as :attr:`calls`)."""
        return self.app.log

    @property
    def clock(self) -> Clock:
        """The emulator's :class:`~pytest_s3emu.clock.Clock`: real time unless a test moves it.

        ``s3emu.clock.advance(days=2)``; every reset (each test) puts it back to real time.
        """
        return self.app.clock

    @property
    def calls(self) -> Journal:
        """The request journal: a :class:`~pytest_s3emu.journal.Call` per request since the last reset.

        ::

            s3.put_object(Bucket="b", Key="k", Body=b"v")
            put = s3emu.calls.filter("PutObject", Key="k")[0]
            assert put.request_headers["content-type"] == "binary/octet-stream"
        """
        return self.app.log

    @property
    def events(self) -> events.Events:
        """The S3 event records the buckets' notification configurations made since the last reset.

        ::

            s3.put_bucket_notification_configuration(Bucket="b", NotificationConfiguration=config)
            s3.put_object(Bucket="b", Key="k", Body=b"v")
            [event] = s3emu.events.filter("ObjectCreated:*", key="k")
            assert event.record["s3"]["object"]["size"] == 1
        """
        return self.app.events

    def deliver_events_to(self, url: str | None) -> None:
        """POST ``{"Records": [...]}`` for every event to ``url`` (loopback only) until the next
        reset; None stops. Delivery runs in a background thread and never delays or fails S3."""
        old = self.app.deliverer
        self.app.deliverer = events.Deliverer(url) if url is not None else None
        if old is not None:
            old.close()

    def assert_called(self, operation: str, *, times: int | None = None, **criteria: Any) -> list[Call]:
        """Assert ``operation`` was answered (exactly ``times`` times, if given) with ``criteria``.

        Criteria are those of :meth:`Journal.filter <pytest_s3emu.journal.Journal.filter>`
        (``bucket=``, ``status=``, ``error=``, or input members: ``Key=``, ``ContentType=``);
        returns the matching calls::

            s3emu.assert_called("PutObject", Bucket="b", Key="k", status=200)
        """
        return journal.assert_called(self.calls, operation, times, criteria)

    def assert_not_called(self, operation: str | None = None, **criteria: Any) -> None:
        """Assert no call of ``operation`` (any operation, if None) met ``criteria``."""
        journal.assert_not_called(self.calls, operation, criteria)

    def assert_no_leftover_uploads(self) -> None:
        """Assert every multipart upload was completed or aborted (none still holds parts)."""
        left = journal.leftover_uploads(self.app.store)
        if left:
            shown = "\n".join(f"  s3://{bucket}/{key} (UploadId {upload})" for bucket, key, upload in left)
            raise AssertionError(f"{len(left)} multipart upload(s) neither completed nor aborted:\n{shown}")

    def fail(
        self,
        operation: str | None = None,
        *,
        bucket: Matcher = None,
        key: Matcher = None,
        times: int | None = None,
        nth: int | None = None,
        error: str | None = None,
        status: int | None = None,
        message: str | None = None,
        latency: float = 0.0,
        reset_connection: bool = False,
        truncate_body: int | None = None,
    ) -> Fault:
        """Make matching requests fail; until the ``with`` block ends, :meth:`Fault.clear` or a reset.

        Requests match on ``operation`` (a model name: ``"GetObject"``), ``bucket`` and ``key``
        (a string, or a predicate); all given must hold. Of the matching requests, ``nth`` fails
        the n-th only, ``times`` the first n (from ``nth`` on, when both are given); neither: every
        one. Each then gets, in this order: ``latency`` seconds of delay; a dropped connection
        (``reset_connection``, a TCP RST; in process botocore's ``ConnectionClosedError``); the S3
        error ``error`` (any code, with S3's status for it, or ``status``); or a body cut after
        ``truncate_body`` bytes. A bare ``fail()`` answers 500 InternalError. Journaled as
        :attr:`Call.fault <pytest_s3emu.journal.Call.fault>`::

            with s3emu.fail("PutObject", error="SlowDown", times=2):
                s3.put_object(Bucket="b", Key="k", Body=b"v")   # botocore retries twice
        """
        return self.app.faults.add(
            operation=operation,
            bucket=bucket,
            key=key,
            times=times,
            nth=nth,
            error=error,
            status=status,
            message=message,
            latency=latency,
            reset_connection=reset_connection,
            truncate_body=truncate_body,
        )

    def clear_faults(self) -> None:
        """Remove every fault added by :meth:`fail`."""
        self.app.faults.clear()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def transport(self) -> str:
        """How this emulator's own boto3 clients reach it: ``"http"`` or ``"inprocess"``.

        With ``"inprocess"``, clients from :meth:`client`, :meth:`default_client` and
        :meth:`boto3_session` (the ``s3`` fixture, ``boto3.client("s3")`` during a test) hand
        their requests to the emulator without a socket; anything else still uses HTTP.
        It may be changed at any time.
        """
        return self._transport

    @transport.setter
    def transport(self, value: str) -> None:
        from .inprocess import TRANSPORTS

        if value not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}, not {value!r}")
        self._transport = value

    @property
    def storage_dir(self) -> str | None:
        """The temporary directory holding bodies above ``spill_threshold`` (None when stopped)."""
        return self.app.store.directory if self._storage is not None else None

    def start(self) -> S3Emulator:
        """Bind (at once, in this thread) and serve from a daemon thread."""
        if self._server is not None:
            return self
        from .httpserver import make_server

        directory = tempfile.mkdtemp(prefix="s3emu-")
        try:
            context = self._tls_context(directory) if self.https else None
            server = make_server(self.app, self.host, self.port, tls=context)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            self.ca_bundle = None
            raise
        server.refuse_request_line = self.app.refuse_request_line
        self.port = server.port
        # removed by stop(), or at interpreter exit for an emulator never stopped
        self._storage = weakref.finalize(self, shutil.rmtree, directory, ignore_errors=True)
        self.app.store.directory = directory
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="s3emu-server", daemon=True)
        self._thread.start()
        logger.debug("s3emu: serving on %s", self.endpoint_url)
        return self

    def _tls_context(self, directory: str) -> ssl.SSLContext:
        from . import tls

        names = tls.server_names(self.host, self.region, self.app.domains)
        context, self.ca_bundle = tls.server_context(directory, names)
        return context

    def stop(self) -> None:
        """Stop serving, free every stored body and remove :attr:`storage_dir`."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.app.reset()
        storage, self._storage = self._storage, None
        if storage is not None:
            storage()
            self.app.store.directory = None
        self.ca_bundle = None

    def reset(self) -> None:
        """Empty the emulator (buckets, objects, the journal, faults, recorded crashes), then restore
        :attr:`seed` if one is set."""
        self.app.reset()
        delivering = self.app.deliverer.url if self.app.deliverer is not None else None
        if delivering != self.events_url:
            self.deliver_events_to(self.events_url)  # a test's own URL lasts for that test only
        if self.seed is not None:
            self.restore(self.seed)

    def snapshot(self) -> Snapshot:
        """The emulator's buckets and objects as they are now, to :meth:`restore` later.

        Cheap at any size: buckets are shared with the snapshot and copied when next touched,
        object bodies are never copied. The journal and faults are not part of it::

            snap = s3emu.snapshot()
            s3.delete_object(Bucket="b", Key="k")
            s3emu.restore(snap)                     # "k" is back
        """
        from . import snapshots

        return snapshots.take(self.app.store)

    def restore(self, snapshot: Snapshot) -> None:
        """Make the buckets and objects those of ``snapshot`` (as often as wanted)."""
        from . import snapshots

        snapshots.restore(self.app.store, snapshot)

    def run_lifecycle(self) -> list[Action]:
        """Apply every bucket's lifecycle rules now (moving the clock does it too); what was done.

        ``s3emu.run_lifecycle()`` returns :class:`~pytest_s3emu.lifecycle.Action` tuples: action,
        bucket, key, version id, rule id, and the new storage class or aborted upload id.
        """
        return self.app.run_lifecycle()

    def check(self) -> None:
        """Raise if the emulator crashed while serving (an emulator bug, answered as a 500)."""
        if self.app.crashes:
            crash = self.app.crashes[0]
            raise EmulatorCrash(f"pytest-s3emu crashed while serving a request: {crash!r}") from crash

    def boto3_session(self, guard: bool = True) -> boto3.session.Session:
        """A boto3 session (made once) with the emulator's credentials and region.

        With ``guard``, its S3 clients refuse to send a request anywhere but to the emulator.
        """
        session = self._sessions.get(guard)
        if session is None:
            import boto3

            from .env import refuse_foreign_endpoint
            from .inprocess import before_send_handler

            keys = self.app.accounts.default.credentials
            session = boto3.session.Session(
                aws_access_key_id=keys.access_key,
                aws_secret_access_key=keys.secret_key,
                region_name=self.region,
            )
            # answers in process while self.transport == "inprocess", else lets botocore send (Any:
            # botocore-stubs type handlers as returning None; a before-send one may return a response)
            answer_in_process: Any = before_send_handler(self)
            session.events.register("before-send.s3", answer_in_process)
            if guard:
                session.events.register("before-send.s3", refuse_foreign_endpoint(self))
            self._sessions[guard] = session
        return session

    def default_client(self) -> S3Client:
        """One shared boto3 S3 client for this emulator (clients are stateless; made once)."""
        if self._client is None:
            self._client = self.client()
        return self._client

    def client(self, **kwargs: Any) -> S3Client:
        """A new boto3 S3 client bound to this emulator, with fake credentials.

        Keyword arguments go to ``Session.client`` (``config=``, ``region_name=``, ...).
        """
        options: dict[str, Any] = {"endpoint_url": self.endpoint_url}
        if self.ca_bundle is not None:
            options["verify"] = self.ca_bundle
        options.update(kwargs)
        return self.boto3_session(guard=False).client("s3", **options)

    @contextmanager
    def activate(self, guard: bool | None = None) -> Iterator[S3Emulator]:
        """Point every AWS client made inside the block at this emulator, as the fixtures do.

        Sets ``AWS_ENDPOINT_URL_S3``, fake credentials, the region, the isolation and (unless
        ``guard`` is false; default: the constructor's ``guard``) the safety guard's settings,
        and installs a prepared ``boto3.DEFAULT_SESSION``; on exit ``os.environ`` and boto3 are
        exactly as before (variables that were absent are absent again). Starts the emulator
        if needed::

            with S3Emulator() as emu, emu.activate():
                boto3.client("s3").create_bucket(Bucket="demo")
        """
        self._push_activation(self._guard if guard is None else guard)
        try:
            yield self
        finally:
            self._pop_activation()

    def _push_activation(self, guard: bool) -> None:
        import pytest

        from . import env

        # the fixtures' own code on a MonkeyPatch of our own: undo() restores everything exactly
        patch = pytest.MonkeyPatch()
        try:
            env.activate(patch, self, guard=guard)
        except BaseException:
            patch.undo()
            raise
        self._activations.append(patch)

    def _pop_activation(self) -> None:
        self._activations.pop().undo()

    @property
    def accounts(self) -> Accounts:
        """The accounts the emulator knows; ``accounts.default`` owns what the plugin's clients create."""
        return self.app.accounts

    def add_account(
        self, name: str, access_key: str | None = None, secret_key: str | None = None
    ) -> AccountClient:
        """Another account (or the one already named ``name``) and a boto3 client signing as it::

            other = s3emu.add_account("other")
            other.client.create_bucket(Bucket="theirs")

        Without keys it gets ``<name>-access-key`` / ``<name>-secret-key``. Accounts added after
        the emulator was made are forgotten by :meth:`reset` (each test starts with the
        configured ones).
        """
        keys = [Credentials(access_key, secret_key)] if access_key and secret_key else []
        try:
            account = self.accounts.named(name)
        except KeyError:
            account = self.accounts.add(name, keys)
        pair = account.credentials
        client = self.client(aws_access_key_id=pair.access_key, aws_secret_access_key=pair.secret_key)
        return AccountClient(account, pair.access_key, pair.secret_key, client)

    def __enter__(self) -> S3Emulator:
        self.start()
        if self._activate_on_enter:
            try:
                self._push_activation(self._guard)
            except BaseException:
                self.stop()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._activate_on_enter and self._activations:  # before stop: it names our port
                self._pop_activation()
        finally:
            self.stop()
