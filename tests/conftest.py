"""Fixtures shared by the whole test suite.

- `live_api`: the real API under real uWSGI (tests/live.py), fresh for each test:
  `.url`, `.data_dir`, `.admin` (username, password), `.pid` (uWSGI master),
  `.login(username, password) -> token`, `.session(token) -> requests.Session`.
- `live_api_factory(**env)`: the same with extra settings, e.g.
  `live_api_factory(MAX_UPLOAD_SIZE=1024)`; several may run at once. `module="pkg.mod:app"`
  serves another WSGI callable instead of the backend (tests of the uWSGI setup itself).

Each instance is stopped at teardown, which fails if any of its processes is left.
Tests that need a server (PostgreSQL, RabbitMQ, Redis) skip when it is missing, except
in CI (`CI` set, as `.ci/run` does): there the same test fails.
"""

from __future__ import annotations

import contextlib

import pytest

from tests.live import running_api


@pytest.fixture
def live_api_factory(tmp_path_factory):
    with contextlib.ExitStack() as stack:
        def factory(*, module: str | None = None, **env):
            data_dir = tmp_path_factory.mktemp("live-api")
            return stack.enter_context(running_api(data_dir, module=module, **env))

        yield factory


@pytest.fixture
def live_api(live_api_factory):
    return live_api_factory()
