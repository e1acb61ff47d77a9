"""python-irodsclient's own test suite against tests/irods_server (issue 15, point 3).

Each PRC test module (``irods.test.<name>_test``, imported from the installed package, never
copied here) runs in its own child process (prc_runner.py) against a fresh test server in its
own process, administrator rods:rods in tempZone, as PRC's suite expects. The child sees a
private HOME holding ``.irods/irods_environment.json`` and ``.irods/.irodsA`` (PRC's helpers
read both, and some tests open ``~/.irods/...`` by name), a private TMPDIR and working
directory, no inherited IRODS_* / PYTHON_IRODSCLIENT_* variables and a fixed PYTHONHASHSEED
(PRC's ``unique_name`` hashes its seeds), so nothing leaks between modules or runs.

Two lists, one id a line (``collection_test.TestCollection.test_x  # reason``), grouped by reason:
- prc_exclusions.txt: tests not run at all, ONLY for what the project does not model; each reason
  starts with its category (EXCLUSION_CATEGORIES).
- prc_known_failures.txt: TEMPORARY. Tests that fail today and must pass once issue 15 is fixed,
  each with what the server does wrong. judge() fails when one of them passes (take it off the
  list: the list only shrinks) and when a test on neither list fails. Deleted once empty (a
  missing file lists nothing).

Bounded time: each test has TEST_TIMEOUT seconds (SIGALRM in the child); each module has
MODULE_TIMEOUT seconds in all, after which its process group is killed and the tests it did not
report count as errors. Thirteen modules: at most 13 x MODULE_TIMEOUT.

The table per module (passed, failed, error, skipped, excluded, known failures, other failures,
seconds): ``python -m tests.irods_server.prc_suite [-v] [--keep DIR] [MODULE ...]``.

What PRC's suite assumes and this harness provides or leaves: the environment file and .irodsA
under ~/.irods (some tests read ~/.irods/irods_environment.json and ~/.irods/.irodsA by name, so
HOME is private rather than only IRODS_ENVIRONMENT_FILE set); the user running it is a rodsadmin;
a resource demoResc exists. pool_test writes copies of its test-data/*.json (host and port
filled in) into the installed irods/test/test-data directory, so the venv must be writable and two
runs must not share one venv at the same time. A few data_obj_test tests write client-side files
at fixed /tmp paths (/tmp/obj_put_get_test_file, /tmp/force_get_test_file,
/tmp/test_open_file_with_options.txt); they remove them when they pass.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .process import REPO_ROOT, IrodsProcess

HERE = Path(__file__).resolve().parent
EXCLUSIONS = HERE / "prc_exclusions.txt"
KNOWN_FAILURES = HERE / "prc_known_failures.txt"

MODULES = ("message", "connection", "pool", "collection", "data_obj", "meta", "access", "ticket", "query",
           "user_group", "unicode", "admin", "temp_password")
ZONE, ADMIN, PASSWORD = "tempZone", "rods", "rods"
HOST = "localhost"  # as a stock iRODS installation's environment names it; the server listens on 127.0.0.1

# What the project does not model: the only grounds for an exclusion (a reason starts with one).
# "client race": a race inside python-irodsclient itself, which no server can avoid or cause.
EXCLUSION_CATEGORIES = ("resources", "rules", "specific queries", "genquery2", "zones", "quotas",
                        "hard-coded host", "server-side files", "client race")

# The slowest test today (query_test's test_paging_get_batches_and_check_paging__166) takes ~60 s
# because every GenQuery page scans the catalog; the slowest module (query) ~110 s.
TEST_TIMEOUT = 120.0
MODULE_TIMEOUT = 300.0
FAILING = ("failed", "error")
TEARDOWN_FIXTURES = ("tearDownClass", "tearDownModule")


# --- the two lists ---------------------------------------------------------------------------

def read_list(path):
    """{test id: reason} from ``id  # reason`` lines; comment and blank lines are skipped."""
    entries = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        test_id, sep, reason = line.partition("#")
        test_id, reason = test_id.strip(), reason.strip()
        if not sep or not reason or " " in test_id:
            raise ValueError(f"{path}:{number}: expected 'module_test.Class.test  # reason', got {line!r}")
        if test_id in entries:
            raise ValueError(f"{path}:{number}: {test_id} is listed twice")
        entries[test_id] = reason
    return entries


