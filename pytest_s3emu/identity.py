"""Accounts and their credentials: who signed a request, and the secret its signature is checked with.

Each account has a canonical user id (ACL grants), a display name, a 12-digit account id (policy
ARNs), an e-mail address (grants by e-mail) and one or more key pairs. The emulator always has
one default account, the owner of every bucket created with the plugin's own credentials.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

DEFAULT_NAME = "s3emu"
DEFAULT_ACCESS_KEY = "s3emu-access-key"
DEFAULT_SECRET_KEY = "s3emu-secret-key"  # a fake credential for a fake S3
# the default account keeps the ids the emulator always had
DEFAULT_OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
_DEFAULT_ACCOUNT_ID = "123456789012"  # the documentation's example account


@dataclass(frozen=True, slots=True)
class Credentials:
    """A key pair of an account."""

    access_key: str
    secret_key: str


@dataclass(frozen=True, slots=True, eq=False)  # identity comparison: one object per account
class Account:
    """An AWS account the emulator knows."""

    name: str
    canonical_id: str
    account_id: str
    email: str
    keys: tuple[Credentials, ...]

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        """The account's root principal, as policies and error messages name it."""
        return f"arn:aws:iam::{self.account_id}:root"

    @property
    def credentials(self) -> Credentials:
        """The account's first key pair."""
        return self.keys[0]

    def owner(self) -> dict[str, str]:
        """The account as S3 writes an ``Owner``."""
        return {"DisplayName": self.name, "ID": self.canonical_id}


def _derived(name: str) -> tuple[str, str]:
    """A canonical id and account id that stay the same for the same name across runs."""
    digest = hashlib.sha256(f"s3emu-account:{name}".encode()).hexdigest()
    return digest, str(int(digest[:15], 16) % 10**12).zfill(12)


def parse_spec(spec: str) -> tuple[str, Credentials | None]:
    """``NAME`` or ``NAME=ACCESS_KEY:SECRET_KEY`` (ini ``s3emu_accounts``, standalone ``--account``)."""
    name, sep, keys = spec.strip().partition("=")
    access, colon, secret = keys.partition(":")
    name = name.strip()
    if not name or (sep and not (access.strip() and colon and secret.strip())):
        raise ValueError(f"an account is NAME or NAME=ACCESS_KEY:SECRET_KEY, not {spec!r}")
    return name, Credentials(access.strip(), secret.strip()) if sep else None


class Accounts(Mapping[str, str]):
    """The known accounts; as a Mapping, access key -> secret (what the signature checks need)."""

    def __init__(self, default: Account | None = None) -> None:
        self._lock = threading.Lock()
        self.default = default or Account(
            DEFAULT_NAME,
            DEFAULT_OWNER_ID,
            _DEFAULT_ACCOUNT_ID,
            f"{DEFAULT_NAME}@example.com",
            (Credentials(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY),),
        )
        self._by_name: dict[str, Account] = {}
        self._by_key: dict[str, Account] = {}
        self._by_canonical: dict[str, Account] = {}
        self._register(self.default)

    def _register(self, account: Account) -> None:
        for known in (self._by_name.get(account.name), self._by_canonical.get(account.canonical_id)):
            if known is not None:
                raise ValueError(f"pytest-s3emu: there is already an account named {account.name!r}")
        for pair in account.keys:
            if pair.access_key in self._by_key:
                raise ValueError(f"pytest-s3emu: the access key {pair.access_key!r} is already in use")
        self._by_name[account.name] = account
        self._by_canonical[account.canonical_id] = account
        for pair in account.keys:
            self._by_key[pair.access_key] = account

    @staticmethod
    def make(name: str, credentials: Iterable[Credentials] = ()) -> Account:
        """An account named ``name``; without credentials it gets ``<name>-access-key``/``-secret-key``."""
        keys = tuple(credentials) or (Credentials(f"{name}-access-key", f"{name}-secret-key"),)
        canonical_id, account_id = _derived(name)
        return Account(name, canonical_id, account_id, f"{name}@example.com", keys)

    def add(self, name: str, credentials: Iterable[Credentials] = ()) -> Account:
        """Register a new account named ``name`` (see :meth:`make`)."""
        account = self.make(name, credentials)
        with self._lock:
            self._register(account)
        return account

    def copy(self) -> Accounts:
        """The same accounts, in a registry of their own."""
        other = Accounts(self.default)
        for account in self._by_name.values():
            if account is not self.default:
                other._register(account)
        return other

    def named(self, name: str) -> Account:
        return self._by_name[name]

    def by_key(self, access_key: str) -> Account | None:
        return self._by_key.get(access_key)

    def by_canonical_id(self, canonical_id: str) -> Account | None:
        return self._by_canonical.get(canonical_id)

    def by_email(self, email: str) -> Account | None:
        wanted = email.lower()
        return next((a for a in self._by_name.values() if a.email.lower() == wanted), None)

    def by_account_id(self, account_id: str) -> Account | None:
        return next((a for a in self._by_name.values() if a.account_id == account_id), None)

    def all(self) -> list[Account]:
        return list(self._by_name.values())

    # Mapping[str, str]: access key -> secret key
    def __getitem__(self, access_key: str) -> str:
        account = self._by_key[access_key]
        return next(pair.secret_key for pair in account.keys if pair.access_key == access_key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)
