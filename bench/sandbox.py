"""Sandboxed jobs (JOB_SANDBOX=bwrap, the default) vs unsandboxed ones (none), in one run.

    .venv/bin/python bench/sandbox.py [--repeats 7]

Two deployments as `rapydo start` makes them (workflows.py's), up at the same time, one
per setting; the linear 10-step workflow of workflows.py part 1 on the same 4 KiB text in
each. Per run: POST /api/jobs to seeing the job successful (polled every 50 ms), and the
job's own span, started -> finished from its JSON (staging, cwltool, storing: what the
sandbox can slow down). Rounds alternate which deployment goes first; one warm-up each;
medians of --repeats. Target: sandboxed / none <= 1.1.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from common import OUT
from workflows import HOME, TOOLS, deployment, seconds, synced, workflow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    cwl = workflow(TOOLS)
    with tempfile.TemporaryDirectory(dir=OUT) as scratch, \
            deployment(JOB_SANDBOX="bwrap") as sandboxed, deployment(JOB_SANDBOX="none") as bare:
        data = Path(scratch) / "input.txt"
        data.write_bytes(b"".join(b"line %04d the quick brown fox jumps over the lazy dog\n" % i
                                  for i in range(80)))
        path, names = f"{HOME}/sandbox/input.txt", {}
        for key, api in (("bwrap", sandboxed), ("none", bare)):
            api.upload(path, data)
            names[key] = api.register(cwl)
            api.run(names[key], path)  # warm-up
        apis = {"bwrap": sandboxed, "none": bare}
        rows = []
        for round_ in range(args.repeats):
            row = {}
            for key in (["bwrap", "none"] if round_ % 2 == 0 else ["none", "bwrap"]):
                elapsed, job = synced(lambda: apis[key].run(names[key], path))
                row[key], row[f"{key}-job"] = elapsed, seconds(job, "finished", "started")
            rows.append(row)
            print(f"  10-step job: sandboxed {row['bwrap']:.2f}s (job {row['bwrap-job']:.2f}s), "
                  f"unsandboxed {row['none']:.2f}s (job {row['none-job']:.2f}s)")
    boxed, plain, boxed_job, plain_job = (statistics.median(row[key] for row in rows)
                                          for key in ("bwrap", "none", "bwrap-job", "none-job"))
    print(f"10-step workflow, medians of {args.repeats}: sandboxed {boxed:.2f}s, unsandboxed "
          f"{plain:.2f}s: {boxed / plain:.3f}x (target <= 1.1); the jobs' own spans "
          f"{boxed_job:.2f}s vs {plain_job:.2f}s: {boxed_job / plain_job:.3f}x")


if __name__ == "__main__":
    main()
