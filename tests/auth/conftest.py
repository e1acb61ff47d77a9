"""Fixtures: apps built with create_app(Settings(...)), on SQLite and on PostgreSQL.

PostgreSQL tests run in a schema of their own, created and dropped per test.
They are skipped when no server answers, except under CI (env CI set): there a
missing PostgreSQL is a failure.
"""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import create_engine, make_url, text

from backend.app import create_app
from backend.settings import Settings

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ADMIN_PASSWORD = "admin-password-1"


def postgres_schema_url():
    """Yield the URL of a fresh PostgreSQL schema; drop it afterwards."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        message = f"PostgreSQL unreachable at {make_url(POSTGRES_URL).render_as_string()}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"auth_test_{secrets.token_hex(6)}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


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
