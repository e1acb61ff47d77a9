"""The API's users as the rest of the backend asks about them (backend.storage.accounts.Directory):
does an account exist, may it still act. Asked afresh every time, so that disabling or
deleting a user takes effect at once, in every process."""

from __future__ import annotations

from sqlalchemy import select

from backend.auth.db import Database
from backend.auth.models import User

# Longer names cannot be usernames (models.User.username); PostgreSQL would refuse them.
NAME_MAX = 64


class UserDirectory:
    def __init__(self, db: Database):
        self.db = db

    def _disabled(self, name: str) -> bool | None:
        """The user's disabled flag; None when there is no such user."""
        if not isinstance(name, str) or not name or len(name) > NAME_MAX or "\x00" in name:
            return None
        with self.db.transaction() as session:
            return session.scalar(select(User.disabled).where(User.username == name))

    def known(self, name: str) -> bool:
        return self._disabled(name) is not None

    def active(self, name: str) -> bool:
        return self._disabled(name) is False
