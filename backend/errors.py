"""Typed errors shared by every layer.

Storage, auth and workflow code raise these; they know nothing about HTTP.
`backend/api/errors.py` is the one place that maps them to status codes.
"""


class RapydoError(Exception):
    """Base class: `message` is safe to show to the client."""

    kind = "error"

    def __init__(self, message: str = ""):
        super().__init__(message or self.__class__.__doc__ or self.kind)
        self.message = message or (self.__class__.__doc__ or self.kind).strip()


class BadRequest(RapydoError):
    """The request is malformed."""

    kind = "bad_request"


class InvalidPath(BadRequest):
    """The path is not a valid logical path."""

    kind = "invalid_path"


class ChecksumMismatch(BadRequest):
    """The data does not match the checksum the client sent."""

    kind = "checksum_mismatch"


class IncompleteTransfer(BadRequest):
    """The client sent fewer bytes than announced."""

    kind = "incomplete_transfer"


class PartChecksumMismatch(ChecksumMismatch):
    """The bytes of one part of a resumable upload do not match the checksum sent with them
    (tus' checksum extension answers 460 and keeps none of them)."""

    kind = "checksum_mismatch"


class LengthRequired(RapydoError):
    """The upload needs a Content-Length header."""

    kind = "length_required"


class Unauthorized(RapydoError):
    """Missing, invalid, expired or revoked credentials."""

    kind = "unauthorized"


class PermissionDenied(RapydoError):
    """The user may not do this."""

    kind = "permission_denied"


class OutsideZone(PermissionDenied):
    """The path lies outside the zone this API serves."""

    kind = "outside_zone"


class AccountBanned(PermissionDenied):
    """Too many failed logins: the account is temporarily banned."""

    kind = "account_banned"


class QuotaExceeded(PermissionDenied):
    """The data would take its owner beyond their storage quota."""

    kind = "quota_exceeded"


class NotFound(RapydoError):
    """No such path or resource."""

    kind = "not_found"


class NoProvenance(NotFound):
    """No provenance is recorded for this."""

    kind = "no_provenance"


class NotAcceptable(RapydoError):
    """None of the media types the client accepts can be served."""

    kind = "not_acceptable"


class AlreadyExists(RapydoError):
    """The target already exists."""

    kind = "already_exists"


class Conflict(RapydoError):
    """The request conflicts with the current state (e.g. a non-empty collection)."""

    kind = "conflict"


class Gone(NotFound):
    """It existed and expired (an unfinished resumable upload)."""

    kind = "gone"


class PreconditionFailed(RapydoError):
    """A precondition of the request (a protocol version, an offset) does not hold."""

    kind = "precondition_failed"


class UnsupportedMediaType(RapydoError):
    """The body's Content-Type is not one this request accepts."""

    kind = "unsupported_media_type"


class PayloadTooLarge(RapydoError):
    """The upload exceeds the configured maximum size."""

    kind = "payload_too_large"


class RangeNotSatisfiable(RapydoError):
    """The requested byte range lies outside the object."""

    kind = "range_not_satisfiable"

    def __init__(self, message: str = "", size: int | None = None):
        super().__init__(message)
        # The object's size, for the client: HTTP answers "Content-Range: bytes */<size>".
        self.size = size


class Unprocessable(RapydoError):
    """The request is well formed but its values are not acceptable."""

    kind = "unprocessable"


class InsufficientStorage(RapydoError):
    """The disk has no room for this data (it keeps a reserve for the service's own records)."""

    kind = "insufficient_storage"


class StorageFailed(RapydoError):
    """The storage server is up but failed on its own disk or resource (a file it could not
    open, read or write): the data may be damaged there, which an operator must look at."""

    kind = "storage_failed"


class ServiceUnavailable(RapydoError):
    """A service the request needs is down."""

    kind = "service_unavailable"
