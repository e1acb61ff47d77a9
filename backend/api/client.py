"""The client's address: what login bans are counted by and token records show.

uWSGI hands us REMOTE_ADDR, the peer of the TCP connection. Behind a reverse proxy that
peer is the proxy, and the client is in X-Forwarded-For, which anyone can also send: it is
believed only from a peer in TRUSTED_PROXIES, and then read from the right, skipping the
trusted proxies it passed, so that whatever the client wrote to the left of it is ignored.
"""

from __future__ import annotations

from ipaddress import ip_address

from flask import request

from backend.settings import current_settings

UNKNOWN = ""


def client_address() -> str:
    """The address of the client of this request (an empty string when none is known)."""
    peer = request.remote_addr or UNKNOWN
    trusted = current_settings().trusted_proxies
    if not trusted or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for header in request.headers.getlist("X-Forwarded-For")
            for hop in header.split(",")]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop if _valid(hop) else peer
    return peer


def _valid(address: str) -> bool:
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


def _within(address: str, networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)
