"""Tickets: /api/tickets to manage them (token needed), and anonymous access with the
ticket string at /api/tickets/<ticket>/content[/<path below a collection ticket>]."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Response, url_for
from flask_restful import Resource

from backend.api import params, transfers
from backend.api.events import overwrite_allowed
from backend.api.spec import BOOLEAN, STRING, json_body, operation, path_param, query
from backend.auth import login_required
from backend.errors import BadRequest, Unprocessable
from backend.storage import storage_backend, user_storage
from backend.storage.base import COLLECTION
from backend.storage.paths import join

TICKET = path_param("ticket", "the ticket string")
TICKET_BODY = json_body(
    {"path": STRING, "type": {"type": "string", "enum": ["read", "write"]},
     "expires": {"type": "string", "format": "date-time"}, "expires_in": {"type": "integer", "minimum": 1},
     "uses": {"type": "integer", "minimum": 1}},
    required=["path"],
    example={"path": "/tempZone/home/alice/results.csv", "type": "read", "expires_in": 86400, "uses": 10},
)


def _expiry(body: dict) -> datetime | None:
    expires = params.field(body, "expires", str, required=False)
    expires_in = params.field(body, "expires_in", int, required=False)
    if expires is not None and expires_in is not None:
        raise BadRequest("give 'expires' or 'expires_in', not both")
    if expires_in is not None:
        if expires_in < 1:
            raise Unprocessable("'expires_in' must be a positive number of seconds")
        return datetime.now(timezone.utc) + timedelta(seconds=expires_in)
    if expires is None:
        return None
    try:
        moment = datetime.fromisoformat(expires)
    except ValueError:
        raise BadRequest("'expires' must be an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _described(ticket) -> dict:
    data = ticket.as_dict()
    data["url"] = url_for("ticketcontent", ticket=ticket.string, _external=True)
    return data


class Tickets(Resource):
    @operation("List the tickets you own", tags=["tickets"], responses={200: "your tickets"})
    @login_required()
    def get(self):
        return {"tickets": [_described(ticket) for ticket in user_storage().tickets.list()]}

    @operation("Create a read or write ticket on a path you own", tags=["tickets"], body=TICKET_BODY,
               responses={201: "the ticket, with its anonymous access URL", 400: None, 403: None,
                          404: None, 422: None})
    @login_required()
    def post(self):
        body = params.json_object()
        kind = params.field(body, "type", str, required=False, default="read")
        if kind not in ("read", "write"):
            raise Unprocessable("ticket type must be 'read' or 'write'")
        uses = params.field(body, "uses", int, required=False)
        if uses is not None and uses < 1:
            raise Unprocessable("'uses' must be at least 1")
        ticket = user_storage().tickets.create(params.field(body, "path", str), kind,
                                               expires=_expiry(body), uses=uses)
        return _described(ticket), 201


class TicketItem(Resource):
    @operation("A ticket you own", tags=["tickets"], parameters=[TICKET],
               responses={200: "the ticket", 403: None, 404: None})
    @login_required()
    def get(self, ticket):
        return _described(user_storage().tickets.get(ticket))

    @operation("Delete a ticket you own", tags=["tickets"], parameters=[TICKET],
               responses={204: "deleted", 403: None, 404: None})
    @login_required()
    def delete(self, ticket):
        user_storage().tickets.delete(ticket)
        return Response(status=204)


def _target(ticket: str, relative: str | None):
    storage = storage_backend().ticket_session(ticket)
    path = storage.ticket.path
    if relative:
        for part in relative.split("/"):
            path = join(path, part)
    return storage, path


CONTENT_ERRORS = {400: None, 403: None, 404: None}


# Every read through a ticket is checked (expiry, uses left): no browser or proxy may keep a
# copy to answer the next one, which would also outlive the ticket.
NOT_STORED = {"Cache-Control": "no-store"}


class TicketContent(Resource):
    """No token: the ticket string is the credential (it is checked, with its expiry and uses)."""

    @operation("Download (or list) what a ticket grants, without a token", tags=["tickets"], auth=False,
               parameters=[TICKET], responses={200: "the bytes or a listing", 206: "a byte range",
                                               416: None, **CONTENT_ERRORS})
    def get(self, ticket, relative=None):
        storage, path = _target(ticket, relative)
        info = storage.stat(path)
        if info.type == COLLECTION:
            return transfers.listing(storage, info), 200, NOT_STORED
        response = transfers.download_response(storage, info)
        response.headers.update(NOT_STORED)
        return response

    @operation("Headers of what a ticket grants (uses no ticket use)", tags=["tickets"], auth=False,
               parameters=[TICKET], responses={200: "headers", **CONTENT_ERRORS})
    def head(self, ticket, relative=None):
        storage, path = _target(ticket, relative)
        return transfers.head_response(storage.stat(path))

    @operation("Upload with a write ticket, without a token", tags=["tickets"], auth=False,
               parameters=[TICKET, query("force", BOOLEAN, "overwrite")],
               body={"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
               responses={201: "stored", 200: "replaced", 409: None, 411: None, 413: None, 507: None,
                          **CONTENT_ERRORS},
               description="The bytes count against the ticket owner's quota (403 `quota_exceeded`).")
    def put(self, ticket, relative=None):
        storage, path = _target(ticket, relative)
        if params.flag("force"):
            overwrite_allowed(storage, path)
        info, replaced = transfers.upload(storage, path)
        return info.as_dict(), 200 if replaced else 201


def register(api) -> None:
    api.add_resource(Tickets, "/api/tickets")
    api.add_resource(TicketItem, "/api/tickets/<string:ticket>")
    api.add_resource(TicketContent, "/api/tickets/<string:ticket>/content",
                     "/api/tickets/<string:ticket>/content/<path:relative>", endpoint="ticketcontent")
