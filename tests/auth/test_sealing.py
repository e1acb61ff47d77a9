"""Storage credentials inside tokens: readable by the API that sealed them, by nobody else."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from backend.auth.tokens import TokenCodec
from backend.errors import Unauthorized

SECRET = "a-jwt-secret-for-tests-long-enough-for-hs256"
CREDENTIALS = {"username": "alice", "password": "alice-irods-password", "scheme": "native"}


def payload_of(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_credentials_round_trip_but_are_not_readable_in_the_token():
    codec = TokenCodec(SECRET, ttl=60)
    token, _ = codec.issue("alice", storage_credentials=CREDENTIALS)
    assert CREDENTIALS["password"] not in json.dumps(payload_of(token))
    assert codec.decode(token).storage_credentials == CREDENTIALS
    assert codec.decode(codec.issue("alice")[0]).storage_credentials is None


def test_a_sealed_value_from_another_deployment_is_refused():
    theirs, _ = TokenCodec("another-deployment-secret-also-32-bytes-long", ttl=60).issue(
        "alice", storage_credentials=CREDENTIALS)
    # Their sealed claim inside a token signed with our secret: the signature is fine,
    # the credentials do not open.
    transplanted = jwt.encode(payload_of(theirs), SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized, match="storage credentials"):
        TokenCodec(SECRET, ttl=60).decode(transplanted)
