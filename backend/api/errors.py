"""The one mapping from typed errors to HTTP: `{"error": ..., "code": ..., "type": ...}`."""

from __future__ import annotations

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

from backend import errors

log = logging.getLogger(__name__)

STATUS = {
    errors.PartChecksumMismatch: 460,  # tus 1.0, checksum extension
    errors.BadRequest: 400,
    errors.LengthRequired: 411,
    errors.Unauthorized: 401,
    errors.PermissionDenied: 403,
    errors.Gone: 410,
    errors.NotFound: 404,
    errors.NotAcceptable: 406,
    errors.AlreadyExists: 409,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.RangeNotSatisfiable: 416,
    errors.Unprocessable: 422,
    errors.StorageFailed: 502,
    errors.ServiceUnavailable: 503,
    errors.InsufficientStorage: 507,
}


def status_of(exc: errors.RapydoError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_response(exc: BaseException):
    if isinstance(exc, errors.RapydoError):
        status, message, kind = status_of(exc), exc.message, exc.kind
    elif isinstance(exc, HTTPException):
        status, message = exc.code or 500, exc.description or exc.name
        kind = exc.name.lower().replace(" ", "_")
    else:
        log.exception("unhandled error")
        status, message, kind = 500, "internal server error", "internal_error"
    response = jsonify({"error": message, "code": status, "type": kind})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rapydo"'
    if isinstance(exc, errors.RangeNotSatisfiable) and exc.size is not None:
        response.headers["Content-Range"] = f"bytes */{exc.size}"
    if isinstance(exc, HTTPException) and exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response
