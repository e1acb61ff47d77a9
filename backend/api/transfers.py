"""Streaming between HTTP and storage, shared by /api/data and ticket access.

Neither direction ever holds a whole file: downloads are a generator of storage
chunks handed to the WSGI server; uploads hand storage a generator that reads
the request body chunk by chunk.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from urllib.parse import quote, urlencode

from flask import Response, request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import dump_options_header, http_date, quote_etag
from werkzeug.wsgi import wrap_file

from backend import quotas
from backend.api import params
from backend.errors import (BadRequest, IncompleteTransfer, LengthRequired, PayloadTooLarge,
                            RangeNotSatisfiable, ServiceUnavailable)
from backend.settings import current_settings
from backend.errors import NotFound
from backend.storage.base import COLLECTION, SORT_KEYS, Info, Storage

MAX_PAGE = 1000


# What users store is served from the API's own origin: a browser must neither guess a
# more dangerous type than the one declared (nosniff) nor run what it renders with the
# API's origin and cookies (a CSP sandbox gives the document a unique, script-less origin).
USER_CONTENT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
}


def object_headers(info: Info) -> dict:
    content_type = mimetypes.guess_type(info.name)[0] or "application/octet-stream"
    return {
        "Content-Type": content_type,
        "Content-Length": str(info.size),
        "ETag": quote_etag(info.checksum or ""),
        "Last-Modified": http_date(info.modified),
        "Accept-Ranges": "bytes",
        "X-Checksum": info.checksum or "",
        **USER_CONTENT_HEADERS,
    }


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: `filename*` (RFC 8187, UTF-8) carries the exact name; `filename` is an
    ASCII stand-in for old clients, with quotes, backslashes and controls replaced since
    clients disagree on escapes. Werkzeug quotes parameters but makes no stand-in."""
    stand_in = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stand_in = "".join("_" if char in '"\\' or not char.isprintable() else char for char in stand_in)
    exact = "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")  # RFC 8187 attr-char
    return dump_options_header(disposition, {"filename": stand_in or "download", "filename*": exact})


def _requested_range(info: Info) -> tuple[int, int] | None:
    """(start, stop) of a single satisfiable Range, None for the whole object.

    Multi-range requests are answered with the whole object, which RFC 9110 allows.
    """
    header = request.headers.get("Range")
    if not header:
        return None
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip('"') != (info.checksum or ""):
        return None
    parsed = request.range
    if parsed is None or parsed.units != "bytes":
        raise RangeNotSatisfiable("malformed Range header", size=info.size)
    if len(parsed.ranges) != 1:
        return None
    span = parsed.range_for_length(info.size)
    if span is None:
        raise RangeNotSatisfiable(f"range outside the object's {info.size} bytes", size=info.size)
    return span


def head_response(info: Info) -> Response:
    """Headers of a download, without touching the bytes (and without using a ticket)."""
    if info.type == COLLECTION:
        return Response(status=200, headers={"X-Object-Type": COLLECTION})
    response = Response(status=200, headers=object_headers(info))
    response.headers["Content-Length"] = str(info.size)
    return response


def download_response(storage: Storage, info: Info) -> Response:
    headers = object_headers(info)
    if request.if_none_match and info.checksum and request.if_none_match.contains(info.checksum):
        return Response(status=304, headers={"ETag": headers["ETag"]})
    span = _requested_range(info)
    settings = current_settings()
    if span is None and storage.opens_real_files:
        # The whole object as a file: uWSGI sends a real file with sendfile().
        chunks = wrap_file(request.environ, storage.open(info.path), buffer_size=settings.chunk_size)
        status = 200
    else:
        start, stop = span or (0, info.size)
        chunks = storage.read_in_streaming(info.path, offset=start, length=stop - start,
                                           chunk_size=settings.chunk_size)
        headers["Content-Length"] = str(stop - start)
        status = 200
        if span is not None:
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{info.size}"
            status = 206
    if params.flag("download"):
        headers["Content-Disposition"] = content_disposition(info.name)
    return Response(chunks, status=status, headers=headers, direct_passthrough=True)


# A store that fails mid-upload (e.g. iRODS stops answering) leaves the rest of the
# body unread; closing then makes the kernel reset the connection, and the client
# loses our error with it. Up to this much is read and dropped so the answer arrives.
DRAIN_LIMIT = 64 * 1024 * 1024


