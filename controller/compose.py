"""The compose engine: the merged configuration in, `docker-compose.yml` + `.env` out, then
`docker compose` driven with them.

Rendering (`render`) is a pure function of the configuration, the compose layers on disk and
the set of services to run, which the caller computes (controller.services.active_services):

1. `docker-compose.base.yml`       every service the framework knows
2. `confs/<mode>.yml`              development: published ports, mounted source;
                                   production: TLS proxy, restart policies, health checks
3. `projects/<p>/docker-compose.yml` of every project in the `extends:` chain, lowest first

merged by `controller.merge.deep_merge` (mappings merge, lists replace, null deletes). Then only
the active services are kept. A service's `depends_on` lists hard requirements: one pointing at
a service an overlay deleted is dropped, one pointing at a service that exists but is switched
off is a bug in the caller (`ComposeError`). `x-rapydo-after` lists services to start first if
they run. Relative paths (build contexts, bind mounts) become absolute, so the output works
from any directory.

The compose file refers to settings as `${VAR}` only; their values are in `.env` (mode 0600,
secrets included): the merged `service_variables` and `variables`, plus the service URLs
assembled from the services that run when no layer set them. Declare compose volumes as
`name: {}` in overlays: the merge reads an empty (null) value as "delete".
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import quote

import yaml

from controller.config import PROJECT_FILE, PROJECTS_DIR, Config, read_project_chain, read_yaml
from controller.merge import merge_layers

BASE_FILE = Path("docker-compose.base.yml")
MODE_OVERLAYS = Path("confs")
PROJECT_OVERLAY = "docker-compose.yml"
COMPOSE_FILE = "docker-compose.yml"
ENV_FILE = ".env"
AFTER = "x-rapydo-after"
PROXY = "proxy"
# The services that run the backend's code: they get the project chain's settings too.
BACKEND_SERVICES = ("backend", "celery")
LOCAL_HOSTS = ("", "localhost", "127.0.0.1")
# `rapydo ssl`: certbot's webroot and certificate name inside the proxy (confs/nginx/).
CERTBOT_WEBROOT = "/var/www/certbot"
CERT_NAME = "rapydo"


class ComposeError(Exception):
    """The deployment cannot be rendered, or docker compose cannot be run."""


# --- rendering -----------------------------------------------------------------------------

def compose_layers(config: Config) -> list[Path]:
    """The compose files merged for this configuration, lowest first (only those that exist,
    except the base file, which must)."""
    root = config.project_dir
    layers = [root / BASE_FILE, root / MODE_OVERLAYS / f"{config.mode}.yml"]
    return layers[:1] + [path for path in layers[1:] + project_overlays(root, config.project)
                         if path.is_file()]


def project_overlays(root: Path, project: str) -> list[Path]:
    """`docker-compose.yml` of the project and of the projects it extends, lowest first."""
    chain: list[str] = []
    name: Any = project
    while isinstance(name, str) and name not in chain:
        chain.append(name)
        name = read_yaml(root / PROJECTS_DIR / name / PROJECT_FILE, required=False).get("extends")
    return [root / PROJECTS_DIR / name / PROJECT_OVERLAY for name in reversed(chain)]


def render(config: Config, active: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The docker-compose document running exactly the `active` services, and its `.env`."""
    active = set(active)
    base, *overlays = compose_layers(config)
    document = merge_layers(read_yaml(base, required=True),
                            *(read_yaml(path, required=False) for path in overlays))
    services = document.get("services") or {}
    unknown = active - set(services)
    if unknown:
        raise ComposeError(f"unknown service(s) {', '.join(sorted(unknown))}: the compose layers "
                           f"define {', '.join(sorted(services))}")
    kept = {}
    settings = project_settings(config)
    for name in sorted(active):
        service = dict(services[name])
        dependencies = _dependencies(name, service, services, active)
        service = {key: value for key, value in service.items()
                   if key != "depends_on" and not key.startswith("x-")}
        if dependencies:
            service["depends_on"] = dependencies
        if config.mode == "production":
            service.setdefault("restart", "unless-stopped")
        if name in BACKEND_SERVICES:
            service["environment"] = _with_project_settings(service.get("environment"), settings)
        kept[name] = _absolute_paths(service, config.project_dir)
    document = {key: value for key, value in document.items() if not key.startswith("x-")}
    document["services"] = kept
    used = _named_volumes(kept.values())
    volumes = {name: spec for name, spec in (document.get("volumes") or {}).items() if name in used}
    if volumes:
        document["volumes"] = volumes
    else:
        document.pop("volumes", None)
    return document, environment(config, active)


def project_settings(config: Config) -> list[str]:
    """The settings the project chain's project.yml files declare (`variables:`)."""
    names: list[str] = []
    for _, layer in read_project_chain(config.project_dir, config.project):
        names += [name for name in layer.get("variables") or {} if name not in names]
    return names


def _with_project_settings(environment: Any, settings: list[str]) -> dict[str, Any]:
    """The service's environment plus `NAME: ${NAME}` for every project setting it does not set
    already, so that a project's settings reach its code without a compose overlay."""
    if isinstance(environment, list):  # an overlay may write KEY=VALUE entries
        environment = dict(entry.split("=", 1) if "=" in entry else (entry, None) for entry in environment)
    environment = dict(environment or {})
    for name in settings:
        environment.setdefault(name, "${%s}" % name)
    return environment


