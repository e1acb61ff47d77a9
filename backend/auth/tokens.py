"""JSON Web Tokens (HS256): issue and decode.

A token carries `sub` (the username), `jti` (its id in the tokens table), `iat`
and `exp`. Decoding checks the signature and the expiry; whether the `jti` is
known and not revoked is the service's business.

A token issued by a login with storage credentials (POST /auth/irods in
IRODS_SESSION_MODE=user) also carries them, encrypted (claim `stc`), so that any
worker process can act as that user without a server-side credential store.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt

from backend.auth.files import read_or_create_private
from backend.auth.sealing import Sealer
from backend.errors import Unauthorized

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "jti", "iat", "exp"]
STORAGE_CREDENTIALS_CLAIM = "stc"
SECRET_FILE = "jwt_secret"


@dataclass(frozen=True)
class Claims:
    sub: str
    jti: str
    iat: datetime
    exp: datetime
    # Decrypted storage credentials (plain fields), None for ordinary logins.
    storage_credentials: dict | None = None


def new_token_id() -> str:
    return secrets.token_hex(16)


def load_secret(configured: str | None, data_dir: Path) -> str:
    """The configured secret, else the one persisted in `data_dir/jwt_secret` (created once)."""
    if configured:
        return configured
    return read_or_create_private(data_dir / SECRET_FILE, lambda: secrets.token_urlsafe(64)).strip()


class TokenCodec:
    def __init__(self, secret: str, ttl: int):
        if not secret:
            raise ValueError("empty JWT secret")
        self._secret = secret
        self.sealer = Sealer(secret)
        self.ttl = ttl

    def issue(self, subject: str, now: datetime | None = None, *,
              storage_credentials: dict | None = None) -> tuple[str, Claims]:
        """A new signed token for `subject`, and its claims (store `jti` before handing it out).

        `storage_credentials` (plain fields, e.g. an iRODS user name, password and scheme)
        travel encrypted inside the token.
        """
        now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
        claims = Claims(sub=subject, jti=new_token_id(), iat=now, exp=now + timedelta(seconds=self.ttl),
                        storage_credentials=storage_credentials)
        payload = {"sub": claims.sub, "jti": claims.jti, "iat": claims.iat, "exp": claims.exp}
        if storage_credentials is not None:
            payload[STORAGE_CREDENTIALS_CLAIM] = self.sealer.seal(storage_credentials)
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def decode(self, token: str) -> Claims:
        """Verified claims, or Unauthorized saying what is wrong with the token."""
        try:
            payload = jwt.decode(token, self._secret, algorithms=[ALGORITHM],
                                 options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired: log in again") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("invalid token: bad signature") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("invalid token: malformed or missing claims") from None
        if not isinstance(payload["jti"], str) or not isinstance(payload["sub"], str):
            raise Unauthorized("invalid token: malformed claims")
        sealed = payload.get(STORAGE_CREDENTIALS_CLAIM)
        return Claims(
            sub=payload["sub"],
            jti=payload["jti"],
            iat=datetime.fromtimestamp(payload["iat"], timezone.utc),
            exp=datetime.fromtimestamp(payload["exp"], timezone.utc),
            storage_credentials=None if sealed is None else self.sealer.open(sealed),
        )
