"""How a job's tools run: the one place that decides it (DESIGN.md).

JOB_SANDBOX=bwrap (the default): each attempt's cwltool, and with it every tool it starts,
runs inside bubblewrap as an unprivileged user, and sees only
  - the attempt's work directory (staged inputs, outputs, its tmp), read-write, at its own
    path (the job order and cwltool's output object name it so); a private /tmp;
  - /usr (and the merged-/usr links /bin, /lib...) and a few files of /etc, read-only;
  - the Python that runs cwltool, read-only, under /opt/rapydo (it may live in a home,
    /root/.pyenv, or in the checkout, .venv: neither is visible, only these copies' trees);
  - its own /proc (its own processes only) and a minimal /dev;
never DATA_DIR (vault, catalog, users, secrets, other jobs), the checkout and its settings,
or a home. Its environment is built here (nothing inherited); it has no network unless the
workflow asks for it (CWL NetworkAccess) and JOB_NETWORK allows it.

Root sets the sandbox up with root's rights (so that it can reach what it binds) and the
job drops to `nobody` before cwltool starts (setpriv); any other user runs bwrap in a user
namespace as itself (the compose image's worker). The outer bwrap stays the cwltool
process group's leader and dies with the worker; the sandbox's processes die with it
(--die-with-parent, a PID namespace): cancelling and lost-worker clean-up work unchanged.

Docker is not given to sandboxed jobs: its socket is root on the host. Under bwrap the
tools of DockerRequirement steps run in bubblewrap (without their image);
CWL_CONTAINERS=always needs JOB_SANDBOX=none.

JOB_SANDBOX=none: cwltool runs as the worker and sees what it sees (a warning at every
worker start). With no usable sandbox, jobs are refused: each fails saying why, the worker
says so when it starts, and /api/status shows it (the worker records its finding).
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import resource
import shutil
import site
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from backend.errors import ServiceUnavailable, Unprocessable
from backend.settings import Settings
from backend.workflows import cwlrun

log = logging.getLogger(__name__)

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What tools and the Python runtime read in /etc (Debian's commands are /etc/alternatives links).
ETC = ("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "mime.types")
# Name resolution and TLS roots, for jobs that have network.
ETC_NETWORK = ("resolv.conf", "hosts", "nsswitch.conf", "host.conf", "gai.conf", "ssl/certs",
               "ca-certificates", "ca-certificates.conf")
INSIDE = Path("/opt/rapydo")
PATH = "/usr/local/bin:/usr/bin:/bin"
ACCOUNT = "nobody"  # who root's jobs run as
TMP_SIZE = 256 * 1024 * 1024  # /tmp is memory: tools write big files in TMPDIR (the work dir)
PROBE_TIMEOUT = 60
RECORD = Path("run") / "sandbox.json"
DOCKER_SOCKET = Path("/var/run/docker.sock")

_working: set[tuple] = set()  # settings a probe found working, in this process


@dataclass(frozen=True)
class Python:
    """The interpreter that runs cwltool, as seen inside: read-only binds (host -> inside)."""

    binds: tuple[tuple[str, str], ...]
    executable: str
    site_dirs: tuple[str, ...]
    library_path: str | None  # pyenv builds name libpython by an absolute RUNPATH


@dataclass(frozen=True)
class Launch:
    """How one attempt starts cwltool."""

    argv: list[str]
    env: dict[str, str]


def _visible(path: Path) -> bool:
    return any(path == Path(top) or Path(top) in path.parents for top in SYSTEM_DIRS)


def python() -> Python:
    moved: dict[Path, Path] = {}
    base, prefix = Path(os.path.realpath(sys.base_prefix)), Path(os.path.realpath(sys.prefix))
    if not _visible(base):
        moved[base] = INSIDE / "python"
    if prefix != base and not _visible(prefix):
        moved[prefix] = INSIDE / "venv"

    def inside(path: str) -> str | None:
        real = Path(os.path.realpath(path))
        for host, there in moved.items():
            if real == host or host in real.parents:
                return str(there / real.relative_to(host))
        return str(real) if _visible(real) else None

    site_dirs = tuple(found for found in map(inside, site.getsitepackages()) if found)
    return Python(binds=tuple((str(host), str(there)) for host, there in moved.items()),
                  executable=inside(sys.executable) or sys.executable, site_dirs=site_dirs,
                  library_path=str(moved[base] / "lib") if base in moved else None)


def _cwltool_prefix(runtime: Python) -> list[str]:
    # -I -S: none of the host's site configuration or PYTHON* variables; the sandbox's site
    # directories are added explicitly (their .pth files too).
    boot = (f"import site, sys; [site.addsitedir(d) for d in {list(runtime.site_dirs)!r}]; "
            "import cwltool.main; sys.exit(cwltool.main.run())")
    return [runtime.executable, "-I", "-S", "-B", "-c", boot]


def _dirs(path: Path, made: set[Path]) -> list[str]:
    """The parents of a mount point, readable: those bwrap makes itself are 0700 (root's,
    when root runs it)."""
    argv = []
    for parent in reversed([path, *path.parents][1:]):
        if parent != Path("/") and parent not in made:
            made.add(parent)
            argv += ["--perms", "0755", "--dir", str(parent)]
    return argv


def _bwrap(runtime: Python, work: Path | None, network: bool) -> list[str]:
    argv = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "job"]
    if not network:
        argv.append("--unshare-net")
    if os.geteuid() != 0:
        argv.append("--unshare-user")
    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for name in ETC + (ETC_NETWORK if network else ()):
        argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    made: set[Path] = set()
    for host, there in runtime.binds:
        argv += [*_dirs(Path(there), made), "--ro-bind", host, there]
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", "/tmp"]
    made.add(Path("/tmp"))
    if work is not None:
        argv += [*_dirs(work, made), "--bind", str(work), str(work), "--chdir", str(work)]
    if os.geteuid() == 0:  # setpriv needs them to drop to the account; nothing keeps them
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    argv.append("--")
    if os.geteuid() == 0:
        uid, gid = account()
        argv += [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={gid}",
                 "--clear-groups", "--inh-caps=-all", "--no-new-privs", "--"]
    return argv


def account() -> tuple[int, int]:
    """The uid and gid root's jobs run as."""
    try:
        entry = pwd.getpwnam(ACCOUNT)
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def _environment(work: Path, job_id: str, runtime: Python | None) -> dict[str, str]:
    tmp = str(work / "tmp")
    env = {"PATH": PATH, "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8", "USER": "job",
           "LOGNAME": "job", cwlrun.JOB_MARKER: job_id}
    if runtime is None:  # unsandboxed: the host's tools, wherever its PATH finds them
        env.update({name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "TZ", "USER")
                    if name in os.environ})
    elif runtime.library_path:
        env["LD_LIBRARY_PATH"] = runtime.library_path
    return env


