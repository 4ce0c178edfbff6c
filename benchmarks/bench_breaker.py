"""Side-by-side overhead of circuit breakers: circuit_lab against its Python peers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_breaker.py            # full run (about a minute)
    .venv/bin/python benchmarks/bench_breaker.py --quick    # a few seconds, noisier
    .venv/bin/python benchmarks/bench_breaker.py --json out.json

Contenders
    ``bare call``   the guarded function called directly (the floor);
    ``no-op wraps`` a ``functools.wraps`` decorator whose wrapper only forwards
                    ``*args, **kwargs`` (the yardstick: every ratio is relative to it);
    ``circuit_lab``, ``pybreaker``, ``circuitbreaker``, ``purgatory``, ``aiobreaker``,
    each used through the decorator its documentation recommends, with default options
    (no listeners, in-memory state).

Paths (the guarded function takes one positional argument and returns it)
    ``success``  closed breaker, the function returns.
    ``failure``  closed breaker, the function raises a fresh ``Boom`` each call, caught
                 by the loop. Every breaker gets the same failure threshold of 10**9, so
                 none trips during the run: this times the cost of *recording* a
                 failure, identically for every library (no periodic reset that one
                 library might make cheaper than another).
    ``open``     the breaker is forced open before timing (``open()`` where the library
                 has it, otherwise by tripping it with one failure at threshold 1) with
                 a recovery timeout of 10**6 s, so every call is rejected with the
                 library's own open error, which the loop catches. The baselines here
                 are a function (bare) / a wrapper (no-op) that raises a fresh
                 exception without doing anything else: the cheapest possible
                 rejection.
    ``async``    an ``async def`` function awaited in a loop inside one event loop; the
                 no-op baseline is an ``async def`` wrapper awaiting the function.

Method
    * One process; contenders run round-robin within each round (the order is rotated
      every round), for 21 rounds (``--quick``: 5); the table shows the median ns/call
      per contender, so machine noise hits everybody alike. Ratios are paired: for each
      round, contender time / no-op time in that same round, and the table shows the
      median of those per-round ratios (steadier than a ratio of two medians when the
      machine's load drifts during the run). The PASS/FAIL lines compare circuit_lab
      with the fastest peer the same way.
    * Each sample is one tight loop timed with ``time.perf_counter_ns``; the loop count
      is calibrated per contender so one sample takes about ``--sample-ms`` (40 ms;
      ``--quick``: 10 ms).
    * The cost of the empty loop itself (``for``/``try``/``await``-less body) is measured
      in the same rounds and subtracted, so ratios are not flattened towards 1.
    * Every sample gets a freshly built breaker (for every contender alike), so state a
      library accumulates cannot build up across samples: purgatory's open path
      re-raises one shared exception object, whose traceback grows by a frame on every
      rejection (about 1.5 KB retained per call, 150 MB per 100,000 rejections).
    * The garbage collector stays enabled (a library that creates reference cycles pays
      for them, as it would in production); ``gc.collect()`` runs before each sample.
    * Setup is sanity-checked before timing (the success path returns, the failure path
      re-raises ``Boom`` without tripping, the open path raises the open error).

A peer that is not installed is reported and skipped (install the peers with
``.venv/bin/pip install -e .[bench]``). A path a library does not support shows
``n/a`` with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import importlib
import importlib.metadata
import json
import logging
import math
import platform
import statistics
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

PATHS = ("success", "failure", "open", "async")
PATH_TITLES = {
    "success": "closed success",
    "failure": "closed failure",
    "open": "open rejection",
    "async": "async success",
}
BIG_THRESHOLD = 10**9  # failure path: never trips
LONG_TIMEOUT = 1e6  # open path: seconds; never elapses during a run
BASELINES = ("bare call", "no-op wraps")
REFERENCE = "no-op wraps"


class Boom(Exception):
    """The failure every guarded function raises on the failure path."""


class Rejected(Exception):
    """The baselines' stand-in for an open-circuit error."""


class NotSupported(Exception):
    """A library has no way to run this path; the message says why."""


# --------------------------------------------------------------------------- targets


def target(x: Any) -> Any:
    return x


def target_fail(x: Any) -> Any:
    raise Boom()


async def atarget(x: Any) -> Any:
    return x


