"""Clocks: where a breaker reads the time.

A clock is any zero-argument callable returning seconds as a ``float`` that never goes
backwards (``time.monotonic`` is the default). Simulations and tests inject a
:class:`ManualClock`, so nothing sleeps and runs are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable

from ._validate import check_number, check_seconds

__all__ = ["Clock", "ManualClock"]

Clock = Callable[[], float]
"""A zero-argument callable returning the current time in seconds."""


class ManualClock:
    """A clock that only moves when told to.

    ``clock()`` returns the current time in seconds; :meth:`advance` and :meth:`set`
    move it forward. Moving it backwards raises ``ValueError`` (breakers assume time
    never goes back).
    """

    __slots__ = ("_now",)

    def __init__(self, start: float = 0.0) -> None:
        self._now = check_number("start", start)

    def __call__(self) -> float:
        return self._now

    @property
    def now(self) -> float:
        """The current time in seconds."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (finite, ``>= 0``); return the new time."""
        self._now += check_seconds("seconds", seconds)
        return self._now

    def set(self, now: float) -> float:
        """Move the clock to ``now`` seconds (finite, not earlier than the current time)."""
        self._now = check_number("now", now, minimum=self._now)
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock(start={self._now!r})"
