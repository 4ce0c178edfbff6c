"""Playground responsiveness, headless (matplotlib Agg, no browser).

Run from the repository root::

    .venv/bin/python benchmarks/bench_widgets.py            # about 20 s
    .venv/bin/python benchmarks/bench_widgets.py --quick    # a few seconds, noisier

What is timed (default scenario ``outage``, seed 0, the default ``canvas="image"``
headless path: Agg render + PNG into an ``Image`` widget):

``slider change``  setting ``controls["failure_threshold"].value`` at t = 60 s (about
                   6,000 timeline rows) and at t = 120 s: the observer applies the
                   setting to the live breaker, redraws the chart (and the diagram,
                   whose rule text changes), the status and the event log. Median and
                   90th percentile; target: median <= 100 ms.
``model only``     ``Simulation.set_breaker`` alone (what the slider costs without the
                   redraw).
``frame``          one Run frame (``speed / FPS`` virtual seconds + full redraw) unpaced:
                   the frame rate the machine could sustain.
``Run fps``        the real Run task in ``asyncio.run`` for a few seconds, paced at
                   ``FPS``; target: >= 15 frames per second.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from circuit_lab.widgets import FPS, Playground

SLIDER_TARGET_MS = 100.0
FPS_TARGET = 15.0


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return statistics.median(ordered) * 1e3, p90 * 1e3


def bench_parts(at: float, n: int) -> dict[str, float]:
    """Median ms of each part of a slider change at ``at`` (where the time goes)."""
    pg = Playground("outage", seed=0, canvas="image")
    pg.step(at)
    sim = pg.simulation
    parts: dict[str, list[float]] = {
        "chart update + Agg draw": [], "chart PNG": [], "diagram rules + draw": [],
        "diagram PNG": [], "status + log text": [],
    }
    for i in range(n):
        sim.set_breaker(failure_threshold=3 + i % 4)
        state = sim.breakers["service"].state
        steps = [
            lambda: pg.chart.update(sim.timeline),
            pg._chart_view.refresh,
            lambda state=state: (
                pg.diagram.set_rules(settings=sim.timeline.settings, draw=False),
                pg.diagram.update(state),
            ),
            pg._diagram_view.refresh,
            lambda state=state: (pg._status_html(state), pg._log_html()),
        ]
        for name, fn in zip(parts, steps, strict=True):
            t0 = time.perf_counter()
            fn()
            parts[name].append(time.perf_counter() - t0)
    return {name: _ms(samples)[0] for name, samples in parts.items()}


def bench_slider(at: float, n: int) -> tuple[float, float, float]:
    """(median ms, p90 ms, model-only median ms) of failure_threshold changes at ``at``."""
    pg = Playground("outage", seed=0, canvas="image")
    pg.step(at)
    slider = pg.controls["failure_threshold"]
    full: list[float] = []
    for i in range(n):
        value = 3 + i % 4
        if value == slider.value:
            value += 4
        t0 = time.perf_counter()
        slider.value = value
        full.append(time.perf_counter() - t0)
    assert pg.error.value == "", pg.error.value
    assert pg.simulation.timeline.settings["failure_threshold"] == slider.value
    model: list[float] = []
    for i in range(n):
        t0 = time.perf_counter()
        pg.simulation.set_breaker(failure_threshold=3 + i % 4)
        model.append(time.perf_counter() - t0)
    median, p90 = _ms(full)
    return median, p90, _ms(model)[0]


def bench_frame(n: int) -> float:
    """Median ms of one unpaced Run frame (default speed)."""
    pg = Playground("outage", seed=0, canvas="image")
    dt = float(pg.controls["speed"].value) / FPS
    pg.step(20.0)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        pg.step(dt)
        samples.append(time.perf_counter() - t0)
    return _ms(samples)[0]


def bench_run(seconds: float) -> tuple[float, int, float]:
    """(frames per second, frames, virtual seconds advanced) of the real Run task."""
    pg = Playground("outage", seed=0, canvas="image")

    async def main() -> tuple[float, int]:
        pg.run_button.click()
        task = pg.last_task
        assert task is not None
        t0 = time.perf_counter()
        f0 = pg.frames
        await asyncio.sleep(seconds)
        frames = pg.frames - f0
        elapsed = time.perf_counter() - t0
        pg.run_button.click()
        await asyncio.gather(task, return_exceptions=True)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        return frames / elapsed, frames

    fps, frames = asyncio.run(main())
    assert pg.error.value == "", pg.error.value
    return fps, frames, pg.simulation.now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (noisier)")
    args = parser.parse_args(argv)
    logging.getLogger("circuit_lab").setLevel(logging.ERROR)
    n = 9 if args.quick else 31
    run_seconds = 2.0 if args.quick else 5.0

    Playground("outage", seed=0, canvas="image").step(5.0)  # warm caches and imports
    print(f"Playground benchmark (scenario 'outage', seed 0, headless Agg, FPS={FPS:g})")
    ok = True
    for at in (60.0, 120.0):
        median, p90, model = bench_slider(at, n)
        verdict = "ok" if median <= SLIDER_TARGET_MS else "SLOW"
        ok &= median <= SLIDER_TARGET_MS
        print(f"  slider change at t={at:>5.0f} s: median {median:6.1f} ms, p90 {p90:6.1f} ms"
              f" (target <= {SLIDER_TARGET_MS:g} ms: {verdict}); model only {model:.3f} ms")
    parts = bench_parts(60.0, n)
    print("    where a slider change at t=60 s goes (medians): "
          + ", ".join(f"{name} {ms:.1f} ms" for name, ms in parts.items()))
    frame = bench_frame(n)
    print(f"  one Run frame, unpaced:      median {frame:6.1f} ms "
          f"(= {1000.0 / frame:.0f} frames/s possible)")
    fps, frames, reached = bench_run(run_seconds)
    verdict = "ok" if fps >= FPS_TARGET else "SLOW"
    ok &= fps >= FPS_TARGET
    print(f"  Run task for {run_seconds:g} s:         {fps:6.1f} frames/s ({frames} frames, "
          f"virtual t = {reached:.1f} s; target >= {FPS_TARGET:g}: {verdict})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
