"""Workflow jobs through the API and Celery vs cwltool run directly, in one run.

    .venv/bin/python bench/workflows.py [--repeats 5] [--jobs 100] [--stage-mib 200]

Deployments as `rapydo start` makes them (uWSGI + a Celery worker on the RabbitMQ of
127.0.0.1:5672, local storage backend, a queue of their own), the bench user's jobs
submitted and awaited over HTTP (GET /api/jobs/<id> every 50 ms).

1. Latency: a linear 10-step workflow (tr/rev/sort/... of a 4 KiB text) from POST /api/jobs
   to seeing it successful, vs the same workflow and input run by cwltool directly (in a
   subprocess, as the runner does), without and with --provenance (the runner always
   uses it). Rounds alternate who goes first; one warm-up of each; medians of --repeats.
   Target: API time / direct time <= 1.5.
2. Throughput: --jobs one-step jobs (`cat` of a tiny file) queued at once on a worker with
   --concurrency=2, until all are successful: jobs/s. Baseline: direct cwltool on the same
   workflow one after the other, extrapolated from 5 runs (running --jobs of them would take
   too long); also 10 direct runs 2 at a time (the worker's parallelism: on a 2-CPU host
   cwltool's own start-up is CPU-bound). No target set: the ratios are reported.
3. Stage-in: a --stage-mib file as a job's input (one `wc -c` step). Stage-in time =
   steps[0].started - job.started from the job JSON, which also holds cwltool's start-up
   and its --provenance copy of the input: the same span of a direct cwltool --provenance
   run on the same file (to its first "[step ...] start" line) is measured and subtracted.
   Baseline: a plain GET /api/data of the same object streamed into a new local file (on
   VMs, writing memory never touched before is much slower than writing over pages freed
   just before, so a GET over the previous download is printed too). No target set: MiB/s
   of both and their ratio are reported, with what the jobs left in DATA_DIR/jobs.
   (Run on the deployment of part 2, one job at a time.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from common import OUT, PASSWORD, timed
from transfers import make_file, sendfile_put, socket_get

from tests.live import ADMIN_PASSWORD, RABBITMQ_URL, ROOT, LiveApi, free_port, live_environment  # noqa: E402
from controller.local_engine import LocalEngine  # noqa: E402

MiB = 1024 * 1024
HOME = "/tempZone/home/bench"
FINISHED = ("successful", "failed", "dismissed")
CWLTOOL = [sys.executable, "-c", "import sys, cwltool.main; sys.exit(cwltool.main.run())"]
TOOLS = [["tr", "a-z", "A-Z"], ["rev"], ["tr", "A-Z", "a-z"], ["sort"], ["cat"],
         ["tr", "e", "E"], ["rev"], ["sort", "-r"], ["tr", "E", "e"], ["cat"]]


def workflow(tools: list[list[str]]) -> str:
    """A linear chain: step i runs tools[i] with the previous step's file on stdin."""
    steps, source = [], "text"
    for index, tool in enumerate(tools):
        name = f"s{index + 1}"
        steps.append(f"""  {name}:
    in: {{src: {source}}}
    out: [out]
    run:
      class: CommandLineTool
      baseCommand: {json.dumps(tool)}
      stdin: $(inputs.src.path)
      stdout: {name}.txt
      inputs: {{src: File}}
      outputs: {{out: stdout}}""")
        source = f"{name}/out"
    return ("cwlVersion: v1.2\nclass: Workflow\ninputs: {text: File}\n"
            f"outputs:\n  out: {{type: File, outputSource: {source}}}\nsteps:\n" + "\n".join(steps) + "\n")


class Deployment:
    """One API + worker; the bench user's session and the helpers the parts need."""

    def __init__(self, live: LiveApi, token: str):
        self.live, self.url, self.token = live, live.url, token
        self.http = live.session(token)

    def register(self, cwl: str) -> str:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        answer = self.http.post(self.url + "/api/workflows", json={"name": name, "version": "1.0", "cwl": cwl})
        assert answer.status_code == 201, answer.text
        return f"{name}/1.0"

    def upload(self, path: str, local: Path) -> None:
        sendfile_put(f"{self.url}/api/data{path}?parents=true", self.token, local)

    def submit(self, name: str, path: str) -> str:
        answer = self.http.post(self.url + "/api/jobs", json={
            "workflow": name, "inputs": {"text": {"class": "File", "path": path}},
            "outputs": f"{HOME}/out-{uuid.uuid4().hex[:12]}"})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def job(self, job_id: str) -> dict:
        return self.http.get(f"{self.url}/api/jobs/{job_id}").json()

    def run(self, name: str, path: str) -> tuple[float, dict]:
        """Seconds from POST to seeing the job successful (polled every 50 ms), and its JSON."""
        start = time.perf_counter()
        job_id = self.submit(name, path)
        while (job := self.job(job_id))["status"] not in FINISHED:
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        assert job["status"] == "successful", job
        return elapsed, job

    def count(self, name: str, status: str) -> int:
        return self.http.get(self.url + "/api/jobs", params={
            "status": status, "workflow": name, "limit": 1}).json()["total"]


