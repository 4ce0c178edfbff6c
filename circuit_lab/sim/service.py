"""A downstream service: worker pool, queue, latency and error model, live faults.

A :class:`Service` handles one request per busy worker; requests that find every worker
busy wait in a FIFO queue of at most ``queue_size``; beyond that they are refused at
once (an "overloaded" failure). A worker that picks up a request works for a random
time (lognormal around ``latency``, drawn from a quantile table, see
:data:`LATENCY_BITS`) and then answers success, failure (probability
``error_rate``) or a bad-request answer the breaker ignores (``bad_request_rate``).
A request whose client already gave up is still worked on (the server cannot know), so
overload wastes work exactly as it does in real systems.

Faults are plain attributes, changed while a run is in progress (the engine reads them
when a request arrives or starts): ``outage`` (``None``, ``"error"``: every request is
refused fast, or ``"hang"``: requests are swallowed and never answered, so clients wait
for their timeout), ``error_spike`` (extra failure probability), ``slowdown`` (latency
multiplier, ``>= 1`` for degradation) and ``extra_latency`` (seconds added).
"""

from __future__ import annotations

import math
from collections import deque
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from circuit_lab._validate import check_fraction, check_int, check_number, check_seconds

if TYPE_CHECKING:
    from .client import Client

__all__ = ["LATENCY_BITS", "OUTAGE_MODES", "Service"]

LATENCY_BITS = 12
"""Work times are drawn from a table of ``2**LATENCY_BITS`` equally likely quantiles of
the lognormal distribution (the midpoints of 4096 equal-probability bins): one cheap
random integer per request instead of a Gaussian draw, with the same shape to within
1/4096 in probability."""

_QUANTILES: list[float] = []


def _normal_quantiles() -> list[float]:
    """Standard normal quantiles at the bin midpoints (computed once)."""
    if not _QUANTILES:
        nd = NormalDist()
        n = 1 << LATENCY_BITS
        _QUANTILES.extend(nd.inv_cdf((i + 0.5) / n) for i in range(n))
    return _QUANTILES


OUTAGE_MODES: tuple[str, str] = ("error", "hang")
"""Allowed values of :attr:`Service.outage` besides ``None``."""


