"""A full disk (attack: once a user filled it, deletes and logins answered 503 while /api/status
said ok).

A real file system that really fills: a 32 MiB tmpfs mounted for each test (root only, as on
these machines and in CI), holding a live deployment's DATA_DIR with a 4 MiB DISK_RESERVE.
A file written from outside takes the disk below the reserve; then, over HTTP: /api/status is
503 with the disk "full", uploads get 507 and leave nothing, while removing data and logging
in keep working; with room again, everything is as before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.deployments import TIMEOUT, ZONE, Deployment
from tests.live import running_api
from tests.security.unsent import put_announced

MiB = 1024 * 1024
DISK = 32 * MiB
RESERVE = 4 * MiB


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        message = f"cannot mount a tmpfs (root is needed): {mounted.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], check=True)


def free(disk: Path) -> int:
    return shutil.disk_usage(disk).free


def fill(disk: Path, leave: int) -> Path:
    """Write a file beside DATA_DIR until only `leave` bytes are free."""
    filler = disk / "filler"
    block = b"\0" * MiB
    with filler.open("wb") as out:
        while (room := free(disk) - leave) > 0:
            out.write(block[:min(room, MiB)])
            out.flush()
    assert 0 < free(disk) <= leave
    return filler


def status(api: Deployment):
    return api.anonymous().get(api.url("/api/status"), timeout=TIMEOUT)


def test_a_full_disk_is_reported_refuses_uploads_and_still_removes_and_logs_in(small_disk):
    data_dir = small_disk / "data"
    with running_api(data_dir, DISK_RESERVE=RESERVE) as live:
        api = Deployment(live)
        api.create_user("alice")
        alice = api.session_of("alice")
        home = api.url(f"/api/data/{ZONE}/home/alice")
        assert alice.put(home + "/kept.bin", data=b"k" * MiB, timeout=TIMEOUT).status_code == 201
        healthy = status(api)
        assert healthy.status_code == 200 and healthy.json()["services"]["disk"]["status"] == "ok"

        filler = fill(small_disk, leave=RESERVE // 2)

        degraded = status(api)
        assert degraded.status_code == 503 and degraded.json()["status"] == "degraded"
        disk = degraded.json()["services"]["disk"]
        assert disk["status"] == "full" and disk["free"] < disk["reserve"] == RESERVE
        for refused in (alice.put(home + "/raw.bin", data=b"r" * 100_000, timeout=TIMEOUT),
                        alice.put(home + "/form.bin", files={"file": ("form.bin", b"f" * 100_000)},
                                  timeout=TIMEOUT)):
            assert refused.status_code == 507, refused.text
            assert refused.json()["type"] == "insufficient_storage"
            assert "not enough disk space" in refused.json()["error"]
        names = [item["name"] for item in alice.get(home, timeout=TIMEOUT).json()["items"]]
        assert names == ["kept.bin"]
        assert list((data_dir / "vault" / ".tmp").iterdir()) == []  # no partial upload either

        assert alice.delete(home + "/kept.bin", timeout=TIMEOUT).status_code == 204
        assert alice.get(home + "/kept.bin", timeout=TIMEOUT).status_code == 404
        assert api.login("alice") and live.admin_token()  # logins write their tokens

        filler.unlink()

        assert status(api).status_code == 200
        assert status(api).json()["services"]["disk"]["status"] == "ok"
        assert alice.put(home + "/raw.bin", data=b"r" * 100_000, timeout=TIMEOUT).status_code == 201


def test_an_upload_that_would_eat_into_the_reserve_is_refused_before_its_body_is_read(small_disk):
    with running_api(small_disk / "data", DISK_RESERVE=RESERVE) as live:
        api = Deployment(live)
        api.create_user("alice")
        token = api.token_of("alice")
        path = f"/{ZONE}/home/alice/near.bin"

        status_code, body = put_announced(live.url, token, f"/api/data{path}",
                                          free(small_disk) - RESERVE + 64 * 1024)

        assert status_code == 507 and body["type"] == "insufficient_storage", body
        alice = api.session_of("alice")
        assert alice.get(api.url(f"/api/data{path}"), timeout=TIMEOUT).status_code == 404
        # What leaves the reserve free (with a margin for the logs meanwhile) is stored.
        fits = free(small_disk) - RESERVE - MiB
        stored = alice.put(api.url(f"/api/data{path}"), data=b"n" * fits, timeout=TIMEOUT)
        assert stored.status_code == 201 and stored.json()["size"] == fits


def test_a_deployment_starts_on_a_full_disk_so_that_room_can_be_made(small_disk):
    data_dir, kept = small_disk / "data", f"/api/data/{ZONE}/home/alice/kept.bin"
    with running_api(data_dir, DISK_RESERVE=RESERVE) as live:
        api = Deployment(live)
        api.create_user("alice")
        stored = api.session_of("alice").put(api.url(kept), data=b"k" * MiB, timeout=TIMEOUT)
        assert stored.status_code == 201
    fill(small_disk, leave=RESERVE // 2)

    # Started again (`rapydo restart`) on the full disk: it comes up, degraded, and serves.
    with running_api(data_dir, DISK_RESERVE=RESERVE) as live:
        api = Deployment(live)
        degraded = status(api)
        assert degraded.status_code == 503
        assert degraded.json()["services"]["disk"]["status"] == "full"
        assert api.session_of("alice").delete(api.url(kept), timeout=TIMEOUT).status_code == 204
