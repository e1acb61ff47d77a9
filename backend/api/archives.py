"""/api/archive/<iRODS path>: a collection out as one zip or tar, an archive in as a collection.

GET  /api/archive/<collection>?format=zip|tar|tar.gz   the collection, streamed as an attachment
POST /api/archive/<collection>[?format=zip|tar][&merge=true]
     body: the archive (Content-Type application/zip, application/x-tar or application/gzip)
     -> 201, every member unpacked below <collection>, or nothing at all

Downloads: everything below the collection, folders included, read as the caller; like
`iget -r`, anything below it the caller may not read refuses the whole download (403) before
a byte is sent (backend/archives/pack.py). Uploads: the body is kept in a temporary file
(DATA_DIR/tmp, whatever the storage backend) and checked whole before anything is created:
links, unsafe names, duplicates, too many members, too many bytes or a bomb's ratio refuse it
(400 `unsafe_archive`, 413 `archive_too_large`, 422 `corrupt_archive`), and a failure halfway
removes what was unpacked (backend/archives/unpack.py). The collection must be new, or with
merge=true an existing one, into which nothing already there is replaced (409 before writing).
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import Response, request
from flask_restful import Resource

from backend import quotas
from backend.api import params, transfers
from backend.api.data import logical
from backend.api.events import data_operation_done
from backend.api.spec import BOOLEAN, IRODS_PATH, operation, query
from backend.archives import pack, unpack
from backend.archives.safety import Bounds
from backend.auth import login_required
from backend.errors import BadRequest, Conflict, PayloadTooLarge, UnsupportedMediaType
from backend.settings import Settings, current_settings
from backend.storage import paths, user_storage
from backend.storage.base import COLLECTION

# format -> (Content-Type, file name extension) of a download
DOWNLOADS = {"zip": ("application/zip", ".zip"), "tar": ("application/x-tar", ".tar"),
             "tar.gz": ("application/gzip", ".tar.gz")}
# Content-Type of an upload -> how it is read ("tar" reads gzip, bzip2 and xz tars too)
UPLOADS = {"application/zip": "zip", "application/x-zip-compressed": "zip",
           "application/x-tar": "tar", "application/gzip": "tar", "application/x-gzip": "tar",
           "application/x-gtar": "tar", "application/x-compressed-tar": "tar"}
SNIFFED = {"", "application/octet-stream"}  # say nothing: the bytes tell
# The most an archive adds to what it holds, per member (headers, names, padding): with the
# bounds, it bounds the body even when MAX_UPLOAD_SIZE does not.
MEMBER_OVERHEAD = 8 * 1024
ERRORS = {400: None, 403: None, 404: None, 409: None, 413: None}


def _download_format() -> str:
    chosen = request.args.get("format", "zip")
    if chosen not in DOWNLOADS:
        raise BadRequest(f"format must be one of {', '.join(DOWNLOADS)}")
    return chosen


def _upload_format() -> str | None:
    """zip, tar, or None to tell from the bytes."""
    chosen = request.args.get("format")
    if chosen is not None:
        if chosen not in ("zip", "tar", "tar.gz"):
            raise BadRequest("format must be zip, tar or tar.gz")
        return "zip" if chosen == "zip" else "tar"
    if request.mimetype in SNIFFED:
        return None
    if request.mimetype not in UPLOADS:
        raise UnsupportedMediaType(f"send a zip (application/zip) or a tar (application/x-tar, "
                                   f"application/gzip), not {request.mimetype}")
    return UPLOADS[request.mimetype]


def _body_limit(settings: Settings, bounds: Bounds) -> int:
    """The most bytes an archive's body may have (0: no limit)."""
    limits = [settings.max_upload_size]
    if bounds.size and bounds.members:
        limits.append(bounds.size + bounds.members * MEMBER_OVERHEAD)
    return min((limit for limit in limits if limit), default=0)


@contextmanager
def _received_body(settings: Settings, limit: int) -> Iterator[Path]:
    """The request body in a temporary file, removed afterwards; 413 beyond `limit`."""
    if limit and request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"archives are limited to {limit} bytes")
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.temp_dir, prefix="archive-") as out:
        received = 0
        for chunk in transfers.raw_body_chunks():
            received += len(chunk)
            if limit and received > limit:
                raise PayloadTooLarge(f"archives are limited to {limit} bytes")
            out.write(chunk)
        out.flush()
        yield Path(out.name)


