"""/api/uploads: resumable uploads with the tus 1.0 protocol (https://tus.io/protocols/resumable-upload).

Extensions: creation (and creation-with-upload), termination, checksum (sha1, sha256, md5
per PATCH) and expiration. Not concatenation: iRODS cannot join objects without copying
their bytes again. Where the upload goes is said at creation, in Upload-Metadata (`path`,
or `filename` with `collection`) or with `?path=`; `checksum` there (sha2:<base64> or hex
sha256) is checked against the whole object when it completes. The work is in
backend/uploads; this module reads and writes tus headers.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from flask import Response, request
from flask_restful import Resource
from werkzeug.http import http_date

from backend.api import params, transfers
from backend.api.events import data_operation_done, overwrite_allowed
from backend.api.spec import BOOLEAN, STRING, header, operation, path_param, query
from backend.auth import login_required
from backend.errors import BadRequest, PreconditionFailed, UnsupportedMediaType
from backend.storage import user_storage
from backend.storage.checksums import PartDigest
from backend.uploads import resumable_uploads

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = {"sha1": "sha1", "sha256": "sha256", "md5": "md5"}
PATCH_TYPE = "application/offset+octet-stream"
UPLOAD_ID = path_param("upload_id", "the upload's id, the last segment of its Location")


def tus_headers(**extra) -> dict:
    return {"Tus-Resumable": VERSION, "Cache-Control": "no-store", **extra}


def require_version() -> None:
    sent = request.headers.get("Tus-Resumable")
    if sent != VERSION:
        raise PreconditionFailed(f"send Tus-Resumable: {VERSION} (this server speaks tus {VERSION})"
                                 if sent is None else f"tus {sent} is not supported, {VERSION} is")


def upload_metadata(header_value: str) -> dict[str, str]:
    """Upload-Metadata: `key base64value` pairs separated by commas (values may be absent)."""
    pairs = {}
    for item in filter(None, (part.strip() for part in header_value.split(","))):
        key, _, encoded = item.partition(" ")
        try:
            pairs[key] = base64.b64decode(encoded, validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise BadRequest(f"Upload-Metadata: the value of {key!r} is not base64 of UTF-8") from None
    return pairs


def target_path(metadata: dict[str, str]) -> str:
    path = request.args.get("path") or metadata.get("path")
    if path:
        return path
    if metadata.get("filename") and metadata.get("collection"):
        return metadata["collection"].rstrip("/") + "/" + metadata["filename"]
    raise BadRequest("say where the upload goes: Upload-Metadata `path` (or `filename` and "
                     "`collection`), or ?path=")


def part_digest() -> PartDigest | None:
    """tus' Upload-Checksum: `<algorithm> <base64 digest>` of this PATCH's bytes."""
    value = request.headers.get("Upload-Checksum")
    if not value:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    if algorithm.lower() not in CHECKSUM_ALGORITHMS:
        raise BadRequest(f"Upload-Checksum: unsupported algorithm {algorithm!r} "
                         f"(use {', '.join(CHECKSUM_ALGORITHMS)})")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise BadRequest("Upload-Checksum: the digest is not base64") from None
    return PartDigest(CHECKSUM_ALGORITHMS[algorithm.lower()], digest)


def offset_header() -> int:
    raw = request.headers.get("Upload-Offset", "")
    if not raw.isdigit():
        raise BadRequest("send Upload-Offset: the number of bytes the upload holds (HEAD says it)")
    return int(raw)


def progress_headers(upload, offset: int) -> dict:
    return tus_headers(**{"Upload-Offset": str(offset), "Upload-Expires": http_date(upload.expires)})


def append_body(storage, upload_id: str, offset: int):
    """Append this request's body; (upload, offset, info once complete)."""
    if request.mimetype != PATCH_TYPE:
        raise UnsupportedMediaType(f"the bytes of an upload come as Content-Type: {PATCH_TYPE}")
    upload, size, info = resumable_uploads().append(
        storage, upload_id, offset, transfers.raw_body_chunks(),
        announced=request.content_length, digest=part_digest())
    if info is not None:
        data_operation_done("upload", info)
    return upload, size, info


def stored_headers(info) -> dict:
    """Where a completed upload now is (not part of tus; useful to any client)."""
    return {} if info is None else {"Content-Location": quote("/api/data" + info.path),
                                    "X-Checksum": info.checksum or ""}


TUS_ERRORS = {400: None, 401: None, 403: None, 404: None, 409: None, 410: None, 412: None,
              413: None, 415: None, 460: "the part's Upload-Checksum does not match"}


