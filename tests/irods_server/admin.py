"""GENERAL_ADMIN (API 701, generalAdminInp_PI): the user and group administration PRC's
session.users / session.groups send ("add user", "add group", "modify user", "modify group",
"rm user", "rm unusedAVUs"). What a non-admin may administer is USER_ADMIN (user_admin.py)."""

from . import errors as E
from .errors import IrodsError
from .user_admin import new_password as _new_password

USER_TYPES = ("rodsuser", "rodsadmin", "groupadmin")


def general_admin(cat, user, args, unscramble):
    """args: arg0..arg9 as text; unscramble(value) -> the password the session scrambled, or None.
    Only a rodsadmin may: iRODS's API table gives GENERAL_ADMIN LOCAL_PRIV_USER_AUTH, so anyone
    else (a groupadmin too) is refused before the operation is read, with SYS_NO_API_PRIV."""
    if not cat.is_admin(user):
        raise IrodsError(E.SYS_NO_API_PRIV, f"{user} is not a rodsadmin")
    op, kind, name = args[0], args[1], args[2].split("#")[0]
    with cat.lock:
        if op == "add" and kind == "user":
            if args[3] == "rodsgroup":  # servers before 4.3 make groups this way
                cat.add_group(name)
            else:
                cat.add_user(name, args[5] or None, args[3] or "rodsuser")
        elif op == "add" and kind == "group":
            cat.add_group(name)
        elif op == "modify" and kind == "user":
            _modify_user(cat, name, args[3], args[4], unscramble)
        elif op == "modify" and kind == "group" and args[3] in ("add", "remove"):
            member = args[4].split("#")[0]
            if args[3] == "add":
                cat.add_to_group(name, member)
            else:
                cat.members.get(name, set()).discard(member)
        elif op == "rm" and kind in ("user", "group"):
            if name == user:
                raise IrodsError(E.SYS_NOT_ALLOWED, "cannot remove the authenticated user")
            cat.remove_user(name)
        elif op == "rm" and kind == "unusedAVUs":
            # iRODS deletes the R_META_MAIN rows no R_OBJT_METAMAP row refers to. Here an AVU lives
            # on the collection or object it is attached to and goes with it: none is ever unused.
            pass
        else:
            raise IrodsError(E.SYS_NOT_SUPPORTED, f"general admin {' '.join(args[:3])}")


def _modify_user(cat, name, option, value, unscramble):
    target = cat.user(name)
    if target.type == "rodsgroup":
        raise IrodsError(E.CAT_INVALID_USER, name)
    if option == "password":
        target.password = _new_password(value, unscramble)
    elif option == "type":
        if value not in USER_TYPES:
            raise IrodsError(E.CAT_INVALID_ARGUMENT, f"user type {value}")
        target.type = value
    elif option in ("info", "comment"):
        setattr(target, option, value)
    elif option in ("addAuth", "rmAuth"):
        # A distinguished name (R_USER_AUTH); adding one already there changes nothing.
        if not value:
            raise IrodsError(E.CAT_INVALID_ARGUMENT, f"{option} needs a value")
        if option == "rmAuth":
            target.dns = [dn for dn in target.dns if dn != value]
        elif value not in target.dns:
            target.dns.append(value)
    else:
        raise IrodsError(E.SYS_NOT_SUPPORTED, f"modify user {option}")
