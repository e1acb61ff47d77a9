"""/api/orders: files (by path or PID) packed into one zip, downloadable without a token.

POST   /api/orders            check every file, record the order, queue the zip     -> 202
GET    /api/orders            the user's orders
GET    /api/orders/<order>    status (queued, preparing, ready, failed, expired), size,
                              checksum, expiry and the download link (a read ticket)
DELETE /api/orders/<order>    remove the zip and its ticket                          -> 204
"""

from __future__ import annotations

import json

from flask import Response, url_for
from flask_restful import Resource

from backend.api import params
from backend.api.spec import STRING, json_body, operation, path_param
from backend.auth import current_user, login_required
from backend.errors import ServiceUnavailable
from backend.storage import user_storage
from rapydo_projects.seadata import orders
from rapydo_projects.seadata.acting import sealed_credentials, send, session_as
from rapydo_projects.seadata.models.orders import READY, Order

TAGS = ["seadata"]
ORDER = path_param("order", "the order id")
ORDER_BODY = json_body(
    {"order": {**STRING, "description": "an id of your choice (letters, digits, -_.); one is made "
                                        "up when absent"},
     "files": {"type": "array", "items": STRING,
               "description": "storage paths (/<zone>/...) or PIDs; a collection orders its files"}},
    required=["files"],
    example={"order": "cruise-42", "files": ["/tempZone/home/alice/batches/b1/ctd.nc",
                                             "21.T12995/0f6c3d0a-8a57-4f8e-9d5e-3c1d2b7a9e11"]})


def described(order: Order) -> dict:
    status = orders.status_of(order)
    return {"order": order.id, "owner": order.owner, "status": status, "message": order.message,
            "files": len(json.loads(order.files)), "path": order.path, "size": order.size,
            "checksum": order.checksum,
            "expires": order.expires.isoformat() if order.expires else None,
            # The ticket is the credential: the owner gets it as the link, nobody else sees it.
            "download": (url_for("ticketcontent", ticket=order.ticket, _external=True)
                         if status == READY and order.ticket else None),
            "created": order.created.isoformat(), "updated": order.updated.isoformat(),
            "url": url_for("orderitem", order=order.id, _external=True)}


class OrderList(Resource):
    @operation("Order files as one zip: every file is checked before anything is queued",
               tags=TAGS, body=ORDER_BODY,
               responses={202: "accepted: the order, queued; GET its URL for the download link",
                          400: None, 403: "a file you may not read", 404: "no such file or PID",
                          409: "the order id exists", 503: None})
    @login_required()
    def post(self):
        body = params.json_object()
        order_id = params.field(body, "order", str, required=False)
        entries = orders.contents(user_storage(), body.get("files"))
        order = orders.create(current_user().username, order_id, entries, sealed_credentials())
        try:
            send(orders.PREPARE_TASK, order_id=order.id)
        except ServiceUnavailable as exc:
            orders.give_up(order, f"not prepared: {exc.message}")
            raise
        data = described(order)
        return data, 202, {"Location": data["url"]}

    @operation("Your orders, newest first", tags=TAGS, responses={200: "the orders"})
    @login_required()
    def get(self):
        return {"orders": [described(order) for order in orders.owned_by(current_user().username)]}


class OrderItem(Resource):
    @operation("An order: status, size, checksum, expiry and download link (no token needed)",
               tags=TAGS, parameters=[ORDER],
               responses={200: "the order", 400: None, 404: "no such order (or not yours)"})
    @login_required()
    def get(self, order):
        return described(orders.visible(order, current_user()))

    @operation("Delete an order: its zip and its ticket (the link stops working)", tags=TAGS,
               parameters=[ORDER], responses={204: "deleted", 400: None, 404: None})
    @login_required()
    def delete(self, order):
        removed = orders.remove(orders.visible(order, current_user()).id)
        # As the owner (an admin may delete anyone's order): the zip and ticket are theirs.
        orders.discard(session_as(removed.owner, removed.sealed_credentials), removed.path,
                       removed.ticket)
        return Response(status=204)


def register(api) -> None:
    api.add_resource(OrderList, "/api/orders")
    api.add_resource(OrderItem, "/api/orders/<order>")