def _drain(stream, remaining: int, chunk_size: int) -> None:
    remaining = min(remaining, DRAIN_LIMIT)
    try:
        while remaining > 0 and (chunk := stream.read(min(chunk_size, remaining))):
            remaining -= len(chunk)
    except (OSError, ClientDisconnected):
        pass


def _body_chunks(stream, chunk_size: int, length: int | None = None, unread: list | None = None):
    """Read the request body; a client that goes away mid-upload becomes IncompleteTransfer.

    With a known length we read the server's input stream ourselves: werkzeug's
    LimitedStream allocates and copies every chunk three times, which costs more
    CPU than hashing it.
    """
    remaining = length
    try:
        while remaining is None or remaining > 0:
            chunk = stream.read(chunk_size if remaining is None else min(chunk_size, remaining))
            if not chunk:
                if remaining:
                    raise IncompleteTransfer(f"the client sent {length - remaining} of {length} bytes")
                return
            if remaining is not None:
                remaining -= len(chunk)
                if unread is not None:
                    unread[0] = remaining
            yield chunk
    except (OSError, ClientDisconnected) as exc:
        raise IncompleteTransfer("the client closed the connection before the upload completed") from exc


def raw_body_chunks():
    """The raw request body in chunks: of its Content-Length, or chunked to its end."""
    length = request.content_length
    if length is None and not request.environ.get("wsgi.input_terminated"):
        raise LengthRequired("send a Content-Length header or a chunked body")
    stream = request.environ["wsgi.input"] if length is not None else request.stream
    return _body_chunks(stream, current_settings().chunk_size, length)


def client_checksum() -> str | None:
    """A checksum the client sent: `?checksum=`, `X-Checksum`, or RFC 9530 `Content-Digest: sha-256=:b64:`."""
    value = request.args.get("checksum") or request.headers.get("X-Checksum")
    if value:
        return value
    digest = request.headers.get("Content-Digest") or request.headers.get("Digest")
    if digest:
        for item in digest.split(","):
            algorithm, _, encoded = item.strip().partition("=")
            if algorithm.lower() in ("sha-256", "sha256"):
                return "sha2:" + encoded.strip(":")
    return None


def upload(storage: Storage, path: str) -> tuple[Info, bool]:
    """Stream the request body (raw, or the `file` part of a multipart form) into `path`.

    Returns the stored object's info and whether it replaced an existing one.
    """
    settings = current_settings()
    force, parents = params.flag("force"), params.flag("parents")
    if request.headers.get("Content-Range"):
        # A fragment stored as if it were the whole object would lose data silently.
        raise BadRequest("a PUT stores a whole object and takes no Content-Range: send the "
                         "whole body, or resume interrupted uploads with tus at /api/uploads")
    length = request.content_length
    limit = settings.max_upload_size
    if limit and length is not None and length > limit:
        raise PayloadTooLarge(f"uploads are limited to {limit} bytes")
    replaced = quotas.replaced_object(storage, path) if force else None
    room = quotas.room_for(storage, replaced)
    if request.mimetype == "multipart/form-data":
        upload_file = request.files.get("file")
        if upload_file is None:
            raise BadRequest("multipart uploads must carry the file in a part named 'file'")
        chunks, size = _body_chunks(upload_file.stream, settings.chunk_size), None
    else:
        if length is None and not request.environ.get("wsgi.input_terminated"):
            # Neither a length nor a chunked body (backend/request_body.py decodes those).
            raise LengthRequired("send a Content-Length header or a chunked body")
        raw = request.environ["wsgi.input"] if length is not None else request.stream
        unread = [length or 0]
        chunks, size = _body_chunks(raw, settings.chunk_size, length, unread), length
    if room is not None:
        if size is not None:
            room.check(size)  # before a byte of the body is read
        chunks = room.bound(chunks)
    try:
        info = storage.write_in_streaming(path, _limited(chunks, limit), force=force,
                                          parents=parents, checksum=client_checksum(), size=size)
    except ServiceUnavailable:
        if request.mimetype != "multipart/form-data" and length is not None:
            _drain(raw, unread[0], settings.chunk_size)
        raise
    return info, replaced is not None


