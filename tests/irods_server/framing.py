"""Framing of the iRODS wire protocol.

Every message is: a 4-byte big-endian length, an XML ``MsgHeader_PI``, then
the body, the error and the byte stream whose lengths the header announces.
"""

import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass


class ConnectionClosed(Exception):
    """The peer went away between two messages (a normal end of a session)."""


@dataclass
class Message:
    type: str
    body: bytes = b""
    error: bytes = b""
    bs: bytes = b""  # a bytearray when received
    int_info: int = 0


def _read_exactly(sock, n):
    """n bytes into one preallocated buffer: an 8 MiB write is received without a join's copy."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        count = sock.recv_into(view[got:], min(n - got, 1 << 20))
        if not count:
            raise ConnectionClosed(f"expected {n - got} more bytes")
        got += count
    return buf


def read_header(sock):
    """Read only the header; TLS set-up sends header-only messages with odd meanings."""
    (size,) = struct.unpack(">i", bytes(_read_exactly(sock, 4)))
    root = ET.fromstring(bytes(_read_exactly(sock, size)))

    def field(name):
        return root.findtext(name) or ""

    return (
        field("type"),
        int(field("msgLen") or 0),
        int(field("errorLen") or 0),
        int(field("bsLen") or 0),
        int(field("intInfo") or 0),
    )


def read_message(sock):
    try:
        mtype, msg_len, err_len, bs_len, int_info = read_header(sock)
    except (ConnectionResetError, struct.error):
        raise ConnectionClosed("connection reset")
    except (ET.ParseError, ValueError, MemoryError) as exc:
        # Without a header there is nothing to answer: iRODS's agent drops such a connection.
        raise ConnectionClosed(f"unreadable message header: {exc}")
    body = bytes(_read_exactly(sock, msg_len)) if msg_len else b""
    error = bytes(_read_exactly(sock, err_len)) if err_len else b""
    bs = _read_exactly(sock, bs_len) if bs_len else b""
    return Message(mtype, body, error, bs, int_info)


def pack_header(mtype, msg_len, err_len, bs_len, int_info):
    header = (
        f"<MsgHeader_PI><type>{mtype}</type><msgLen>{msg_len}</msgLen>"
        f"<errorLen>{err_len}</errorLen><bsLen>{bs_len}</bsLen>"
        f"<intInfo>{int_info}</intInfo></MsgHeader_PI>"
    ).encode()
    return struct.pack(">i", len(header)) + header


def write_message(sock, mtype, body=b"", error=b"", bs=b"", int_info=0):
    header = pack_header(mtype, len(body), len(error), len(bs), int_info)
    try:
        # One sendall for small replies keeps them in one TCP segment; large
        # byte streams are sent separately to avoid copying them.
        if len(bs) > 65536:
            sock.sendall(header + body + error)
            sock.sendall(bs)
        else:
            sock.sendall(header + body + error + bytes(bs))
    except OSError as exc:
        raise ConnectionClosed(str(exc))