class Uploads(Resource):
    @operation("tus: what this server supports", tags=["uploads"],
               responses={204: "Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm"})
    @login_required()
    def options(self):
        headers = tus_headers(**{"Tus-Version": VERSION, "Tus-Extension": EXTENSIONS,
                                 "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS)})
        if resumable_uploads().max_size:
            headers["Tus-Max-Size"] = str(resumable_uploads().max_size)
        return Response(status=204, headers=headers)

    @operation(
        "tus: begin a resumable upload (creation; a body of Content-Type "
        "application/offset+octet-stream is its first bytes)", tags=["uploads"],
        parameters=[header("Tus-Resumable", STRING, "1.0.0", required=True),
                    header("Upload-Length", {"type": "integer", "minimum": 0}, "the object's size",
                           required=True),
                    header("Upload-Metadata", STRING, "`path <base64>`, or `filename` and "
                           "`collection`; optional `checksum` of the whole object"),
                    query("path", STRING, "where the object goes (instead of metadata)"),
                    query("force", BOOLEAN, "overwrite an existing object when complete"),
                    query("parents", BOOLEAN, "create missing collections (at once)")],
        responses={201: "Location: the upload's URL; Upload-Offset, Upload-Expires", **TUS_ERRORS,
                   507: None},
        description="Unfinished uploads are invisible, count against the quota with their whole "
                    "length, and are removed UPLOAD_EXPIRY seconds after they began.",
    )
    @login_required()
    def post(self):
        require_version()
        if request.headers.get("Upload-Defer-Length"):
            raise BadRequest("Upload-Defer-Length is not supported: send Upload-Length")
        raw_length = request.headers.get("Upload-Length", "")
        if not raw_length.isdigit():
            raise BadRequest("send Upload-Length: the size of the whole object in bytes")
        metadata_header = request.headers.get("Upload-Metadata", "")
        metadata = upload_metadata(metadata_header)
        storage, force = user_storage(), params.flag("force")
        path = target_path(metadata)
        if force:
            overwrite_allowed(storage, path)
        uploads = resumable_uploads()
        upload = uploads.create(storage, path, int(raw_length), force=force,
                                parents=params.flag("parents"), checksum=metadata.get("checksum"),
                                metadata_header=metadata_header)
        offset, info = 0, uploads.complete_empty(storage, upload)
        if info is not None:
            data_operation_done("upload", info)
        elif request.content_length or request.headers.get("Transfer-Encoding"):
            _, offset, info = append_body(storage, upload.id, 0)
        headers = {**progress_headers(upload, offset), **stored_headers(info),
                   "Location": f"{request.base_url.rstrip('/')}/{upload.id}"}
        return Response(status=201, headers=headers)


class UploadItem(Resource):
    @operation("tus: how far an upload got (Upload-Offset)", tags=["uploads"],
               parameters=[UPLOAD_ID, header("Tus-Resumable", STRING, "1.0.0", required=True)],
               responses={200: "Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires",
                          **TUS_ERRORS})
    @login_required()
    def head(self, upload_id):
        require_version()
        upload, offset = resumable_uploads().state(user_storage(), upload_id)
        headers = progress_headers(upload, offset)
        headers["Upload-Length"] = str(upload.length)
        if upload.metadata_header:
            headers["Upload-Metadata"] = upload.metadata_header
        return Response(status=200, headers=headers)

    @operation("tus: append bytes at Upload-Offset (the last ones complete the upload)",
               tags=["uploads"],
               parameters=[UPLOAD_ID, header("Tus-Resumable", STRING, "1.0.0", required=True),
                           header("Upload-Offset", {"type": "integer", "minimum": 0}, required=True),
                           header("Upload-Checksum", STRING, "`sha1|sha256|md5 <base64>` of the bytes")],
               body={"content": {PATCH_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
               responses={204: "Upload-Offset: the bytes the upload now holds", **TUS_ERRORS,
                          507: None})
    @login_required()
    def patch(self, upload_id):
        require_version()
        offset = offset_header()
        upload, size, info = append_body(user_storage(), upload_id, offset)
        return Response(status=204, headers={**progress_headers(upload, size), **stored_headers(info)})

    @operation("tus: abandon an upload (termination): its bytes are removed", tags=["uploads"],
               parameters=[UPLOAD_ID, header("Tus-Resumable", STRING, "1.0.0", required=True)],
               responses={204: "removed", **TUS_ERRORS})
    @login_required()
    def delete(self, upload_id):
        require_version()
        resumable_uploads().terminate(user_storage(), upload_id)
        return Response(status=204, headers=tus_headers())


def register(api) -> None:
    api.add_resource(Uploads, "/api/uploads")
    api.add_resource(UploadItem, "/api/uploads/<string:upload_id>")