def containers(settings: Settings) -> bool:
    """Whether cwltool runs DockerRequirement steps in containers."""
    if settings.job_sandbox != "none":
        return False  # the engine's socket would hand the job the host
    mode = settings.cwl_containers
    return mode == "always" or (mode == "auto" and DOCKER_SOCKET.exists())


def launch(settings: Settings, work: Path, workflow: Path, job_order: Path, job_id: str,
           cwl: str) -> Launch:
    """The command and environment of this attempt's cwltool; ServiceUnavailable (the job
    fails saying why) when jobs may not run here, Unprocessable when the workflow requires
    what this deployment does not give."""
    if settings.job_sandbox == "none":
        argv = cwlrun.command(workflow, job_order, work, containers=containers(settings))
        return Launch(argv, _environment(work, job_id, None))
    require(settings)
    wanted = network_asked(cwl)
    if wanted == "requirements" and not settings.job_network:
        raise Unprocessable("the workflow requires network access (NetworkAccess) and this "
                            "deployment gives jobs none (JOB_NETWORK=false)")
    runtime = python()
    argv = cwlrun.command(workflow, job_order, work, containers=False,
                          cwltool=_cwltool_prefix(runtime))
    return Launch(_bwrap(runtime, work, bool(wanted) and settings.job_network) + _limits(settings) + argv,
                  _environment(work, job_id, runtime))


def _limits(settings: Settings) -> list[str]:
    """Resource limits of everything in the sandbox (prlimit, util-linux): processes and
    threads of the job's account (a fork bomb stops there, not at the host's limit) and
    the size of any one file it writes. 0 leaves a limit as the host has it."""
    limits = [f"--{name}={value}:{value}" for name, value in
              (("nproc", _capped(resource.RLIMIT_NPROC, settings.job_max_processes)),
               ("fsize", _capped(resource.RLIMIT_FSIZE, settings.job_max_file_size))) if value]
    return [shutil.which("prlimit") or "prlimit", *limits, "--"] if limits else []


def _capped(limit: int, wanted: int) -> int:
    """`wanted`, or the host's hard limit when that is lower: the job (no longer root by
    then) may lower a limit but never raise it."""
    hard = resource.getrlimit(limit)[1]
    return min(wanted, hard) if wanted and hard != resource.RLIM_INFINITY else wanted


def hand_over(settings: Settings, work: Path) -> None:
    """Give root's job its work directory (staged as root): the account writes outputs there."""
    if settings.job_sandbox == "none" or os.geteuid() != 0:
        return
    uid, gid = account()
    for folder, folders, files in os.walk(work):
        os.lchown(folder, uid, gid)
        for name in folders + files:
            os.lchown(os.path.join(folder, name), uid, gid)


def network_asked(cwl: str) -> str | None:
    """Where the document asks for network access: "requirements", "hints" or None."""
    try:
        document = yaml.safe_load(cwl)
    except yaml.YAMLError:
        return None  # cwltool will say what is wrong with it
    found: set[str] = set()
    seen: set[int] = set()  # YAML aliases share objects: each is looked at once
    todo = [document]
    while todo:
        node = todo.pop()
        if id(node) in seen or not isinstance(node, (dict, list)):
            continue
        seen.add(id(node))
        todo.extend(node.values() if isinstance(node, dict) else node)
        for section in ("requirements", "hints") if isinstance(node, dict) else ():
            if any(_asks_network(entry) for entry in _entries(node.get(section))):
                found.add(section)
    return "requirements" if "requirements" in found else "hints" if found else None


