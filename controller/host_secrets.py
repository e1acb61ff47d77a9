"""The secrets of the host layer (.projectrc): which there are, writing them, what a new one changes.

Every secret is a `Need(secret=True)` of a service (controller.services.NEEDS). `rapydo init`
fills the empty ones; `rapydo password NAME` replaces one (controller.password_commands).

Two of them belong to a deployment's state once it has run, so `init` never writes them then:
a new value would change the deployment behind the operator's back, or be ignored.
- JWT_SECRET signs every token and seals the iRODS credentials kept in tokens and jobs; left
  empty, the backend generated one in DATA_DIR at its first start and uses it since.
- ADMIN_PASSWORD only creates the administrator at the first start; from then on the users
  database holds the account's password.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from controller.config import HOST_FILE, Config, read_yaml
from controller.files import write_private
from controller.services import BACKEND_SECTION, Need, all_needs, load_catalogue

KEPT = frozenset({"JWT_SECRET", "ADMIN_PASSWORD"})
HEADER = ("# Host layer: secrets and host-only settings (git-ignored, mode 0600).\n"
          "# Written by `rapydo init` and `rapydo password`; same format as rapydo.yml.\n")


@dataclass(frozen=True)
class Rotation:
    """What a new value of a secret does: `effects` are printed; `restart`: the backend reads
    it only at start, so a running local deployment restarts to use it."""

    effects: tuple[str, ...]
    restart: bool = False


ROTATIONS = {
    "JWT_SECRET": Rotation((
        "all tokens issued so far are now invalid: every user logs in again",
        "iRODS credentials sealed in tokens and in queued or running jobs can no longer be opened: "
        "those jobs fail, users of IRODS_SESSION_MODE=user log in again"), restart=True),
    "ADMIN_PASSWORD": Rotation((
        "the administrator's old password no longer works and its tokens are revoked",)),
    "IRODS_PASSWORD": Rotation((
        "the API's iRODS account (IRODS_USER) must have the same password on the iRODS server "
        "(iadmin moduser <user> password <new>)",), restart=True),
    "NEO4J_PASSWORD": Rotation((
        "the Neo4j account (NEO4J_USER) must have the same password in Neo4j "
        "(ALTER USER ... SET PASSWORD)",), restart=True),
}


def rotation(name: str, service: str, need: Need) -> Rotation:
    if name in ROTATIONS:
        return ROTATIONS[name]
    if need.section == BACKEND_SECTION:  # a project's own secret: the backend reads it at start
        return Rotation(("the backend uses it from its next start",), restart=True)
    return Rotation((f"only the compose engine uses it (the {service} container, via `rapydo compose start`); "
                     f"a {service} whose data already exists keeps its old password until you change it there",))


def declared(project_dir: Path) -> dict[str, tuple[str, Need]]:
    """Every secret a known service declares: name -> (service, need)."""
    return {need.name: (service, need) for service, need in all_needs(load_catalogue(project_dir))
            if need.secret}


def write(project_dir: Path, values: Mapping[str, Mapping[str, str]]) -> Path:
    """Set `values` ({section: {name: value}}) in .projectrc (0600), keeping everything else."""
    path = project_dir / HOST_FILE
    document: dict[str, Any] = read_yaml(path, required=False)
    for section, names in values.items():
        document[section] = {**(document.get(section) or {}), **names}
    write_private(path, HEADER + yaml.safe_dump(document, sort_keys=True))
    return path


def overriding(config: Config, section: str, name: str) -> list[str]:
    """The layers above .projectrc that set `name` for this command (they win over the file)."""
    return [layer.source for layer in config.layers if layer.kind in ("environment", "override")
            and name in (layer.document.get(section) or {})]
