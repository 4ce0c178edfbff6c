"""Named scenarios: one line to build or run each.

>>> from circuit_lab.sim.scenarios import run_scenario
>>> timeline = run_scenario("outage", seed=1, duration=20.0, outage_start=5.0)
>>> timeline.summary().trips >= 1
True

Every scenario has a flat set of parameters with defaults (see :func:`parameters`); any
of them can be overridden by keyword (or ``--set key=value`` on the command line).
Unknown names raise ``ValueError`` suggesting the closest one; bad values raise the
``ValueError``/``TypeError`` of the component that checks them, naming the parameter.

========== ===================================================================
name       what it shows
========== ===================================================================
steady     a healthy service under steady load (optionally with bursts)
outage     the service goes down, then recovers: trip, half-open, close
flaky      intermittent error spikes
degradation the service slows down: timeouts and a full queue
peak_traffic the paper's peak-traffic event: load ramps to k times, holds, ramps down
cascade    frontend -> orders -> payments; payments slows down (compare ``breaker``)
========== ===================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from circuit_lab._validate import check_number, check_seconds

from .cascade import Hop, build_chain
from .client import Client
from .engine import BREAKER_SETTINGS, Engine, FaultChange, Model
from .params import check_names
from .service import Service
from .timeline import Timeline
from .traffic import Bursts, Peak, Traffic

__all__ = [
    "SCENARIOS",
    "Scenario",
    "build_model",
    "cascade_comparison",
    "parameters",
    "run_scenario",
]

_BREAKER = {k: v for k, v in BREAKER_SETTINGS.items()}

_COMMON: dict[str, Any] = {
    "duration": 120.0,
    "rate": 100.0,
    "arrival": "poisson",
    "burst_every": 0.0,
    "burst_size": 50,
    "workers": 20,
    "queue_size": 50,
    "latency": 0.05,
    "latency_sigma": 0.3,
    "error_rate": 0.01,
    "timeout": 1.0,
    "retries": 0,
    "backoff": 0.0,
    "jitter": 0.0,
    "fallback": False,
    "breaker": True,
    **_BREAKER,
}


@dataclass(frozen=True)
class Scenario:
    """A named scenario: ``defaults`` (every parameter it accepts) and ``build``
    (complete parameters -> :class:`Model`)."""

    name: str
    description: str
    defaults: Mapping[str, Any]
    build: Callable[[Mapping[str, Any]], Model]


def _breaker_settings(p: Mapping[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in BREAKER_SETTINGS}


def _single(p: Mapping[str, Any], faults: list[FaultChange], peak: Peak | None = None) -> Model:
    svc = Service(
        "service",
        workers=p["workers"],
        queue_size=p["queue_size"],
        latency=p["latency"],
        latency_sigma=p["latency_sigma"],
        error_rate=p["error_rate"],
    )
    client = Client(
        svc,
        timeout=p["timeout"],
        retries=p["retries"],
        backoff=p["backoff"],
        jitter=p["jitter"],
        fallback=p["fallback"],
        breaker=p["breaker"],
    )
    every = check_seconds("burst_every", p["burst_every"])
    bursts = Bursts(every, p["burst_size"]) if every > 0 else None
    traffic = Traffic(p["rate"], arrival=p["arrival"], peak=peak, bursts=bursts)
    duration = check_seconds("duration", p["duration"], allow_zero=False)
    return Model([svc], client, traffic, duration, faults, _breaker_settings(p))


def _steady(p: Mapping[str, Any]) -> Model:
    return _single(p, [])


def _outage(p: Mapping[str, Any]) -> Model:
    start = check_seconds("outage_start", p["outage_start"])
    length = check_seconds("outage_duration", p["outage_duration"], allow_zero=False)
    fault = FaultChange("outage", "service", start, start + length, {"mode": p["outage_mode"]})
    return _single(p, [fault])


def _flaky(p: Mapping[str, Any]) -> Model:
    every = check_seconds("flaky_every", p["flaky_every"], allow_zero=False)
    length = check_seconds("flaky_length", p["flaky_length"], allow_zero=False)
    if length >= every:
        raise ValueError(
            f"flaky_length must be < flaky_every ({every:g} s), got {p['flaky_length']!r}"
        )
    rate = p["flaky_rate"]
    duration = check_seconds("duration", p["duration"], allow_zero=False)
    faults = []
    t = every - length
    while t < duration:
        faults.append(FaultChange("error_rate", "service", t, t + length, {"rate": rate}))
        t += every
    return _single(p, faults)


def _degradation(p: Mapping[str, Any]) -> Model:
    start = check_seconds("slow_start", p["slow_start"])
    length = check_seconds("slow_duration", p["slow_duration"], allow_zero=False)
    factor = check_number("slow_factor", p["slow_factor"], minimum=1.0)
    fault = FaultChange("latency", "service", start, start + length, {"factor": factor})
    return _single(p, [fault])


def _peak(p: Mapping[str, Any]) -> Model:
    peak = Peak(
        start=check_seconds("peak_start", p["peak_start"]),
        factor=check_number("peak_factor", p["peak_factor"], minimum=1.0),
        ramp_up=check_seconds("peak_ramp", p["peak_ramp"]),
        hold=check_seconds("peak_hold", p["peak_hold"]),
        ramp_down=check_seconds("peak_ramp", p["peak_ramp"]),
    )
    return _single(p, [], peak)


def _cascade(p: Mapping[str, Any]) -> Model:
    use = p["breaker"]
    fb = p["fallback"]
    inner = {
        "timeout": p["timeout"],
        "retries": p["retries"],
        "backoff": p["backoff"],
        "jitter": p["jitter"],
        "fallback": fb,
        "breaker": use,
    }
    sigma = p["latency_sigma"]
    err = p["error_rate"]
    hops = [
        Hop(
            "frontend",
            {
                "workers": p["frontend_workers"],
                "queue_size": p["queue_size"],
                "latency": p["frontend_latency"],
                "latency_sigma": sigma,
                "error_rate": err,
            },
            {"timeout": p["user_timeout"], "retries": 0, "breaker": False},
        ),
        Hop(
            "orders",
            {
                "workers": p["orders_workers"],
                "queue_size": p["queue_size"],
                "latency": p["orders_latency"],
                "latency_sigma": sigma,
                "error_rate": err,
            },
            inner,
        ),
        Hop(
            "payments",
            {
                "workers": p["payments_workers"],
                "queue_size": p["queue_size"],
                "latency": p["payments_latency"],
                "latency_sigma": sigma,
                "error_rate": err,
            },
            inner,
        ),
    ]
    services, entry = build_chain(hops)
    start = check_seconds("slow_start", p["slow_start"])
    length = check_seconds("slow_duration", p["slow_duration"], allow_zero=False)
    factor = check_number("slow_factor", p["slow_factor"], minimum=1.0)
    faults = [FaultChange("latency", "payments", start, start + length, {"factor": factor})]
    traffic = Traffic(p["rate"], arrival=p["arrival"])
    duration = check_seconds("duration", p["duration"], allow_zero=False)
    return Model(services, entry, traffic, duration, faults, _breaker_settings(p))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("steady", "a healthy service under steady load", dict(_COMMON), _steady),
        Scenario(
            "outage",
            "the service goes down at outage_start for outage_duration s, then recovers",
            {**_COMMON, "outage_start": 30.0, "outage_duration": 30.0, "outage_mode": "error"},
            _outage,
        ),
        Scenario(
            "flaky",
            "every flaky_every s, flaky_length s of extra errors (probability flaky_rate)",
            {**_COMMON, "flaky_every": 20.0, "flaky_length": 5.0, "flaky_rate": 0.6},
            _flaky,
        ),
        Scenario(
            "degradation",
            "from slow_start the service is slow_factor times slower for slow_duration s",
            {**_COMMON, "slow_start": 30.0, "slow_duration": 40.0, "slow_factor": 20.0},
            _degradation,
        ),
        Scenario(
            "peak_traffic",
            "load ramps to peak_factor x rate over peak_ramp s, holds peak_hold s, ramps down",
            {
                **_COMMON,
                "workers": 10,
                "peak_start": 30.0,
                "peak_factor": 5.0,
                "peak_ramp": 10.0,
                "peak_hold": 30.0,
            },
            _peak,
        ),
        Scenario(
            "cascade",
            "frontend -> orders -> payments; payments slows down by slow_factor "
            "(run with breaker=true and breaker=false on the same seed)",
            {
                **{
                    k: v
                    for k, v in _COMMON.items()
                    if k not in ("workers", "latency", "burst_every", "burst_size")
                },
                "rate": 200.0,
                "error_rate": 0.0,
                "queue_size": 1000,
                "timeout": 0.5,
                "user_timeout": 2.0,
                "retries": 1,
                "fallback": True,
                "frontend_workers": 40,
                "orders_workers": 20,
                "payments_workers": 10,
                "frontend_latency": 0.005,
                "orders_latency": 0.01,
                "payments_latency": 0.02,
                "slow_start": 30.0,
                "slow_duration": 40.0,
                "slow_factor": 50.0,
            },
            _cascade,
        ),
    )
}
"""Every named scenario by name."""


def parameters(name: str) -> dict[str, Any]:
    """The parameters of scenario ``name`` with their defaults (a copy).
    Raises ``ValueError`` for an unknown name, suggesting the closest."""
    return dict(_get(name).defaults)


def _get(name: str) -> Scenario:
    if not isinstance(name, str):
        raise TypeError(f"scenario must be a name (str), got {name!r}")
    check_names([name], SCENARIOS, "scenario")
    return SCENARIOS[name]


def build_model(name: str, **params: Any) -> Model:
    """A fresh :class:`Model` of scenario ``name`` with ``params`` overriding its
    defaults. Raises ``ValueError``/``TypeError`` naming a bad scenario or parameter."""
    scenario = _get(name)
    check_names(params, scenario.defaults, "parameter", f" for scenario {name!r}")
    return scenario.build({**scenario.defaults, **params})


def run_scenario(name: str, seed: int = 0, **params: Any) -> Timeline:
    """Run scenario ``name`` to the end (users send requests for ``duration`` s; the
    requests still in flight then finish) and return its timeline."""
    engine = Engine(build_model(name, **params), seed)
    engine.run()
    return engine.timeline


def cascade_comparison(seed: int = 0, **params: Any) -> dict[str, Timeline]:
    """Run ``cascade`` twice on the same seed: ``{"with breakers": ...,
    "without breakers": ...}`` (``breaker`` must not be given)."""
    if "breaker" in params:
        raise ValueError("cascade_comparison sets breaker itself; do not pass it")
    return {
        "with breakers": run_scenario("cascade", seed, breaker=True, **params),
        "without breakers": run_scenario("cascade", seed, breaker=False, **params),
    }
