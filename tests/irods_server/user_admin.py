"""USER_ADMIN (API 714, userAdminInp_PI): what a user may administer without being a rodsadmin.

iRODS's rsUserAdmin serves four operations: "userpw" (a user sets its own password), "mkuser" and
"mkgroup" (a groupadmin or rodsadmin creates a rodsuser, with a password, or a group) and
"modify group <g> add|remove <user>" (a groupadmin changes the members of a group it belongs to,
or of an empty group it adds to: that is how it joins a group it just made). Anything else is
CAT_INVALID_ARGUMENT. A groupadmin may not remove users or groups: that is GENERAL_ADMIN, for
rodsadmins only (admin.py).
"""

from . import errors as E
from .errors import IrodsError

GROUPADMIN = "groupadmin"
PRIVILEGED = ("rodsadmin", GROUPADMIN)


def user_admin(cat, user, args, unscramble):
    """args: arg0..arg9 as text; unscramble(value) -> the password the session sent, or None."""
    op = args[0]
    with cat.lock:
        if op == "userpw" and args[2] == "password":
            if args[1].split("#")[0] != user:
                raise IrodsError(E.CAT_INSUFFICIENT_PRIVILEGE_LEVEL, f"{user} may set only its own password")
            cat.user(user).password = new_password(args[3], unscramble)
        elif op == "mkuser":
            _require_groupadmin(cat, user)
            password = new_password(args[2], unscramble) if args[2] else None
            # rsUserAdmin makes a rodsuser whatever is asked; with home and trash, as GENERAL_ADMIN.
            cat.add_user(args[1].split("#")[0], password, "rodsuser")
        elif op == "mkgroup":
            _require_groupadmin(cat, user)
            if args[2] not in ("", "rodsgroup"):
                raise IrodsError(E.CAT_INVALID_USER_TYPE, f"mkgroup of type {args[2]}")
            cat.add_group(args[1])
        elif op == "modify" and args[1] == "group" and args[3] in ("add", "remove"):
            _modify_members(cat, user, args[2], args[3], args[4].split("#")[0])
        else:
            raise IrodsError(E.CAT_INVALID_ARGUMENT, f"user admin {' '.join(args[:2])}")


def new_password(value, unscramble):
    password = unscramble(value)
    if password is None:
        raise IrodsError(E.CAT_PASSWORD_ENCODING_ERROR, "the new password is not scrambled with the sender's")
    return password


def _require_groupadmin(cat, user):
    """cmlCheckGroupAdminAccess without a group: the sender is a groupadmin (or a rodsadmin)."""
    if cat.user(user).type not in PRIVILEGED:
        raise IrodsError(E.CAT_INSUFFICIENT_PRIVILEGE_LEVEL, f"{user} is not a groupadmin")


def _modify_members(cat, user, group, option, member):
    if not cat.is_admin(user):
        _require_groupadmin(cat, user)
        in_group = user in cat.members.get(group, ())
        # chlModGroup lets a groupadmin outside the group add to it only while it has no member.
        if not in_group and not (option == "add" and not cat.members.get(group)):
            raise IrodsError(E.CAT_INSUFFICIENT_PRIVILEGE_LEVEL, f"{user} is not a member of {group}")
    target = cat.users.get(member)
    if target is None or target.type == "rodsgroup":
        raise IrodsError(E.CAT_INVALID_USER, member)
    if option == "add":
        cat.add_to_group(group, member)
    else:
        if cat.users.get(group) is None or cat.users[group].type != "rodsgroup":
            raise IrodsError(E.CAT_INVALID_GROUP, group)
        cat.members[group].discard(member)
