"""What the runner reads from cwltool's log, on logs of real cwltool runs of the example
workflows (cwltool runs here as the runner starts it, without storage or a worker)."""

from __future__ import annotations

import json
import subprocess

import pytest

from backend.workflows import cwlrun
from backend.workflows.cwlrun import StepTracker
from backend.workflows.validation import validate
from tests.workflows.deployment import example


def _run(tmp_path, name: str, inputs: dict) -> tuple[int, list[str], list[str]]:
    """cwltool on an example: its exit code, its stderr lines, the workflow's steps."""
    work = tmp_path / "work"
    for part in ("outputs", "tmp"):
        (work / part).mkdir(parents=True)
    document = work / f"{name}.cwl"
    document.write_text(example(name))
    order = work / "job.json"
    order.write_text(json.dumps(inputs))
    done = subprocess.run(cwlrun.command(document, order, work, containers=False),
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stderr.splitlines(), validate(example(name))["steps"]


def _events(lines: list[str], steps: list[str]):
    tracker = StepTracker(steps=steps)
    return tracker, [event for line in lines for event in tracker.feed(line) if event.status
                     or event.exit_code is not None]


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("a b c\nd e\n")
    return {"class": "File", "path": str(path)}


def test_a_failing_step_its_exit_code_and_its_stderr(tmp_path, text):
    code, lines, steps = _run(tmp_path, "fails-on-purpose", {"text": text})
    tracker, events = _events(lines, steps)

    assert code != 0  # cwltool's own entry point reports the failure
    assert [(e.step, e.status, e.exit_code) for e in events] == [
        ("copy", "running", None), ("copy", "successful", 0),
        ("fail", "running", None), ("fail", None, 3), ("fail", "failed", None)]
    assert tracker.stderr_tail("fail") == "failing on purpose"
    assert tracker.stderr_tail("copy") == ""
    assert "exited with status: 3" in tracker.log_of("fail")


def test_scattered_instances_count_for_their_step(tmp_path, text):
    other = tmp_path / "other.txt"
    other.write_text("x\n")
    code, lines, steps = _run(tmp_path, "scatter-line-count",
                              {"files": [text, {"class": "File", "path": str(other)}]})
    tracker, events = _events(lines, steps)

    assert code == 0
    assert [(e.step, e.status) for e in events if e.status] == [("count", "running"),
                                                              ("count", "successful")]
    assert "[job count_2]" in tracker.log_of("count")  # the second instance's lines too


def test_a_single_tool_is_one_step_named_after_its_document(tmp_path, text):
    tracker = StepTracker(steps=[])
    lines = ["INFO [job wordcount] /tmp/x$ wc -w < in.txt", "some stderr",
             "INFO [job wordcount] completed success"]
    events = [event for line in lines for event in tracker.feed(line) if event.status]
    assert [(e.step, e.status, e.exit_code) for e in events] == [
        ("wordcount", "running", None), ("wordcount", "successful", 0)]
    assert tracker.stderr_tail("wordcount") == "some stderr"