@dataclass
class Lists:
    excluded: dict
    known: dict

    @classmethod
    def load(cls, exclusions=EXCLUSIONS, known_failures=KNOWN_FAILURES):
        # The known failures' file is deleted once empty: no file, no known failure.
        known = read_list(known_failures) if Path(known_failures).exists() else {}
        return cls(read_list(exclusions), known)

    def for_module(self, module):
        prefix = f"{module}_test."
        return (Lists({k: v for k, v in self.excluded.items() if k.startswith(prefix)},
                      {k: v for k, v in self.known.items() if k.startswith(prefix)}))

    def problems(self):
        """What is wrong with the lists themselves, whatever the server does."""
        out = []
        for test_id, reason in self.excluded.items():
            if not reason.lower().startswith(EXCLUSION_CATEGORIES):
                out.append(f"exclusion of {test_id}: reason {reason!r} names none of {EXCLUSION_CATEGORIES}")
        for test_id in sorted(self.excluded.keys() & self.known.keys()):
            out.append(f"{test_id} is both excluded and a known failure")
        for test_id in sorted(self.excluded.keys() | self.known.keys()):
            if test_id.split("_test.", 1)[0] not in MODULES:
                out.append(f"{test_id}: not in one of the modules run ({', '.join(MODULES)})")
        return out


# --- one module's run ------------------------------------------------------------------------

@dataclass
class Outcome:
    status: str  # passed | failed | error | skipped | excluded
    seconds: float = 0.0
    message: str = ""

    @property
    def summary(self):
        """The exception line of each traceback in the chain: a failing cleanup (a finally: or
        tearDown) must not hide what failed first."""
        parts = re.split(r"\n\n(?:During handling of the above exception, another exception occurred|"
                         r"The above exception was the direct cause of the following exception):\n\n", self.message)
        ends = []
        for part in parts:
            lines = [line.strip() for line in part.strip().splitlines() if line.strip()]
            if lines:
                ends.append(lines[-1][:200])
        return " / then: ".join(ends)


@dataclass
class ModuleRun:
    module: str
    planned: list
    outcomes: dict  # test id -> Outcome (planned ids, plus failing tearDown fixtures)
    seconds: float
    timed_out: bool
    returncode: int
    server_alive: bool
    workdir: Path


def write_client_environment(home, port):
    """~/.irods as `iinit` leaves it for the administrator, in a private HOME."""
    from irods.password_obfuscation import encode

    irods_dir = home / ".irods"
    irods_dir.mkdir(parents=True, exist_ok=True)
    env_file, auth_file = irods_dir / "irods_environment.json", irods_dir / ".irodsA"
    env_file.write_text(json.dumps({"irods_host": HOST, "irods_port": port, "irods_user_name": ADMIN,
                                    "irods_zone_name": ZONE}, indent=4))
    auth_file.write_text(encode(PASSWORD))
    auth_file.chmod(0o600)
    return env_file, auth_file


def child_environment(workdir, port):
    home, tmp = workdir / "home", workdir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    env_file, auth_file = write_client_environment(home, port)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("IRODS_", "PYTHON_IRODSCLIENT_", "PYTHONPATH", "PYTHONHASHSEED"))}
    env.update(HOME=str(home), TMPDIR=str(tmp), IRODS_ENVIRONMENT_FILE=str(env_file),
               IRODS_AUTHENTICATION_FILE=str(auth_file), PYTHONPATH=str(REPO_ROOT), PYTHONHASHSEED="0",
               PYTHONUNBUFFERED="1")
    return env


