"""Login bans, per account and client address.

A failed login to an account from an address counts against that pair only: after
`max_attempts` failures in a row (each within `ban` of the one before) that address is
banned from that account for `ban`, even with the right password, while the account's
owner logs in from anywhere else as usual. So a stranger guessing the administrator's
password locks out only themselves. A success from an address clears its count; a new
password, or an administrator, lifts every ban of the account. Unknown usernames are
never counted: there is nothing to lock.

Every method runs inside the caller's write transaction, with the user's row locked,
so that two failures at once cannot both slip under the limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select

from backend.auth.models import LoginFailure, User

log = logging.getLogger(__name__)

ADDRESS_MAX = 64


def address_key(address: str | None) -> str:
    """How an address is stored: an unknown one is the empty string."""
    return (address or "")[:ADDRESS_MAX]


@dataclass(frozen=True)
class Ban:
    username: str
    address: str
    until: datetime

    def as_dict(self) -> dict:
        return {"username": self.username, "address": self.address,
                "banned_until": self.until.isoformat()}


class LoginBans:
    def __init__(self, max_attempts: int, ban_seconds: int):
        self.max_attempts = max_attempts
        self.ban = timedelta(seconds=ban_seconds)

    def banned_until(self, session, user_id: int, address: str | None, now: datetime) -> datetime | None:
        """The end of the ban of `address` from the account, or None when it may try."""
        row = session.get(LoginFailure, (user_id, address_key(address)))
        if row is None or row.banned_until is None or row.banned_until <= now:
            return None
        return row.banned_until

    def failed(self, session, user: User, address: str | None, now: datetime) -> None:
        if self.max_attempts <= 0:
            log.info("login failed for %s", user.username)
            return
        key = address_key(address)
        self._forget_stale(session, user.id, now)
        row = session.get(LoginFailure, (user.id, key), with_for_update=True)
        if row is None:
            row = LoginFailure(user_id=user.id, address=key, failures=0, last_failure=now)
            session.add(row)
        row.failures = (row.failures or 0) + 1
        row.last_failure = now
        log.info("login failed for %s from %s (%d in a row)", user.username, key or "?", row.failures)
        if row.failures >= self.max_attempts:
            row.banned_until = now + self.ban
            row.failures = 0
            log.warning("%s banned from %s until %s after %d failed logins", key or "?",
                        user.username, row.banned_until.isoformat(), self.max_attempts)

    def _forget_stale(self, session, user_id: int, now: datetime) -> None:
        """Failures older than a ban no longer count: their rows go (the table stays the
        size of what is being tried now, however many addresses try)."""
        session.execute(delete(LoginFailure).where(
            LoginFailure.user_id == user_id, LoginFailure.last_failure < now - self.ban,
            or_(LoginFailure.banned_until.is_(None), LoginFailure.banned_until <= now)))

    def succeeded(self, session, user_id: int, address: str | None) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.user_id == user_id,
                                                   LoginFailure.address == address_key(address)))

    def lift(self, session, user_id: int, now: datetime) -> int:
        """Lift every ban of the account and forget its failures; how many bans were on."""
        active = session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.user_id == user_id, LoginFailure.banned_until > now))
        session.execute(delete(LoginFailure).where(LoginFailure.user_id == user_id))
        return active

    def active(self, session, now: datetime) -> list[Ban]:
        rows = session.execute(
            select(User.username, LoginFailure)
            .join(User, User.id == LoginFailure.user_id)
            .where(LoginFailure.banned_until > now)
            .order_by(User.username, LoginFailure.address))
        return [Ban(username, row.address, row.banned_until) for username, row in rows]
