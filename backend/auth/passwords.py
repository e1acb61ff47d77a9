"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8


class Passwords:
    def __init__(self, time_cost: int = 3):
        self._hasher = PasswordHasher(time_cost=time_cost)
        # Verified against when the user does not exist, so that unknown users
        # cost the same hashing work as wrong passwords.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash, do the same work and answer False."""
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters (e.g. a changed time cost)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
