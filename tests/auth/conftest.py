"""Fixtures: apps built with create_app(Settings(...)), on SQLite and on PostgreSQL.

PostgreSQL tests run in a schema of their own, created and dropped per test (tests/postgres.py).
"""

from __future__ import annotations

import pytest

from backend.app import create_app
from backend.settings import Settings
from tests.postgres import postgres_schema_url

ADMIN_PASSWORD = "admin-password-1"


@pytest.fixture(params=["sqlite", "postgresql"])
def auth_db_url(request):
    if request.param == "sqlite":
        yield None
    else:
        yield from postgres_schema_url()


@pytest.fixture
def make_app(tmp_path, auth_db_url):
    """Build apps on one data dir and database; `make_app(**settings)` overrides the defaults."""
    apps = []

    def make(**overrides):
        values = {"data_dir": tmp_path / "data", "password_time_cost": 1,
                  "admin_password": ADMIN_PASSWORD, "auth_db_url": auth_db_url}
        values.update(overrides)
        app = create_app(Settings(**values))
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["rapydo.auth"].db.dispose()
        app.extensions["rapydo.storage"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login(client, username: str, password: str) -> str:
    response = client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


@pytest.fixture
def admin_token(client):
    return login(client, "admin", ADMIN_PASSWORD)


@pytest.fixture
def make_user(client, admin_token):
    """Create a user through the admin API; returns (username, password)."""

    def make(username: str, password: str | None = None, **fields):
        password = password or f"{username}-password"
        response = client.post("/admin/users", headers=bearer(admin_token),
                               json={"username": username, "password": password, **fields})
        assert response.status_code == 201, response.get_json()
        return username, password

    return make
