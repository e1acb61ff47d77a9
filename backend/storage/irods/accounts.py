"""What a deleted API user leaves in iRODS (StorageBackend.end_account): their tickets, and
the grants others gave them. Done by the service account (a rodsadmin): the iRODS account
itself stays, as iRODS' own administrators manage it, and so do its data and home.
"""

from __future__ import annotations

from irods.access import iRODSAccess
from irods.exception import (CAT_INSUFFICIENT_PRIVILEGE_LEVEL,
                             CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, SYS_NO_API_PRIV)
from irods.models import (Collection, CollectionAccess, DataAccess, DataObject, Group,
                          TicketQuery, User)
from irods.ticket import Ticket as PrcTicket

from backend.storage import paths
from backend.storage.accounts import ANONYMOUS

PUBLIC = "public"  # the group of every user in iRODS


def end_account(session, zone: str, user: str) -> None:
    """Delete `user`'s tickets and every ACL entry naming them on what others own."""
    ids = [row[User.id] for row in session.query(User.id).filter(User.name == user).all()]
    if not ids:
        return  # iRODS has no such account: nothing can name it
    for row in session.query(TicketQuery.Ticket.string).filter(TicketQuery.Owner.name == user).all():
        PrcTicket(session, row[TicketQuery.Ticket.string]).delete()
    for path in sorted(granted_paths(session, user, ids[0])):
        # admin mode: a rodsadmin may change ACLs on anything, as `ichmod -M` does.
        session.acls.set(iRODSAccess("null", path, user, zone), admin=True)


def provide_anonymous(session, zone: str) -> bool:
    """True once `anonymous` exists in `zone` and is in `public`; it is created or added
    when missing, which needs `session` to be a rodsadmin's (False when it is not)."""
    ids = session.query(User.id).filter(User.name == ANONYMOUS, User.zone == zone).all()
    groups = {row[Group.name] for row in session.query(Group.name).filter(
        User.name == ANONYMOUS, User.zone == zone).all()} if ids else set()
    if ids and PUBLIC in groups:
        return True
    try:
        if not ids:
            session.users.create(ANONYMOUS, "rodsuser")
        if PUBLIC not in groups:
            session.groups.addmember(PUBLIC, ANONYMOUS, zone)
    except (CAT_INSUFFICIENT_PRIVILEGE_LEVEL, SYS_NO_API_PRIV):
        return False
    except CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME:
        pass  # another process made it meanwhile (or iRODS added it to public itself)
    return True


def granted_paths(session, user: str, user_id) -> set[str]:
    """Paths of what others than `user` own on which an ACL entry names `user` (a user or
    a group: groups own nothing)."""
    objects = session.query(Collection.name, DataObject.name).filter(
        DataAccess.user_id == user_id, DataObject.owner_name != user)
    collections = session.query(Collection.name).filter(
        CollectionAccess.user_id == user_id, Collection.owner_name != user)
    found = {paths.join(row[Collection.name], row[DataObject.name]) for row in objects.get_results()}
    return found | {row[Collection.name] for row in collections.get_results()}
