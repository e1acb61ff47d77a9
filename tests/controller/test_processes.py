import os
import signal
import subprocess
import sys

import psutil

from controller import processes

IGNORES_SIGTERM = ("import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                   "print('ready', flush=True); time.sleep(600)")


def spawn(code: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    return child


def test_a_process_that_ignores_sigterm_is_killed_after_the_timeout():
    child = spawn(IGNORES_SIGTERM)
    try:
        processes.stop_tree([psutil.Process(child.pid)], sig=signal.SIGTERM, timeout=0.5)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()


def test_the_whole_collected_tree_is_stopped():
    # A parent that leaves an orphan behind when SIGTERMed: the orphan was collected first.
    code = ("import subprocess, sys, time; "
            f"c = subprocess.Popen([sys.executable, '-c', {IGNORES_SIGTERM!r}], stdout=subprocess.PIPE); "
            "c.stdout.readline(); print('ready', flush=True); time.sleep(600)")
    parent = spawn(code)
    try:
        tree = processes.process_tree(psutil.Process(parent.pid))
        assert len(tree) == 2
        processes.stop_tree(tree, timeout=0.5)
        assert not [proc for proc in tree if processes.is_alive(proc)]
    finally:
        for proc in psutil.Process().children(recursive=True):
            proc.kill()
        parent.wait()
        parent.stdout.close()


def test_pid_files(tmp_path):
    pid_file = tmp_path / "run" / "api.pid"
    assert processes.read_pid(pid_file) is None
    processes.write_pid(pid_file, 4711)
    assert processes.read_pid(pid_file) == 4711
    pid_file.write_text("garbage")
    assert processes.read_pid(pid_file) is None
    processes.remove_file(pid_file)
    processes.remove_file(pid_file)
    assert not pid_file.exists()


def test_a_live_pid_without_our_marker_is_not_ours():
    assert processes.find_process(os.getpid()) is not None
    assert processes.find_process(os.getpid(), marker=("RAPYDO_API_PIDFILE", "/nowhere/api.pid")) is None
    assert processes.find_process(None) is None


def test_a_zombie_counts_as_gone():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    proc = psutil.Process(child.pid)
    assert processes.wait_gone([proc], timeout=30) == []
    child.wait()
