"""How a caller calls a service: timeout, retries, backoff, fallback, breaker.

A :class:`Client` is one edge of the call graph (user -> frontend, frontend -> orders,
...). Every attempt goes through the edge's circuit breaker (if any), then to the
service; the client waits at most ``timeout`` seconds for an answer. A failed or timed
out attempt is retried up to ``retries`` times after a backoff
(``backoff * backoff_multiplier ** (retry - 1)`` seconds, reduced by up to ``jitter``
of itself at random); with ``backoff = 0`` retries are immediate (a retry storm). A call
rejected by the breaker or answered with a bad request is not retried. When the call
finally fails and ``fallback`` is true, the caller carries on with a fallback value (its
own answer is then a success marked *degraded*).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from circuit_lab._validate import check_fraction, check_int, check_number, check_seconds

if TYPE_CHECKING:
    from .service import Service

__all__ = ["Client"]


class Client:
    """One caller -> ``service`` edge (see the module docstring).

    ``timeout`` (seconds, > 0), ``retries`` (int in [0, 255]), ``backoff`` (seconds,
    >= 0), ``backoff_multiplier`` (>= 1), ``jitter`` (fraction in [0, 1]),
    ``fallback`` (bool), ``breaker`` (bool: guard this edge with a
    :class:`circuit_lab.CircuitBreaker` built from the simulation's breaker settings).
    Raises ``ValueError``/``TypeError`` naming the bad parameter.
    """

    __slots__ = (
        "backoff",
        "backoff_multiplier",
        "breaker",
        "fallback",
        "jitter",
        "retries",
        "service",
        "timeout",
    )

    def __init__(
        self,
        service: Service,
        *,
        timeout: float = 1.0,
        retries: int = 0,
        backoff: float = 0.0,
        backoff_multiplier: float = 2.0,
        jitter: float = 0.0,
        fallback: bool = False,
        breaker: bool = True,
    ) -> None:
        self.service = service
        self.timeout = check_seconds("timeout", timeout, allow_zero=False)
        self.retries = check_int("retries", retries, minimum=0, maximum=255)
        self.backoff = check_seconds("backoff", backoff)
        self.backoff_multiplier = check_number(
            "backoff_multiplier", backoff_multiplier, minimum=1.0
        )
        self.jitter = check_fraction("jitter", jitter)
        if not isinstance(fallback, bool):
            raise TypeError(f"fallback must be a bool, got {fallback!r}")
        if not isinstance(breaker, bool):
            raise TypeError(f"breaker must be a bool, got {breaker!r}")
        self.fallback = fallback
        self.breaker = breaker

    def retry_delay(self, retry: int, u: float) -> float:
        """Seconds to wait before retry number ``retry`` (1-based) for a uniform draw
        ``u`` in [0, 1)."""
        base = self.backoff * self.backoff_multiplier ** (retry - 1)
        return base * (1.0 - self.jitter * u)

    def __repr__(self) -> str:
        return (
            f"Client(-> {self.service.name!r}, timeout={self.timeout!r}, "
            f"retries={self.retries}, backoff={self.backoff!r}, fallback={self.fallback}, "
            f"breaker={self.breaker})"
        )
