"""Where a removal without forceFlag puts things: iRODS's trash layout (rsMkTrashPath)."""

import posixpath
import secrets

from .model import is_under


def trash_path(zone, user, path, admin=False):
    """/<zone>/home/alice/a/f -> /<zone>/trash/home/alice/a/f for alice; another user's path goes
    under the remover's own trash (/<zone>/trash/home/bob/alice/a/f), except for an admin."""
    home, trash = f"/{zone}/home", f"/{zone}/trash/home"
    if is_under(path, home):
        rest = path[len(home) + 1:]
        if rest == user or rest.startswith(user + "/") or admin:
            return f"{trash}/{rest}"
        return f"{trash}/{user}/{rest}"
    return f"{trash}/{user}/{path[len(zone) + 2:]}"


def free_name(path, taken):
    """iRODS appends '.<random number>' when the trash already holds that name."""
    candidate = path
    while taken(candidate):
        candidate = f"{path}.{secrets.randbelow(10**10)}"
    return candidate


def parents(path, stop):
    """The collections from just below `stop` down to path's parent, top first."""
    chain = []
    parent = posixpath.dirname(path)
    while parent != stop and is_under(parent, stop):
        chain.append(parent)
        parent = posixpath.dirname(parent)
    return chain[::-1]
