"""IrodsBackend: sessions on a real iRODS zone through python-irodsclient.

Who acts (IRODS_SESSION_MODE):
- proxy: the service account (IRODS_USER, a rodsadmin) opens one session per API
  user with PRC's `client_user`: iRODS applies that user's ACLs;
- user: each user's own credentials, verified by `login` at /auth/irods and
  handed back with every request (the token carries them, encrypted).
Tickets use the `anonymous` account with the ticket supplied on each connection.
"""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
from datetime import datetime, timezone
from pathlib import Path

from irods.models import User

from backend.errors import (Conflict, NotFound, PermissionDenied, RapydoError,
                            ServiceUnavailable, Unauthorized, Unprocessable)
from backend.storage import paths
from backend.storage.base import Storage, StorageBackend, usable_ticket
from backend.storage.irods import accounts, connect, groups
from backend.storage.irods.connect import ANONYMOUS, Credentials, SessionPool
from backend.storage.irods.errors import ConnectionLost, translate
from backend.storage.irods.managers import load_ticket
from backend.storage.irods.storage import IrodsStorage
from backend.storage.accounts import check_account_name, check_user_name

log = logging.getLogger(__name__)


class IrodsBackend(StorageBackend):
    def __init__(self, settings):
        self.settings = settings
        self.zone = settings.irods_zone
        self.pool = SessionPool(settings.irods_session_idle)
        password = settings.irods_password.get_secret_value() if settings.irods_password else ""
        self._service = Credentials(settings.irods_user, password, settings.irods_authscheme)
        # Temporary upload objects an outage kept us from removing, one file each, so
        # that any worker (or a later process) removes them once iRODS answers again.
        self._orphans = Path(settings.data_dir) / "irods-orphans"
        self._anonymous_ready = False
        # Sessions re-read their user's group memberships when this changes (groups.py).
        self.memberships = groups.MembershipClock(Path(settings.data_dir) / "irods-memberships")

    # --- sessions ------------------------------------------------------------------

    def pool_entry(self, key: tuple, factory):
        return self._entry(key, factory)

    def _entry(self, key: tuple, factory):
        try:
            return self.pool.get(key, factory)
        except RapydoError:
            raise
        except Exception as exc:
            raise _typed(exc) from exc

    def _service_entry(self):
        return self._entry(("service",), lambda: connect.open_session(self.settings, self._service))

    def catalog_session(self):
        """The service account's PRC session, to look at the catalog beyond one user's view;
        None when no service account is configured (user mode without IRODS_PASSWORD)."""
        if not self._service.password and self._service.scheme != "gsi":
            return None
        return self._service_entry().session

    def discard_later(self, path: str, owner: str | None) -> None:
        self._orphans.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(path.encode()).hexdigest()
        (self._orphans / name).write_text(json.dumps({"path": path, "owner": owner}),
                                          encoding="utf-8")

    def _orphan_remover(self, owner: str | None):
        """Whoever may remove an orphan: its owner (by proxy), else the service account."""
        if owner and self.settings.irods_session_mode == "proxy":
            return self.pool_entry(("proxy", owner), lambda: connect.open_session(
                self.settings, self._service, client_user=owner)).session
        return self.catalog_session()

    def _discard_orphans(self) -> None:
        """Remove the temporary objects of uploads an outage interrupted, now iRODS answers."""
        try:
            records = list(self._orphans.iterdir())
        except FileNotFoundError:
            return
        for record in records:
            try:
                orphan = json.loads(record.read_text(encoding="utf-8"))
                remover = self._orphan_remover(orphan["owner"])
                if remover is not None:
                    remover.data_objects.unlink(orphan["path"], force=True)
            except FileNotFoundError:
                continue  # another worker took it
            except Exception as exc:
                if isinstance(translate(exc), ConnectionLost):
                    return  # still away: the records stay for next time
            record.unlink(missing_ok=True)

    def session(self, user: str, credentials: Credentials | None = None) -> Storage:
        self._discard_orphans()
        if credentials is not None:
            key = ("user", user, credentials.fingerprint())
            factory = lambda: connect.open_session(self.settings, credentials)  # noqa: E731
        elif self.settings.irods_session_mode == "proxy":
            key = ("proxy", user)
            factory = lambda: connect.open_session(  # noqa: E731
                self.settings, self._service, client_user=user)
        else:
            raise Unauthorized("this deployment acts with each user's own iRODS credentials: "
                               "log in with POST /auth/irods")
        return IrodsStorage(self, key, factory, user)

    def ticket_session(self, ticket: str) -> Storage:
        if not isinstance(ticket, str) or not ticket:
            raise PermissionDenied("unknown ticket")
        granted = self._checked_ticket(ticket)
        self._require_anonymous()
        key = ("ticket", ticket)
        factory = lambda: connect.open_session(  # noqa: E731
            self.settings, Credentials(ANONYMOUS), ticket=ticket)
        return IrodsStorage(self, key, factory, None, ticket=granted)

    def anonymous_session(self) -> Storage:
        # iRODS' own anonymous account, logged in as itself (no password), in proxy and in
        # user mode alike: iRODS applies public's ACLs to it.
        self._require_anonymous()
        factory = lambda: connect.open_session(self.settings, Credentials(ANONYMOUS))  # noqa: E731
        return IrodsStorage(self, ("anonymous",), factory, ANONYMOUS)

    def _require_anonymous(self) -> None:
        """Make sure iRODS has the `anonymous` account, in the group `public`.

        Ticket bearers and readers of published data act as `anonymous`, as iRODS intends; a
        stock zone has no such user, and iRODS does not always put it in `public`. With a
        rodsadmin service account we create it (rodsuser, no password: iRODS lets it in with
        none) and add it to `public`; else ServiceUnavailable says what an administrator
        must run. Checked once per process once it holds.
        """
        if self._anonymous_ready:
            return
        try:
            catalog = self.catalog_session()
            if catalog is None or not accounts.provide_anonymous(catalog, self.zone):
                raise ServiceUnavailable(
                    "iRODS has no usable 'anonymous' account, which tickets and published data "
                    "need: an iRODS administrator runs `iadmin mkuser anonymous rodsuser` and "
                    "`iadmin atg public anonymous`")
        except RapydoError:
            raise
        except Exception as exc:
            raise self._lost(("service",), exc) from exc
        self._anonymous_ready = True

    def _checked_ticket(self, string: str):
        """The ticket, read by the service account; PermissionDenied when it cannot be used."""
        try:
            ticket = load_ticket(self._service_entry().session, string)
        except RapydoError:
            raise
        except Exception as exc:
            raise self._lost(("service",), exc) from exc
        return usable_ticket(ticket, datetime.now(timezone.utc), self.accounts)

    def _lost(self, key: tuple, exc: Exception) -> RapydoError:
        typed = _typed(exc)
        if isinstance(typed, ConnectionLost):
            self.pool.drop(key)
        return typed

    # --- logins with iRODS credentials ---------------------------------------------------

    def login(self, username: str, password: str, scheme: str = "native") -> Credentials:
        """Check iRODS credentials by opening a session with them; return them for later use.

        Unauthorized when iRODS refuses them; Unprocessable for a scheme this server or
        this installation cannot use (pam_password without TLS, GSI on iRODS 4.3+, ...).
        """
        check_account_name(username)
        credentials = Credentials(username, password or "", connect.scheme_name(scheme))
        session = connect.open_session(self.settings, credentials)
        try:
            connect.connect(session)
        except ssl.SSLError as exc:  # before ValueError: a certificate error is one too
            raise _typed(exc) from exc
        except (ValueError, ImportError) as exc:
            # With iRODS 4.3+, PRC loads a client plugin per scheme (irods.auth.<scheme>)
            # and there is none for GSI, as there is no GSI server plugin for 4.3+.
            if credentials.scheme == "gsi":
                raise Unprocessable("GSI authentication works only with iRODS servers older "
                                    "than 4.3 (no GSI plugin exists for 4.3 and newer); this "
                                    "server refused it") from exc
            raise Unauthorized(f"iRODS refused the {credentials.scheme} login") from exc
        except Exception as exc:
            typed = _typed(exc)
            if isinstance(typed, NotFound):  # CAT_INVALID_USER: do not tell who exists
                typed = Unauthorized("iRODS refused the credentials")
            raise typed from exc
        finally:
            connect.close_quietly(session)
        return credentials

    def credentials_from(self, fields: dict | None) -> Credentials | None:
        return Credentials(**fields) if fields else None

    # --- homes and health --------------------------------------------------------------

    def create_home(self, user: str) -> str:
        """The user's iRODS home. The iRODS account is created if missing (needs a rodsadmin
        service account); iRODS creates the home with it, owned by the user."""
        check_account_name(user)
        home = paths.normalise(paths.join(f"/{self.zone}/home", user), self.zone)
        session = self._service_entry().session
        try:
            found = session.query(User.type).filter(User.name == user).all()
            if len(found) and found[0][User.type] == groups.GROUP:
                raise Conflict(f"{user!r} is an iRODS group, not a user")
            if not len(found):
                session.users.create(user, "rodsuser")
            if not session.collections.exists(home):
                raise ServiceUnavailable(f"iRODS has no home collection {home} for {user}")
        except RapydoError:
            raise
        except Exception as exc:
            raise self._lost(("service",), exc) from exc
        return home

    def end_account(self, user: str) -> None:
        check_account_name(user)
        session = self.catalog_session()
        if session is None:
            log.warning("no iRODS service account (IRODS_PASSWORD): the tickets and grants of "
                        "the deleted user %s stay in iRODS", user)
            return
        try:
            accounts.end_account(session, self.zone, user)
            if groups.leave_all(session, self.zone, user):
                self.memberships.tick()
        except RapydoError:
            raise
        except Exception as exc:
            raise self._lost(("service",), exc) from exc

    # --- groups (groups.py), by the service account ------------------------------------------

    def _administer(self, action, *names: str):
        """`action(service session, zone, *names)`, its errors typed."""
        session = self.catalog_session()
        if session is None:
            raise ServiceUnavailable("groups need the iRODS service account (IRODS_USER and "
                                     "IRODS_PASSWORD, a rodsadmin)")
        try:
            return action(session, self.zone, *names)
        except RapydoError:
            raise
        except Exception as exc:
            raise self._lost(("service",), exc) from exc

    def groups(self) -> dict[str, list[str]]:
        return self._administer(groups.every)

    def group_members(self, group: str) -> list[str]:
        return self._administer(groups.members, check_user_name(group))

    def groups_of(self, user: str) -> list[str]:
        return self._administer(groups.of, check_user_name(user))

    def create_group(self, group: str) -> None:
        self._administer(groups.create, check_account_name(group))

    def remove_group(self, group: str) -> None:
        self._administer(groups.remove, check_account_name(group))
        self.memberships.tick()

    def add_member(self, group: str, user: str) -> None:
        self._administer(groups.add_member, check_account_name(group), check_account_name(user))
        self.memberships.tick()

    def remove_member(self, group: str, user: str) -> None:
        self._administer(groups.remove_member, check_account_name(group), check_user_name(user))
        self.memberships.tick()

    def health(self) -> dict:
        details = {"backend": "irods", "host": self.settings.irods_host,
                   "port": self.settings.irods_port, "zone": self.zone}
        error = None
        for _ in range(2):  # a pooled connection iRODS closed meanwhile gets one more try
            try:
                self._service_entry().session.collections.get(f"/{self.zone}")
                return {"status": "ok", **details}
            except Exception as exc:  # health reports, it never raises
                error = self._lost(("service",), exc) if not isinstance(exc, RapydoError) else exc
                if getattr(error, "timed_out", True):
                    break
        return {"status": "down", **details, "error": getattr(error, "message", str(error))}

    def close(self) -> None:
        self.pool.close()


def _typed(exc: Exception) -> RapydoError:
    typed = translate(exc)
    if typed is None:
        return ServiceUnavailable(f"iRODS session failed: {type(exc).__name__}")
    return typed
