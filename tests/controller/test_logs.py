"""`rapydo logs --tail N`, on log files written here (no process is started)."""

from __future__ import annotations

from tests.controller.test_validation import deployment, run  # noqa: F401  (deployment is a fixture)


def write_logs(data_dir, api: str, worker: str) -> None:
    (data_dir / "logs").mkdir(parents=True)
    (data_dir / "logs" / "api.log").write_text(api)
    (data_dir / "logs" / "worker.log").write_text(worker)


def logs(deployment, *args):
    return run(deployment, "--data-dir", str(deployment / "data"), "logs", *args)


def test_tail_prints_the_last_lines_of_each_log(deployment):
    write_logs(deployment / "data", "".join(f"api {n}\n" for n in range(1, 6)),
               "worker 1\nworker 2\nworker 3")  # no final newline: still three lines
    assert logs(deployment, "--tail", "2").output == "api 4\napi 5\n"
    assert logs(deployment, "worker", "-n", "2").output == "worker 2\nworker 3"
    assert logs(deployment, "--tail", "9").output == "".join(f"api {n}\n" for n in range(1, 6))
    assert logs(deployment, "--tail", "0").output == ""
    both = logs(deployment, "all", "--tail", "1")
    assert both.exit_code == 0, both.output
    api, worker = deployment / "data/logs/api.log", deployment / "data/logs/worker.log"
    assert both.output == f"==> {api} <==\napi 5\n\n==> {worker} <==\nworker 3"


def test_tail_of_a_log_larger_than_a_read_block(deployment):
    write_logs(deployment / "data", "".join(f"line {n:06d} {'x' * 40}\n" for n in range(20000)), "")
    output = logs(deployment, "--tail", "3").output.splitlines()
    assert [line.split()[1] for line in output] == ["019997", "019998", "019999"]


def test_logs_without_any_log_fail(deployment):
    result = logs(deployment, "all", "--tail", "3")
    assert result.exit_code == 1 and "no log yet" in result.output