class Archive(Resource):
    @operation(
        "Download a collection as one zip or tar archive, streamed",
        tags=["data"],
        parameters=[IRODS_PATH, query("format", {"type": "string", "enum": list(DOWNLOADS)},
                                      "zip (default), tar or tar.gz")],
        responses={200: "the archive (Content-Disposition: attachment)", **ERRORS},
        description="Everything below the collection, empty folders included, with its bytes "
                    "as stored. 403 when anything below it may not be read (as `iget -r` fails); "
                    "413 `archive_too_large` beyond ARCHIVE_MAX_MEMBERS or ARCHIVE_MAX_SIZE. "
                    "zip and tar carry a Content-Length.",
    )
    @login_required()
    def get(self, irods_path):
        storage, settings = user_storage(), current_settings()
        chosen = _download_format()
        info = storage.stat(logical(irods_path))
        if info.type != COLLECTION:
            raise Conflict(f"{info.path} is a data object: download it with /api/data")
        entries = pack.entries_of_collection(storage, info.path, Bounds.of(settings))
        if chosen == "zip":
            chunks, size = pack.zip_stream(storage, entries, settings.chunk_size)
        else:
            chunks, size = pack.tar_stream(storage, entries, settings.chunk_size)
        if chosen == "tar.gz":
            chunks, size = pack.gzipped(chunks), None
        mimetype, extension = DOWNLOADS[chosen]
        headers = {"Content-Disposition": transfers.content_disposition(info.name + extension),
                   **transfers.USER_CONTENT_HEADERS}
        if size is not None:
            headers["Content-Length"] = str(size)
        return Response(chunks, mimetype=mimetype, headers=headers, direct_passthrough=True)

    @operation(
        "Unpack a zip or tar archive into a collection: every member, or nothing",
        tags=["data"],
        parameters=[IRODS_PATH,
                    query("format", {"type": "string", "enum": ["zip", "tar", "tar.gz"]},
                          "how to read the body (default: its Content-Type, else its bytes)"),
                    query("merge", BOOLEAN, "unpack into an existing collection, adding only")],
        body={"required": True, "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/zip", "application/x-tar", "application/gzip")}},
        responses={201: "the collection and the stored objects' info with their checksums",
                   411: None, 415: None, 422: None, 507: None, **ERRORS},
        description="The whole archive is checked before anything is created: links, absolute or "
                    "'..' names, names twice, a file and a folder of one name are 400 "
                    "`unsafe_archive`; more than ARCHIVE_MAX_MEMBERS members, ARCHIVE_MAX_SIZE "
                    "bytes or ARCHIVE_MAX_RATIO times its own size is 413 `archive_too_large`; "
                    "an unreadable archive is 422 `corrupt_archive`. The collection must not "
                    "exist (its parent must), or with merge=true be a collection where no member "
                    "names an existing object (409 otherwise). A failure halfway removes what "
                    "was unpacked.",
    )
    @login_required()
    def post(self, irods_path):
        storage, settings = user_storage(), current_settings()
        path, bounds = paths.normalise(logical(irods_path), storage.zone), Bounds.of(settings)
        chosen, merge = _upload_format(), params.flag("merge")
        with _received_body(settings, _body_limit(settings, bounds)) as archive:
            found = unpack.plan(archive, chosen or unpack.detect(archive), bounds)
            existing = unpack.check_target(storage, path, found, merge=merge)
            room = quotas.room_for(storage, None)
            if room is not None:
                room.check(found.size)
            stored = unpack.unpack(storage, archive, found, path, existing=existing,
                                   chunk_size=settings.chunk_size)
        for info in stored:
            data_operation_done("upload", info)
        return {"collection": storage.stat(path).as_dict(),
                "items": [info.as_dict() for info in stored]}, 201


def register(api) -> None:
    api.add_resource(Archive, "/api/archive/<anypath:irods_path>")