def _entries(section) -> list:
    if isinstance(section, dict):  # the map form {NetworkAccess: {networkAccess: true}}
        return [{"class": name, **value} for name, value in section.items() if isinstance(value, dict)]
    return section if isinstance(section, list) else []


def _asks_network(entry) -> bool:
    return isinstance(entry, dict) and str(entry.get("class", "")).endswith("NetworkAccess") \
        and entry.get("networkAccess", True) is not False


# --- is there a sandbox? ------------------------------------------------------------------
def problem(settings: Settings) -> str | None:
    """Why jobs cannot run sandboxed here (None: they can, or JOB_SANDBOX=none). A probe
    starts the sandbox once per process; only success is remembered (installing bwrap or
    granting what it needs takes effect without a restart)."""
    if settings.job_sandbox == "none":
        return None
    if settings.cwl_containers == "always":
        return ("CWL_CONTAINERS=always needs the Docker engine, which sandboxed jobs are not "
                "given (its socket is root on the host): set CWL_CONTAINERS=auto or never, or "
                "JOB_SANDBOX=none")
    key = (settings.job_sandbox, os.geteuid())
    if key in _working:
        return None
    found = _probe()
    if found is None:
        _working.add(key)
    return found


def _probe() -> str | None:
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: install the bubblewrap package"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed: root's jobs need it to drop root"
    if shutil.which("prlimit") is None:
        return "prlimit (util-linux) is not installed: it sets the limits of a job's processes"
    runtime = python()
    # The account it runs as is not root, and cwltool loads: what a job needs.
    check = [runtime.executable, "-I", "-S", "-B", "-c",
             f"import os, site, sys; [site.addsitedir(d) for d in {list(runtime.site_dirs)!r}]; "
             "import cwltool.main; sys.exit(os.getuid() == 0)"]
    env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/tmp", "TMPDIR": "/tmp"}
    if runtime.library_path:
        env["LD_LIBRARY_PATH"] = runtime.library_path
    try:
        done = subprocess.run(_bwrap(runtime, None, False) + check, env=env, capture_output=True,
                              text=True, timeout=PROBE_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start a sandbox: {exc}"
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return f"bwrap could not start a sandbox: {said}"
    return None


def require(settings: Settings) -> None:
    """ServiceUnavailable saying why when jobs may not run here (recorded for /api/status,
    as is a sandbox that works again)."""
    found = problem(settings)
    if found is not None:
        _record(settings, found)
        raise ServiceUnavailable(f"jobs cannot run on this worker: no usable sandbox: {found} "
                                 "(or set JOB_SANDBOX=none to run jobs unsandboxed)")
    if _recorded(settings).get("problem"):
        _record(settings, None)


def announce(settings: Settings) -> None:
    """At every worker start: say how jobs will run, and record it for /api/status."""
    found = problem(settings)
    if settings.job_sandbox == "none":
        log.warning("JOB_SANDBOX=none: jobs run unsandboxed as this worker's user, and can read "
                    "and write what it can (DATA_DIR, the settings and their secrets, other "
                    "users' data)")
    elif found:
        log.error("jobs will be refused: no usable sandbox: %s", found)
    else:
        log.info("jobs run in bubblewrap%s", " (network when a workflow requires it)"
                 if settings.job_network else " without network")
        if settings.cwl_containers == "auto" and DOCKER_SOCKET.exists():
            log.warning("a Docker engine answers, but sandboxed jobs are not given it: "
                        "DockerRequirement steps run in bubblewrap without their image")
    _record(settings, found)


def _record(settings: Settings, found: str | None) -> None:
    path = settings.data_dir / RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps({"mode": settings.job_sandbox, "problem": found,
                                   "time": time.time()}), encoding="utf-8")
    partial.replace(path)


def _recorded(settings: Settings) -> dict:
    try:
        record = json.loads((settings.data_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def health(settings: Settings, since: float) -> dict:
    """The `sandbox` entry of /api/status: what a worker found when it started or last ran a
    job, since `since` (the API's start: an earlier deployment's finding is no news). The
    API does not probe itself: it may run where jobs do not (compose)."""
    if settings.job_sandbox == "none":
        return {"status": "none", "mode": "none",
                "warning": "JOB_SANDBOX=none: jobs run unsandboxed, as the worker's user"}
    record = _recorded(settings)
    if record.get("mode") != settings.job_sandbox or not record.get("time", 0) >= since:
        return {"status": "none", "mode": settings.job_sandbox,
                "detail": "no worker has checked its sandbox yet"}
    if record.get("problem"):
        return {"status": "down", "mode": settings.job_sandbox, "error": record["problem"]}
    return {"status": "ok", "mode": settings.job_sandbox, "network": settings.job_network}
