"""Authentication and user management: the logic behind /auth and /admin.

Login with ban logic, token verification, logout and revocation, user CRUD and
the first-start bootstrap of the administrator. Knows nothing about HTTP: it
raises the typed errors of `backend.errors`. Passwords and tokens are never logged.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, NamedTuple

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from backend.auth.bans import Ban, LoginBans
from backend.auth.db import Database
from backend.auth.models import (ADMIN, ROLES, STORAGE_LOGIN_ONLY, USER, LoginFailure, Quota, Token,
                                 User, utcnow)
from backend.auth.passwords import MIN_PASSWORD_LENGTH, Passwords
from backend.auth.tokens import TokenCodec
from backend.errors import (AccountBanned, AlreadyExists, Conflict, NotFound, PermissionDenied,
                            ServiceUnavailable, Unauthorized, Unprocessable)

log = logging.getLogger(__name__)

# A username is also an iRODS user and a path segment (/<zone>/home/<username>).
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
EMAIL_MAX_LENGTH = 255
# "public" is the ACL group meaning everyone.
RESERVED_USERNAMES = frozenset({"public", "anonymous"})
INVALID_CREDENTIALS = "invalid username or password"
# A token's last_used is written at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)
USER_AGENT_MAX = 255
IP_MAX = 64


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class Authenticated(NamedTuple):
    user: User
    token: Token
    # The storage credentials the token carries (plain fields), None for most tokens.
    storage_credentials: dict | None


@dataclass(frozen=True)
class LoginResult:
    token: str  # the signed JWT: hand it to the client, never store or log it
    record: Token
    user: User


def validate_username(username: str) -> str:
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise Unprocessable("invalid username: use 1 to 63 letters, digits, '.', '_', '@' or '-', "
                            "starting with a letter or digit")
    if username.lower() in RESERVED_USERNAMES:
        raise Unprocessable(f"the username {username!r} is reserved")
    return username


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Unprocessable(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return password


def validate_email(email: str | None) -> str | None:
    if email is None:
        return None
    if (len(email) > EMAIL_MAX_LENGTH or not re.fullmatch(EMAIL_PATTERN, email)
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in email)):
        raise Unprocessable("invalid email address")
    return email


def _could_exist(username: str) -> bool:
    """False for names no user can have: they need no query (and PostgreSQL refuses NUL)."""
    return re.fullmatch(USERNAME_PATTERN, username) is not None


def _ban_error(until: datetime) -> AccountBanned:
    return AccountBanned("too many failed logins to this account from your address: "
                         f"banned until {until.isoformat()}")


def _is_token_id(token_id: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{32}", token_id) is not None


def validate_quota(quota: int | None) -> int | None:
    """A user's own quota: bytes (0: unlimited), or None for the deployment's default."""
    if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 0):
        raise Unprocessable("quota must be a number of bytes (0: unlimited), or null for the default")
    return quota


def _set_quota(session, user_id: int, quota: int | None) -> None:
    if quota is None:
        session.execute(delete(Quota).where(Quota.user_id == user_id))
    else:
        session.merge(Quota(user_id=user_id, bytes=quota))


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise Unprocessable(f"invalid role {role!r}: use one of {', '.join(ROLES)}")
    return role


class AuthService:
    def __init__(self, db: Database, passwords: Passwords, codec: TokenCodec, *,
                 max_login_attempts: int, ban_seconds: int, create_home: Callable[[str], str]):
        self.db = db
        self.passwords = passwords
        self.codec = codec
        self.bans = LoginBans(max_login_attempts, ban_seconds)
        self.create_home = create_home

    def seal(self, fields: dict) -> str:
        """Storage credentials sealed for a process that is not a request (a job's worker)."""
        return self.codec.sealer.seal(fields)

    def unseal(self, sealed: str) -> dict:
        return self.codec.sealer.open(sealed)

    # --- login, tokens ----------------------------------------------------

    def login(self, username: str, password: str, *, ip: str | None = None,
              user_agent: str | None = None) -> LoginResult:
        """Check the credentials and issue a token; count failures from the client's address
        `ip` and ban that address from the account after too many (backend.auth.bans).

        The password is checked outside any transaction (hashing is slow and would hold
        the write lock); the outcome is then recorded against the user re-read under lock.
        """
        now = utcnow()
        found = self._find_user(username)
        if found is None:
            self.passwords.verify(None, password)  # the same work as for a wrong password
            log.info("login failed: unknown user")
            raise Unauthorized(INVALID_CREDENTIALS)
        self._refuse_banned(found, ip, now, "login")
        valid = self.passwords.verify(found.password_hash, password)
        new_hash = self.passwords.hash(password) if valid and self.passwords.needs_rehash(
            found.password_hash) else None

        result = self._admit(
            found, now, "login",
            still_valid=lambda user: valid and user.password_hash == found.password_hash,
            new_hash=new_hash, ip=ip, user_agent=user_agent)
        self._ensure_home(result.user.username)
        return result

    def _admit(self, found: User, now: datetime, kind: str, *,
               still_valid: Callable[[User], bool] = lambda user: True,
               new_hash: str | None = None, storage_credentials: dict | None = None,
               ip: str | None = None, user_agent: str | None = None) -> LoginResult:
        """The end of every login: re-read the user under lock, refuse what changed meanwhile
        (deleted, address banned, credentials no longer `still_valid`: a failure, disabled),
        else clear the address's failure count and issue a token."""
        error: Exception | None = None
        with self.db.transaction(write=True) as session:
            user = session.get(User, found.id, with_for_update=True)
            until = self.bans.banned_until(session, user.id, ip, now) if user is not None else None
            if user is None:  # deleted meanwhile
                error = Unauthorized(INVALID_CREDENTIALS)
            elif until is not None:
                error = _ban_error(until)
            elif not still_valid(user):
                self.bans.failed(session, user, ip, now)
                error = Unauthorized(INVALID_CREDENTIALS)
            elif user.disabled:
                log.info("%s refused: %s is disabled", kind, user.username)
                error = PermissionDenied("account disabled")
            else:
                self.bans.succeeded(session, user.id, ip)
                if new_hash is not None:
                    user.password_hash = new_hash
                token, record = self._issue(session, user, now, ip=ip, user_agent=user_agent,
                                            storage_credentials=storage_credentials)
        if error is not None:
            raise error
        log.info("%s: %s (token id %s)", kind, user.username, record.id)
        return LoginResult(token=token, record=record, user=user)

    def _ensure_home(self, username: str) -> None:
        """Create the user's home if storage answers; it may not, at start-up (the API must
        still come up and say so in /api/status): the next login tries again."""
        try:
            self.create_home(username)
        except ServiceUnavailable as exc:
            log.warning("home of %s not created yet: %s", username, exc.message)

    def _issue(self, session, user: User, now: datetime, *, ip: str | None, user_agent: str | None,
               storage_credentials: dict | None = None) -> tuple[str, Token]:
        """Issue a token for `user` and store its record (inside the caller's write transaction)."""
        token, claims = self.codec.issue(user.username, now, storage_credentials=storage_credentials)
        record = Token(id=claims.jti, user_id=user.id, created=claims.iat, expires=claims.exp,
                       revoked=False, ip=(ip or None) and ip[:IP_MAX],
                       user_agent=(user_agent or None) and user_agent[:USER_AGENT_MAX])
        session.execute(delete(Token).where(Token.user_id == user.id, Token.expires < now))
        session.add(record)
        return token, record

    def login_with_storage(self, username: str, verify: Callable[[], dict], *,
                           keep_credentials: bool = False, ip: str | None = None,
                           user_agent: str | None = None) -> LoginResult:
        """Log in a user whose credentials the storage system checks (POST /auth/irods).

        `verify()` asks the storage system (Unauthorized when it refuses) and returns the
        verified credentials as plain fields. A user unknown here is created (role user,
        no usable local password: see STORAGE_LOGIN_ONLY). Bans apply as for /auth/login:
        an address banned from the user is refused before the storage system is asked, and
        each refusal counts. With `keep_credentials` the token carries the credentials,
        encrypted, for backends that act with each user's own credentials.
        """
        validate_username(username)
        now = utcnow()
        found = self._find_user(username)
        if found is not None:
            self._refuse_banned(found, ip, now, "storage login")
        try:
            credentials = verify()
        except Unauthorized:
            if found is not None:
                with self.db.transaction(write=True) as session:
                    user = session.get(User, found.id, with_for_update=True)
                    if user is not None:
                        self.bans.failed(session, user, ip, now)
            else:
                log.info("storage login failed: unknown user")
            raise
        if found is None:
            found = self._create_storage_user(username)
        self.create_home(username)

        return self._admit(found, now, "storage login", ip=ip, user_agent=user_agent,
                           storage_credentials=credentials if keep_credentials else None)

    def _create_storage_user(self, username: str) -> User:
        """The API user for a storage login, created now unless another request just did."""
        user = User(username=username, password_hash=STORAGE_LOGIN_ONLY, email=None, role=USER,
                    disabled=False, created=utcnow(), failed_logins=0)
        try:
            with self.db.transaction(write=True) as session:
                session.add(user)
        except IntegrityError:
            return self._find_user(username)
        log.info("user %s created at their first storage login", username)
        return user

    def _find_user(self, username: str) -> User | None:
        if not _could_exist(username):
            return None
        with self.db.transaction() as session:
            return session.scalars(select(User).where(User.username == username)).one_or_none()

    def _refuse_banned(self, user: User, address: str | None, now: datetime, kind: str) -> None:
        """AccountBanned when `address` is banned from `user`: checked before the credentials,
        so that a banned address costs no password hashing nor storage login."""
        with self.db.transaction() as session:
            until = self.bans.banned_until(session, user.id, address, now)
        if until is not None:
            log.info("%s refused: %s is banned from %s", kind, address or "?", user.username)
            raise _ban_error(until)

    def authenticate(self, token: str) -> Authenticated:
        """The user, token record and storage credentials of a presented JWT; Unauthorized
        saying what is wrong."""
        claims = self.codec.decode(token)
        now = utcnow()
        with self.db.transaction() as session:
            row = session.execute(
                select(Token, User).join(User, Token.user_id == User.id).where(Token.id == claims.jti)
            ).one_or_none()
        if row is None:
            raise Unauthorized("invalid token: unknown token id (its user may have been deleted)")
        record, user = row
        if record.revoked:
            raise Unauthorized("token revoked: log in again")
        if user.username != claims.sub:
            raise Unauthorized("invalid token: subject does not match")
        if record.expires <= now:
            raise Unauthorized("token expired: log in again")
        if user.disabled:
            raise Unauthorized("account disabled")
        if record.last_used is None or now - record.last_used >= LAST_USED_RESOLUTION:
            with self.db.transaction(write=True) as session:
                session.execute(update(Token).where(Token.id == record.id).values(last_used=now))
            record.last_used = now
        return Authenticated(user, record, claims.storage_credentials)

    def list_tokens(self, user: User) -> list[Token]:
        with self.db.transaction() as session:
            return list(session.scalars(
                select(Token).where(Token.user_id == user.id).order_by(Token.created.desc(), Token.id)))

    def revoke_token(self, token_id: str, actor: User) -> None:
        """Revoke one token: the actor's own, or anyone's for an admin. NotFound otherwise."""
        with self.db.transaction(write=True) as session:
            record = session.get(Token, token_id, with_for_update=True) if _is_token_id(token_id) else None
            if record is None or (record.user_id != actor.id and not actor.is_admin):
                raise NotFound("no such token")
            record.revoked = True
        log.info("token %s revoked by %s", token_id, actor.username)

    def logout(self, record: Token) -> None:
        with self.db.transaction(write=True) as session:
            session.execute(update(Token).where(Token.id == record.id).values(revoked=True))
        record.revoked = True

    # --- users --------------------------------------------------------------

    def list_users(self) -> list[User]:
        with self.db.transaction() as session:
            return list(session.scalars(select(User).order_by(User.username)))

    def get_user(self, username: str) -> User:
        user = self._find_user(username)
        if user is None:
            raise NotFound(f"no such user {username!r}")
        return user

    def create_user(self, username: str, password: str, *, email: str | None = None,
                    role: str = USER, disabled: bool = False, quota: int | None = None) -> User:
        """Create a user and their home collection. AlreadyExists when the name is taken."""
        validate_username(username)
        validate_password(password)
        validate_email(email)
        validate_role(role)
        validate_quota(quota)
        with self.db.transaction() as session:
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                raise AlreadyExists(f"user {username!r} already exists")
        password_hash = self.passwords.hash(password)
        self.create_home(username)
        user = User(username=username, password_hash=password_hash, email=email, role=role,
                    disabled=disabled, created=utcnow(), failed_logins=0)
        try:
            with self.db.transaction(write=True) as session:
                session.add(user)
                session.flush()  # the user's id, for the quota
                _set_quota(session, user.id, quota)
        except IntegrityError:
            raise AlreadyExists(f"user {username!r} already exists") from None
        log.info("user %s created (role %s)", username, role)
        return user

    def update_user(self, username: str, *, email: str | None = UNSET, role: str = UNSET,
                    password: str = UNSET, disabled: bool = UNSET,
                    quota: int | None = UNSET) -> User:
        """Change the given fields. A new password revokes the user's tokens and lifts their
        login bans; a quota of None gives the user the default again."""
        if email is not UNSET:
            validate_email(email)
        if quota is not UNSET:
            validate_quota(quota)
        if role is not UNSET:
            validate_role(role)
        password_hash = UNSET
        if password is not UNSET:
            password_hash = self.passwords.hash(validate_password(password))
        with self.db.transaction(write=True) as session:
            user, other_admins = self._lock_user_and_admins(session, username)
            loses_admin = (role is not UNSET and role != ADMIN) or disabled is True
            if user.is_admin and not user.disabled and loses_admin and other_admins == 0:
                raise Conflict(f"{username!r} is the last active administrator")
            if email is not UNSET:
                user.email = email
            if role is not UNSET:
                user.role = role
            if disabled is not UNSET:
                user.disabled = disabled
            if quota is not UNSET:
                _set_quota(session, user.id, quota)
            if password_hash is not UNSET:
                user.password_hash = password_hash
                self.bans.lift(session, user.id, utcnow())
                session.execute(update(Token).where(Token.user_id == user.id).values(revoked=True))
        log.info("user %s updated (%s)", username, ", ".join(
            name for name, value in (("email", email), ("role", role), ("password", password),
                                     ("disabled", disabled), ("quota", quota))
            if value is not UNSET) or "nothing")
        return user

    def change_password(self, user: User, current: str, new: str, *, keep: Token,
                        ip: str | None = None) -> None:
        """`user` changes their own password, proving the `current` one. Every other token
        of theirs is revoked (whoever holds one must log in with the new password); the
        token `keep`, this request's, stays. A wrong `current` counts as a failed login
        from `ip` (login bans apply: a stolen token cannot guess the password freely)."""
        if user.from_irods:
            raise Conflict("you log in with iRODS credentials and have no API password: "
                           "change your password in iRODS (e.g. with ipasswd)")
        validate_password(new)
        now = utcnow()
        self._refuse_banned(user, ip, now, "password change")
        valid = self.passwords.verify(user.password_hash, current)
        new_hash = self.passwords.hash(new) if valid else None  # hashing outside the lock
        with self.db.transaction(write=True) as session:
            record = session.get(User, user.id, with_for_update=True)
            if record is None:
                raise Unauthorized("account deleted")
            wrong = not valid or record.password_hash != user.password_hash
            if wrong:
                self.bans.failed(session, record, ip, now)
            else:
                record.password_hash = new_hash
                self.bans.lift(session, record.id, now)
                session.execute(update(Token).where(Token.user_id == record.id,
                                                    Token.id != keep.id).values(revoked=True))
        if wrong:  # raised after the commit, which keeps the failure counted
            raise PermissionDenied("the current password is wrong")
        log.info("%s changed their password; their other tokens are revoked", user.username)

    def delete_user(self, username: str) -> None:
        """Delete a user and their tokens (their home collection stays). Never the last admin."""
        with self.db.transaction(write=True) as session:
            user, other_admins = self._lock_user_and_admins(session, username)
            if user.is_admin and not user.disabled and other_admins == 0:
                raise Conflict(f"{username!r} is the last active administrator")
            session.execute(delete(Token).where(Token.user_id == user.id))
            session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
            session.execute(delete(Quota).where(Quota.user_id == user.id))
            session.delete(user)
        log.info("user %s deleted", username)

    def quota_of(self, username: str) -> int | None:
        """The user's own quota in bytes (0: unlimited); None for the default, also for a
        name that is no user here (an iRODS account the API does not know)."""
        if not _could_exist(username):
            return None
        with self.db.transaction() as session:
            return session.scalar(select(Quota.bytes).join(User, User.id == Quota.user_id)
                                  .where(User.username == username))

    # --- login bans -----------------------------------------------------------

    def list_bans(self) -> list[Ban]:
        """Bans in force: which address is banned from which account, until when."""
        with self.db.transaction() as session:
            return self.bans.active(session, utcnow())

    def lift_bans(self, username: str) -> int:
        """Lift every ban of `username` (from any address) and forget its failed logins;
        how many bans were in force. NotFound for an unknown user."""
        with self.db.transaction(write=True) as session:
            user = session.scalars(select(User).where(User.username == username)
                                   .with_for_update()).one_or_none() if _could_exist(username) else None
            if user is None:
                raise NotFound(f"no such user {username!r}")
            lifted = self.bans.lift(session, user.id, utcnow())
        log.info("login bans of %s lifted (%d in force)", username, lifted)
        return lifted

    def _lock_user_and_admins(self, session, username: str) -> tuple[User, int]:
        """Lock the user and every admin (in id order, so concurrent calls cannot deadlock);
        return the user and how many other active admins there are."""
        if not _could_exist(username):
            raise NotFound(f"no such user {username!r}")
        rows = session.scalars(
            select(User).where(or_(User.username == username, User.role == ADMIN))
            .order_by(User.id).with_for_update()).all()
        user = next((row for row in rows if row.username == username), None)
        if user is None:
            raise NotFound(f"no such user {username!r}")
        others = sum(1 for row in rows if row.id != user.id and row.is_admin and not row.disabled)
        return user, others

    # --- first start --------------------------------------------------------

    def bootstrap_admin(self, username: str, password: str | None) -> str | None:
        """Create the first administrator if there is none; safe in concurrent workers.

        Returns the generated password when none was configured (the caller
        hands it to the operator), else None.
        """
        validate_username(username)
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(18)
        else:
            try:
                validate_password(password)
            except Unprocessable as exc:
                raise Unprocessable(f"ADMIN_PASSWORD: {exc.message}") from None
        try:
            with self.db.schema_lock() as session:
                if session.scalar(select(User.id).where(User.role == ADMIN).limit(1)) is not None:
                    return None
                existing = session.scalars(select(User).where(User.username == username)).one_or_none()
                if existing is not None:
                    existing.role = ADMIN
                    log.warning("no administrator found: promoted the existing user %s", username)
                    return None
                self._ensure_home(username)
                session.add(User(username=username, password_hash=self.passwords.hash(password),
                                 role=ADMIN, disabled=False, created=utcnow(), failed_logins=0))
        except IntegrityError:
            log.info("administrator %s created by another process", username)
            return None
        log.info("administrator %s created", username)
        return password if generated else None
