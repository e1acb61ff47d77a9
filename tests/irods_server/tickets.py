"""Ticket administration (API 723, ticketAdminInp_PI): create, mod, delete, and supply ("session").

What a supplied ticket then allows is decided by Catalog.require / Catalog.allowed.
"""

import calendar
import posixpath
import secrets
import time

from . import errors as E
from .errors import IrodsError
from .model import MODIFY, READ, Ticket, now


def parse_expiry(text):
    """PRC sends epoch seconds; iticket-style 'YYYY-MM-DD.hh:mm:ss' (UTC) is accepted too; 0 or '' clears."""
    text = (text or "").strip()
    if text in ("", "0"):
        return 0
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%d.%H:%M:%S"))
    except ValueError:
        raise IrodsError(E.CAT_INVALID_ARGUMENT, f"expiry {text!r}")


def supply(cat, session, string):
    """A ticket unknown to the catalog is refused at once; expiry and uses are checked on use."""
    if string not in cat.tickets:
        raise IrodsError(E.CAT_TICKET_INVALID, string)
    session.ticket = string


def _owned(cat, user, string):
    ticket = cat.tickets.get(string)
    if ticket is None or (ticket.owner != user and not cat.is_admin(user)):
        raise IrodsError(E.CAT_TICKET_INVALID, string)
    return ticket


def admin(cat, session, op, args):
    user = session.user
    with cat.lock:
        if op == "session":
            supply(cat, session, args[0])
        elif op == "create":
            string, kind, path = args[0] or secrets.token_hex(8), args[1], posixpath.normpath(args[2])
            if kind not in ("read", "write"):
                raise IrodsError(E.CAT_INVALID_ARGUMENT, f"ticket type {kind!r}")
            if string in cat.tickets:
                raise IrodsError(E.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, string)
            cat.require(cat.node(path), user, READ if kind == "read" else MODIFY)
            cat.tickets[string] = Ticket(cat.next_id(), string, kind, user, path)
        elif op == "delete":
            del cat.tickets[_owned(cat, user, args[0]).string]
        elif op == "mod":
            ticket = _owned(cat, user, args[0])
            what, value = args[1].lower(), args[2]
            if what == "uses":
                ticket.uses_limit = int(value or 0)
            elif what.startswith("expir"):
                ticket.expiry = parse_expiry(value)
            elif what in ("add", "remove") and value in ticket.allowed:
                names = ticket.allowed[value]
                names.add(args[3]) if what == "add" else names.discard(args[3])
            else:
                raise IrodsError(E.SYS_NOT_SUPPORTED, f"ticket mod {what}")
            ticket.mtime = now()
        else:
            raise IrodsError(E.SYS_NOT_SUPPORTED, f"ticket {op}")
