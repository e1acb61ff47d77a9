"""python-irodsclient's own test suite passes against the test server (issue 15, point 3).

One test per PRC module: it runs that module from the installed package against a fresh server
(prc_suite.run_module) and fails if a test on neither list fails, if a known failure passes
(that list only shrinks; it is empty and deleted since issue 15), if a listed test no longer
exists or if the server died. Each module runs with the server presenting itself as iRODS 4.3
and as 5.0.
Bounded: prc_suite.TEST_TIMEOUT per test, prc_suite.MODULE_TIMEOUT per module.
The table per module: python -m tests.irods_server.prc_suite
"""

import pytest

from . import prc_suite
from .prc_suite import Lists, ModuleRun, Outcome


@pytest.fixture(scope="module")
def lists():
    return Lists.load()


def test_the_lists_are_well_formed(lists):
    assert lists.problems() == []


def test_an_exclusion_must_name_what_the_project_does_not_model():
    lists = Lists({"data_obj_test.T.test_a": "resources: replicas", "data_obj_test.T.test_b": "fails today"}, {})
    assert len(lists.problems()) == 1 and "test_b" in lists.problems()[0]


def _run(**statuses):
    outcomes = {f"m_test.T.{name}": Outcome(status) for name, status in statuses.items()}
    return ModuleRun("m", list(outcomes), outcomes, 0.0, False, 0, True, "/nowhere")


def test_the_verdict_fails_on_an_unlisted_failure_and_on_a_known_failure_that_passes():
    lists = Lists({}, {"m_test.T.known_fails": "x", "m_test.T.known_passes": "x", "m_test.T.gone": "x"})
    verdict = prc_suite.judge(_run(ok="passed", new="error", known_fails="failed", known_passes="passed"), lists)
    assert list(verdict.unexpected) == ["m_test.T.new"]
    assert verdict.fixed == ["m_test.T.known_passes"]
    assert verdict.stale == ["m_test.T.gone"]
    assert not verdict.ok
    assert prc_suite.judge(_run(ok="passed", known_fails="error"), Lists({}, {"m_test.T.known_fails": "x"})).ok


@pytest.mark.parametrize("version", ["4.3", "5.0"])  # the server presents itself as either release
@pytest.mark.parametrize("module", prc_suite.MODULES)
def test_prc_module(module, version, lists, tmp_path):
    run = prc_suite.run_module(module, tmp_path, excluded=lists.for_module(module).excluded,
                               version=version)
    verdict = prc_suite.judge(run, lists)
    print(verdict.report(verbose=True))
    assert verdict.ok, verdict.report()
