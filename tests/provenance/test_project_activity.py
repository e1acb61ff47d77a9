"""A community project's step recorded with ProvenanceService.record_activity, in-process
(the seadata project's tests show it through HTTP, from its Celery tasks)."""

from __future__ import annotations

from backend.app import create_app
from backend.provenance import provenance
from backend.provenance import vocabulary as v
from backend.settings import Settings
from backend.storage import storage_backend


def locations(document) -> dict[str, str]:
    # prov:location names a prov:Location holding the path (vocabulary.paths_by_entity).
    return {path: uri for uri, paths in v.paths_by_entity(document).items() for path in paths}


def test_a_step_that_used_and_generated_objects_is_in_their_lineage(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, admin_password="Activity-admin-2024!horse",
                              password_time_cost=1))
    home = "/tempZone/home/admin"
    with app.app_context():
        storage = storage_backend().session("admin")
        archive = storage.write_file_content(f"{home}/batch.zip", b"PK...")
        files = [storage.write_file_content(f"{home}/batch/{name}", name.encode(), parents=True) for name in ("a", "b")]
        service = provenance()
        service.record_activity("seadata-import", "admin", used=[archive], generated=files)

        backward = service.lineage(service.entity_at(files[0].path), "backward", 2)
        found = locations(backward)
        assert archive.path in found and files[0].path in found and files[1].path not in found
        activities = [record for record in backward.get_records() if record.get_type().localpart == "Activity"]
        assert [str(record.get_attribute("prov:type").pop()) for record in activities] == \
            ["rapydo-terms:seadata-import"]

        forward = service.lineage(service.entity_at(archive.path), "forward", 2)
        assert {files[0].path, files[1].path} <= set(locations(forward))

        # An unknown kind or a broken Info never fails the step that records it.
        service.record_activity("seadata-import", "admin", used=[object()], generated=[])