def _dependencies(name: str, service: Mapping[str, Any], services: Mapping[str, Any],
                  active: set[str]) -> dict[str, dict[str, str]]:
    required = service.get("depends_on") or []
    dependencies = {}
    for dependency in required:  # a list, or a mapping of name -> {condition: ...}
        if dependency not in services:
            continue  # deleted by an overlay (an external service replaces it)
        if dependency not in active:
            raise ComposeError(f"service {name!r} requires {dependency!r}, which is not among the "
                               f"services to run: {', '.join(sorted(active))}")
        dependencies[dependency] = (dict(required[dependency]) if isinstance(required, Mapping)
                                    else _condition(services[dependency]))
    for dependency in service.get(AFTER) or []:
        if dependency in active and dependency not in dependencies:
            dependencies[dependency] = _condition(services[dependency])
    return dependencies


def _condition(service: Mapping[str, Any]) -> dict[str, str]:
    healthy = "healthcheck" in service and not (service["healthcheck"] or {}).get("disable")
    return {"condition": "service_healthy" if healthy else "service_started"}


def _absolute_paths(service: dict[str, Any], root: Path) -> dict[str, Any]:
    def local(path: str) -> bool:
        return path in (".", "..") or path.startswith(("./", "../"))

    build = service.get("build")
    if isinstance(build, str) and local(build):
        service["build"] = str((root / build).resolve())
    elif isinstance(build, Mapping) and local(str(build.get("context", "."))):
        service["build"] = {**build, "context": str((root / str(build.get("context", "."))).resolve())}
    volumes = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str) and local(volume.split(":", 1)[0]):
            source, rest = volume.split(":", 1)
            volume = f"{(root / source).resolve()}:{rest}"
        elif isinstance(volume, Mapping) and volume.get("type") == "bind" and local(str(volume.get("source"))):
            volume = {**volume, "source": str((root / volume["source"]).resolve())}
        volumes.append(volume)
    if volumes:
        service["volumes"] = volumes
    return service


def _named_volumes(services: Iterable[Mapping[str, Any]]) -> set[str]:
    """Named volumes the services mount (not bind mounts, not anonymous volumes)."""
    names = set()
    for service in services:
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):
                source, separator, _ = volume.partition(":")
                named = bool(separator) and not source.startswith(("/", ".", "~"))
            else:
                source = volume.get("source", "")
                named = volume.get("type", "volume") == "volume" and bool(source)
            if named:
                names.add(source)
    return names


def environment(config: Config, active: set[str]) -> dict[str, str]:
    """`.env`: the merged `service_variables` (the images' own: POSTGRES_*, RABBITMQ_*, ...) and
    `variables` (the backend's), plus what the compose deployment derives from them."""
    service_variables = config.raw.get("service_variables") or {}
    env = {name: _scalar(value) for name, value in service_variables.items()}
    env.update(config.variables)
    env.setdefault("COMPOSE_PROJECT_NAME", project_name(config))
    env.setdefault("DOMAIN", config.hostname)

    def url_part(name: str, default: str) -> str:
        return quote(env.get(name) or default, safe="")

    if "postgres" in active:
        database = (f"postgresql+psycopg://{url_part('POSTGRES_USER', 'rapydo')}:"
                    f"{url_part('POSTGRES_PASSWORD', '')}@postgres:5432/{url_part('POSTGRES_DB', 'rapydo')}")
        env["AUTH_DB_URL"] = env.get("AUTH_DB_URL") or database
        env["CELERY_RESULT_BACKEND"] = env.get("CELERY_RESULT_BACKEND") or f"db+{database}"
    if "rabbit" in active:
        env["CELERY_BROKER_URL"] = env.get("CELERY_BROKER_URL") or (
            f"amqp://{url_part('RABBITMQ_USER', 'rapydo')}:{url_part('RABBITMQ_PASSWORD', '')}@rabbit:5672//")
    if "neo4j" in active:
        env["NEO4J_URI"] = env.get("NEO4J_URI") or "bolt://neo4j:7687"
    if "icat" in active and env.get("IRODS_HOST", "") in LOCAL_HOSTS:
        env["IRODS_HOST"] = "icat"  # inside a container, "localhost" is the container itself
    return env


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def project_name(config: Config) -> str:
    return f"rapydo-{config.project}"


def dump(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), sort_keys=False, default_flow_style=False)


def env_file_text(env: Mapping[str, str]) -> str:
    """One `KEY='value'` per line: single quotes keep `$`, `#` and spaces literal for both
    docker-compose v1 (python-dotenv) and docker compose v2."""
    lines = ["# Rendered by `rapydo` from the configuration layers: edit those, not this file."]
    for name, value in sorted(env.items()):
        if "\n" in value:
            raise ComposeError(f"variable {name} holds a newline, which .env cannot carry")
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        lines.append(f"{name}='{escaped}'")
    return "\n".join(lines) + "\n"


