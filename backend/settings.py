"""The backend's typed settings, parsed once.

The controller hands settings to the backend as environment variables with the
same names in every engine (DESIGN.md). `Settings.from_env` is the only place
that reads them; everything else receives a `Settings` object.

Project settings are the variables a project chain declares in its project.yml
`variables:` (upper-case there, as every variable; lower-case in
`Settings.project_settings`, as core settings). They are strings, as the environment
carries them; names of core settings are not project settings.
"""

from __future__ import annotations

import os
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict, NonNegativeInt, PrivateAttr, SecretStr, field_validator

from backend import projects


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    project: str = "default"
    # Where projects/<project>/ are found; relative to the repository root.
    projects_dir: Path = projects.PROJECTS_DIR
    # The project chain's own settings (see the module docstring and `project_settings`).
    _project_settings: dict[str, str] = PrivateAttr(default_factory=dict)

    # Where the embedded default keeps everything: vault, catalog, auth db, secrets.
    data_dir: Path = Path("data")
    # Bytes of DATA_DIR's file system kept free for the service's own records (catalog,
    # users, provenance, logs), so that removals and logins still work on a full disk:
    # local-storage uploads that would eat into them get 507, and /api/status says "full".
    disk_reserve: NonNegativeInt = 256 * 1024 * 1024
    # Bytes each user may own in storage unless an administrator gave them a quota of their
    # own (/admin/users/<name> {"quota": ...}); 0 means unlimited.
    quota_default: NonNegativeInt = 0

    storage_backend: Literal["local", "irods"] = "local"
    irods_zone: str = "tempZone"
    irods_host: str = "localhost"
    irods_port: int = 1247
    irods_user: str = "rods"
    irods_password: SecretStr | None = None
    irods_authscheme: Literal["native", "pam_password", "pam", "gsi"] = "native"
    # proxy: the service account above (a rodsadmin) acts for each API user
    # (PRC's client_user); user: each API user's own iRODS credentials, from /auth/irods.
    irods_session_mode: Literal["proxy", "user"] = "proxy"
    # TLS, as iRODS' client environment names it: CS_NEG_REQUIRE turns it on.
    irods_client_server_policy: Literal["CS_NEG_REFUSE", "CS_NEG_DONT_CARE",
                                        "CS_NEG_REQUIRE"] = "CS_NEG_REFUSE"
    irods_ssl_ca_certificate_file: Path | None = None
    irods_ssl_verify_server: Literal["none", "cert", "hostname"] = "hostname"
    # GSI (servers older than 4.3 only): the server's certificate subject.
    irods_server_dn: str | None = None
    # Seconds before an unreachable or silent iRODS server is reported (503).
    irods_timeout: float = 10.0
    # Seconds an idle pooled per-user session is kept.
    irods_session_idle: int = 300
    # Connections per transfer above irods_parallel_min_size (1: never parallel).
    irods_parallel_threads: int = 3
    irods_parallel_min_size: int = 32 * 1024 * 1024
    # Removing moves to the zone's trash (iRODS' default) instead of deleting at once.
    irods_use_trash: bool = False
    irods_default_resource: str | None = None

    # SQLAlchemy URL of the users/tokens database; default: SQLite in data_dir.
    auth_db_url: str | None = None
    # HS256 signing secret; default: a random secret persisted (0600) in data_dir.
    jwt_secret: SecretStr | None = None
    jwt_ttl: int = 24 * 3600
    admin_user: str = "admin"
    admin_password: SecretStr | None = None
    # Consecutive failed logins to one account from one client address before that address
    # is banned from that account for auth_ban_seconds (failures older than that no longer count).
    auth_max_login_attempts: int = 5
    auth_ban_seconds: int = 600
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks); a
    # request from anywhere else is the client itself. Empty: trust no header.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Argon2 cost; lowered only by tests that create many users.
    password_time_cost: int = 3

    # fsync every stored file before the catalog names it (local backend).
    vault_fsync: bool = True
    # 0 means unlimited.
    max_upload_size: int = 0
    # Seconds an unfinished resumable upload (tus, /api/uploads) is kept after it began.
    upload_expiry: int = 24 * 3600
    # Archives (/api/archive): members and unpacked bytes one archive may hold, in either
    # direction, and how many times its own size an uploaded archive may unpack to (more
    # is a zip bomb). 0: no bound.
    archive_max_members: NonNegativeInt = 10_000
    archive_max_size: NonNegativeInt = 10 * 1024 ** 3
    archive_max_ratio: NonNegativeInt = 100
    # JSON request bodies (logins, metadata, job submissions): bytes, and how deeply
    # objects and arrays may nest. Larger bodies get 413 before a byte is parsed.
    max_json_size: int = 1024 * 1024
    max_json_depth: int = 32
    # Bytes per chunk for streamed reads and writes.
    chunk_size: int = 4 * 1024 * 1024

    api_port: int = 8080

    # Celery broker; default: an embedded kombu transport (files under data_dir/broker).
    celery_broker_url: str | None = None
    # Celery result backend; default: SQLite in data_dir (db+sqlite:///...).
    celery_result_backend: str | None = None
    # The queue tasks go to: deployments sharing one broker each need their own.
    celery_queue: str = "rapydo"

    # Workflow jobs. The runner reports every job_heartbeat seconds; a running job without
    # a heartbeat for job_lost_after seconds lost its worker and runs again, at most
    # job_max_attempts times in all, then fails saying so.
    job_heartbeat: float = 5.0
    job_lost_after: float = 60.0
    job_max_attempts: int = 2
    # OGC API - Processes: the longest `Prefer: wait=N` honoured, in seconds (an execution
    # request holds an API thread that long at most).
    ogc_max_wait: float = 60.0
    # Run CWL tools in containers: auto (when a Docker engine answers here), always, never.
    cwl_containers: Literal["auto", "always", "never"] = "auto"
    # What a CWL document submitted to the registry may cost: bytes, YAML aliases, YAML
    # nodes (also once aliases are expanded), nesting, and seconds to read and validate it.
    workflow_max_size: int = 2 * 1024 * 1024
    workflow_max_aliases: int = 100
    workflow_max_nodes: int = 50_000
    workflow_max_depth: int = 64
    workflow_validation_timeout: float = 20.0
    # How jobs' tools run (backend/workflows/sandbox.py): bwrap (bubblewrap, as an unprivileged
    # user seeing only the job's files), or none (as the worker: only for trusted workflows).
    job_sandbox: Literal["bwrap", "none"] = "bwrap"
    # Sandboxed jobs whose workflow asks for network access (CWL NetworkAccess) get it.
    job_network: bool = False
    # Limits inside the sandbox (0: the host's): processes and threads of the job's account
    # (root's jobs share `nobody`), and bytes of any one file a tool writes.
    job_max_processes: int = 512
    job_max_file_size: int = 0

    # Record W3C PROV of every finished job and data operation.
    prov_capture: bool = True
    # Where provenance is stored: sql (SQLAlchemy) or neo4j.
    prov_store: Literal["sql", "neo4j"] = "sql"
    # SQLAlchemy URL of the provenance database; default: SQLite in data_dir.
    prov_db_url: str | None = None
    # The Neo4j server (bolt:// or neo4j://) when prov_store is neo4j.
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    # RO-Crates of jobs (GET /api/jobs/<id>/crate): the licence the crate's root names (a URL,
    # e.g. the deployment's data licence, or a text), and with ?include=outputs the largest
    # output copied into the crate (bytes; larger ones stay links) and the most bytes of
    # outputs one crate copies in all.
    crate_license: str = "https://creativecommons.org/licenses/by/4.0/"
    crate_inline_max: int = 1024 * 1024
    crate_inline_total: int = 64 * 1024 * 1024
    # cwltool's CWLProv research object of a job (GET /api/jobs/<id>/cwlprov) is kept after
    # the job when its records are at most this many bytes (0: never kept).
    cwlprov_max_size: int = 64 * 1024 * 1024

    def __init__(self, project_settings: Mapping[str, str] | None = None, **values):
        super().__init__(**values)
        self._project_settings = {name.lower(): str(value) for name, value in (project_settings or {}).items()}

    @property
    def project_settings(self) -> Mapping[str, str]:
        """The project chain's settings, read-only: from_env fills every declared one; built by
        hand, Settings holds exactly those given. Not a model field: like `project`, it is derived
        by the configuration, not one variable declared in confs/defaults.yml."""
        return MappingProxyType(self._project_settings)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value):
        # The environment carries one string: "10.0.0.1, 172.16.0.0/12".
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        try:
            return tuple(ip_network(item, strict=False) for item in value)
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXIES: {exc}") from None

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("projects_dir")
    @classmethod
    def _from_repository(cls, value: Path) -> Path:
        return (projects.PROJECTS_DIR.parent / value.expanduser()).resolve()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from upper-case environment variables (`DATA_DIR`, `JWT_TTL`, ...).

        Project settings: each variable declared by the chain of PROJECT (in PROJECTS_DIR)
        is read under its own name (`PIDS` -> project_settings["pids"]); unset or empty,
        it keeps its project.yml default.
        """
        environ = os.environ if environ is None else environ
        values = {}
        for name in cls.model_fields:
            raw = environ.get(name.upper())
            if raw is not None and raw != "":
                values[name] = raw
        core = cls(**values)
        defaults = project_setting_defaults(core.project, core.projects_dir)
        return cls(project_settings={name: environ.get(name.upper()) or default
                                     for name, default in defaults.items()}, **values)

    # Derived values, so no caller rebuilds them.
    @property
    def auth_db(self) -> str:
        return self.auth_db_url or f"sqlite:///{self.data_dir / 'auth.sqlite'}"

    @property
    def prov_db(self) -> str:
        return self.prov_db_url or f"sqlite:///{self.data_dir / 'provenance.sqlite'}"

    @property
    def home_root(self) -> str:
        return f"/{self.irods_zone}/home"

    def home_of(self, username: str) -> str:
        return f"{self.home_root}/{username}"

    @property
    def jobs_dir(self) -> Path:
        """Work directories of running jobs and the logs of every job."""
        return self.data_dir / "jobs"

    @property
    def temp_dir(self) -> Path:
        """Request bodies kept while they are checked (archives to unpack), whatever the
        storage backend."""
        return self.data_dir / "tmp"


def project_setting_defaults(project: str, projects_dir: Path) -> dict[str, str]:
    """The settings a project chain declares (lower-case names) with their project.yml defaults."""
    return {name.lower(): _string(default)
            for name, default in projects.declared_variables(project, projects_dir).items()
            if name.lower() not in Settings.model_fields}


def _string(value) -> str:
    # As the controller hands variables over (controller.config.scalar).
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def current_settings() -> Settings:
    """The settings of the application handling this request."""
    from flask import current_app

    return current_app.extensions["rapydo.settings"]
