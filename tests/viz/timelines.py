"""Build realistic Timelines for the chart tests without the scenario engine: the real
CircuitBreaker on a ManualClock, a steady request stream, and fault windows."""

from __future__ import annotations

import random
from typing import Any

from circuit_lab import CircuitBreaker, FailureRate, ManualClock
from circuit_lab.events import StateChanged
from circuit_lab.sim.timeline import STATE_CODES, Outcome, Timeline


def make_timeline(
    *,
    duration: float = 60.0,
    rps: float = 100.0,
    outage: tuple[float, float] | None = (15.0, 32.0),
    degraded: tuple[float, float, float] | None = (42.0, 50.0, 0.35),
    threshold: int = 5,
    recovery_timeout: float = 4.0,
    rate_policy: bool = False,
    seed: int = 0,
    service: str = "payments",
    services: tuple[str, ...] | None = None,
    open_fault: bool = False,
) -> Timeline:
    """``duration`` seconds of ``rps`` requests/s through one breaker. During ``outage``
    every call times out (0.5 s); during ``degraded`` (start, end, error rate) calls fail
    at that rate; otherwise 1% fail. ``open_fault`` leaves the outage window open."""
    rng = random.Random(seed)
    clock = ManualClock()
    settings: dict[str, Any] = {
        "failure_threshold": threshold,
        "recovery_timeout": recovery_timeout,
        "policy": "consecutive",
    }
    policy = None
    if rate_policy:
        policy = FailureRate(0.5, window_seconds=5.0, minimum_calls=20)
        settings.update(policy="time_window", failure_rate_threshold=0.5, window=5.0)
    tl = Timeline(services or (service,), settings=settings)

    def listen(event: Any) -> None:
        if isinstance(event, StateChanged):
            tl.add_transition(event.at, service, event.old, event.new, event.reason)

    breaker = CircuitBreaker(
        threshold, recovery_timeout, clock=clock, policy=policy, listeners=[listen]
    )
    svc = tl.services.index(service)
    if outage is not None:
        index = tl.open_fault(outage[0], "outage", service, "outage (hang)")
        if not open_fault:
            tl.close_fault(index, outage[1])
    if degraded is not None:
        index = tl.open_fault(degraded[0], "error_rate", service, f"{degraded[2]:.0%} errors")
        tl.close_fault(index, degraded[1])
    n = int(duration * rps)
    for i in range(n):
        t = (i + rng.random()) / rps
        clock.set(max(clock(), t))
        state = STATE_CODES[breaker.state]
        try:
            permit = breaker.acquire()
        except Exception:
            tl.record(t, svc, Outcome.REJECTED, 0.0, state)
            continue
        in_outage = outage is not None and outage[0] <= t and (open_fault or t < outage[1])
        error_rate = 0.01
        if degraded is not None and degraded[0] <= t < degraded[1]:
            error_rate = degraded[2]
        if in_outage:
            permit.failure(TimeoutError())
            tl.record(t, svc, Outcome.TIMEOUT, 0.5, state)
        elif rng.random() < error_rate:
            permit.failure(RuntimeError())
            tl.record(t, svc, Outcome.FAILURE, 0.02, state)
        else:
            permit.success()
            tl.record(t, svc, Outcome.SUCCESS, 0.02 + rng.random() * 0.03, state)
    tl.end = duration
    return tl
