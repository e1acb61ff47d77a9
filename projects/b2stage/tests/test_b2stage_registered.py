"""Registered data and PIDs over real HTTP (local storage backend): upload mints a PID
kept on the object, PIDs resolve for readers only, renames keep them, nothing is deleted."""

from __future__ import annotations

PREFIX = "21.T12995/"
TIMEOUT = 30  # a safeguard against a hang, not a measurement


def test_an_upload_gets_a_pid_that_the_object_carries(b2stage, alice, place):
    path = place("data.nc")
    stored = alice.put(b2stage.registered(path), data=b"ocean" * 1000, timeout=TIMEOUT)
    assert stored.status_code == 201, stored.text
    answer = stored.json()
    assert answer["path"] == path and answer["size"] == 5000
    assert answer["PID"].startswith(PREFIX) and len(answer["PID"]) > len(PREFIX)

    # The PID is on the object too, as B2SAFE keeps it: an AVU named PID.
    metadata = alice.get(b2stage.url("/api/metadata" + path), timeout=TIMEOUT).json()["metadata"]
    assert {"attribute": "PID", "value": answer["PID"], "unit": ""} in metadata

    # The bytes come back, whole or in ranges, as from /api/data.
    assert alice.get(b2stage.registered(path), timeout=TIMEOUT).content == b"ocean" * 1000
    part = alice.get(b2stage.registered(path), headers={"Range": "bytes=0-4"}, timeout=TIMEOUT)
    assert part.status_code == 206 and part.content == b"ocean"
    info = alice.get(b2stage.registered(path), params={"stat": "true"}, timeout=TIMEOUT).json()
    assert info["PID"] == answer["PID"] and info["checksum"] == answer["checksum"]

    # Uploading again (force) replaces the bytes and keeps the PID, whose record follows.
    again = alice.put(b2stage.registered(path), data=b"new bytes", params={"force": "true"},
                      timeout=TIMEOUT)
    assert again.status_code == 200 and again.json()["PID"] == answer["PID"]
    resolved = alice.get(b2stage.url("/api/pids/" + answer["PID"]), timeout=TIMEOUT).json()
    assert resolved["checksum"] == again.json()["checksum"] != answer["checksum"]

    # Without force, an existing object is a conflict, as in the core.
    assert alice.put(b2stage.registered(path), data=b"x", timeout=TIMEOUT).status_code == 409


def test_a_pid_resolves_for_those_who_may_read_its_object(b2stage, alice, bob, place):
    path = place("results.csv")
    content = b"a,b\n1,2\n"
    pid = b2stage.upload(alice, path, content)["PID"]

    resolved = alice.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT)
    assert resolved.status_code == 200, resolved.text
    record = resolved.json()
    assert record["pid"] == pid and record["path"] == path and record["owner"] == "alice"
    assert record["size"] == len(content)
    assert record["checksum"].startswith("sha2:")
    # The record's url downloads the object, and so does ?download=true on the PID.
    assert record["url"] == b2stage.registered(path)
    assert alice.get(record["url"], timeout=TIMEOUT).content == content
    download = alice.get(b2stage.url("/api/pids/" + pid), params={"download": "true"}, timeout=TIMEOUT)
    assert download.status_code == 200 and download.content == content
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Checksum"] == record["checksum"]

    # bob may not read alice's object: storage's answer, without the record.
    refused = bob.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT)
    assert refused.status_code in (403, 404) and "path" not in refused.json()
    assert bob.get(b2stage.url("/api/pids/" + pid), params={"download": "true"},
                   timeout=TIMEOUT).status_code in (403, 404)
    # ... until alice lets him.
    granted = alice.put(b2stage.url("/api/permissions" + path), json={"user": "bob", "level": "read"},
                        timeout=TIMEOUT)
    assert granted.status_code == 200, granted.text
    assert bob.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).json()["path"] == path

    # An unknown PID, and no token at all.
    unknown = alice.get(b2stage.url(f"/api/pids/{PREFIX}no-such-suffix"), timeout=TIMEOUT)
    assert unknown.status_code == 404 and unknown.json()["type"] == "not_found"
    assert b2stage.anonymous().get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).status_code == 401


def test_a_listing_shows_each_objects_pid_page_by_page(b2stage, alice, place):
    pids = {name: b2stage.upload(alice, place(name), name.encode())["PID"] for name in ("a", "b", "c")}
    assert alice.post(b2stage.registered(place("sub")), timeout=TIMEOUT).status_code == 201

    first = alice.get(b2stage.registered(place()), params={"limit": 2}, timeout=TIMEOUT).json()
    assert [item["name"] for item in first["items"]] == ["a", "b"] and first["has_more"]
    second = alice.get(first["next"], timeout=TIMEOUT).json()
    assert [item["name"] for item in second["items"]] == ["c", "sub"] and not second["has_more"]
    listed = {item["name"]: item for item in first["items"] + second["items"]}
    assert {name: listed[name]["PID"] for name in pids} == pids
    assert listed["sub"]["type"] == "collection" and "PID" not in listed["sub"]

    detailed = alice.get(b2stage.registered(place()), params={"detailed": "true"}, timeout=TIMEOUT).json()
    assert {item["name"]: (item["size"], item["PID"]) for item in detailed["items"]
            if item["type"] == "dataobject"} == {name: (1, pid) for name, pid in pids.items()}