@contextlib.contextmanager
def deployment(worker_args=(), **settings):
    """A fresh deployment under bench/out with its own queue; worker_args go to celery,
    `settings` to the backend (e.g. PROV_CAPTURE=false)."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
        env = live_environment(Path(data_dir), free_port(), CELERY_BROKER_URL=RABBITMQ_URL,
                               CELERY_QUEUE=f"bench-{uuid.uuid4().hex}", **settings)
        engine = LocalEngine(ROOT, env, worker=True, worker_args=worker_args)
        started = engine.start()
        try:
            live = LiveApi(url=started.url, data_dir=Path(data_dir), pid=started.pid, engine=engine,
                           admin=(started.admin_user, ADMIN_PASSWORD))
            created = live.session(live.admin_token()).post(
                live.url + "/admin/users", json={"username": "bench", "password": PASSWORD, "role": "user"})
            assert created.status_code == 201, created.text
            yield Deployment(live, live.login("bench", PASSWORD))
        finally:
            engine.stop()


def direct(cwl: Path, order: Path, provenance: bool = False) -> tuple[float, float]:
    """cwltool run directly: (seconds in all, seconds to its first "[step ...] start" line)."""
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        extra = ["--provenance", str(Path(scratch) / "ro")] if provenance else []
        start, first = time.perf_counter(), None
        process = subprocess.Popen([*CWLTOOL, "--outdir", scratch, *extra, str(cwl), str(order)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in process.stderr:
            if first is None and "[step " in line and line.rstrip().endswith("start"):
                first = time.perf_counter() - start
        assert process.wait() == 0, f"cwltool failed on {cwl}"
        return time.perf_counter() - start, first


def local_case(scratch: Path, cwl: str, data: Path) -> tuple[Path, Path]:
    document, order = scratch / f"wf-{uuid.uuid4().hex[:6]}.cwl", scratch / f"job-{uuid.uuid4().hex[:6]}.json"
    document.write_text(cwl)
    order.write_text(json.dumps({"text": {"class": "File", "path": str(data)}}))
    return document, order


def synced(action):
    os.sync()  # no run pays for the writes of the one before (as common.timed)
    return action()


def seconds(job: dict, later: str, earlier: str, step: dict | None = None) -> float:
    return (datetime.fromisoformat((step or job)[later]) - datetime.fromisoformat(job[earlier])).total_seconds()


def latency(api: Deployment, scratch: Path, repeats: int) -> None:
    cwl = workflow(TOOLS)
    data = scratch / "input.txt"
    data.write_bytes(b"".join(b"line %04d the quick brown fox jumps over the lazy dog\n" % i for i in range(80)))
    document, order = local_case(scratch, cwl, data)
    name, path = api.register(cwl), f"{HOME}/latency/input.txt"
    api.upload(path, data)
    runs = {"api": lambda: api.run(name, path)[0], "direct": lambda: direct(document, order)[0],
            "provenance": lambda: direct(document, order, provenance=True)[0]}
    for action in runs.values():  # warm-up
        action()
    rows = []
    for round_ in range(repeats):
        keys = ["api", "direct", "provenance"] if round_ % 2 == 0 else ["provenance", "direct", "api"]
        rows.append(row := {key: synced(runs[key]) for key in keys})
        print(f"  10-step run: API {row['api']:.2f}s, cwltool {row['direct']:.2f}s, "
              f"cwltool --provenance {row['provenance']:.2f}s")
    api_s, direct_s, prov_s = (statistics.median(r[k] for r in rows) for k in ("api", "direct", "provenance"))
    print(f"1. 10-step workflow ({data.stat().st_size} B input): API {api_s:.2f}s, cwltool {direct_s:.2f}s, "
          f"cwltool --provenance {prov_s:.2f}s; API/cwltool {api_s / direct_s:.2f}, "
          f"API/cwltool --provenance {api_s / prov_s:.2f} (target <= 1.5)")


def throughput(api: Deployment, scratch: Path, jobs: int) -> None:
    cwl = workflow([["cat"]])
    data = scratch / "tiny.txt"
    data.write_bytes(b"tiny\n")
    document, order = local_case(scratch, cwl, data)
    name, path = api.register(cwl), f"{HOME}/throughput/tiny.txt"
    api.upload(path, data)
    for _ in range(2):  # warm-up
        api.run(name, path)
    before = api.count(name, "successful")
    start = time.perf_counter()
    ids = [api.submit(name, path) for _ in range(jobs)]
    submitted = time.perf_counter() - start
    deadline = time.monotonic() + 60 + 30 * jobs  # a job stuck for good ends the wait
    while (done := api.count(name, "successful") - before) + api.count(name, "failed") < jobs \
            and time.monotonic() < deadline:
        time.sleep(0.25)
    total = time.perf_counter() - start
    bodies = [body for body in map(api.job, ids) if body["status"] == "successful"]
    server = (max(datetime.fromisoformat(b["finished"]) for b in bodies)
              - min(datetime.fromisoformat(b["created"]) for b in bodies)).total_seconds()
    per_job = statistics.median(seconds(b, "finished", "started") for b in bodies)
    direct(document, order, provenance=True)  # warm-up
    plain = statistics.median(direct(document, order)[0] for _ in range(5))
    prov = statistics.median(direct(document, order, provenance=True)[0] for _ in range(5))
    with ThreadPoolExecutor(2) as pool:  # as many at a time as the worker runs
        start_pair = time.perf_counter()
        list(pool.map(lambda _: direct(document, order, provenance=True), range(10)))
        pair = (time.perf_counter() - start_pair) / 10
    rate = jobs / total
    print(f"2. {jobs} one-step jobs, worker --concurrency=2: {done} successful, "
          f"{jobs - done} not, in {total:.1f}s: {rate:.2f} jobs/s (submitting took {submitted:.1f}s; "
          f"first created to last finished {server:.1f}s; median job started->finished {per_job:.2f}s)")
    print(f"   baseline, extrapolated from 5 runs (NOT {jobs}): direct cwltool one after the other "
          f"{plain:.2f}s/job = {1 / plain:.2f} jobs/s ({jobs * plain:.0f}s for {jobs}), with --provenance "
          f"{prov:.2f}s/job = {1 / prov:.2f} jobs/s; API with 2 workers / sequential cwltool "
          f"{rate * plain:.2f} ({rate * prov:.2f} vs --provenance)")
    print(f"   and from 10 direct cwltool --provenance runs 2 at a time: {1 / pair:.2f} jobs/s; "
          f"API / that {rate * pair:.2f} ({os.cpu_count()} CPUs here)")


def staging(api: Deployment, scratch: Path, size_mib: int, repeats: int) -> None:
    cwl = workflow([["wc", "-c"]])
    data = scratch / "large.bin"
    make_file(data, size_mib * MiB)
    document, order = local_case(scratch, cwl, data)
    name, path = api.register(cwl), f"{HOME}/staging/large.bin"
    api.upload(path, data)
    url, reused = f"{api.url}/api/data{path}", scratch / "downloaded.bin"

    def get(row):
        # Into a new file kept to the end, like the runner's copy: on this VM writing pages
        # never touched before costs ~3x writing over memory freed just before.
        row["get"] = timed(lambda: socket_get(url, api.token, scratch / f"get-{len(rows)}.bin"))
        reused.unlink(missing_ok=True)
        row["reused"] = timed(lambda: socket_get(url, api.token, reused))

    def job(row):
        row["whole"], body = api.run(name, path)
        row["id"] = body["id"]
        row["raw"] = seconds(body, "started", "started", step=body["steps"][0])

    def cwltool(row):
        row["cwltool"] = direct(document, order, provenance=True)[1]

    rows = []
    for round_ in range(repeats):
        row = {}
        for action in ([get, job, cwltool] if round_ % 2 == 0 else [cwltool, job, get]):
            synced(lambda: action(row))
        row["stage"] = row["raw"] - row["cwltool"]
        rows.append(row)
        print(f"  {size_mib} MiB: GET {row['get']:.2f}s (over a freed download {row['reused']:.2f}s); "
              f"job {row['whole']:.2f}s, started->first step {row['raw']:.2f}s, direct cwltool "
              f"--provenance to first step {row['cwltool']:.2f}s: stage-in {row['stage']:.2f}s")
    get_s, reused_s, raw_s, stage_s = (statistics.median(r[k] for r in rows)
                                       for k in ("get", "reused", "raw", "stage"))
    kept = sum(f.stat().st_size for r in rows for f in (api.live.data_dir / "jobs" / r["id"]).rglob("*")
               if f.is_file())
    print(f"3. stage-in of {size_mib} MiB: {size_mib / stage_s:.0f} MiB/s ({stage_s:.2f}s = job started->"
          f"first step {raw_s:.2f}s minus cwltool's start-up to its first step with --provenance); "
          f"plain GET into a new file {size_mib / get_s:.0f} MiB/s ({get_s:.2f}s); stage-in/GET "
          f"{get_s / stage_s:.2f} (uncorrected {get_s / raw_s:.2f}; vs GET over a freed download "
          f"{size_mib / reused_s:.0f} MiB/s: {reused_s / stage_s:.2f}); kept in DATA_DIR/jobs/<id> "
          f"of these {repeats} jobs: {kept / MiB:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--stage-mib", type=int, default=200)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        with deployment() as api:  # as `rapydo start` makes it: --concurrency=1
            latency(api, Path(scratch), args.repeats)
        with deployment(["--concurrency=2"]) as api:  # part 3 runs one job at a time
            throughput(api, Path(scratch), args.jobs)
            staging(api, Path(scratch), args.stage_mib, args.repeats)


if __name__ == "__main__":
    main()
