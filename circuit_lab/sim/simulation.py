"""The stepping API the widgets drive: advance, change settings and faults, reset.

>>> from circuit_lab.sim import Simulation
>>> sim = Simulation("outage", seed=3, duration=60.0)
>>> sim.advance(10.0)          # ten virtual seconds
10.0
>>> finished = sim.step(5)     # until five more user requests have finished
>>> sim.set_fault("latency", factor=10.0)   # the service slows down, from now on
>>> sim.set_breaker(failure_threshold=3)     # keeps the breaker's state
>>> sim.set_rate(250.0)        # users now send 250 requests/s
>>> timeline = sim.run()       # to the end of the scenario
>>> sim.reset()                # back to the seeded start

Changing breaker settings mid-run replaces each breaker with one built from the new
settings that *keeps the state* it was in (CLOSED, OPEN or HALF_OPEN) but starts with
fresh counters; an OPEN breaker's recovery timeout restarts at the moment of the change.
Faults set live are recorded as fault windows in the timeline. :meth:`Simulation.reset`
rebuilds the scenario exactly as constructed (same seed unless a new one is given):
live changes are forgotten.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from circuit_lab import CircuitBreaker
from circuit_lab._validate import check_int, check_seconds

from .engine import Engine, Model
from .scenarios import build_model
from .service import Service
from .timeline import Timeline
from .traffic import Traffic

__all__ = ["Simulation"]


class Simulation:
    """A resettable, steppable run of a scenario on virtual time.

    ``scenario`` is a scenario name (see :data:`circuit_lab.sim.scenarios.SCENARIOS`)
    with ``params`` overriding its defaults, or a zero-argument callable returning a
    fresh :class:`Model` (then ``params`` must be empty). ``seed`` (int) fixes every
    random draw. Raises ``ValueError``/``TypeError`` naming a bad scenario or
    parameter.
    """

    def __init__(
        self,
        scenario: str | Callable[[], Model] = "steady",
        *,
        seed: int = 0,
        **params: Any,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")
        if callable(scenario):
            if params:
                raise TypeError("params are only accepted with a scenario name")
            factory: Callable[[], Model] = scenario
            self.scenario = getattr(scenario, "__name__", "custom")
        else:
            build_model(scenario, **params)  # validate now, loudly
            self.scenario = scenario

            def factory() -> Model:
                return build_model(scenario, **params)

        self.params: Mapping[str, Any] = dict(params)
        self._factory = factory
        self.seed = seed
        self._engine = Engine(factory(), seed)

    # -- state --------------------------------------------------------------------------
    @property
    def timeline(self) -> Timeline:
        """The record so far (the same object until :meth:`reset`)."""
        return self._engine.timeline

    @property
    def now(self) -> float:
        """Current virtual time in seconds."""
        return self._engine.clock.now

    @property
    def duration(self) -> float:
        """Virtual seconds during which users send requests."""
        return self._engine.duration

    @property
    def done(self) -> bool:
        """Whether the scenario is over: no more arrivals and nothing in flight."""
        e = self._engine
        return e.next_arrival == math.inf and not e.heap

    @property
    def breakers(self) -> Mapping[str, CircuitBreaker]:
        """The breakers by the name of the service they guard (read them, don't drive
        them: the simulation owns their calls)."""
        return dict(self._engine.breakers)

    @property
    def services(self) -> Mapping[str, Service]:
        """The simulated services by name."""
        return dict(self._engine.services)

    @property
    def stats(self) -> dict[str, int]:
        """User-request counts: ``requests`` issued, ``completed``, ``in_flight``,
        ``failed`` (finally failed), ``fallbacks`` (answered by the entry fallback)."""
        e = self._engine
        return {
            "requests": e.requests,
            "completed": e.completed,
            "in_flight": e.in_flight,
            "failed": e.failed,
            "fallbacks": e.fallbacks,
        }

    # -- advancing ----------------------------------------------------------------------
    def step(self, n: int = 1) -> int:
        """Advance until ``n`` (int >= 1) more user requests have finished (or the
        scenario is over); return how many finished. Their attempt rows are in the
        timeline when this returns."""
        n = check_int("n", n, minimum=1)
        before = self._engine.completed
        self._engine.run(max_completed=n)
        self._engine.refresh_states()
        return self._engine.completed - before

    def advance(self, seconds: float) -> float:
        """Advance virtual time by ``seconds`` (> 0); return the new time."""
        seconds = check_seconds("seconds", seconds, allow_zero=False)
        return self.run_until(self.now + seconds)

    def run_until(self, t: float) -> float:
        """Advance to virtual time ``t`` (>= now, seconds); return it."""
        t = check_seconds("t", t)
        if t < self.now:
            raise ValueError(f"t must be >= the current time {self.now:g} s, got {t!r}")
        self._engine.run(until=t)
        self._engine.refresh_states()
        return self.now

    def run(self) -> Timeline:
        """Run to the end of the scenario (arrivals stop at ``duration``; requests in
        flight then finish) and return the timeline."""
        self._engine.run()
        self._engine.refresh_states()
        return self.timeline

    # -- live changes -------------------------------------------------------------------
    def set_breaker(self, **settings: Any) -> None:
        """Change breaker settings now (keys of
        :data:`~circuit_lab.sim.engine.BREAKER_SETTINGS`). Breakers keep their state;
        see the module docstring. Raises ``ValueError``/``TypeError`` naming a bad
        setting, leaving the current breakers untouched."""
        self._engine.configure_breakers(**settings)

    def set_fault(self, kind: str, service: str | None = None, **params: Any) -> None:
        """Start fault ``kind`` on ``service`` (default: the last service of the
        chain, the one everything depends on) now. Kinds and params: ``"outage"``
        (``mode="error"|"hang"``), ``"error_rate"`` (``rate`` in [0, 1]),
        ``"latency"`` (``factor`` > 0, ``extra`` seconds >= 0)."""
        self._engine.apply_fault(kind, self._target(service), **params)

    def clear_fault(self, kind: str, service: str | None = None) -> None:
        """End fault ``kind`` on ``service`` now (no-op if not active)."""
        self._engine.clear_fault(kind, self._target(service))

    def set_rate(self, rate: float) -> None:
        """Change the users' base request rate (requests/s, > 0) from now on, keeping
        the arrival process, peak and bursts of the scenario."""
        old = self._engine.model.traffic
        self._engine.set_traffic(
            Traffic(rate, arrival=old.arrival, peak=old.peak, bursts=old.bursts)
        )

    def _target(self, service: str | None) -> str:
        return self.timeline.services[-1] if service is None else service

    def reset(self, seed: int | None = None) -> None:
        """Rebuild the scenario from scratch at time 0 with the same seed (or
        ``seed``). The timeline is replaced by a new, empty one."""
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise TypeError(f"seed must be an int, got {seed!r}")
            self.seed = seed
        self._engine = Engine(self._factory(), self.seed)

    def __repr__(self) -> str:
        return (
            f"Simulation({self.scenario!r}, seed={self.seed}, now={self.now:g}, "
            f"rows={len(self.timeline)})"
        )
