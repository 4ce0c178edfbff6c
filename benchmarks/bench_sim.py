"""Benchmark the simulator: throughput, breaker cost, memory per row, scaling.

Run: ``.venv/bin/python benchmarks/bench_sim.py [--quick] [--repeat N]``

"Requests" are user requests (each one a row at the entry service, more rows when it
is retried or, in ``cascade``, when it reaches orders and payments); "rows" are the
attempt rows recorded in the timeline. Every run drives the real
``circuit_lab.CircuitBreaker`` through ``acquire()`` / permit, except the rows marked
``breaker=False``, which show the simulator's own cost. Timings are the best of
``--repeat`` runs (wall clock, ``time.perf_counter``).
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable
from typing import Any

from circuit_lab import CircuitBreaker
from circuit_lab.sim import Engine, VirtualClock, build_model

logging.getLogger("circuit_lab").setLevel(logging.ERROR)

# A healthy single service with room for the load (1000 req/s, 200 workers).
SINGLE: dict[str, Any] = {"rate": 1000.0, "workers": 200, "queue_size": 100}


def best_run(scenario: str, seed: int, repeat: int, **params: Any) -> tuple[float, Engine]:
    best = float("inf")
    engine: Engine | None = None
    for _ in range(repeat):
        e = Engine(build_model(scenario, **params), seed)
        gc.collect()
        t0 = time.perf_counter()
        e.run()
        dt = time.perf_counter() - t0
        if dt < best:
            best, engine = dt, e
    assert engine is not None
    return best, engine


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


def throughput(repeat: int, n: int) -> None:
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("steady", "single service, breaker", {**SINGLE, "duration": n / 1000.0}),
        (
            "steady",
            "single service, breaker=False",
            {**SINGLE, "duration": n / 1000.0, "breaker": False},
        ),
        (
            "outage",
            "single service, outage",
            {
                **SINGLE,
                "duration": n / 1000.0,
                "outage_start": n / 4000.0,
                "outage_duration": n / 4000.0,
            },
        ),
        (
            "cascade",
            "3 hops, breakers",
            {"duration": n / 200.0, "slow_start": n / 800.0, "slow_duration": n / 800.0},
        ),
        (
            "cascade",
            "3 hops, breaker=False",
            {
                "duration": n / 200.0,
                "breaker": False,
                "slow_start": n / 800.0,
                "slow_duration": n / 800.0,
            },
        ),
    ]
    rows = []
    for scenario, label, params in cases:
        dt, e = best_run(scenario, 1, repeat, **params)
        rows.append(
            [
                scenario,
                label,
                f"{e.requests:,}",
                f"{len(e.timeline):,}",
                f"{dt:.3f}",
                f"{e.requests / dt:,.0f}",
                f"{len(e.timeline) / dt:,.0f}",
                f"{dt / len(e.timeline) * 1e6:.2f}",
            ]
        )
    table(
        "Throughput (targets: single service >= 300,000 req/s; cascade >= 100,000/s)",
        [
            "scenario",
            "configuration",
            "requests",
            "rows",
            "seconds",
            "requests/s",
            "rows/s",
            "us/row",
        ],
        rows,
    )


def breaker_cost(repeat: int) -> None:
    clock = VirtualClock()
    n = 200_000
    rows = []

    def measure(label: str, fn: Callable[[], object]) -> None:
        best = min(timeit.repeat(fn, number=n, repeat=repeat)) / n
        rows.append([label, f"{best * 1e6:.2f}"])

    plain = CircuitBreaker(5, 10.0, clock=clock, name="b")
    states = CircuitBreaker(5, 10.0, clock=clock, name="b")
    states.add_listener(lambda e: None, calls=False)
    heard = CircuitBreaker(5, 10.0, clock=clock, name="b", listeners=[lambda e: None])
    measure("acquire() + permit.success(), no listener", lambda: plain.acquire().success())
    measure(
        "acquire() + permit.success(), state listener (as in the sim)",
        lambda: states.acquire().success(),
    )
    measure(
        "acquire() + permit.success(), call listener (every event)",
        lambda: heard.acquire().success(),
    )
    measure("call(fn) (the core's lock-free fast path), no listener", lambda: plain.call(int))
    measure("empty Python call (baseline)", lambda: None)
    table(
        "Breaker cost per call (real CircuitBreaker, virtual clock)", ["operation", "us/call"], rows
    )


def memory() -> None:
    params = {**SINGLE, "duration": 100.0}
    e = Engine(build_model("steady", **params), 1)
    gc.collect()
    tracemalloc.start()
    e.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tl = e.timeline
    n = len(tl)
    item = sum(col.itemsize for col in tl.columns())
    held = sum(sys.getsizeof(col) for col in tl.columns())
    rows = [
        ["column item sizes (8 columns)", f"{item}"],
        ["timeline arrays held, bytes/row", f"{held / n:.1f}"],
        ["peak traced memory during the run, bytes/row", f"{peak / n:.1f}"],
    ]
    table(f"Memory per recorded request ({n:,} rows)", ["measure", "bytes"], rows)


def scaling(repeat: int, sizes: list[int]) -> None:
    rows = []
    for n in sizes:
        dt, e = best_run("steady", 1, repeat if n < 1_000_000 else 1, **SINGLE, duration=n / 1000.0)
        rows.append(
            [
                f"{n:,}",
                f"{e.requests:,}",
                f"{dt:.3f}",
                f"{e.requests / dt:,.0f}",
                f"{dt / e.requests * 1e6:.2f}",
            ]
        )
    table(
        "Scaling, single service with breaker (cost should be linear)",
        ["target", "requests", "seconds", "requests/s", "us/request"],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-request run")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}")
    throughput(args.repeat, 200_000)
    breaker_cost(args.repeat)
    memory()
    scaling(args.repeat, [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
