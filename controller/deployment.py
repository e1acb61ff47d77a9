"""The local deployment a command acts on: the one `rapydo start` recorded.

A start takes the configuration of its moment (`API_PORT=18117 rapydo start`, DATA_DIR from
the environment...); the commands after it must find that deployment again without the same
environment. So a successful `rapydo start` writes:

    <DATA_DIR>/run/deployment.json   the deployment as started: every variable handed to the
                                     backend (secrets too, hence mode 0600 like .projectrc),
                                     the project and the time
    <project>/.rapydo-deployment     which DATA_DIR that was (git-ignored)

`find(config)` returns the record the other commands use (status, stop, logs, check, list
services, password, and start when that deployment still runs):
- when this command names a data directory itself (--data-dir, --env DATA_DIR=, DATA_DIR in
  the environment), that directory's record: one checkout can serve several deployments;
- else the record of the directory `.rapydo-deployment` names;
- else None: nothing was started yet, the current configuration is all there is.
`differences` lists what the current configuration would change (the CLI says so).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from controller.config import Config
from controller.files import write_private

RECORD = Path("run") / "deployment.json"
POINTER = ".rapydo-deployment"
# Settings of the controller, not of the deployment: the current value always applies.
NOT_RECORDED = frozenset({"START_TIMEOUT"})


@dataclass(frozen=True)
class Recorded:
    data_dir: Path
    variables: Mapping[str, str]  # the backend's environment as started (DATA_DIR absolute)
    started: str  # ISO 8601, UTC

    @property
    def path(self) -> Path:
        return self.data_dir / RECORD


def write(project_dir: Path, data_dir: Path, variables: Mapping[str, str]) -> Recorded:
    """Record a deployment that has just started (see the module docstring)."""
    kept = {name: value for name, value in variables.items() if name not in NOT_RECORDED}
    recorded = _save(Recorded(data_dir, kept, datetime.now(timezone.utc).isoformat(timespec="seconds")))
    write_private(project_dir / POINTER, json.dumps({"data_dir": str(data_dir)}) + "\n")
    return recorded


def update(recorded: Recorded, changes: Mapping[str, str]) -> Recorded:
    """The same deployment with some values changed in place (a rotated password)."""
    return _save(Recorded(recorded.data_dir, {**recorded.variables, **changes}, recorded.started))


def _save(recorded: Recorded) -> Recorded:
    write_private(recorded.path, json.dumps({"data_dir": str(recorded.data_dir), "started": recorded.started,
                                             "variables": dict(recorded.variables)}, indent=2))
    return recorded


def find(config: Config) -> Recorded | None:
    if chooses_data_dir(config):
        return read(config.data_dir)
    pointed = pointed_data_dir(config.project_dir)
    return read(pointed if pointed is not None else config.data_dir)


def chooses_data_dir(config: Config) -> bool:
    """Whether this command's own environment or options set DATA_DIR (not a file layer)."""
    return any("DATA_DIR" in (layer.document.get("variables") or {})
               for layer in config.layers if layer.kind in ("environment", "override"))


def pointed_data_dir(project_dir: Path) -> Path | None:
    try:
        return Path(json.loads((project_dir / POINTER).read_text(encoding="utf-8"))["data_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read(data_dir: Path) -> Recorded | None:
    try:
        document = json.loads((data_dir / RECORD).read_text(encoding="utf-8"))
        return Recorded(Path(document["data_dir"]), dict(document["variables"]), document["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def variables_for(recorded: Recorded, config: Config) -> dict[str, str]:
    """The recorded deployment's variables, with the controller's own settings as configured now."""
    return {**recorded.variables, **{name: config.variables[name] for name in NOT_RECORDED
                                     if name in config.variables}}


def differences(recorded: Recorded, config: Config) -> list[tuple[str, str, str]]:
    """`(name, recorded value, configured value)` for every variable that differs."""
    names = sorted((set(recorded.variables) | set(config.variables)) - NOT_RECORDED)
    return [(name, recorded.variables.get(name, ""), config.variables.get(name, ""))
            for name in names if recorded.variables.get(name, "") != config.variables.get(name, "")]


def has_run(data_dir: Path) -> bool:
    """Whether a backend ever ran on `data_dir` (it creates the directory and its databases
    there at its first start): its administrator and JWT secret exist from then on."""
    return data_dir.is_dir() and any(data_dir.iterdir())
