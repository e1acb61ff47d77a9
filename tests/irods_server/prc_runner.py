"""Child side of the PRC-suite harness (prc_suite.py): run ONE of python-irodsclient's own test
modules, imported from the installed package (``irods.test.<module>``), with unittest.

    python -m tests.irods_server.prc_runner MODULE --out RESULTS.jsonl [--skip IDS_FILE]
                                                   [--test-timeout SECONDS]

Every event is written to RESULTS as one JSON line and flushed at once, so whatever was learnt
survives a crash or a kill of this process:
  {"event": "planned", "ids": [...]}                    every test the module has, before any runs
  {"event": "outcome", "id", "status", "seconds", "message"}   status: passed|failed|error|skipped
  {"event": "fixture", "id", "status", "message"}       a setUpClass/setUpModule/tearDown* error
                                                        (status error|failed) or skip (skipped)
  {"event": "done"}
Ids drop the ``irods.test.`` prefix: ``collection_test.TestCollection.test_create``.
Tests named in IDS_FILE (one id a line) are not run at all (the harness's exclusions).
Each test gets SECONDS of wall time (SIGALRM raises in it); fixtures are bounded only by the
harness's per-module timeout.
"""

import argparse
import json
import os
import signal
import sys
import time
import traceback
import unittest

PREFIX = "irods.test."
MESSAGE_LIMIT = 12000  # characters of traceback kept per outcome (the end of a chained one)


class TestTimeout(Exception):
    pass


def short_id(test_id):
    return test_id[len(PREFIX):] if test_id.startswith(PREFIX) else test_id


def flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from flatten(item)
        else:
            yield item


def fixture_id(description):
    """unittest names a failed fixture "setUpClass (irods.test.m.Class)"; ours is "m.Class.setUpClass"."""
    name, _, where = description.partition(" (")
    return short_id(where.rstrip(")")) + "." + name if where else short_id(description)


class JsonLinesResult(unittest.TestResult):
    def __init__(self, out, test_timeout):
        super().__init__()
        self.out = out
        self.test_timeout = test_timeout
        self._current = None  # [status, message] of the test running
        self._started = 0.0

    def emit(self, **event):
        self.out.write(json.dumps(event) + "\n")
        self.out.flush()

    def _message(self, err):
        text = "".join(traceback.format_exception(*err))
        return text[-MESSAGE_LIMIT:]

    def startTest(self, test):
        super().startTest(test)
        self._current = ["passed", ""]
        self._started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, self.test_timeout)

    def stopTest(self, test):
        signal.setitimer(signal.ITIMER_REAL, 0)
        super().stopTest(test)
        status, message = self._current
        self.emit(event="outcome", id=short_id(test.id()), status=status,
                  seconds=round(time.monotonic() - self._started, 3), message=message)
        self._current = None

    def _set(self, test, status, message):
        if self._current is None or not hasattr(test, "_testMethodName"):
            self.emit(event="fixture", id=fixture_id(test.id()), status=status, message=message)
        elif self._current[0] in ("passed", "skipped"):
            self._current = [status, message]

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "failed", self._message(err))

    def addError(self, test, err):
        super().addError(test, err)
        self._set(test, "error", self._message(err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skipped", reason)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            status = "failed" if issubclass(err[0], test.failureException) else "error"
            self._set(test, status, f"{subtest.id()}: " + self._message(err))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)  # PRC's own @expectedFailure: counts as passing

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "failed", "unexpected success of a test PRC marks @expectedFailure")


def _alarm(signum, frame):
    raise TestTimeout("the test ran out of its time (SIGALRM from prc_runner)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.irods_server.prc_runner")
    parser.add_argument("module", help="e.g. collection_test")
    parser.add_argument("--out", required=True)
    parser.add_argument("--skip", help="file of test ids not to run, one a line")
    parser.add_argument("--test-timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    skip = set()
    if args.skip:
        with open(args.skip) as f:
            skip = {line.strip() for line in f if line.strip()}
    signal.signal(signal.SIGALRM, _alarm)
    with open(args.out, "w") as out:
        result = JsonLinesResult(out, args.test_timeout)
        try:
            suite = unittest.defaultTestLoader.loadTestsFromName(PREFIX + args.module)
        except Exception:
            result.emit(event="fixture", id=args.module + ".import", status="error",
                        message=traceback.format_exc()[-MESSAGE_LIMIT:])
            result.emit(event="done")
            return 0
        tests = list(flatten(suite))
        result.emit(event="planned", ids=[short_id(t.id()) for t in tests])
        unittest.TestSuite([t for t in tests if short_id(t.id()) not in skip]).run(result)
        result.emit(event="done")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # PRC's tests may leave non-daemon threads (connection pools, parallel transfers) behind:
    # do not wait for them, every result is already written.
    os._exit(code)
