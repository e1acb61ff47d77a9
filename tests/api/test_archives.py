"""Collections in and out as zip and tar archives, over HTTP, on both backends.

Round trips compare every member's bytes and sha256; refused archives must leave nothing,
not even the collection, nor a temporary file.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import tarfile
import zipfile
from urllib.parse import unquote

import pytest

# Names with Unicode, quotes, spaces; an empty file and an empty folder.
FILES = {
    "a.txt": b"alpha\n",
    "sub/b.bin": bytes(range(256)) * 300,
    'données/"quoted" ü.txt': "été, hiver\n".encode(),
    "日本/ファイル.txt": "こんにちは".encode(),
    "sub/deeper/empty.txt": b"",
}
FOLDERS = {"empty folder", "sub", "sub/deeper", "données", "日本"}


def sha2(data: bytes) -> str:
    return "sha2:" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def archive_url(api, path: str) -> str:
    return api.url("/api/archive" + path)


def zip_of(files: dict, folders=(), compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for folder in folders:
            archive.writestr(folder.rstrip("/") + "/", b"")
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def tar_of(files: dict, folders=(), mode: str = "w", special=()) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode, format=tarfile.PAX_FORMAT) as archive:
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for info in special:
            archive.addfile(info)
    return out.getvalue()


def zip_members(body: bytes) -> tuple[dict, set]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return ({i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()},
                {i.filename.rstrip("/") for i in archive.infolist() if i.is_dir()})


def tar_members(body: bytes) -> tuple[dict, set]:
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:*") as archive:
        members = archive.getmembers()
        return ({m.name: archive.extractfile(m).read() for m in members if m.isfile()},
                {m.name for m in members if m.isdir()})


def assert_same(files: dict, expected: dict) -> None:
    assert sorted(files) == sorted(expected)
    for name, data in expected.items():
        assert sha2(files[name]) == sha2(data), name


def upload(session, api, path, body, content_type, **params):
    return session.post(archive_url(api, path), data=body, params=params,
                        headers={"Content-Type": content_type})


def assert_nothing_left(api, session, path) -> None:
    assert session.get(api.data_url(path)).status_code == 404
    assert api.temporary_files() == []
    assert list((api.live.data_dir / "tmp").glob("*")) == []


# --- round trips -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["tar", "tar.gz", "zip"])
def test_archive_round_trips_keep_every_byte(api, alice, place, kind):
    if kind == "zip":
        body, content_type = zip_of(FILES, FOLDERS), "application/zip"
    else:
        body = tar_of(FILES, FOLDERS, "w:gz" if kind == "tar.gz" else "w")
        content_type = "application/gzip" if kind == "tar.gz" else "application/x-tar"
    target = place("unpacked")
    created = upload(alice, api, target, body, content_type)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["collection"]["path"] == target and answer["collection"]["type"] == "collection"
    stored = {item["path"][len(target) + 1:]: item for item in answer["items"]}
    assert sorted(stored) == sorted(FILES)
    for name, data in FILES.items():
        assert stored[name]["checksum"] == sha2(data) and stored[name]["size"] == len(data)
        assert alice.get(api.data_url(f"{target}/{name}")).content == data
    assert alice.get(api.data_url(f"{target}/empty folder")).json()["items"] == []

    for download, members in (("zip", zip_members), ("tar", tar_members), ("tar.gz", tar_members)):
        got = alice.get(archive_url(api, target), params={"format": download})
        assert got.status_code == 200, got.text
        files, folders = members(got.content)
        assert_same(files, FILES)
        assert folders == FOLDERS
        if download != "tar.gz":
            assert int(got.headers["Content-Length"]) == len(got.content)
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith("attachment")
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"unpacked.{download}"


def test_the_default_download_is_a_zip_named_after_the_collection(api, alice, place):
    alice.put(api.data_url(place('été "x"/f.txt')), data=b"f", params={"parents": "true"})
    got = alice.get(archive_url(api, place('été "x"')))
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/zip"
    assert zip_members(got.content)[0] == {"f.txt": b"f"}
    disposition = got.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == 'été "x".zip'
    assert 'filename="ete _x_.zip"' in disposition


def test_the_format_may_be_told_from_the_bytes(api, alice, place):
    for name, body in (("z", zip_of({"f": b"zip"})), ("t", tar_of({"f": b"tar"}))):
        created = upload(alice, api, place(name), body, "application/octet-stream")
        assert created.status_code == 201, created.text
    assert alice.get(api.data_url(place("z/f"))).content == b"zip"
    assert alice.get(api.data_url(place("t/f"))).content == b"tar"


def test_a_tar_of_a_folder_made_with_dot_unpacks_below_the_target(api, alice, place):
    dot = tarfile.TarInfo(".")
    dot.type = tarfile.DIRTYPE
    body = tar_of({"./a.txt": b"a"}, special=[dot])
    assert upload(alice, api, place("dot"), body, "application/x-tar").status_code == 201
    assert alice.get(api.data_url(place("dot/a.txt"))).content == b"a"


# --- merging -------------------------------------------------------------------------------------

def test_an_existing_collection_takes_an_archive_only_with_merge(api, alice, place):
    alice.put(api.data_url(place("into/old.txt")), data=b"old", params={"parents": "true"})
    body = zip_of({"new.txt": b"new", "sub/n.txt": b"n"})
    refused = upload(alice, api, place("into"), body, "application/zip")
    assert refused.status_code == 409 and refused.json()["type"] == "already_exists"
    merged = upload(alice, api, place("into"), body, "application/zip", merge="true")
    assert merged.status_code == 201, merged.text
    names = [item["name"] for item in alice.get(api.data_url(place("into"))).json()["items"]]
    assert names == ["new.txt", "old.txt", "sub"]

    # Merging never replaces: one member naming an existing object refuses the whole archive.
    again = upload(alice, api, place("into"), zip_of({"other.txt": b"o", "old.txt": b"evil"}),
                   "application/zip", merge="true")
    assert again.status_code == 409, again.text
    assert alice.get(api.data_url(place("into/other.txt"))).status_code == 404
    assert alice.get(api.data_url(place("into/old.txt"))).content == b"old"


# --- refusals leave nothing ------------------------------------------------------------------------

def _link(name: str, target: str, kind=tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _zip_symlink() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("fine.txt", b"fine")
        link = zipfile.ZipInfo("link")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    return out.getvalue()


def _zip_twice() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("twice.txt", b"one")
        archive.writestr("twice.txt", b"two")
    return out.getvalue()


UNSAFE = {
    "tar with a symlink": (tar_of({"fine.txt": b"f"}, special=[_link("link", "/etc/passwd")]),
                           "application/x-tar"),
    "tar with a hard link": (tar_of({"fine.txt": b"f"}, special=[_link("hard", "fine.txt",
                                                                       tarfile.LNKTYPE)]),
                             "application/x-tar"),
    "tar with ../": (tar_of({"fine.txt": b"f", "../x": b"escape"}), "application/x-tar"),
    "tar with an absolute name": (tar_of({"fine.txt": b"f", "/etc/cron.d/x": b"x"}),
                                  "application/x-tar"),
    "zip with ../": (zip_of({"fine.txt": b"f", "a/../../x": b"escape"}), "application/zip"),
    "zip with an absolute name": (zip_of({"fine.txt": b"f", "/abs": b"x"}), "application/zip"),
    "zip with a backslash": (zip_of({"fine.txt": b"f", "..\\x": b"x"}), "application/zip"),
    "zip with a symlink": (_zip_symlink(), "application/zip"),
    "zip with a name twice": (_zip_twice(), "application/zip"),
    "tar with a name twice": (tar_of({"fine.txt": b"f", "./fine.txt": b"g"}), "application/x-tar"),
    "a file and a folder of one name": (zip_of({"x": b"file", "x/y": b"below"}),
                                        "application/zip"),
}


def _declaring(sizes: list[int]) -> bytes:
    """A stored zip whose directory declares these sizes for members holding one byte each."""
    body = bytearray(zip_of({f"m{i}": b"x" for i in range(len(sizes))}, compression=zipfile.ZIP_STORED))
    start = 0
    for size in sizes:
        start = body.index(b"PK\x01\x02", start)  # the central directory's entry
        struct.pack_into("<I", body, start + 24, size)  # its uncompressed size
        start += 4
    return bytes(body)


def _tar_declaring(size: int) -> bytes:
    info = tarfile.TarInfo("huge.bin")
    info.size = size
    return info.tobuf(tarfile.PAX_FORMAT) + bytes(1024)


BOUNDS = {
    "zip bomb": (zip_of({"zeros.bin": bytes(20 * 1024 * 1024)}), "application/zip"),
    "tar.gz bomb": (tar_of({"zeros.bin": bytes(20 * 1024 * 1024)}, mode="w:gz"), "application/gzip"),
    "too many members": (zip_of({f"{i}": b"" for i in range(10_001)}), "application/zip"),
    "zip over the total size": (_declaring([4_000_000_000] * 3), "application/zip"),
    "tar over the total size": (_tar_declaring(11 * 1024 ** 3), "application/x-tar"),
}


REFUSED = {**{case: (*found, 400, "unsafe_archive") for case, found in UNSAFE.items()},
           **{case: (*found, 413, "archive_too_large") for case, found in BOUNDS.items()}}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_archives_leave_nothing(api, alice, place, case):
    body, content_type, status, kind = REFUSED[case]
    target = place("refused")
    refused = upload(alice, api, target, body, content_type)
    assert refused.status_code == status, refused.text
    assert refused.json()["type"] == kind
    if status == 413:  # the answer names the setting that refuses
        assert "ARCHIVE_MAX_" in refused.json()["error"]
    assert_nothing_left(api, alice, target)


def test_a_member_damaged_halfway_removes_what_was_unpacked(api, alice, place):
    body = bytearray(zip_of({"first.txt": b"first member", "second.txt": b"SECOND MEMBER"},
                            compression=zipfile.ZIP_STORED))
    body[body.index(b"SECOND MEMBER")] ^= 1  # its CRC no longer matches: found when read
    target = place("halfway")
    refused = upload(alice, api, target, bytes(body), "application/zip")
    assert refused.status_code == 422 and refused.json()["type"] == "corrupt_archive", refused.text
    assert_nothing_left(api, alice, target)


def test_bodies_that_are_no_archive_are_refused(api, alice, place):
    target = place("junk")
    assert upload(alice, api, target, b"not an archive", "application/zip").status_code == 422
    assert upload(alice, api, target, b"not an archive", "application/octet-stream").status_code == 422
    assert upload(alice, api, target, zip_of({"f": b"f"}), "text/plain").status_code == 415
    assert upload(alice, api, target, zip_of({"f": b"f"}), "application/zip",
                  format="rar").status_code == 400
    # A zip sent as a tar is read as a tar, and is none.
    assert upload(alice, api, target, zip_of({"f": b"f"}), "application/x-tar").status_code == 422
    assert_nothing_left(api, alice, target)


def test_the_parent_must_exist_and_a_data_object_is_no_target(api, alice, place):
    body = zip_of({"f": b"f"})
    assert upload(alice, api, place("no/such/parent"), body, "application/zip").status_code == 404
    alice.put(api.data_url(place("file.txt")), data=b"x")
    assert upload(alice, api, place("file.txt"), body, "application/zip",
                  merge="true").status_code == 409


# --- downloads: only what the caller may read ------------------------------------------------------

def test_a_collection_with_an_unreadable_child_is_refused_whole(api, alice, bob, place):
    perms = api.url("/api/permissions" + place("shared"))
    alice.put(api.data_url(place("shared/open.txt")), data=b"open", params={"parents": "true"})
    grant = alice.put(perms, json={"user": "bob", "level": "read", "recursive": True})
    assert grant.status_code == 200, grant.text
    got = bob.get(archive_url(api, place("shared")))
    assert got.status_code == 200 and zip_members(got.content)[0] == {"open.txt": b"open"}

    alice.put(api.data_url(place("shared/secret.txt")), data=b"secret")
    refused = bob.get(archive_url(api, place("shared")), params={"format": "tar"})
    assert refused.status_code == 403, refused.text
    assert alice.get(archive_url(api, place("shared"))).status_code == 200


def test_download_errors(api, alice, anonymous, place):
    alice.put(api.data_url(place("f.txt")), data=b"x")
    assert alice.get(archive_url(api, place("f.txt"))).status_code == 409
    assert alice.get(archive_url(api, place("")), params={"format": "rar"}).status_code == 400
    assert alice.get(archive_url(api, place("missing"))).status_code == 404
    assert anonymous.get(archive_url(api, place(""))).status_code == 401
    assert anonymous.post(archive_url(api, place("x")), data=zip_of({"f": b"f"}),
                          headers={"Content-Type": "application/zip"}).status_code == 401
