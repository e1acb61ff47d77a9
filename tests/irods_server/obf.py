"""Reading the obfuscated passwords clients send to set a password (iRODS obf.cpp, server side).

An administrator's ``modify user <name> password <value>`` (GENERAL_ADMIN) and a user's own
``userpw`` (USER_ADMIN) carry the new password scrambled, version 2: the client puts one random
character and the mark ``.ObfV2`` in front of it, pads a password shorter than 25 characters to 40
with a fixed string, and scrambles the whole, block-chained, with a key made from the sender's own
password and the session's signature (the hex of the first 16 bytes of its login challenge). The
server tries the passwords it knows for the sender and keeps the one that yields the mark.

The scramble only rotates characters of WHEEL; anything else (the random first character may be
any of string.printable: \\r, \\x0b, \\x0c included) travels unchanged.
"""

import hashlib
import string

WHEEL = string.digits + string.ascii_uppercase + string.ascii_lowercase + "!\"#$%&'()*+,-./"
V2_MARK = ".ObfV2"  # after the random first character
PADDING = "1gCBizHWbwIYyWLoysGzTe6SyzqFKMniZX05faZHWAwQKXf6Fs"  # db_plugin's, appended by clients
PADDED_LENGTH = 40  # MAX_PASSWORD_LEN (50) - 10
MIN_PADDING = 16  # clients pad only when more than 15 characters are missing
KEY_BYTES = 100


def _ring(key):
    """The rotation amounts: MD5 chained three times over the key (NUL-padded/cut to 100 bytes)."""
    first = hashlib.md5(key.encode()[:KEY_BYTES].ljust(KEY_BYTES, b"\0")).digest()
    second = hashlib.md5(first).digest()
    third = hashlib.md5(first + second).digest()
    return first + second + third + third


def unscramble(text, key, chained=False):
    """Undo the wheel rotation; with `chained`, each scrambled wheel character shifts the next one."""
    ring = _ring(key)
    out = []
    chain = 0
    for index, char in enumerate(text):
        position = WHEEL.find(char)
        if position < 0:
            out.append(char)
            continue
        out.append(WHEEL[(position - ring[index % 61] - chain) % len(WHEEL)])
        if chained:
            chain = ord(char) & 0xFF
    return "".join(out)


def strip_padding(password):
    """The password without the padding a client appended (only to passwords under 25 characters)."""
    if len(password) != PADDED_LENGTH:
        return password
    for cut in range(PADDED_LENGTH - MIN_PADDING + 1):
        if password[cut:] == PADDING[:PADDED_LENGTH - cut]:
            return password[:cut]
    return password


def decode_v2(scrambled, sender_password, signature):
    """The new password, or None when `sender_password` is not the key it was scrambled with."""
    key = (sender_password[:90] + signature[:100])
    hashed = hashlib.md5(key.encode()[:KEY_BYTES].ljust(KEY_BYTES, b"\0")).hexdigest()
    plain = unscramble(scrambled, hashed, chained=True)
    if plain[1:1 + len(V2_MARK)] != V2_MARK:
        return None
    return strip_padding(plain[1 + len(V2_MARK):])


def decode_v1(scrambled, sender_password):
    """iRODS's fallback when the V2 mark is absent (obfDecodeByKeyV2 -> obfDecodeByKey): the wheel
    keyed by the sender's password itself, unchained. A groupadmin's USER_ADMIN 'mkuser' sends the
    new user's password this way (PRC's obfuscate_new_password_with_key). As decodePw does, the
    padding is cut at its first 16 characters, and a long result without them means the value was
    not scrambled with this password: None."""
    plain = unscramble(scrambled, sender_password)
    cut = plain.find(PADDING[:MIN_PADDING])
    if cut >= 0:
        return plain[:cut]
    return None if len(plain) > MAX_PLAIN_LENGTH else plain


MAX_PLAIN_LENGTH = 45  # decodePw: longer and unpadded is "probable failure" (MAX_PASSWORD_LEN - 5)


def decode_with_any(scrambled, candidates, signature):
    """Try each password the sender may have logged in with (its own, its temporary ones) for the
    V2 mark; without it, decode V1 with the sender's own password (the first), as decodePw does."""
    candidates = [c for c in candidates if c is not None]
    for candidate in candidates:
        decoded = decode_v2(scrambled, candidate, signature)
        if decoded is not None:
            return decoded
    return decode_v1(scrambled, candidates[0]) if candidates else None