def form_upload(storage: Storage, target: str) -> list[Info]:
    """Store the `file` parts of a multipart form (a browser's file or folder upload).

    Into an existing collection, each part is stored under the name the form gives it,
    which may be a relative path (a folder upload: `dir/sub/file.txt`), creating the
    collections it names. At a path that does not exist, one part is stored as that path.
    All or nothing: when one part fails, the parts stored before it are removed.
    """
    parts = request.files.getlist("file")
    if not parts:
        raise BadRequest("multipart uploads must carry the files in parts named 'file'")
    try:
        into_collection = storage.stat(target).type == COLLECTION
    except NotFound:
        into_collection = False
    if not into_collection and len(parts) != 1:
        raise BadRequest(f"{target} is not a collection: several files can only go into one")
    destinations = [_form_destination(target, part.filename) if into_collection else target
                    for part in parts]
    if len(set(destinations)) != len(destinations):
        raise BadRequest("two parts of the form have the same name")
    room = quotas.room_for(storage, None)
    if room is not None:
        room.check(sum(_part_size(part) for part in parts))
    stored: list[Info] = []
    try:
        for part, destination in zip(parts, destinations):
            stored.append(_store_part(storage, part, destination))
    except BaseException:
        for info in stored:
            storage.remove(info.path)
        raise
    return stored


def _form_destination(collection: str, filename: str | None) -> str:
    """collection/filename, where filename may be a relative path of plain segments."""
    segments = (filename or "").replace("\\", "/").split("/")
    if not filename or any(segment in ("", ".", "..") for segment in segments):
        raise BadRequest(f"the form's file name {filename!r} is not a relative path of names")
    return collection.rstrip("/") + "/" + "/".join(segments)


def _part_size(part) -> int:
    part.stream.seek(0, 2)
    size = part.stream.tell()
    part.stream.seek(0)
    return size


def _store_part(storage: Storage, part, destination: str) -> Info:
    settings = current_settings()
    size = _part_size(part)
    if settings.max_upload_size and size > settings.max_upload_size:
        raise PayloadTooLarge(f"uploads are limited to {settings.max_upload_size} bytes")
    return storage.write_in_streaming(destination, _body_chunks(part.stream, settings.chunk_size),
                                      force=params.flag("force"), parents=True, size=size)


def _limited(chunks, limit: int):
    """Enforce the size limit on bodies whose length was not announced (multipart, chunked)."""
    if not limit:
        yield from chunks
        return
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"uploads are limited to {limit} bytes")
        yield chunk


ORDERS = ("asc", "desc")


def listing_order() -> tuple[str, str]:
    """The `sort` and `order` query parameters of a listing, checked (400 when unknown)."""
    sort = request.args.get("sort") or "name"
    order = request.args.get("order") or "asc"
    if sort not in SORT_KEYS:
        raise BadRequest(f"query parameter 'sort' must be one of {', '.join(SORT_KEYS)}")
    if order not in ORDERS:
        raise BadRequest("query parameter 'order' must be asc or desc")
    if sort != "name" and request.args.get("after"):
        raise BadRequest("'after' continues a listing sorted by name: page with 'offset' "
                         f"when sorting by {sort}")
    return sort, order


def listing(storage: Storage, info: Info) -> dict:
    offset = params.integer("offset", 0)
    limit = params.integer("limit", 100, minimum=1, maximum=MAX_PAGE)
    detailed = params.flag("detailed")
    after = request.args.get("after") or None
    sort, order = listing_order()
    page = storage.list(info.path, offset=offset, limit=limit, after=after, sort=sort,
                        descending=order == "desc")
    items = [item.as_dict() if detailed else {"name": item.name, "path": item.path, "type": item.type}
             for item in page.items]
    listing = {"path": info.path, "type": COLLECTION, "offset": offset, "limit": limit,
               "sort": sort, "order": order, "has_more": page.has_more, "items": items}
    if params.flag("count"):
        listing["count"] = storage.count_children(info.path)
    if page.has_more:
        query = {"limit": limit, "detailed": str(detailed).lower()}
        if sort == "name":
            # Keyset continuation: the next page starts after the last name of this one.
            query["after"] = page.items[-1].name
        else:
            query["offset"] = offset + limit
        if (sort, order) != ("name", "asc"):
            query.update(sort=sort, order=order)
        listing["next"] = f"{request.base_url}?{urlencode(query)}"
    return listing
