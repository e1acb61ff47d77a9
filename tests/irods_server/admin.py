"""GENERAL_ADMIN (API 701, generalAdminInp_PI): the user and group administration PRC's
session.users / session.groups send ("add user", "add group", "modify group", "rm user")."""

from . import errors as E
from .errors import IrodsError


def general_admin(cat, user, args):
    """args: arg0..arg9 as text. Only a rodsadmin may administer, as in iRODS."""
    if not cat.is_admin(user):
        raise IrodsError(E.CAT_INSUFFICIENT_PRIVILEGE_LEVEL, f"{user} is not a rodsadmin")
    op, kind, name = args[0], args[1], args[2].split("#")[0]
    with cat.lock:
        if op == "add" and kind == "user":
            if args[3] == "rodsgroup":  # servers before 4.3 make groups this way
                cat.add_group(name)
            else:
                cat.add_user(name, args[5] or None, args[3] or "rodsuser")
        elif op == "add" and kind == "group":
            cat.add_group(name)
        elif op == "modify" and kind == "group" and args[3] in ("add", "remove"):
            member = args[4].split("#")[0]
            if args[3] == "add":
                cat.add_to_group(name, member)
            else:
                cat.members.get(name, set()).discard(member)
        elif op == "rm" and kind in ("user", "group"):
            cat.remove_user(name)
        else:
            raise IrodsError(E.SYS_NOT_SUPPORTED, f"general admin {' '.join(args[:3])}")
