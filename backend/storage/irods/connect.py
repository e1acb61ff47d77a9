"""Opening python-irodsclient sessions from the settings, and pooling them per user.

A session is PRC's `iRODSSession`: it connects lazily and keeps its own pool
of connections. We keep one session per acting identity (a proxied user, a
user's own credentials, a ticket) and close it after `irods_session_idle`
seconds unused, or at once when one of its connections was lost.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from irods.session import iRODSSession

from backend.errors import Unprocessable
from backend.storage.accounts import ANONYMOUS  # noqa: F401  (re-exported for the backend)

SCHEMES = {"native": "native", "pam_password": "pam_password", "pam": "pam_password",
           "gsi": "gsi"}


@dataclass(frozen=True)
class Credentials:
    """Who connects: a user name, a secret for that scheme (empty for GSI) and the scheme."""

    username: str
    password: str = field(repr=False, default="")
    scheme: str = "native"

    def fingerprint(self) -> str:
        """A pool key that never holds the secret itself."""
        material = f"{self.username}\0{self.scheme}\0{self.password}".encode()
        return hashlib.sha256(material).hexdigest()


def scheme_name(scheme: str) -> str:
    try:
        return SCHEMES[scheme]
    except KeyError:
        raise Unprocessable(f"unknown iRODS authentication scheme {scheme!r}: "
                            f"use native, pam_password or gsi") from None


def _ssl_context(settings) -> ssl.SSLContext:
    # Built here rather than by PRC: PRC turns certificate checking off when no
    # CA file is configured, where we want the system's CAs to apply.
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH,
        cafile=str(settings.irods_ssl_ca_certificate_file)
        if settings.irods_ssl_ca_certificate_file else None)
    verify = settings.irods_ssl_verify_server
    context.check_hostname = verify == "hostname"
    context.verify_mode = ssl.CERT_NONE if verify == "none" else ssl.CERT_REQUIRED
    return context


def check_scheme(settings, scheme: str) -> None:
    """Refuse, before any connection, combinations that cannot work."""
    if scheme == "pam_password" and settings.irods_client_server_policy != "CS_NEG_REQUIRE":
        raise Unprocessable("pam_password sends the password itself, so it is allowed over TLS "
                            "only: set IRODS_CLIENT_SERVER_POLICY=CS_NEG_REQUIRE")
    if scheme == "gsi":
        if not settings.irods_server_dn:
            raise Unprocessable("GSI needs the server's certificate subject: set IRODS_SERVER_DN")
        try:
            import gssapi  # noqa: F401 - PRC's GSI path imports it when it logs in
        except ImportError:
            raise Unprocessable("GSI needs the python 'gssapi' package (and a GSI proxy "
                                "certificate, X509_USER_PROXY), which is not installed") from None


def open_session(settings, credentials: Credentials, *, client_user: str | None = None,
                 ticket: str | None = None) -> iRODSSession:
    """A PRC session (not yet connected) for `credentials`, optionally acting as `client_user`."""
    scheme = scheme_name(credentials.scheme)
    check_scheme(settings, scheme)
    options = dict(host=settings.irods_host, port=settings.irods_port, zone=settings.irods_zone,
                   user=credentials.username, password=credentials.password,
                   authentication_scheme=scheme, connection_timeout=settings.irods_timeout)
    if client_user and client_user != credentials.username:
        options.update(client_user=client_user, client_zone=settings.irods_zone)
    if scheme == "gsi":
        options["server_dn"] = settings.irods_server_dn
    if settings.irods_client_server_policy != "CS_NEG_REFUSE":
        options.update(client_server_negotiation="request_server_negotiation",
                       client_server_policy=settings.irods_client_server_policy,
                       encryption_algorithm="AES-256-CBC", encryption_key_size=32,
                       encryption_num_hash_rounds=16, encryption_salt_size=8,
                       ssl_context=_ssl_context(settings))
    session = iRODSSession(**options)
    if ticket:
        session.ticket__ = ticket  # what PRC's Ticket.supply() does: every connection applies it
    return session


def connect(session: iRODSSession) -> None:
    """Open (and authenticate) one connection now: PRC otherwise logs in at the first operation."""
    with session.pool.get_connection():
        pass


def close_quietly(session: iRODSSession) -> None:
    try:
        session.cleanup()
    except Exception:
        pass  # its connections are already dead: nothing left to release


@dataclass
class _Entry:
    session: iRODSSession
    last_used: float
    cache: dict = field(default_factory=dict)  # per-identity facts, e.g. the reader's ids


class SessionPool:
    """Sessions by key, each closed after `idle` seconds unused."""

    def __init__(self, idle: float, clock: Callable[[], float] = time.monotonic):
        self.idle = idle
        self._clock = clock
        self._entries: dict[tuple, _Entry] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def get(self, key: tuple, factory: Callable[[], iRODSSession]) -> _Entry:
        now = self._clock()
        stale = []
        with self._lock:
            # Every storage call comes here: look for idle sessions only now and then.
            if now >= self._next_sweep:
                self._next_sweep = now + max(self.idle / 4, 1.0)
                expired = [k for k, e in self._entries.items() if now - e.last_used > self.idle]
                stale = [self._entries.pop(k).session for k in expired]
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(factory(), now)
            entry.last_used = now
        for session in stale:
            close_quietly(session)
        return entry

    def drop(self, key: tuple) -> None:
        with self._lock:
            entry = self._entries.pop(key, None)
        if entry is not None:
            close_quietly(entry.session)

    def close(self) -> None:
        with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            close_quietly(entry.session)

    def __len__(self) -> int:
        return len(self._entries)
