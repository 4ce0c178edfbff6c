"""Benchmark: ``TimelineChart.update()`` plus ``canvas.draw()`` on the Agg backend.

Run from the repository root::

    .venv/bin/python benchmarks/bench_viz.py            # about half a minute
    .venv/bin/python benchmarks/bench_viz.py --frames 30 --json out.json

Targets (issue 4): median <= 30 ms for a 60 s scenario at 100 requests/s (~6,000 rows)
and <= 60 ms for 60,000 requests. Each case is timed two ways:

- ``redraw``: the same finished timeline drawn again and again (a static notebook
  figure being refreshed; the time axis does not move);
- ``live``: the simulation advances 0.1 s of virtual time between frames (not timed)
  and the chart follows it with a 30 s sliding window, so the time axis, the bins and the
  texts move every frame: what a student sees while the Playground runs.

A frame is ``chart.update(timeline, draw=False)`` then ``chart.canvas.draw()`` (the
full Agg render into the canvas buffer; ``update()`` with its default ``draw=True``
does the same through ``draw_idle()``). The first (cold) draw, which renders the static
parts as well, is reported separately. The machine's load average is printed: other
processes make every number larger.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from typing import Any

import matplotlib

matplotlib.use("Agg")

from circuit_lab.sim.scenarios import run_scenario
from circuit_lab.sim.simulation import Simulation
from circuit_lab.viz import TimelineChart

CASES: dict[str, dict[str, Any]] = {
    "60 s at 100 req/s": {"rate": 100.0, "target_ms": 30.0},
    "60,000 requests (60 s at 1000 req/s)": {"rate": 1000.0, "target_ms": 60.0},
}
SCENARIO = "outage"


def _frame(chart: TimelineChart, timeline: Any) -> float:
    t0 = time.perf_counter()
    chart.update(timeline, draw=False)
    chart.canvas.draw()
    return (time.perf_counter() - t0) * 1000.0


def bench_redraw(rate: float, frames: int) -> dict[str, Any]:
    """The finished 60 s timeline, redrawn ``frames`` times."""
    timeline = run_scenario(SCENARIO, 0, duration=60.0, rate=rate, outage_start=20.0)
    chart = TimelineChart(title=f"{SCENARIO}, {rate:g} requests/s")
    cold = _frame(chart, timeline)
    times = [_frame(chart, timeline) for _ in range(frames)]
    return {
        "rows": len(timeline),
        "cold_ms": cold,
        "median_ms": statistics.median(times),
        "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))],
    }


def bench_live(rate: float, frames: int) -> dict[str, Any]:
    """A running simulation (0.1 s per frame) followed with a 30 s window; the clock
    starts when the run is 60 s old, so the chart holds a full minute of rows."""
    sim = Simulation(
        SCENARIO, seed=0, duration=60.0 + frames * 0.1 + 1.0, rate=rate, outage_start=20.0
    )
    sim.run_until(60.0)
    chart = TimelineChart(sim.timeline, window=30.0, title=f"{SCENARIO}, live")
    cold = _frame(chart, sim.timeline)
    times = []
    for _ in range(frames):
        sim.advance(0.1)
        times.append(_frame(chart, sim.timeline))
    return {
        "rows": len(sim.timeline),
        "cold_ms": cold,
        "median_ms": statistics.median(times),
        "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="timed frames per case")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.frames < 1:
        parser.error(f"--frames must be >= 1, got {args.frames}")
    logging.getLogger("circuit_lab").setLevel(logging.ERROR)
    print(
        f"matplotlib {matplotlib.__version__}, backend Agg, 800 x 400 px, "
        f"{args.frames} frames per case; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    results: dict[str, Any] = {}
    failed = False
    header = f"{'case':40} {'mode':7} {'rows':>7} {'cold':>8} {'median':>8} {'p90':>8}  target"
    print(header)
    print("-" * len(header))
    for name, case in CASES.items():
        for mode, fn in (("redraw", bench_redraw), ("live", bench_live)):
            r = fn(case["rate"], args.frames)
            ok = r["median_ms"] <= case["target_ms"]
            failed |= not ok
            r["target_ms"] = case["target_ms"]
            r["met"] = ok
            results[f"{name} / {mode}"] = r
            print(
                f"{name:40} {mode:7} {r['rows']:>7} {r['cold_ms']:>6.1f}ms "
                f"{r['median_ms']:>6.1f}ms {r['p90_ms']:>6.1f}ms  "
                f"<= {case['target_ms']:g} ms: {'met' if ok else 'MISSED'}"
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