def run_module(module, workdir, excluded=(), test_timeout=TEST_TIMEOUT, module_timeout=MODULE_TIMEOUT,
               version="4.3"):
    """Run irods.test.<module>_test against a fresh server; every planned test gets an Outcome."""
    workdir = Path(workdir)
    cwd = workdir / "cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    results, skip_file = workdir / "results.jsonl", workdir / "excluded.txt"
    skip_file.write_text("".join(f"{test_id}\n" for test_id in excluded))
    started = time.monotonic()
    with open(workdir / "server.log", "w") as server_log, open(workdir / "client.log", "w") as client_log:
        server = IrodsProcess(zone=ZONE, admin=(ADMIN, PASSWORD), users=(), stderr=server_log,
                              version=version).start()
        try:
            argv = [sys.executable, "-m", "tests.irods_server.prc_runner", f"{module}_test", "--out", str(results),
                    "--skip", str(skip_file), "--test-timeout", str(test_timeout)]
            child = subprocess.Popen(argv, cwd=cwd, env=child_environment(workdir, server.port),
                                     stdin=subprocess.DEVNULL, stdout=client_log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
            timed_out = False
            try:
                child.wait(module_timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            _kill_group(child.pid)  # the child's own children too (PRC's tests fork some)
            child.wait()
            server_alive = server.running
        finally:
            server.stop()
    seconds = time.monotonic() - started
    planned, outcomes = _read_results(results, module, excluded, timed_out, child.returncode, module_timeout)
    return ModuleRun(module, planned, outcomes, round(seconds, 1), timed_out, child.returncode, server_alive, workdir)


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _read_results(path, module, excluded, timed_out, returncode, module_timeout):
    planned, outcomes, fixtures = [], {}, {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill
            if event["event"] == "planned":
                planned = event["ids"]
            elif event["event"] == "outcome":
                outcomes[event["id"]] = Outcome(event["status"], event["seconds"], event["message"])
            elif event["event"] == "fixture":
                fixtures[event["id"]] = Outcome(event["status"], 0.0, event["message"])
    if timed_out:
        missing = f"not run: the module ran out of its {module_timeout:.0f} s"
    else:
        missing = f"not run: the runner exited with code {returncode}"
    for test_id in planned:
        if test_id in excluded:
            outcomes[test_id] = Outcome("excluded")
        elif test_id not in outcomes:
            cls, module_fixture = test_id.rsplit(".", 1)[0], f"{module}_test.setUpModule"
            fixture = fixtures.get(f"{cls}.setUpClass") or fixtures.get(module_fixture)
            if fixture is not None:
                outcomes[test_id] = Outcome(fixture.status, 0.0, "setUpClass: " + fixture.message)
            else:
                outcomes[test_id] = Outcome("error", 0.0, missing)
    for fixture_id, fixture in fixtures.items():
        if fixture_id.endswith(TEARDOWN_FIXTURES) or not planned:
            outcomes[fixture_id] = fixture  # counted as a test of its own: it can fail on its own
    return planned, outcomes


# --- the verdict -----------------------------------------------------------------------------

@dataclass
class Verdict:
    run: ModuleRun
    counts: Counter
    unexpected: dict = field(default_factory=dict)  # failing, on neither list
    fixed: list = field(default_factory=list)  # known failures that pass now
    stale: list = field(default_factory=list)  # listed ids the module does not have

    @property
    def ok(self):
        return not (self.unexpected or self.fixed or self.stale or not self.run.server_alive
                    or not self.run.planned)

    def report(self, verbose=False):
        run = self.run
        lines = [f"{run.module}_test: {format_counts(self.counts)} in {run.seconds:.0f} s"]
        if not self.ok:
            lines.append(f"  logs and results: {run.workdir}")
        if not run.planned:
            lines.append("  the module reported no tests (import failed?)")
        if not run.server_alive:
            lines.append("  the test server died during the run (see server.log)")
        for test_id, outcome in sorted(self.unexpected.items()):
            lines.append(f"  {outcome.status.upper()} (on neither list) {test_id}: {outcome.summary}")
        for test_id in self.fixed:
            status = self.run.outcomes[test_id].status if test_id in self.run.outcomes else "gone"
            lines.append(f"  NO LONGER FAILS ({status}) {test_id}: take it off prc_known_failures.txt")
        for test_id in self.stale:
            lines.append(f"  NO SUCH TEST {test_id}: listed, but {run.module}_test does not have it")
        if verbose:
            for test_id, outcome in sorted(run.outcomes.items()):
                if outcome.status not in ("passed", "excluded") and test_id not in self.unexpected:
                    lines.append(f"  {outcome.status} {test_id}: {outcome.summary}")
        return "\n".join(lines)


def judge(run, lists):
    mine = lists.for_module(run.module)
    counts = Counter(outcome.status for outcome in run.outcomes.values())
    counts["known"] = sum(1 for t in mine.known if t in run.outcomes and run.outcomes[t].status in FAILING)
    verdict = Verdict(run, counts)
    for test_id, outcome in run.outcomes.items():
        if outcome.status in FAILING and test_id not in mine.known and test_id not in mine.excluded:
            verdict.unexpected[test_id] = outcome
    for test_id in sorted(mine.known):
        outcome = run.outcomes.get(test_id)
        if outcome is None and test_id.endswith(TEARDOWN_FIXTURES):
            verdict.fixed.append(test_id)  # the fixture no longer fails
        elif outcome is None:
            verdict.stale.append(test_id)
        elif outcome.status not in FAILING:
            verdict.fixed.append(test_id)
    verdict.stale += sorted(t for t in mine.excluded if t not in run.planned)
    return verdict


# failed + error = known (listed in prc_known_failures.txt) + other (on neither list: the verdict fails)
COLUMNS = ("passed", "failed", "error", "skipped", "excluded", "known")


def format_counts(counts):
    return ", ".join(f"{counts[c]} {c}" for c in COLUMNS)


def table(verdicts):
    header = f"{'module':<15}" + "".join(f"{c:>9}" for c in COLUMNS) + f"{'other':>8}{'seconds':>9}"
    rows, total, seconds = [header], Counter(), 0.0
    for v in verdicts:
        total.update(v.counts)
        seconds += v.run.seconds
        rows.append(f"{v.run.module:<15}" + "".join(f"{v.counts[c]:>9}" for c in COLUMNS)
                    + f"{len(v.unexpected):>8}{v.run.seconds:>9.0f}")
    rows.append(f"{'total':<15}" + "".join(f"{total[c]:>9}" for c in COLUMNS)
                + f"{sum(len(v.unexpected) for v in verdicts):>8}{seconds:>9.0f}")
    return "\n".join(rows)


# --- command line ----------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.irods_server.prc_suite", description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=f"default: all of {', '.join(MODULES)}")
    parser.add_argument("--keep", type=Path, help="keep each module's logs and results under this directory")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--run-excluded", action="store_true", help="run the excluded tests too (to audit the list)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list known failures and skips")
    parser.add_argument("--irods-version", default="4.3", help="the release the server presents itself as (4.3, 5.0)")
    args = parser.parse_args(argv)
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown modules {sorted(unknown)}; choose from {', '.join(MODULES)}")
    lists = Lists.load()
    problems = lists.problems()
    base = args.keep or Path(tempfile.mkdtemp(prefix="prc-suite-"))
    verdicts = []
    for module in args.modules or MODULES:
        workdir = base / module
        shutil.rmtree(workdir, ignore_errors=True)
        excluded = () if args.run_excluded else lists.for_module(module).excluded
        verdict = judge(run_module(module, workdir, excluded=excluded, version=args.irods_version), lists)
        print(verdict.report(args.verbose), flush=True)
        verdicts.append(verdict)
    print()
    print(table(verdicts))
    if args.json:
        args.json.write_text(json.dumps({v.run.module: {"seconds": v.run.seconds, "outcomes": {
            t: o.__dict__ for t, o in v.run.outcomes.items()}} for v in verdicts}, indent=1))
    ok = all(v.ok for v in verdicts)
    if not args.keep and ok:
        shutil.rmtree(base, ignore_errors=True)
    for problem in problems:
        print("list problem:", problem)
    return 0 if not problems and ok else 1


if __name__ == "__main__":
    sys.exit(main())
