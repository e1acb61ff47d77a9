"""Checksums the way iRODS shows them: `sha2:<base64 of the sha256 digest>`."""

from __future__ import annotations

import base64
import binascii
import hashlib

from backend.errors import BadRequest

PREFIX = "sha2:"


def format_sha256(digest: bytes) -> str:
    return PREFIX + base64.b64encode(digest).decode("ascii")


def parse(checksum: str) -> bytes:
    """Accept `sha2:<base64>` (iRODS) or a 64-digit hex sha256; return the raw digest."""
    value = checksum.strip()
    try:
        if value.startswith(PREFIX):
            digest = base64.b64decode(value[len(PREFIX):], validate=True)
        elif value.lower().startswith("sha256:"):
            digest = bytes.fromhex(value[len("sha256:"):])
        else:
            digest = bytes.fromhex(value)
    except (ValueError, binascii.Error) as exc:
        raise BadRequest(f"unreadable checksum {checksum!r}: use sha2:<base64> or hex sha256") from exc
    if len(digest) != hashlib.sha256().digest_size:
        raise BadRequest("checksum is not a sha256 digest")
    return digest


def to_hex(checksum: str) -> str:
    return parse(checksum).hex()


class PartDigest:
    """Checks bytes against a digest a client sent with them (`algorithm` as hashlib names
    it: a tus client's `Upload-Checksum: sha1 <base64>`), hashing them as they pass."""

    def __init__(self, algorithm: str, digest: bytes):
        self.algorithm, self.expected = algorithm, digest
        self._hash = hashlib.new(algorithm)

    def passing(self, chunks):
        for chunk in chunks:
            self._hash.update(chunk)
            yield chunk

    def matches(self) -> bool:
        return self._hash.digest() == self.expected
