"""python-irodsclient's exceptions -> the typed errors of backend.errors.

One lookup, as PRC itself does for server codes: the storage layer above never
sees a PRC exception. Network failures of any kind become ServiceUnavailable,
and tell the pool to drop the session (its connections may be dead).
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import ssl

from irods import exception as ex

from backend.errors import (AlreadyExists, ChecksumMismatch, Conflict, InsufficientStorage,
                            InvalidPath, NotFound, PermissionDenied, QuotaExceeded, RapydoError,
                            ServiceUnavailable, StorageFailed, Unauthorized, Unprocessable)


class ConnectionLost(ServiceUnavailable):
    """iRODS did not answer: the server is down, unreachable or too slow."""

    def __init__(self, message: str = "", *, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


def _timed_out(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:  # PRC wraps socket errors in its own
        if isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class SourceFailed(Exception):
    """The producer of an upload's chunks (the HTTP client) failed, not iRODS: its error
    goes to the caller unchanged."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


# Most specific first: the first class the exception is an instance of wins.
_TRANSLATIONS: list[tuple[type, type, str]] = [
    (ex.CAT_NO_ACCESS_PERMISSION, PermissionDenied, "iRODS refused access"),
    (ex.CAT_TICKET_EXPIRED, PermissionDenied, "the ticket has expired"),
    (ex.CAT_TICKET_USES_EXCEEDED, PermissionDenied, "the ticket is used up"),
    (ex.CAT_TICKET_INVALID, PermissionDenied, "unknown ticket"),
    (ex.CAT_INVALID_AUTHENTICATION, Unauthorized, "iRODS refused the credentials"),
    (ex.PAM_AUTH_PASSWORD_FAILED, Unauthorized, "iRODS refused the credentials"),
    (ex.SYS_PROXYUSER_NO_PRIV, Unauthorized, "the service account may not act for other users"),
    (ex.CAT_INVALID_USER, NotFound, "no such iRODS user"),
    (ex.DoesNotExist, NotFound, "no such path"),
    (ex.CAT_UNKNOWN_COLLECTION, NotFound, "no such collection"),
    (ex.OBJ_PATH_DOES_NOT_EXIST, NotFound, "no such path"),
    (ex.CAT_NO_ROWS_FOUND, NotFound, "no such path"),
    (ex.OVERWRITE_WITHOUT_FORCE_FLAG, AlreadyExists, "the target exists (use force)"),
    (ex.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME, AlreadyExists, "the target exists"),
    (ex.CAT_NAME_EXISTS_AS_COLLECTION, AlreadyExists, "a collection of that name exists"),
    (ex.CAT_NAME_EXISTS_AS_DATAOBJ, AlreadyExists, "a data object of that name exists"),
    (ex.CAT_COLLECTION_NOT_EMPTY, Conflict, "the collection is not empty"),
    (ex.USER_CHKSUM_MISMATCH, ChecksumMismatch, "the stored bytes do not match their checksum"),
    (ex.CAT_INVALID_ARGUMENT, Unprocessable, "iRODS refused the argument"),
    (ex.CAT_RECURSIVE_MOVE, Conflict, "a collection cannot be moved into itself"),
    (ex.USER_INPUT_PATH_ERR, InvalidPath, "iRODS refused the path"),
    (ex.SYS_INVALID_FILE_PATH, InvalidPath, "iRODS refused the path"),
    # iRODS' own quotas (iadmin suq/sgq), when the zone enforces them as well as the API.
    (ex.SYS_RESC_QUOTA_EXCEEDED, QuotaExceeded, "the iRODS quota of the owner is exceeded"),
]

NETWORK_ERRORS = (ex.NetworkException, socket.timeout, ConnectionError, ssl.SSLError,
                  EOFError, BrokenPipeError)


def translate(exc: BaseException, where: str = "") -> RapydoError | None:
    """The typed error for a PRC (or socket) exception; None if it is not one of ours."""
    suffix = f": {where}" if where else ""
    if isinstance(exc, RapydoError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ConnectionLost("the iRODS server's TLS certificate could not be verified "
                              f"({exc.verify_message}): check IRODS_SSL_CA_CERTIFICATE_FILE "
                              "and IRODS_SSL_VERIFY_SERVER")
    for cls, typed, message in _TRANSLATIONS:
        if isinstance(exc, cls):
            return typed(message + suffix)
    if isinstance(exc, ex.FileDriverException):
        return _storage_failure(exc, suffix)
    if isinstance(exc, NETWORK_ERRORS) or (isinstance(exc, OSError) and exc.errno is not None):
        if _timed_out(exc):
            return ConnectionLost("the iRODS server did not answer in time", timed_out=True)
        return ConnectionLost(f"the iRODS server cannot be reached ({type(exc).__name__})")
    if isinstance(exc, ex.iRODSException):
        # A server error we have no better name for: say which, without internals.
        return ServiceUnavailable(f"iRODS error {type(exc).__name__}{suffix}")
    return None


# errno values iRODS appends to a UNIX_FILE_* code (-511028: create failed, ENOSPC).
_FULL_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def _storage_failure(exc, suffix: str) -> RapydoError:
    """UNIX_FILE_*_ERR and kin: iRODS answered, but its resource's disk failed. Not an outage
    (503 would say "try later" while /api/status says ok): a full disk is 507, anything
    else 502 naming the error, for the operator to look at the vault."""
    errno_ = -(getattr(exc, "code", None) or 0) % 1000
    if errno_ in _FULL_DISK_ERRNOS:
        return InsufficientStorage("the iRODS storage resource is full" + suffix)
    reason = os.strerror(errno_) if errno_ else "no detail"
    return StorageFailed(f"iRODS failed on its storage resource ({type(exc).__name__}: "
                         f"{reason}){suffix}")


def raise_typed(owner, exc: Exception, where: str = ""):
    """Raise the typed error for `exc` (telling `owner` when its connection was lost, so its
    pooled session is dropped), or `exc` itself when it is not an iRODS or network error."""
    typed = translate(exc, where)
    if typed is None:
        raise exc
    if isinstance(typed, ConnectionLost):
        owner._connection_lost()
    raise typed from exc


def translated(method):
    """Decorator: run `method`, re-raising PRC errors as typed ones (naming the first path)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RapydoError:
            raise
        except SourceFailed as failure:
            raise failure.error from None
        except Exception as exc:
            raise_typed(self, exc, args[0] if args and isinstance(args[0], str) else "")

    return wrapper


def retried(method):
    """`translated`, for operations that change nothing: a connection found dead (iRODS
    restarted since this pooled session last used it) is tried once more on a fresh
    session. A server that is there but silent is not: that would double the wait."""
    once = translated(method)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return once(self, *args, **kwargs)
        except ConnectionLost as lost:
            if lost.timed_out:
                raise
            return once(self, *args, **kwargs)

    return wrapper