def _fresh(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A distinct copy of ``fn`` (decorators may register, rename or mutate it)."""
    new = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
    )
    new.__qualname__ = fn.__qualname__
    new.__doc__ = fn.__doc__
    return new


@dataclass
class Setup:
    """One contender prepared for one path: call ``fn(1)``; ``catch`` is the error the
    timed loop expects (``None`` on the success paths)."""

    fn: Callable[..., Any]
    catch: type[BaseException] | None = None


@dataclass
class Contender:
    name: str
    version: str
    build: Callable[[str], Setup] | None  # None: not installed
    missing: str = ""
    setups: dict[str, Setup] = field(default_factory=dict)
    na: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- baselines


def build_bare(path: str) -> Setup:
    if path == "success":
        return Setup(_fresh(target))
    if path == "failure":
        return Setup(_fresh(target_fail), Boom)
    if path == "open":

        def reject(x: Any) -> Any:
            raise Rejected()

        return Setup(reject, Rejected)
    return Setup(_fresh(atarget))


def noop(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


def anoop(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        return await fn(*args, **kwargs)

    return wrapper


def noop_reject(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raise Rejected()

    return wrapper


def build_noop(path: str) -> Setup:
    if path == "success":
        return Setup(noop(_fresh(target)))
    if path == "failure":
        return Setup(noop(_fresh(target_fail)), Boom)
    if path == "open":
        return Setup(noop_reject(_fresh(target)), Rejected)
    return Setup(anoop(_fresh(atarget)))


# --------------------------------------------------------------------------- libraries


def build_circuit_lab(path: str) -> Setup:
    from circuit_lab import CircuitBreaker, CircuitBreakerError

    if path == "success":
        return Setup(CircuitBreaker(5, 30.0, name="bench-success")(_fresh(target)))
    if path == "failure":
        b = CircuitBreaker(BIG_THRESHOLD, 30.0, name="bench-failure")
        return Setup(b(_fresh(target_fail)), Boom)
    if path == "open":
        b = CircuitBreaker(1, LONG_TIMEOUT, name="bench-open")
        fn = b(_fresh(target))
        b.open()
        return Setup(fn, CircuitBreakerError)
    return Setup(CircuitBreaker(5, 30.0, name="bench-async")(_fresh(atarget)))


def build_pybreaker(path: str) -> Setup:
    import pybreaker

    if path == "success":
        return Setup(pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)(_fresh(target)))
    if path == "failure":
        b = pybreaker.CircuitBreaker(fail_max=BIG_THRESHOLD, reset_timeout=30)
        return Setup(b(_fresh(target_fail)), Boom)
    if path == "open":
        b = pybreaker.CircuitBreaker(fail_max=1, reset_timeout=LONG_TIMEOUT)
        fn = b(_fresh(target))
        b.open()
        return Setup(fn, pybreaker.CircuitBreakerError)
    # pybreaker has no asyncio support; its only async route is the optional Tornado
    # bridge (README "Optional Tornado Support": decorate with __pybreaker_call_async).
    try:
        importlib.import_module("tornado")
    except ImportError as exc:
        raise NotSupported("no asyncio support; Tornado bridge needs tornado") from exc
    b = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)
    return Setup(b(**{"__pybreaker_call_async": True})(_fresh(atarget)))


_cb_serial = 0


def build_circuitbreaker(path: str) -> Setup:
    import circuitbreaker

    global _cb_serial
    _cb_serial += 1
    name = f"bench-{path}-{_cb_serial}"  # decorate() registers breakers by name
    if path == "success":
        b = circuitbreaker.CircuitBreaker(failure_threshold=5, recovery_timeout=30, name=name)
        return Setup(b(_fresh(target)))
    if path == "failure":
        b = circuitbreaker.CircuitBreaker(
            failure_threshold=BIG_THRESHOLD, recovery_timeout=30, name=name
        )
        return Setup(b(_fresh(target_fail)), Boom)
    if path == "open":
        # No public open(): trip it with one failure at threshold 1.
        b = circuitbreaker.CircuitBreaker(
            failure_threshold=1, recovery_timeout=LONG_TIMEOUT, name=name
        )
        fn = b(_fresh(target))
        with contextlib.suppress(Boom):
            b(_fresh(target_fail))(1)
        return Setup(fn, circuitbreaker.CircuitBreakerError)
    b = circuitbreaker.CircuitBreaker(failure_threshold=5, recovery_timeout=30, name=name)
    return Setup(b(_fresh(atarget)))


def build_purgatory(path: str) -> Setup:
    import purgatory
    from purgatory.domain.model import OpenedState  # the error purgatory raises when open

    if path == "async":
        factory: Any = purgatory.AsyncCircuitBreakerFactory(default_threshold=5, default_ttl=30)
        return Setup(factory("bench-async")(_fresh(atarget)))
    factory = purgatory.SyncCircuitBreakerFactory(default_threshold=5, default_ttl=30)
    if path == "success":
        return Setup(factory("bench-success")(_fresh(target)))
    if path == "failure":
        return Setup(factory("bench-failure", threshold=BIG_THRESHOLD)(_fresh(target_fail)), Boom)
    # No public open(): trip it with one failure at threshold 1.
    fn = factory("bench-open", threshold=1, ttl=LONG_TIMEOUT)(_fresh(target))
    with contextlib.suppress(Boom):
        factory("bench-open", threshold=1, ttl=LONG_TIMEOUT)(_fresh(target_fail))(1)
    return Setup(fn, OpenedState)


def build_aiobreaker(path: str) -> Setup:
    import aiobreaker

    if path == "success":
        b = aiobreaker.CircuitBreaker(fail_max=5, timeout_duration=timedelta(seconds=30))
        return Setup(b(_fresh(target)))
    if path == "failure":
        b = aiobreaker.CircuitBreaker(
            fail_max=BIG_THRESHOLD, timeout_duration=timedelta(seconds=30)
        )
        return Setup(b(_fresh(target_fail)), Boom)
    if path == "open":
        b = aiobreaker.CircuitBreaker(fail_max=1, timeout_duration=timedelta(seconds=LONG_TIMEOUT))
        fn = b(_fresh(target))
        b.open()
        return Setup(fn, aiobreaker.CircuitBreakerError)
    b = aiobreaker.CircuitBreaker(fail_max=5, timeout_duration=timedelta(seconds=30))
    return Setup(b(_fresh(atarget)))


LIBRARIES: list[tuple[str, str, Callable[[str], Setup]]] = [
    # (display name, import name / distribution, builder)
    ("circuit_lab", "circuit_lab", build_circuit_lab),
    ("pybreaker", "pybreaker", build_pybreaker),
    ("circuitbreaker", "circuitbreaker", build_circuitbreaker),
    ("purgatory", "purgatory", build_purgatory),
    ("aiobreaker", "aiobreaker", build_aiobreaker),
]


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        module = sys.modules.get(dist)
        return str(getattr(module, "__version__", "?"))


def make_contenders() -> list[Contender]:
    py = platform.python_version()
    contenders = [
        Contender("bare call", f"Python {py}", build_bare),
        Contender("no-op wraps", f"Python {py}", build_noop),
    ]
    for name, module, build in LIBRARIES:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            hint = (
                "its core is not importable yet"
                if name == "circuit_lab"
                else "install the peers with: .venv/bin/pip install -e .[bench]"
            )
            print(f"[skip] {name} is not installed ({exc}); {hint}", file=sys.stderr)
            contenders.append(Contender(name, "not installed", None, missing=str(exc)))
            continue
        contenders.append(Contender(name, _version(module), build))
    return contenders


# --------------------------------------------------------------------------- sanity


def _run_async(loop: asyncio.AbstractEventLoop, coro: Any) -> Any:
    return loop.run_until_complete(coro)


def sanity_check(path: str, setup: Setup, loop: asyncio.AbstractEventLoop) -> None:
    """Fail loudly if a setup does not do what the path claims."""
    for _ in range(3):
        if path == "success":
            if setup.fn(1) != 1:
                raise RuntimeError("success path did not return its argument")
        elif path == "async":
            if _run_async(loop, setup.fn(1)) != 1:
                raise RuntimeError("async path did not return its argument")
        else:
            assert setup.catch is not None
            try:
                setup.fn(1)
            except setup.catch:
                continue
            except BaseException as exc:
                raise RuntimeError(
                    f"{path} path raised {type(exc).__name__}, expected {setup.catch.__name__}"
                ) from exc
            raise RuntimeError(f"{path} path returned instead of raising")


# --------------------------------------------------------------------------- timing


def time_plain(fn: Callable[..., Any], n: int) -> int:
    rng = range(n)
    t0 = time.perf_counter_ns()
    for _ in rng:
        fn(1)
    return time.perf_counter_ns() - t0


def time_catch(fn: Callable[..., Any], exc: type[BaseException], n: int) -> int:
    rng = range(n)
    t0 = time.perf_counter_ns()
    for _ in rng:
        try:  # noqa: SIM105 - contextlib.suppress would dominate the timing
            fn(1)
        except exc:
            pass
    return time.perf_counter_ns() - t0


async def _time_async(fn: Callable[..., Any], n: int) -> int:
    rng = range(n)
    t0 = time.perf_counter_ns()
    for _ in rng:
        await fn(1)
    return time.perf_counter_ns() - t0


def time_empty(path: str, n: int) -> int:
    """The loop with nothing in its body (same shape as the timed loop)."""
    rng = range(n)
    if path in ("failure", "open"):
        t0 = time.perf_counter_ns()
        for _ in rng:
            try:  # noqa: SIM105 - same shape as time_catch
                pass
            except Boom:
                pass
        return time.perf_counter_ns() - t0
    t0 = time.perf_counter_ns()
    for _ in rng:
        pass
    return time.perf_counter_ns() - t0


def sample(path: str, setup: Setup | None, n: int, loop: asyncio.AbstractEventLoop) -> int:
    gc.collect()
    if setup is None:
        if path == "async":
            return _run_async(loop, _time_async_empty(n))
        return time_empty(path, n)
    if path == "async":
        return _run_async(loop, _time_async(setup.fn, n))
    if setup.catch is None:
        return time_plain(setup.fn, n)
    return time_catch(setup.fn, setup.catch, n)


async def _time_async_empty(n: int) -> int:
    return time_empty("async", n)


def calibrate(
    path: str, setup: Setup | None, target_ns: float, loop: asyncio.AbstractEventLoop
) -> int:
    """Loop count so that one sample takes about ``target_ns``."""
    n = 100
    while True:
        elapsed = sample(path, setup, n, loop)
        if elapsed >= target_ns / 10 or n >= 50_000_000:
            break
        n *= 4
    per_call = max(elapsed / n, 0.1)
    return max(200, int(target_ns / per_call))


# --------------------------------------------------------------------------- run


def run(rounds: int, sample_ms: float) -> dict[str, Any]:
    contenders = make_contenders()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    target_ns = sample_ms * 1e6
    results: dict[str, dict[str, Any]] = {c.name: {} for c in contenders}
    overhead: dict[str, float] = {}
    try:
        for path in PATHS:
            active: list[Contender] = []
            for c in contenders:
                if c.build is None:
                    continue
                try:
                    setup = c.build(path)
                except NotSupported as exc:
                    c.na[path] = str(exc)
                    continue
                sanity_check(path, setup, loop)
                c.setups[path] = setup
                active.append(c)
            print(f"[{PATH_TITLES[path]}] calibrating {len(active)} contenders", file=sys.stderr)
            counts = {c.name: calibrate(path, c.setups[path], target_ns, loop) for c in active}
            empty_n = calibrate(path, None, target_ns, loop)
            samples: dict[str, list[float]] = {c.name: [] for c in active}
            empty_samples: list[float] = []
            order: list[Contender | None] = [None, *active]  # None = the empty loop
            for r in range(rounds):
                shift = r % len(order)
                for c in order[shift:] + order[:shift]:
                    if c is None:
                        empty_samples.append(sample(path, None, empty_n, loop) / empty_n)
                    else:
                        # A fresh breaker for every sample, for every contender: state
                        # a library accumulates (purgatory's open path re-raises one
                        # exception object whose traceback grows on every call) cannot
                        # build up across samples.
                        assert c.build is not None
                        n = counts[c.name]
                        setup = c.build(path)
                        samples[c.name].append(sample(path, setup, n, loop) / n)
                print(f"[{PATH_TITLES[path]}] round {r + 1}/{rounds} done", file=sys.stderr)
            empty = statistics.median(empty_samples)
            overhead[path] = empty
            for c in active:
                raw = samples[c.name]
                results[c.name][path] = {
                    "ns": max(statistics.median(raw) - empty, 0.0),
                    "raw_median_ns": statistics.median(raw),
                    "min_ns": min(raw) - empty,
                    "max_ns": max(raw) - empty,
                    "loops": counts[c.name],
                    "samples_ns": raw,
                }
    finally:
        loop.close()
    ref = results.get(REFERENCE, {})
    for per_path in results.values():
        for path, entry in per_path.items():
            base = ref.get(path)
            entry["ratio"] = paired_ratio(entry, base, overhead[path]) if base else None
    for c in contenders:
        for path, reason in c.na.items():
            results[c.name][path] = {"na": reason}
        if c.build is None:
            for path in PATHS:
                results[c.name][path] = {"na": "not installed"}
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "rounds": rounds,
        "sample_ms": sample_ms,
        "versions": {c.name: c.version for c in contenders if c.name not in BASELINES},
        "loop_overhead_ns": overhead,
        "results": results,
        "order": [c.name for c in contenders],
    }


def paired_ratio(entry: dict[str, Any], base: dict[str, Any], empty: float) -> float:
    """Median over rounds of this contender's time / the base's time in the same round.

    Samples of one round run back to back, so a burst of machine load hits both sides
    of a round's ratio; the median of these paired ratios is much steadier than the
    ratio of two medians taken from different moments."""
    pairs = [
        max(a - empty, 0.0) / (b - empty)
        for a, b in zip(entry["samples_ns"], base["samples_ns"], strict=True)
        if b - empty > 0
    ]
    return statistics.median(pairs) if pairs else math.nan


# --------------------------------------------------------------------------- report


def _cell(entry: dict[str, Any], notes: list[str]) -> str:
    if "na" in entry:
        reason = entry["na"]
        if reason not in notes:
            notes.append(reason)
        return f"n/a [{notes.index(reason) + 1}]"
    ratio = entry.get("ratio")
    ratio_text = f"{ratio:.2f}x" if ratio is not None else "-"
    return f"{entry['ns']:.0f} ({ratio_text})"


def targets(report: dict[str, Any]) -> list[str]:
    """circuit_lab against the issue's targets (None when circuit_lab was not run)."""
    res = report["results"]
    ours = res.get("circuit_lab", {})
    if not ours or any("na" in ours.get(p, {"na": 1}) for p in PATHS):
        return ["circuit_lab not measured: targets not checked"]
    lines = []
    r = ours["success"]["ratio"]
    verdict = "PASS" if r <= 2.0 else "FAIL"
    stretch = " (stretch <= 1.5x: PASS)" if r <= 1.5 else " (stretch <= 1.5x: missed)"
    lines.append(f"closed success <= 2x no-op: {r:.2f}x {verdict}{stretch}")
    peers = [n for n, _, _ in LIBRARIES if n != "circuit_lab"]
    for path in ("failure", "open", "async"):
        measured = {n: res[n][path]["ns"] for n in peers if "ns" in res.get(n, {}).get(path, {})}
        if not measured:
            lines.append(f"{PATH_TITLES[path]}: no peer measured")
            continue
        best = min(measured, key=lambda n: measured[n])
        mine = ours[path]["ns"]
        # paired per round, as for the ratios in the table
        rel = paired_ratio(ours[path], res[best][path], report["loop_overhead_ns"][path])
        how = f"{1 / rel:.2f}x faster: PASS" if rel < 1.0 else f"{rel:.2f}x slower: FAIL"
        lines.append(
            f"{PATH_TITLES[path]} faster than every peer: circuit_lab {mine:.0f} ns vs best "
            f"peer {best} {measured[best]:.0f} ns; paired per round {how}"
        )
    return lines


def markdown(report: dict[str, Any]) -> str:
    notes: list[str] = []
    head = "| contender | version | " + " | ".join(PATH_TITLES[p] for p in PATHS) + " |"
    rule = "|---|---|" + "---:|" * len(PATHS)
    rows = [head, rule]
    versions = report["versions"]
    for name in report["order"]:
        per_path = report["results"][name]
        version = versions.get(name, "")
        cells = [_cell(per_path.get(p, {"na": "not run"}), notes) for p in PATHS]
        rows.append(f"| {name} | {version} | " + " | ".join(cells) + " |")
    lines = [
        f"Python {report['python']} ({report['implementation']}, {report['platform']}); "
        f"{report['rounds']} interleaved rounds, ~{report['sample_ms']:g} ms per sample; "
        "median ns/call with the empty-loop cost subtracted "
        f"({', '.join(f'{p} {v:.1f}' for p, v in report['loop_overhead_ns'].items())} ns); "
        "in brackets the median over rounds of the ratio to the no-op `functools.wraps` "
        "decorator timed in the same round.",
        "",
        *rows,
    ]
    if notes:
        lines.append("")
        lines.extend(f"[{i}] {reason}" for i, reason in enumerate(notes, 1))
    lines.append("")
    lines.extend(f"- {line}" for line in targets(report))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # Setup trips and opens breakers; keep circuit_lab's transition log off the output.
    logging.getLogger("circuit_lab").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run: 5 rounds of ~10 ms")
    parser.add_argument("--rounds", type=int, help="rounds (default 21, quick 5)")
    parser.add_argument("--sample-ms", type=float, help="ms per sample (default 40, quick 10)")
    parser.add_argument("--json", metavar="FILE", help="also save the full results as JSON")
    args = parser.parse_args(argv)
    rounds = args.rounds or (5 if args.quick else 21)
    sample_ms = args.sample_ms or (10.0 if args.quick else 40.0)
    if rounds < 1 or sample_ms <= 0:
        parser.error("--rounds must be >= 1 and --sample-ms > 0")
    report = run(rounds, sample_ms)
    print(markdown(report))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
        print(f"\nsaved {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
