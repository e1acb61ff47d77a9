"""First start: the administrator, the JWT secret, and secrets kept out of the logs."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backend.app import create_app
from backend.errors import Unprocessable
from backend.settings import Settings
from tests.auth.conftest import ADMIN_PASSWORD, bearer, login

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def read_credentials(data_dir: Path) -> tuple[str, str]:
    username, password = (data_dir / "admin-credentials").read_text().rstrip("\n").split(":", 1)
    return username, password


def test_generated_admin_password_is_written_0600_and_works(make_app, tmp_path):
    app = make_app(admin_password=None, admin_user="boss")
    data_dir = tmp_path / "data"
    credentials = data_dir / "admin-credentials"
    assert mode(credentials) == 0o600
    assert credentials.read_text().endswith("\n")
    username, password = read_credentials(data_dir)
    assert username == "boss" and len(password) >= 16
    client = app.test_client()
    profile = client.get("/auth/profile", headers=bearer(login(client, "boss", password)))
    assert profile.get_json()["is_admin"] is True

    # Later starts find the admin and write nothing: the controller deleted the file.
    credentials.unlink()
    make_app(admin_password=None, admin_user="boss")
    assert not credentials.exists()
    assert login(client, "boss", password)


def test_admin_password_setting_is_honoured(make_app, tmp_path):
    app = make_app(admin_password="configured-pw-123", admin_user="root")
    assert not (tmp_path / "data" / "admin-credentials").exists()
    client = app.test_client()
    assert client.get("/auth/profile", headers=bearer(login(client, "root", "configured-pw-123"))).status_code == 200
    # The setting creates the first admin only; it does not reset an existing one.
    make_app(admin_password="another-password", admin_user="root")
    assert login(client, "root", "configured-pw-123")


def test_a_too_short_admin_password_stops_the_start(make_app):
    with pytest.raises(Unprocessable, match="ADMIN_PASSWORD"):
        make_app(admin_password="short")


def test_jwt_secret_is_persisted_0600_and_reused(make_app, tmp_path):
    make_app()
    secret_file = tmp_path / "data" / "jwt_secret"
    assert mode(secret_file) == 0o600
    first = secret_file.read_text()
    assert len(first.strip()) >= 64
    make_app()
    assert secret_file.read_text() == first


def test_passwords_and_tokens_never_reach_the_logs(make_app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(admin_password=None, auth_max_login_attempts=2)
    _, admin_password = read_credentials(tmp_path / "data")
    client = app.test_client()
    admin = login(client, "admin", admin_password)
    client.post("/admin/users", headers=bearer(admin), json={"username": "alice", "password": "alice-secret-1"})
    client.put("/admin/users/alice", headers=bearer(admin), json={"password": "alice-secret-2"})
    client.post("/auth/login", json={"username": "alice", "password": "alice-wrong-guess"})
    client.post("/auth/login", json={"username": "alice", "password": "alice-wrong-guess"})
    client.post("/auth/login", json={"username": "alice-secret-3", "password": "x" * 10})
    alice = client.post("/auth/login", json={"username": "alice", "password": "alice-secret-2"}).get_json()
    client.post("/auth/logout", headers=bearer(admin))

    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "admin" in logged  # something was logged at all
    for secret in (admin_password, "alice-secret-1", "alice-secret-2", "alice-wrong-guess", "alice-secret-3",
                   admin, admin.split(".")[2]):
        assert secret not in logged
    assert alice["type"] == "account_banned"  # the failures were counted


CHILD = textwrap.dedent("""
    import hashlib, os, sys, time
    from pathlib import Path
    data_dir, db_url, go = Path(sys.argv[1]), sys.argv[2] or None, Path(sys.argv[3])
    from backend.app import create_app
    from backend.settings import Settings
    (go.parent / f"ready-{os.getpid()}").touch()
    while not go.exists():
        time.sleep(0.01)
    app = create_app(Settings(data_dir=data_dir, auth_db_url=db_url, password_time_cost=1))
    secret = (data_dir / "jwt_secret").read_bytes()
    print(hashlib.sha256(secret).hexdigest())
""")


def test_concurrent_first_starts_create_one_admin_and_one_secret(make_app, auth_db_url, tmp_path):
    data_dir, go = tmp_path / "data", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), auth_db_url or "", str(go)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(6)]
    # Release them together once all have imported everything, to make the race likely.
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < len(workers) and time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            break
        time.sleep(0.05)
    go.touch()
    results = [worker.communicate(timeout=300) for worker in workers]
    for worker, (out, err) in zip(workers, results):
        assert worker.returncode == 0, err[-3000:]
    assert len({out.strip() for out, _ in results}) == 1  # every worker signs with the same secret

    username, password = read_credentials(data_dir)
    app = make_app(admin_password=None)
    client = app.test_client()
    token = login(client, username, password)
    users = client.get("/admin/users", headers=bearer(token)).get_json()
    assert [user["username"] for user in users] == ["admin"]
    assert not list(data_dir.glob(".jwt_secret.*")) and not list(data_dir.glob(".admin-credentials.*"))


def test_the_sqlite_database_is_private(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, password_time_cost=1, admin_password=ADMIN_PASSWORD))
    try:
        assert mode(tmp_path / "auth.sqlite") == 0o600
    finally:
        app.extensions["rapydo.auth"].db.dispose()
        app.extensions["rapydo.storage"].close()
