"""Request arrivals: steady or Poisson, with an optional peak and periodic bursts.

:class:`Traffic` describes the arrival process; :meth:`Traffic.arrivals` turns it into a
generator-like zero-argument callable returning successive arrival times (virtual
seconds, non-decreasing), drawing randomness only from the ``random.Random`` it is
given, so a seed fixes every arrival.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from math import log

from circuit_lab._validate import check_int, check_number, check_seconds

__all__ = ["ARRIVALS", "Bursts", "Peak", "Traffic"]

ARRIVALS: tuple[str, str] = ("poisson", "steady")
"""Allowed arrival processes: ``"poisson"`` (exponential gaps) or ``"steady"`` (equal gaps)."""


@dataclass(frozen=True)
class Peak:
    """A peak-traffic event: from ``start`` the rate ramps linearly up to ``factor``
    times the base rate over ``ramp_up`` seconds, holds for ``hold`` seconds and ramps
    back down over ``ramp_down`` seconds. ``factor >= 1``; times ``>= 0`` seconds."""

    start: float
    factor: float = 5.0
    ramp_up: float = 10.0
    hold: float = 20.0
    ramp_down: float = 10.0

    def __post_init__(self) -> None:
        check_seconds("peak start", self.start)
        check_number("peak_factor", self.factor, minimum=1.0)
        check_seconds("peak ramp_up", self.ramp_up)
        check_seconds("peak_hold", self.hold)
        check_seconds("peak ramp_down", self.ramp_down)

    @property
    def end(self) -> float:
        """When the rate is back to the base rate (s)."""
        return self.start + self.ramp_up + self.hold + self.ramp_down

    def multiplier(self, t: float) -> float:
        """Rate multiplier (>= 1) at virtual time ``t``."""
        s, k = self.start, self.factor
        if t <= s or t >= self.end:
            return 1.0
        up_end = s + self.ramp_up
        if t < up_end:
            return 1.0 + (k - 1.0) * (t - s) / self.ramp_up
        hold_end = up_end + self.hold
        if t <= hold_end:
            return k
        return 1.0 + (k - 1.0) * (self.end - t) / self.ramp_down


@dataclass(frozen=True)
class Bursts:
    """``size`` extra requests arriving at the same instant every ``every`` seconds,
    the first at ``start`` (default: ``every``). ``size >= 1``, ``every > 0``."""

    every: float
    size: int
    start: float | None = None

    def __post_init__(self) -> None:
        check_seconds("burst_every", self.every, allow_zero=False)
        check_int("burst_size", self.size, minimum=1)
        if self.start is not None:
            check_seconds("burst start", self.start)


class Traffic:
    """An arrival process: ``rate`` requests per second (> 0) arriving ``"poisson"``
    or ``"steady"``, optionally shaped by a :class:`Peak` and :class:`Bursts`.
    Raises ``ValueError``/``TypeError`` naming the bad parameter."""

    __slots__ = ("arrival", "bursts", "peak", "rate")

    def __init__(
        self,
        rate: float,
        *,
        arrival: str = "poisson",
        peak: Peak | None = None,
        bursts: Bursts | None = None,
    ) -> None:
        self.rate = check_number("rate", rate, minimum=0.0, min_inclusive=False, unit="requests/s")
        if arrival not in ARRIVALS:
            raise ValueError(f"arrival must be one of {list(ARRIVALS)}, got {arrival!r}")
        if peak is not None and not isinstance(peak, Peak):
            raise TypeError(f"peak must be a Peak or None, got {peak!r}")
        if bursts is not None and not isinstance(bursts, Bursts):
            raise TypeError(f"bursts must be a Bursts or None, got {bursts!r}")
        self.arrival = arrival
        self.peak = peak
        self.bursts = bursts

    def rate_at(self, t: float) -> float:
        """The base-process rate (requests/s) at virtual time ``t`` (bursts excluded)."""
        return self.rate * (self.peak.multiplier(t) if self.peak is not None else 1.0)

    def arrivals(self, rng: random.Random, start: float = 0.0) -> Callable[[], float]:
        """A zero-argument callable returning the next arrival time on each call,
        starting after ``start``; randomness drawn only from ``rng``."""
        base = self._base(rng, start)
        bursts = self.bursts
        if bursts is None:
            return base
        every, size = bursts.every, bursts.size
        state = [bursts.start if bursts.start is not None else start + every, 0, base()]
        # state: [next burst time, requests of the current burst still to come, next base]

        def with_bursts() -> float:
            if state[1]:
                state[1] -= 1
                return state[0] - every
            nb, nxt = state[0], state[2]
            if nb <= nxt:
                state[0] = nb + every
                state[1] = size - 1
                return nb
            state[2] = base()
            return nxt

        return with_bursts

    def _base(self, rng: random.Random, start: float) -> Callable[[], float]:
        rate, peak = self.rate, self.peak
        t = start
        if self.arrival == "steady":
            gap = 1.0 / rate
            if peak is None:
                n = 0

                def steady() -> float:
                    nonlocal n
                    n += 1
                    return start + n * gap  # no accumulated rounding drift

                return steady
            mult = peak.multiplier

            def steady_peak() -> float:
                nonlocal t
                t += gap / mult(t)
                return t

            return steady_peak
        expo = rng.expovariate
        if peak is None:
            # expovariate(rate) inlined: -log(1 - U) / rate (same draws, one call less)
            uniform_draw = rng.random
            mean_gap = 1.0 / rate

            def poisson() -> float:
                nonlocal t
                t -= log(1.0 - uniform_draw()) * mean_gap
                return t

            return poisson
        # Non-homogeneous Poisson process by thinning (exact).
        top = rate * peak.factor
        accept = 1.0 / peak.factor
        mult = peak.multiplier
        uniform = rng.random

        def poisson_peak() -> float:
            nonlocal t
            while True:
                t += expo(top)
                if uniform() < mult(t) * accept:
                    return t

        return poisson_peak

    def __repr__(self) -> str:
        return (
            f"Traffic(rate={self.rate!r}, arrival={self.arrival!r}, peak={self.peak!r}, "
            f"bursts={self.bursts!r})"
        )
