"""Encrypting secrets that must travel inside a token (a user's own iRODS credentials).

A JWT is only signed: anyone holding one can read its claims. Credentials put in a
token are therefore encrypted and authenticated with Fernet (AES-128-CBC + HMAC-SHA256).
The key is derived from the JWT secret with HKDF, under its own label, so the
deployment has one secret to manage and the signing key is never used to encrypt.
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.errors import Unauthorized

# Changing the label makes every sealed value unreadable (every such token invalid).
KEY_LABEL = b"rapydo token-sealed storage credentials v1"


def derive_key(secret: str) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) derived from `secret`."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_LABEL).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


class Sealer:
    def __init__(self, secret: str):
        self._fernet = Fernet(derive_key(secret))

    def seal(self, fields: dict) -> str:
        """An opaque string holding `fields` (JSON values), readable only with the same secret."""
        return self._fernet.encrypt(json.dumps(fields, separators=(",", ":")).encode()).decode("ascii")

    def open(self, sealed) -> dict:
        """The fields sealed by `seal`; Unauthorized when the value was not sealed with our key."""
        try:
            fields = json.loads(self._fernet.decrypt(str(sealed).encode("ascii")))
        except (InvalidToken, UnicodeError, ValueError):
            raise Unauthorized("invalid token: unreadable storage credentials") from None
        if not isinstance(fields, dict):
            raise Unauthorized("invalid token: unreadable storage credentials")
        return fields