def write_files(config: Config, active: Iterable[str], target_dir: Path) -> tuple[Path, Path]:
    """Write `docker-compose.yml` and `.env` (mode 0600) into `target_dir`."""
    document, env = render(config, active)
    target_dir = Path(target_dir)
    compose_file, env_file = target_dir / COMPOSE_FILE, target_dir / ENV_FILE
    compose_file.write_text("# Rendered by `rapydo` from docker-compose.base.yml, the mode overlay "
                            "and the project's overlays: edit those, not this file.\n" + dump(document),
                            encoding="utf-8")
    descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file existed with another mode
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(env_file_text(env))
    return compose_file, env_file


# --- driving docker compose ----------------------------------------------------------------

def detect_compose(which: Callable[[str], str | None] = shutil.which) -> list[str]:
    """`docker compose` (v2 plug-in) if it answers, else `docker-compose` (v1)."""
    docker = which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = which("docker-compose")
    if legacy:
        return [legacy]
    raise ComposeError("neither `docker compose` nor `docker-compose` was found on PATH: install "
                       "Docker with its compose plug-in (or docker-compose) to use engine: compose")


def argv(compose: Sequence[str], project_dir: Path, name: str, command: Sequence[str]) -> list[str]:
    """The full command line for one compose command, bound to the rendered files."""
    project_dir = Path(project_dir)
    return [*compose, "--project-directory", str(project_dir), "-f", str(project_dir / COMPOSE_FILE),
            "--env-file", str(project_dir / ENV_FILE), "-p", name, *command]


def up(build: bool = False) -> list[str]:
    return ["up", "--detach", "--remove-orphans", *(["--build"] if build else [])]


def logs(service: str | None = None, follow: bool = False, tail: int | None = None) -> list[str]:
    return ["logs", *(["--follow"] if follow else []), *([f"--tail={tail}"] if tail is not None else []),
            *([service] if service else [])]


def shell(service: str, command: Sequence[str] = ("sh",)) -> list[str]:
    return ["exec", service, *command]


def down(volumes: bool = False) -> list[str]:
    return ["down", "--remove-orphans", *(["--volumes"] if volumes else [])]


def scale(service: str, replicas: int) -> list[str]:
    if replicas < 0:
        raise ComposeError(f"cannot scale {service} to {replicas} replicas")
    return ["up", "--detach", "--no-deps", "--scale", f"{service}={replicas}", service]


def certbot(domain: str, email: str | None = None, staging: bool = False) -> list[str]:
    """`rapydo ssl`: obtain (or renew) the certificate in the proxy, switch nginx to it, reload."""
    request = ["certbot", "certonly", "--webroot", "--webroot-path", CERTBOT_WEBROOT,
               "--cert-name", CERT_NAME, "--domain", domain, "--non-interactive", "--agree-tos",
               "--keep-until-expiring", *(["--email", email] if email else ["--register-unsafely-without-email"]),
               *(["--staging"] if staging else [])]
    script = f"{shlex.join(request)} && rapydo-certificate && nginx -s reload"
    return ["exec", PROXY, "sh", "-c", script]


@dataclass
class ComposeEngine:
    """Runs compose commands for one deployment; every run renders the files first."""

    project_dir: Path
    config: Config
    active: frozenset[str] | set[str]
    compose: Sequence[str] | None = None  # detected on first use

    def argv(self, command: Sequence[str]) -> list[str]:
        if self.compose is None:
            self.compose = detect_compose()
        return argv(self.compose, self.project_dir, project_name(self.config), command)

    def run(self, command: Sequence[str]) -> int:
        """Render, then run one compose command with this terminal (output streams through)."""
        full = self.argv(command)
        write_files(self.config, self.active, self.project_dir)
        try:
            return subprocess.run(full, cwd=self.project_dir).returncode
        except FileNotFoundError:
            raise ComposeError(f"{full[0]} disappeared: install Docker with its compose plug-in") from None

    def start(self, build: bool = False) -> int:
        return self.run(up(build))

    def stop(self) -> int:
        return self.run(["stop"])

    def status(self) -> int:
        return self.run(["ps"])

    def logs(self, service: str | None = None, follow: bool = False) -> int:
        return self.run(logs(service, follow))

    def shell(self, service: str, command: Sequence[str] = ("sh",)) -> int:
        return self.run(shell(service, command))

    def remove(self, volumes: bool = False) -> int:
        return self.run(down(volumes))

    def scale(self, service: str, replicas: int) -> int:
        return self.run(scale(service, replicas))

    def restart(self, service: str | None = None) -> int:
        return self.run(["restart", *([service] if service else [])])

    def pull(self) -> int:
        return self.run(["pull", "--ignore-pull-failures"])

    def build(self) -> int:
        return self.run(["build"])

    def ssl(self, email: str | None = None, staging: bool = False) -> int:
        if self.config.mode != "production":
            raise ComposeError("`rapydo ssl` is for mode: production (development serves plain HTTP)")
        if PROXY not in self.active:
            raise ComposeError("`rapydo ssl` needs the proxy service to run")
        return self.run(certbot(self.config.hostname, email, staging))