def test_a_rename_keeps_the_pid_and_resolution_follows(b2stage, alice, place):
    path = place("draft.txt")
    pid = b2stage.upload(alice, path, b"v1")["PID"]

    renamed = alice.patch(b2stage.registered(path), json={"newname": "final.txt"}, timeout=TIMEOUT)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["path"] == place("final.txt") and renamed.json()["PID"] == pid
    assert alice.get(b2stage.registered(path), timeout=TIMEOUT).status_code == 404
    resolved = alice.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).json()
    assert resolved["path"] == place("final.txt")
    assert alice.get(resolved["url"], timeout=TIMEOUT).content == b"v1"

    # Renaming a collection moves the PIDs of everything inside it.
    inner = b2stage.upload(alice, place("box/deep/inner.txt"), b"inner", parents="true")["PID"]
    moved = alice.patch(b2stage.registered(place("box")), json={"newname": "crate"}, timeout=TIMEOUT)
    assert moved.status_code == 200 and moved.json()["path"] == place("crate")
    resolved = alice.get(b2stage.url("/api/pids/" + inner), timeout=TIMEOUT).json()
    assert resolved["path"] == place("crate/deep/inner.txt")
    assert alice.get(resolved["url"], timeout=TIMEOUT).content == b"inner"

    # A new name is a name, not a path; a bad body is a 400; an existing name a 409.
    for body in ({"newname": "../elsewhere.txt"}, {"newname": ""}, {"name": "x"}, ["final.txt"]):
        refused = alice.patch(b2stage.registered(place("final.txt")), json=body, timeout=TIMEOUT)
        assert refused.status_code == 400, (body, refused.text)
    b2stage.upload(alice, place("taken.txt"), b"other")
    clash = alice.patch(b2stage.registered(place("final.txt")), json={"newname": "taken.txt"},
                        timeout=TIMEOUT)
    assert clash.status_code == 409
    assert alice.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).json()["path"] == place("final.txt")


def test_a_move_through_the_core_api_takes_the_pid_along(b2stage, alice, place):
    # The core's /api/move tells the project (its data_operation hook): the PID follows.
    pid = b2stage.upload(alice, place("core.txt"), b"moved by the core")["PID"]
    moved = alice.post(b2stage.url("/api/move"), timeout=TIMEOUT,
                       json={"source": place("core.txt"), "destination": place("elsewhere.txt")})
    assert moved.status_code == 200, moved.text
    resolved = alice.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).json()
    assert resolved["path"] == place("elsewhere.txt")
    assert alice.get(resolved["url"], timeout=TIMEOUT).content == b"moved by the core"


def test_a_copy_does_not_take_its_originals_pid(b2stage, alice, place):
    original = place("original.txt")
    pid = b2stage.upload(alice, original, b"the original")["PID"]
    # The core's copy copies the AVUs, PID included; the copy's rename must not move the PID,
    # and registering the copy gives it a PID of its own.
    copied = alice.post(b2stage.url("/api/copy"), json={"source": original, "destination": place("copy.txt")},
                        timeout=TIMEOUT)
    assert copied.status_code == 201, copied.text
    alice.patch(b2stage.registered(place("copy.txt")), json={"newname": "copy2.txt"}, timeout=TIMEOUT)
    assert alice.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).json()["path"] == original
    again = b2stage.upload(alice, place("copy2.txt"), b"the copy", force="true")
    assert again["PID"].startswith(PREFIX) and again["PID"] != pid
    assert alice.get(b2stage.url("/api/pids/" + again["PID"]), timeout=TIMEOUT).json()["path"] == place("copy2.txt")


def test_registered_data_cannot_be_deleted(b2stage, alice, place):
    path = place("keep.txt")
    pid = b2stage.upload(alice, path, b"forever")["PID"]
    for target in (path, place()):
        refused = alice.delete(b2stage.registered(target), params={"recursive": "true"}, timeout=TIMEOUT)
        assert refused.status_code == 405
        body = refused.json()
        assert body["code"] == 405 and "cannot be deleted" in body["error"]
        assert "DELETE" not in refused.headers["Allow"] and "PUT" in refused.headers["Allow"]
    assert alice.get(b2stage.registered(path), timeout=TIMEOUT).content == b"forever"
    assert alice.get(b2stage.url("/api/pids/" + pid), timeout=TIMEOUT).status_code == 200


def test_b2safeproxy_needs_a_storage_with_logins_of_its_own(b2stage):
    anonymous = b2stage.anonymous()
    # The local backend has no accounts of its own to check B2SAFE credentials against.
    refused = anonymous.post(b2stage.url("/auth/b2safeproxy"), timeout=TIMEOUT,
                             json={"username": "alice", "password": "whatever", "authscheme": "native"})
    assert refused.status_code == 422 and refused.json()["type"] == "unprocessable"
    for body in ({"password": "x"}, {"username": "alice", "scheme": "native"}, "alice"):
        bad = anonymous.post(b2stage.url("/auth/b2safeproxy"), json=body, timeout=TIMEOUT)
        assert bad.status_code == 400 and bad.json()["code"] == 400, body


def test_the_endpoints_are_documented(b2stage):
    spec = b2stage.anonymous().get(b2stage.url("/api/specs"), timeout=TIMEOUT).json()
    paths = spec["paths"]
    registered = paths["/api/registered/{irods_path}"]
    assert {"get", "head", "put", "post", "patch", "delete"} <= set(registered)
    assert "405" in registered["delete"]["responses"]
    for path in ("/api/registered/{irods_path}", "/api/pids/{pid}", "/auth/b2safeproxy",
                 "/api/publish/{irods_path}", "/public/{irods_path}"):
        assert all(operation["tags"] == ["b2stage"] for operation in paths[path].values()), path
    assert "security" not in paths["/public/{irods_path}"]["get"]
    assert "security" in paths["/api/pids/{pid}"]["get"]
