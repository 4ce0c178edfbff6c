"""Immutable events a breaker sends to its listeners.

A listener is any callable taking one :class:`Event`. Listeners run synchronously, in
the order they were added, in the thread (or task) whose call caused the event, after
the state change is complete and outside the breaker's lock. A listener that raises is
logged on the ``circuit_lab`` logger and never breaks the breaker or the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "CallFailed",
    "CallIgnored",
    "CallRejected",
    "CallSucceeded",
    "Event",
    "State",
    "StateChanged",
]


class State(str, Enum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    """Calls go through; failures are counted by the trip policy."""
    OPEN = "open"
    """Calls are rejected at once until the open period has passed."""
    HALF_OPEN = "half_open"
    """A limited number of trial calls decide whether to close or open again."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all events: ``breaker`` is the breaker's name (or ``None``), ``at`` the
    breaker's clock time in seconds."""

    breaker: str | None
    at: float


@dataclass(frozen=True, slots=True)
class StateChanged(Event):
    """The breaker moved from ``old`` to ``new`` because of ``reason`` (plain words,
    e.g. ``"3 consecutive failures"``). A lazy OPEN -> HALF_OPEN change is stamped with
    the time it became due, not the time someone looked."""

    old: State
    new: State
    reason: str


@dataclass(frozen=True, slots=True)
class CallSucceeded(Event):
    """A guarded call returned and counted as a success."""

    state: State


@dataclass(frozen=True, slots=True)
class CallFailed(Event):
    """A guarded call counted as a failure. ``exception`` is what it raised, or ``None``
    when the returned value or the call's duration made it a failure (see ``reason``)."""

    state: State
    exception: BaseException | None
    reason: str


@dataclass(frozen=True, slots=True)
class CallIgnored(Event):
    """A guarded call ended in a way that counts as neither success nor failure (an
    excluded exception, a ``BaseException`` such as ``KeyboardInterrupt``, or an explicit
    ``permit.ignore()``)."""

    state: State
    exception: BaseException | None


@dataclass(frozen=True, slots=True)
class CallRejected(Event):
    """A call was refused without running: the breaker was open, or half-open with every
    trial slot busy. ``retry_after`` is the number of seconds until a trial is allowed."""

    state: State
    retry_after: float
