"""Behaviour comparison (not timing): circuit_lab against its Python peers.

Run from the repository root::

    .venv/bin/python benchmarks/check_peers.py            # prints a Markdown table
    .venv/bin/python benchmarks/check_peers.py --json out.json

Every check drives each library through its documented decorator, on a fresh breaker:

``half-open trials``  threshold 1, trip it, wait out the recovery timeout, then start
                      4 threads at once whose guarded function blocks on an Event:
                      how many are inside the function at the same time (the rest are
                      rejected, or queue and run later).
``calls serialised``  closed breaker: while one guarded call is blocked, does a second
                      thread's quick call have to wait for it?
``excluded resets``   threshold 3, ``Biz`` excluded: fail, fail, Biz, fail, then a probe.
                      Probe admitted = the excluded error reset the failure count (it was
                      treated as a success); probe rejected = it counted as neither.
``KeyboardInterrupt`` threshold 1, the function raises KeyboardInterrupt: does it trip
                      the breaker, and what does the caller get?
``threshold 0``       construct with a zero failure threshold: rejected with an error,
                      or accepted (and how many failures then trip it)?
``timeout 0``         construct with a zero recovery timeout, trip it, probe at once:
                      rejected with an error, honoured (half-open at once), or silently
                      replaced by a default?
``cancelled trial``   asyncio: threshold 1, trip, wait, start a trial task and cancel it
                      while it runs: the state while it runs and afterwards (a cancelled
                      trial proved nothing, so the breaker must not be closed).

circuit_lab runs on a ManualClock (no sleeping). The peers read the real clock
(``time.monotonic``, ``time.time`` or ``datetime.now``) with no way to inject one, so
they get a recovery timeout of ``SHORT`` seconds and the script sleeps a little longer.
A peer that is not installed is skipped with a message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.metadata
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

SHORT = 0.05  # seconds: recovery timeout for peers that only read the real clock
SETTLE = 0.3  # seconds to let threads pile up before counting them


class Boom(Exception):
    """A failure."""


class Biz(Exception):
    """A business error every breaker is told to exclude."""


# ------------------------------------------------------------------ guarded functions


def body(mode: str, ctx: dict[str, Any] | None = None) -> str:
    if mode == "ok":
        return "ok"
    if mode == "fail":
        raise Boom()
    if mode == "biz":
        raise Biz()
    if mode == "kbi":
        raise KeyboardInterrupt
    assert mode == "block" and ctx is not None
    with ctx["lock"]:
        ctx["entered"] += 1
    ctx["release"].wait(5)
    return "ok"


async def abody(mode: str, ctx: dict[str, Any] | None = None) -> str:
    if mode == "ok":
        return "ok"
    if mode == "fail":
        raise Boom()
    assert mode == "block" and ctx is not None
    ctx["entered"] += 1
    await ctx["release"].wait()
    return "ok"


def _copy(fn: Callable[..., Any]) -> Callable[..., Any]:
    import types

    new = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__)
    new.__qualname__ = fn.__qualname__
    return new


# ------------------------------------------------------------------ adapters


@dataclass
class Handle:
    """One fresh breaker of one library."""

    call: Callable[..., Any]  # guarded sync function (mode, ctx=None)
    open_error: type[BaseException]
    wait: Callable[[], None]  # let the recovery timeout elapse
    state: Callable[[], str]  # "closed" / "open" / "half_open"
    settings: Callable[[], str] = lambda: ""  # the effective threshold / timeout
    acall: Callable[..., Any] | None = None  # guarded async function, if any


def _norm(state: Any) -> str:
    text = str(getattr(state, "value", state)).lower()
    text = text.replace("half-opened", "half_open").replace("half-open", "half_open")
    return {"opened": "open", "half_opened": "half_open"}.get(text, text)


def make_circuit_lab(threshold: int, timeout: float, exclude: tuple = (), aio: bool = False):
    from circuit_lab import CircuitBreaker, CircuitBreakerError, ManualClock

    clock = ManualClock()
    b = CircuitBreaker(threshold, timeout, exclude=exclude, clock=clock)
    return Handle(
        call=b(_copy(body)),
        acall=b(_copy(abody)) if aio else None,
        open_error=CircuitBreakerError,
        wait=lambda: clock.advance(max(timeout, 0.0) + 1),
        state=lambda: _norm(b.state),
    )


def make_pybreaker(threshold: int, timeout: float, exclude: tuple = (), aio: bool = False):
    import pybreaker

    b = pybreaker.CircuitBreaker(fail_max=threshold, reset_timeout=timeout, exclude=exclude)
    acall = None
    if aio:  # pybreaker's only async route: the optional Tornado bridge
        importlib.import_module("tornado")
        acall = b(**{"__pybreaker_call_async": True})(_copy(abody))
    return Handle(
        call=b(_copy(body)),
        acall=acall,
        open_error=pybreaker.CircuitBreakerError,
        wait=lambda: time.sleep(timeout + SHORT),
        state=lambda: _norm(b.current_state),
        settings=lambda: f"fail_max={b.fail_max}, reset_timeout={b.reset_timeout}",
    )


def make_circuitbreaker(threshold: int, timeout: float, exclude: tuple = (), aio: bool = False):
    import circuitbreaker

    kwargs: dict[str, Any] = {}
    if exclude:
        # its exclusion is the inverse: `expected_exception` says what counts as failure
        kwargs["expected_exception"] = lambda exc_type, exc: (
            issubclass(exc_type, Exception) and not issubclass(exc_type, exclude)
        )
    make_circuitbreaker.serial = getattr(make_circuitbreaker, "serial", 0) + 1
    b = circuitbreaker.CircuitBreaker(
        failure_threshold=threshold,
        recovery_timeout=timeout,
        name=f"check-{make_circuitbreaker.serial}",
        **kwargs,
    )
    return Handle(
        call=b(_copy(body)),
        acall=b(_copy(abody)) if aio else None,
        open_error=circuitbreaker.CircuitBreakerError,
        wait=lambda: time.sleep(timeout + SHORT),
        state=lambda: _norm(b.state),
        settings=lambda: (
            f"failure_threshold={b._failure_threshold}, recovery_timeout={b._recovery_timeout}"
        ),
    )


def make_purgatory(threshold: int, timeout: float, exclude: tuple = (), aio: bool = False):
    import purgatory
    from purgatory.domain.model import OpenedState

    make_purgatory.serial = getattr(make_purgatory, "serial", 0) + 1
    name = f"check-{make_purgatory.serial}"
    sync_factory = purgatory.SyncCircuitBreakerFactory()
    async_factory = purgatory.AsyncCircuitBreakerFactory()
    deco = {"threshold": threshold, "ttl": timeout, "exclude": list(exclude) or None}
    call = sync_factory(name, **deco)(_copy(body))
    acall = async_factory(name, **deco)(_copy(abody)) if aio else None
    factory: Any = async_factory if aio else sync_factory

    def context() -> Any:
        return factory.uow.contexts.breakers.get(name)

    def settings() -> str:
        ctx = context()
        return "not created yet" if ctx is None else f"threshold={ctx.threshold}, ttl={ctx.ttl}"

    return Handle(
        call=call,
        acall=acall,
        open_error=OpenedState,
        wait=lambda: time.sleep(timeout + SHORT),
        state=lambda: _norm(context().state if context() else "closed"),
        settings=settings,
    )


def make_aiobreaker(threshold: int, timeout: float, exclude: tuple = (), aio: bool = False):
    import aiobreaker

    b = aiobreaker.CircuitBreaker(
        fail_max=threshold, timeout_duration=timedelta(seconds=timeout), exclude=exclude
    )
    return Handle(
        call=b(_copy(body)),
        acall=b(_copy(abody)) if aio else None,
        open_error=aiobreaker.CircuitBreakerError,
        wait=lambda: time.sleep(timeout + SHORT),
        state=lambda: _norm(b.current_state.name),
        settings=lambda: (
            f"fail_max={b.fail_max}, timeout_duration={b.timeout_duration.total_seconds():g}s"
        ),
    )


LIBRARIES: list[tuple[str, str, Callable[..., Handle]]] = [
    ("circuit_lab", "circuit_lab", make_circuit_lab),
    ("pybreaker", "pybreaker", make_pybreaker),
    ("circuitbreaker", "circuitbreaker", make_circuitbreaker),
    ("purgatory", "purgatory", make_purgatory),
    ("aiobreaker", "aiobreaker", make_aiobreaker),
]


# ------------------------------------------------------------------ helpers


def outcome(h: Handle, mode: str = "ok") -> str:
    """'ran', 'rejected' or the name of the exception the caller got."""
    try:
        h.call(mode)
    except h.open_error:
        return "rejected"
    except BaseException as exc:
        return type(exc).__name__
    return "ran"


def trip(h: Handle, failures: int = 1) -> None:
    for _ in range(failures):
        outcome(h, "fail")


def _timeout_for(lib: str) -> float:
    return 10.0 if lib == "circuit_lab" else SHORT


# ------------------------------------------------------------------ checks


def check_half_open(lib: str, make: Callable[..., Handle]) -> str:
    h = make(1, _timeout_for(lib))
    trip(h)
    if outcome(h) != "rejected":
        return "could not trip"
    h.wait()
    ctx: dict[str, Any] = {"lock": threading.Lock(), "entered": 0, "release": threading.Event()}
    results: list[str] = []

    def worker() -> None:
        try:
            h.call("block", ctx)
            results.append("ran")
        except h.open_error:
            results.append("rejected")
        except BaseException as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(SETTLE)
    concurrent = ctx["entered"]
    ctx["release"].set()
    for t in threads:
        t.join(5)
    ran = results.count("ran")
    text = f"{concurrent} of 4"
    if ran > concurrent:
        text += f" (+{ran - concurrent} queued, ran after)"
    rejected = results.count("rejected")
    if rejected:
        text += f", {rejected} rejected"
    return text


def check_serialised(lib: str, make: Callable[..., Handle]) -> str:
    h = make(5, 30.0)
    ctx: dict[str, Any] = {"lock": threading.Lock(), "entered": 0, "release": threading.Event()}
    slow = threading.Thread(target=lambda: outcome_ctx(h, ctx))
    slow.start()
    deadline = time.monotonic() + 2
    while ctx["entered"] == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    quick_done = threading.Event()
    quick = threading.Thread(target=lambda: (outcome(h), quick_done.set()))
    quick.start()
    finished = quick_done.wait(SETTLE)
    ctx["release"].set()
    slow.join(5)
    quick.join(5)
    return "no" if finished else "yes: waits for the running call"


def outcome_ctx(h: Handle, ctx: dict[str, Any]) -> None:
    with contextlib.suppress(BaseException):
        h.call("block", ctx)


def check_excluded(lib: str, make: Callable[..., Handle]) -> str:
    h = make(3, 30.0, exclude=(Biz,))
    seen = [outcome(h, m) for m in ("fail", "fail", "biz", "fail")]
    if seen[2] != "Biz":
        return f"excluded call gave {seen[2]}"
    probe = outcome(h)
    if probe == "ran":
        return "yes (treated as a success)"
    if probe == "rejected":
        return "no (counts as neither)"
    return f"probe gave {probe}"


def check_keyboard_interrupt(lib: str, make: Callable[..., Handle]) -> str:
    h = make(1, 30.0)
    got = outcome(h, "kbi")
    probe = outcome(h)
    tripped = probe == "rejected"
    text = "yes" if tripped else "no"
    if got == "rejected":
        got = f"{h.open_error.__name__} instead"
    if got != "KeyboardInterrupt":
        text += f" (caller got {got}: the KeyboardInterrupt is lost)"
    return text


def check_zero_threshold(lib: str, make: Callable[..., Handle]) -> str:
    try:
        h = make(0, 30.0)
    except (ValueError, TypeError) as exc:
        return f"rejected: {type(exc).__name__}"
    n = 0
    while h.state() != "open":
        n += 1
        if n > 11:
            return "accepted; never trips"
        outcome(h, "fail")
    detail = h.settings()
    text = f"accepted; trips after {n} failure{'s' if n > 1 else ''}"
    if n > 1:
        text += f" (silent default: {detail})" if detail else " (silent default)"
    return text


def check_zero_timeout(lib: str, make: Callable[..., Handle]) -> str:
    try:
        h = make(1, 0)
    except (ValueError, TypeError) as exc:
        return f"rejected: {type(exc).__name__}"
    trip(h)
    probe = outcome(h)
    if probe == "ran":
        return "honoured: half-open at once"
    detail = h.settings()
    return f"accepted; still open (silent default: {detail})" if detail else f"probe: {probe}"


def check_cancelled(lib: str, make: Callable[..., Handle]) -> str:
    try:
        h = make(1, _timeout_for(lib), aio=True)
    except ImportError as exc:
        return f"n/a ({exc})"
    assert h.acall is not None
    acall = h.acall

    async def scenario() -> str:
        with contextlib.suppress(Boom, h.open_error):
            await acall("fail")
        before = h.state()
        h.wait()
        ctx: dict[str, Any] = {"entered": 0, "release": asyncio.Event()}
        task = asyncio.ensure_future(acall("block", ctx))
        for _ in range(200):
            if ctx["entered"]:
                break
            await asyncio.sleep(0.001)
        if not ctx["entered"]:
            task.cancel()
            return f"trial never started (state {h.state()})"
        during = h.state()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        after = h.state()
        verdict = "wrong: closed" if after == "closed" else "ok"
        return f"{before}; trial running: {during}; cancelled: {after} ({verdict})"

    try:
        return asyncio.run(scenario())
    except BaseException as exc:
        return f"error: {type(exc).__name__}: {exc}"


CHECKS: list[tuple[str, Callable[[str, Callable[..., Handle]], str]]] = [
    ("half-open: concurrent trials admitted", check_half_open),
    ("guarded calls serialised", check_serialised),
    ("excluded error resets failure count", check_excluded),
    ("KeyboardInterrupt trips", check_keyboard_interrupt),
    ("failure threshold 0", check_zero_threshold),
    ("recovery timeout 0", check_zero_timeout),
    ("cancelled half-open trial (asyncio)", check_cancelled),
]


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("circuit_lab").setLevel(logging.ERROR)  # transitions are expected
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="FILE", help="also save the results as JSON")
    args = parser.parse_args(argv)
    table: dict[str, dict[str, str]] = {}
    versions: dict[str, str] = {}
    for lib, module, make in LIBRARIES:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            hint = "" if lib == "circuit_lab" else "; install: .venv/bin/pip install -e .[bench]"
            print(f"[skip] {lib} is not installed ({exc}){hint}", file=sys.stderr)
            continue
        try:
            versions[lib] = importlib.metadata.version(module)
        except importlib.metadata.PackageNotFoundError:
            versions[lib] = "?"
        row = table[lib] = {}
        for title, check in CHECKS:
            try:
                row[title] = check(lib, make)
            except Exception as exc:
                row[title] = f"error: {type(exc).__name__}: {exc}"
            print(f"[{lib}] {title}: {row[title]}", file=sys.stderr)
    libs = list(table)
    print(
        f"Python {sys.version.split()[0]}; peers on real time (timeout {SHORT} s), "
        "circuit_lab on a ManualClock.\n"
    )
    print("| check | " + " | ".join(f"{lib} {versions[lib]}" for lib in libs) + " |")
    print("|---|" + "---|" * len(libs))
    for title, _ in CHECKS:
        print(f"| {title} | " + " | ".join(table[lib][title] for lib in libs) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(
                {"python": sys.version.split()[0], "versions": versions, "checks": table},
                fh,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
