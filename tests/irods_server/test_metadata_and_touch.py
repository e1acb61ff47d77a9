"""AVUs as iRODS keeps them (atomic operations all or nothing, 'set' in place, user AVUs for
administrators only), touch (API 20007), truncate (API 652), create over an existing object
and paths iRODS refuses, through PRC."""

import pytest
from irods.exception import (CAT_INSUFFICIENT_PRIVILEGE_LEVEL, CAT_NO_ACCESS_PERMISSION, SYS_INVALID_FILE_PATH,
                             SYS_INVALID_INPUT_PARAM, USER_INPUT_PATH_ERR)
from irods.meta import AVUOperation, iRODSMeta
from irods.models import DataObject, User

from .prc import connect, read, write

HOME = "/tempZone/home"


def _avus(server, path):
    return [tuple(a[1:4]) for a in server.catalog.objs[path].avus]


def test_atomic_operations_apply_all_or_nothing(irods_server):
    path = f"{HOME}/rods/obj"
    with connect(irods_server, "rods", "rods") as admin:
        write(admin, path, b"x")
        obj = admin.data_objects.get(path)
        obj.metadata.apply_atomic_operations(AVUOperation(operation="add", avu=iRODSMeta("a", "1")),
                                             AVUOperation(operation="add", avu=iRODSMeta("a", "1")))
        assert _avus(irods_server, path) == [("a", "1", "")]  # adding it again is no error
        with pytest.raises(SYS_INVALID_INPUT_PARAM) as raised:
            admin.metadata._call_atomic_metadata_api({
                "entity_name": path, "entity_type": "data_object", "operations": [
                    {"operation": "add", "attribute": "b", "value": "2"},
                    {"operation": "add", "attribute": "c", "value": ""}]})
        error = raised.value.server_msg.get_json_encoded_struct()
        assert error["operation_index"] == 1 and "Empty metadata" in error["error_message"]
        assert _avus(irods_server, path) == [("a", "1", "")]


def test_atomic_operations_need_modify_access_or_an_admin(irods_server):
    irods_server.add_user("alice", "apass")
    path = f"{HOME}/rods/obj"
    with connect(irods_server, "rods", "rods") as admin:
        write(admin, path, b"x")
    with connect(irods_server, "alice", "apass") as alice:
        with pytest.raises(CAT_NO_ACCESS_PERMISSION) as raised:
            alice.metadata.apply_atomic_operations(DataObject, path,
                                                   AVUOperation(operation="add", avu=iRODSMeta("a", "1")))
        error = raised.value.server_msg.get_json_encoded_struct()
        assert error["error_message"] == "User not allowed to modify metadata"
        with pytest.raises(CAT_INSUFFICIENT_PRIVILEGE_LEVEL):
            # Not metadata(admin=True): PRC keeps that flag in a class attribute, for every session after.
            alice.metadata._call_atomic_metadata_api({
                "admin_mode": True, "entity_name": path, "entity_type": "data_object",
                "operations": [{"operation": "add", "attribute": "a", "value": "1"}]})
        with pytest.raises(CAT_INSUFFICIENT_PRIVILEGE_LEVEL):
            alice.metadata.add(User, "alice", iRODSMeta("a", "1"))
    assert _avus(irods_server, path) == [] and irods_server.catalog.users["alice"].avus == []


def test_set_changes_a_single_avu_in_place(irods_server):
    path = f"{HOME}/rods/obj"
    with connect(irods_server, "rods", "rods") as admin:
        write(admin, path, b"x")
        admin.metadata.set(DataObject, path, iRODSMeta("a", "1", "u"))
        before = list(irods_server.catalog.objs[path].avus[0])
        admin.metadata.set(DataObject, path, iRODSMeta("a", "2"))
    after = irods_server.catalog.objs[path].avus
    assert len(after) == 1 and after[0][:5] == [before[0], "a", "2", "", before[4]]


def test_touch_sets_mtime_and_creates_only_when_asked(irods_server):
    with connect(irods_server, "rods", "rods") as admin:
        admin.data_objects.touch(f"{HOME}/rods/new", seconds_since_epoch=1400000000)
        assert irods_server.catalog.objs[f"{HOME}/rods/new"].mtime == 1400000000
        admin.data_objects.touch(f"{HOME}/rods/absent", no_create=True)
        assert f"{HOME}/rods/absent" not in irods_server.catalog.objs
        admin.collections.touch(f"{HOME}/rods", reference=f"{HOME}/rods/new")
        assert irods_server.catalog.colls[f"{HOME}/rods"].mtime == 1400000000


def test_truncate_cuts_or_extends_and_clears_the_checksum(irods_server):
    path = f"{HOME}/rods/obj"
    with connect(irods_server, "rods", "rods") as admin:
        write(admin, path, b"abcdef")
        admin.data_objects.chksum(path)
        admin.data_objects.truncate(path, 3)
        assert read(admin, path) == b"abc" and irods_server.catalog.objs[path].checksum == ""
        admin.data_objects.truncate(path, 5)
        assert read(admin, path) == b"abc\0\0"


def test_create_truncates_an_existing_object_and_refuses_relative_paths(irods_server):
    path = f"{HOME}/rods/obj"
    with connect(irods_server, "rods", "rods") as admin:
        write(admin, path, b"old")
        admin.data_objects.create(path, force=True)
        assert read(admin, path) == b""
        with pytest.raises(SYS_INVALID_FILE_PATH):
            admin.data_objects.create("relative", force=True)
        with pytest.raises(USER_INPUT_PATH_ERR):
            admin.data_objects.copy(path, "relative")
        with pytest.raises(USER_INPUT_PATH_ERR):
            admin.data_objects.copy(f"{HOME}/rods/absent", f"{HOME}/rods/b")