class Service:
    """One service in the simulated system (see the module docstring).

    Parameters (all validated; ``ValueError``/``TypeError`` name the parameter):
    ``name`` (non-empty str), ``workers`` (int >= 1), ``queue_size`` (int >= 0),
    ``latency`` (median seconds of work, > 0), ``latency_sigma`` (lognormal shape,
    >= 0; 0 = constant), ``error_rate`` and ``bad_request_rate`` (probabilities, their
    sum <= 1), ``error_latency`` (seconds to refuse a request during an ``"error"``
    outage or when overloaded, >= 0), ``downstream`` (the :class:`Client` this service
    calls after its own work, or ``None`` for a leaf).
    """

    __slots__ = (
        "_bad_request_rate",
        "_error_rate",
        "_error_spike",
        "_extra_latency",
        "_latency",
        "_latency_sigma",
        "_outage",
        "_slowdown",
        "busy",
        "downstream",
        "error_latency",
        "fail_cut",
        "ignore_cut",
        "index",
        "lat_scale",
        "lat_table",
        "name",
        "queue",
        "queue_size",
        "workers",
    )

    def __init__(
        self,
        name: str,
        *,
        workers: int = 10,
        queue_size: int = 50,
        latency: float = 0.05,
        latency_sigma: float = 0.3,
        error_rate: float = 0.0,
        bad_request_rate: float = 0.0,
        error_latency: float = 0.001,
        downstream: Client | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        self.name = name
        self.workers = check_int("workers", workers, minimum=1)
        self.queue_size = check_int("queue_size", queue_size, minimum=0)
        self._latency = check_seconds("latency", latency, allow_zero=False)
        self._latency_sigma = check_number("latency_sigma", latency_sigma, minimum=0.0)
        self._error_rate = check_fraction("error_rate", error_rate)
        self._bad_request_rate = check_fraction("bad_request_rate", bad_request_rate)
        if self._error_rate + self._bad_request_rate > 1.0:
            raise ValueError(
                f"error_rate + bad_request_rate must be <= 1, got "
                f"{self._error_rate!r} + {self._bad_request_rate!r}"
            )
        self.error_latency = check_seconds("error_latency", error_latency)
        self.downstream = downstream
        self._outage: str | None = None
        self._error_spike = 0.0
        self._slowdown = 1.0
        self._extra_latency = 0.0
        # runtime state, owned by the engine
        self.index = 0
        self.busy = 0
        self.queue: deque[Any] = deque()
        self.fail_cut = 0.0
        self.ignore_cut = 0.0
        self.lat_scale = 0.0
        self.lat_table: list[float] = []
        self._derive()

    def _derive(self) -> None:
        """Precompute what the engine reads per request."""
        fail = min(1.0, self._error_rate + self._error_spike)
        self.fail_cut = fail
        self.ignore_cut = min(1.0, fail + self._bad_request_rate)
        self.lat_scale = scale = self._latency * self._slowdown
        sigma = self._latency_sigma
        extra = self._extra_latency
        self.lat_table = [scale * math.exp(sigma * z) + extra for z in _normal_quantiles()]

    # -- model parameters (settable mid-run) --------------------------------------------
    @property
    def latency(self) -> float:
        """Median seconds of work per request (> 0)."""
        return self._latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._latency = check_seconds("latency", value, allow_zero=False)
        self._derive()

    @property
    def latency_sigma(self) -> float:
        """Lognormal shape of the work time (>= 0; 0 makes it constant)."""
        return self._latency_sigma

    @latency_sigma.setter
    def latency_sigma(self, value: float) -> None:
        self._latency_sigma = check_number("latency_sigma", value, minimum=0.0)
        self._derive()

    @property
    def error_rate(self) -> float:
        """Baseline probability in [0, 1] that a request fails."""
        return self._error_rate

    @error_rate.setter
    def error_rate(self, value: float) -> None:
        rate = check_fraction("error_rate", value)
        if rate + self._bad_request_rate > 1.0:
            raise ValueError(f"error_rate + bad_request_rate must be <= 1, got {rate!r}")
        self._error_rate = rate
        self._derive()

    @property
    def bad_request_rate(self) -> float:
        """Probability in [0, 1] of a bad-request answer (reported as ignored)."""
        return self._bad_request_rate

    # -- faults -------------------------------------------------------------------------
    @property
    def outage(self) -> str | None:
        """``None`` (up), ``"error"`` (refuses fast) or ``"hang"`` (never answers)."""
        return self._outage

    @outage.setter
    def outage(self, value: str | None) -> None:
        if value is not None and value not in OUTAGE_MODES:
            raise ValueError(f"outage must be None or one of {list(OUTAGE_MODES)}, got {value!r}")
        self._outage = value

    @property
    def error_spike(self) -> float:
        """Extra failure probability in [0, 1] on top of ``error_rate``."""
        return self._error_spike

    @error_spike.setter
    def error_spike(self, value: float) -> None:
        self._error_spike = check_fraction("error_spike", value)
        self._derive()

    @property
    def slowdown(self) -> float:
        """Latency multiplier (>= 1 is a degradation; 1 is normal)."""
        return self._slowdown

    @slowdown.setter
    def slowdown(self, value: float) -> None:
        self._slowdown = check_number("slowdown", value, minimum=0.0, min_inclusive=False)
        self._derive()

    @property
    def extra_latency(self) -> float:
        """Seconds added to every request's work (>= 0)."""
        return self._extra_latency

    @extra_latency.setter
    def extra_latency(self, value: float) -> None:
        self._extra_latency = check_seconds("extra_latency", value)
        self._derive()

    def work_time(self, bits: int) -> float:
        """Seconds of work for ``bits``, a uniform random integer in
        ``[0, 2**LATENCY_BITS)`` (what the engine draws): the matching quantile of the
        lognormal around ``latency * slowdown`` with shape ``latency_sigma``, plus
        ``extra_latency``."""
        return self.lat_table[bits]

    def reset_runtime(self) -> None:
        """Empty the queue and free every worker (used when a run is rebuilt)."""
        self.busy = 0
        self.queue.clear()

    def __repr__(self) -> str:
        return (
            f"Service({self.name!r}, workers={self.workers}, queue_size={self.queue_size}, "
            f"latency={self._latency!r}, error_rate={self._error_rate!r}, "
            f"outage={self._outage!r}, slowdown={self._slowdown!r})"
        )
