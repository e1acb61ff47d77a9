"""The users and tokens tables (SQLAlchemy 2 declarative).

Timestamps are stored as naive UTC (SQLite keeps no time zone) and handed out
as timezone-aware UTC datetimes by `UTCDateTime`, so both databases behave alike.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ADMIN = "admin"
USER = "user"
ROLES = (ADMIN, USER)
# The password_hash of a user created by a login the storage system checked (POST
# /auth/irods): no Argon2 hash equals it, so the user has no usable local password
# (until an admin sets one) and is recognisably an iRODS account.
STORAGE_LOGIN_ONLY = "!irods"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass timezone-aware UTC datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "auth_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=USER, index=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No longer read: bans are counted per account and client address (LoginFailure). Kept
    # because databases created before have these columns, failed_logins NOT NULL.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def from_irods(self) -> bool:
        """Created by an iRODS login, with no local password of its own."""
        return self.password_hash == STORAGE_LOGIN_ONLY

    def as_dict(self) -> dict:
        """The public view of a user: never the password hash."""
        return {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "role": self.role,
            "is_admin": self.is_admin,
            "disabled": self.disabled,
            "created": self.created.isoformat(),
        }

    def __repr__(self) -> str:
        return f"<User {self.username!r} role={self.role}>"


class LoginFailure(Base):
    """Failed logins to one account from one client address, and the ban they led to.

    Keyed by address as well as account, so that nobody can lock an account (the
    administrator's) from elsewhere than where its owner logs in.
    """

    __tablename__ = "auth_login_failures"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"),
                                         primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Quota(Base):
    """A user's own storage quota (bytes; 0: unlimited), as iRODS keeps per-user quotas; a
    user without one has the deployment's QUOTA_DEFAULT. A table of its own, so that users
    databases made before it get it at the next start (create_all adds tables, not columns)."""

    __tablename__ = "auth_quotas"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"),
                                         primary_key=True)
    bytes: Mapped[int] = mapped_column(BigInteger)


class Token(Base):
    __tablename__ = "auth_tokens"

    # The JWT's `jti`: the token itself is never stored.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("auth_users.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    ip: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(255), default=None)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat(),
            "last_used": self.last_used.isoformat() if self.last_used else None,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "revoked": self.revoked,
        }

    def __repr__(self) -> str:
        return f"<Token {self.id} user_id={self.user_id} revoked={self.revoked}>"
