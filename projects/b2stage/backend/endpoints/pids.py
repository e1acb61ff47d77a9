"""/api/pids/<PID>: where a PID points, for users who may read what it points at."""

from __future__ import annotations

from flask import url_for
from flask_restful import Resource

from backend.api import params, transfers
from backend.api.spec import BOOLEAN, operation, path_param, query
from backend.auth import login_required
from backend.storage import user_storage
from rapydo_projects.b2stage import pids
from rapydo_projects.b2stage.pids import pid_service

PID = path_param("pid", "the PID, prefix and suffix: 21.T12995/...")


def registered_url(path: str) -> str:
    return url_for("registered", irods_path=path.lstrip("/"), _external=True)


class PidItem(Resource):
    @operation(
        "Resolve a PID: its object's path, checksum and download URL (or, with download, its bytes)",
        tags=["b2stage"],
        parameters=[PID, query("download", BOOLEAN, "stream the object instead (as an attachment)")],
        responses={200: "the PID's record, or the object's bytes", 206: "a byte range",
                   403: None, 404: None, 416: None},
        description="The storage ACLs decide: a user who may not read the object gets 403 (or "
                    "404, as storage answers), as for /api/data.",
    )
    @login_required()
    def get(self, pid):
        record = pid_service().resolve(pid)
        storage = user_storage()
        # Read access is checked by storage, before anything of the object is told.
        info = storage.stat(record.path)
        if params.flag("download"):
            return transfers.download_response(storage, info)
        return {**record.as_dict(), "size": info.size, "modified": info.modified.isoformat(),
                "url": registered_url(info.path)}


def register(api) -> None:
    # Check PID_SERVICE and PID_PREFIX now: a bad one stops the start-up, not the first upload.
    pids.build(api.settings)
    api.add_resource(PidItem, "/api/pids/<path:pid>")
