"""What recording provenance costs a job: the same job with capture on and off, one run.

    .venv/bin/python bench/provenance_capture.py [--repeats 7] [--steps 10]

Two deployments as `rapydo start` makes them (uWSGI + a Celery worker on RabbitMQ, each
on a queue of its own, the embedded SQL provenance store), one with PROV_CAPTURE=true and
one with PROV_CAPTURE=false. The job is a linear workflow of --steps steps on a 4 KiB
text (bench/workflows.py's chain), timed from POST /api/jobs to seeing it successful.
Rounds alternate which deployment goes first; one warm-up job each; medians.
Target: with capture / without <= 1.2.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics

from common import OUT
from workflows import TOOLS, deployment, workflow

HOME = "/tempZone/home/bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    tools = (TOOLS * (args.steps // len(TOOLS) + 1))[:args.steps]
    text = OUT / "capture-input.txt"
    OUT.mkdir(parents=True, exist_ok=True)
    text.write_bytes(b"the quick brown fox jumps over the lazy dog\n" * 100)
    with contextlib.ExitStack() as stack:
        sides = {"on": stack.enter_context(deployment(PROV_CAPTURE="true")),
                 "off": stack.enter_context(deployment(PROV_CAPTURE="false"))}
        names = {}
        for side, api in sides.items():
            names[side] = api.register(workflow(tools))
            api.upload(f"{HOME}/capture.txt", text)
            api.run(names[side], f"{HOME}/capture.txt")  # warm-up
        times, last = {"on": [], "off": []}, {}
        for round_ in range(args.repeats):
            order = ("on", "off") if round_ % 2 == 0 else ("off", "on")
            for side in order:
                elapsed, last[side] = sides[side].run(names[side], f"{HOME}/capture.txt")
                times[side].append(elapsed)
            print(f"  round {round_ + 1}: capture on {times['on'][-1]:.2f}s, off {times['off'][-1]:.2f}s")
        for side, expected in (("on", 200), ("off", 404)):  # capture really was on / off
            answer = sides[side].http.get(f"{sides[side].url}/api/jobs/{last[side]['id']}/prov")
            assert answer.status_code == expected, (side, answer.text)
        on, off = statistics.median(times["on"]), statistics.median(times["off"])
        print(f"{args.steps}-step job, median of {args.repeats}: capture on {on:.2f}s, off {off:.2f}s; "
              f"on/off {on / off:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
