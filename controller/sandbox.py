"""`rapydo check`: can this host's worker run jobs in bubblewrap (JOB_SANDBOX)?

The controller imports nothing of the backend (backend/workflows/sandbox.py decides how
jobs run): it looks for bwrap and starts one empty sandbox with the namespaces a job's gets.
What usually fails is that last part (a container without the rights, user namespaces
switched off), so that is what is tried.
"""

from __future__ import annotations

import os
import shutil
import subprocess

PROBE_TIMEOUT = 30


def check(variables: dict) -> tuple[bool, str]:
    """(ok, description) for `rapydo check`."""
    mode = str(variables.get("JOB_SANDBOX") or "bwrap")
    if mode == "none":
        return True, ("JOB_SANDBOX=none: jobs run unsandboxed, as the worker's user "
                      "(for trusted workflows only)")
    found = shutil.which("bwrap")
    if found is None:
        return False, "bubblewrap for JOB_SANDBOX=bwrap: bwrap not found (install the bubblewrap package)"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return False, "setpriv (util-linux) for JOB_SANDBOX=bwrap: not found (root's jobs drop root with it)"
    if shutil.which("prlimit") is None:
        return False, "prlimit (util-linux) for JOB_SANDBOX=bwrap: not found (it limits a job's processes)"
    argv = [found, "--die-with-parent", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
            "--unshare-net", *([] if os.geteuid() == 0 else ["--unshare-user"]),
            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap starts a sandbox: {exc}"
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return False, f"bubblewrap starts a sandbox: {said}"
    return True, f"bubblewrap starts a sandbox for jobs ({found})"
