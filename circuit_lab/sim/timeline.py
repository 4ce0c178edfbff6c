"""The columnar record of a simulation run.

A :class:`Timeline` is what the simulator writes and what charts, summaries and exports
read. It holds one row per request *attempt* that reached a breaker or a service (a
client retry is a new row), stored column-wise in :mod:`array` arrays of equal length so
a million rows cost a few tens of bytes each and no per-request objects:

============ ============== ==========================================================
column       type           meaning
============ ============== ==========================================================
``time``     ``array('d')`` virtual time (s) the attempt was issued
``service``  ``array('H')`` index into :attr:`Timeline.services` (the service called)
``outcome``  ``array('B')`` :class:`Outcome` code
``latency``  ``array('d')`` seconds from issue to outcome (``0.0`` for rejected)
``state``    ``array('B')`` breaker state at admission, see :data:`STATE_CODES`
``request``  ``array('I')`` id of the user request the attempt belongs to (0, 1, ...)
``attempt``  ``array('B')`` 0 for the first try, 1.. for client retries (capped at 255)
``degraded`` ``array('B')`` 1 if this attempt succeeded only thanks to a fallback
                            served for a failed call further down the chain
============ ============== ==========================================================

Rows are appended when an attempt's outcome is known, so they are in order of
completion (``time + latency``), not of ``time``. A service called without a breaker
records state ``0`` (closed: everything is let through).

Besides the rows a timeline keeps the breaker :attr:`~Timeline.transitions`, the fault
windows (:attr:`~Timeline.faults`), the virtual time span covered (:attr:`~Timeline.start`,
:attr:`~Timeline.end`) and the breaker :attr:`~Timeline.settings` in force.
"""

from __future__ import annotations

import csv
import importlib
import io
import math
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import IO, Any, NamedTuple

from circuit_lab.events import State

__all__ = [
    "CODE_STATES",
    "FAULT_KINDS",
    "STATE_CODES",
    "FaultWindow",
    "Outcome",
    "Summary",
    "Timeline",
    "Transition",
    "percentile",
]


class Outcome(IntEnum):
    """What happened to one attempt (the code stored in ``Timeline.outcome``)."""

    SUCCESS = 0
    """The service answered successfully within the client's timeout."""
    FAILURE = 1
    """The service answered with an error (or refused: its queue was full)."""
    TIMEOUT = 2
    """The client gave up waiting after its timeout."""
    REJECTED = 3
    """The breaker refused the call without sending it (latency ``0.0``)."""
    IGNORED = 4
    """The call ended in a way that counts as neither success nor failure."""


STATE_CODES: Mapping[State, int] = {State.CLOSED: 0, State.OPEN: 1, State.HALF_OPEN: 2}
"""Breaker state -> code stored in ``Timeline.state``."""

CODE_STATES: tuple[State, State, State] = (State.CLOSED, State.OPEN, State.HALF_OPEN)
"""Code stored in ``Timeline.state`` -> breaker state (the inverse of STATE_CODES)."""

FAULT_KINDS: frozenset[str] = frozenset({"outage", "error_rate", "latency", "peak"})
"""The allowed values of :attr:`FaultWindow.kind`."""


class Transition(NamedTuple):
    """A breaker state change: at virtual ``time`` (s) the breaker guarding calls to
    ``service`` (its name) moved from ``old`` to ``new`` because of ``reason``."""

    time: float
    service: str
    old: State
    new: State
    reason: str


class FaultWindow(NamedTuple):
    """A fault injected into ``service`` (its name) from ``start`` to ``end`` (virtual
    seconds; ``end`` is ``None`` while the fault is still active). ``kind`` is one of
    :data:`FAULT_KINDS`; ``label`` is a short human description ("outage (hang)")."""

    start: float
    end: float | None
    kind: str
    service: str
    label: str


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (``0 <= q <= 100``) of already sorted values, by the
    nearest-rank method (always one of the values). ``nan`` for an empty sequence.
    Raises ``ValueError`` for ``q`` outside ``[0, 100]``."""
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q must be a percentile in [0, 100], got {q!r}")
    n = len(sorted_values)
    if n == 0:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * n))
    return float(sorted_values[rank - 1])


@dataclass(frozen=True)
class Summary:
    """Statistics of one service's attempts over a timeline.

    Counts are numbers of attempt rows. ``success_rate`` is successes / attempts
    (``nan`` if there were none), rejected attempts included in the denominator.
    ``p50_latency``/``p99_latency`` (s) are nearest-rank percentiles over the attempts
    that were *not* rejected (``nan`` if none). ``time_in_state`` maps every
    :class:`State` to the virtual seconds spent in it between ``start`` and ``end``.
    ``trips`` counts transitions into OPEN (from CLOSED or HALF_OPEN).
    ``time_to_detect`` is the seconds from the start of the service's first outage to
    the first transition into OPEN at or after it; ``time_to_recover`` the seconds from
    the end of that outage to the first transition into CLOSED at or after it (``None``
    when there was no such outage, it has not ended, or the transition did not happen).
    ``degraded`` counts successes that relied on a fallback further down the chain.
    """

    service: str
    start: float
    end: float
    attempts: int
    successes: int
    failures: int
    timeouts: int
    rejected: int
    ignored: int
    degraded: int
    success_rate: float
    p50_latency: float
    p99_latency: float
    mean_latency: float
    time_in_state: Mapping[State, float]
    trips: int
    time_to_detect: float | None
    time_to_recover: float | None
    transitions: tuple[Transition, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (states as their string values, ``nan`` as ``None``)."""

        def clean(x: float | None) -> float | None:
            return None if x is None or math.isnan(x) else x

        return {
            "service": self.service,
            "start": self.start,
            "end": self.end,
            "attempts": self.attempts,
            "successes": self.successes,
            "failures": self.failures,
            "timeouts": self.timeouts,
            "rejected": self.rejected,
            "ignored": self.ignored,
            "degraded": self.degraded,
            "success_rate": clean(self.success_rate),
            "p50_latency": clean(self.p50_latency),
            "p99_latency": clean(self.p99_latency),
            "mean_latency": clean(self.mean_latency),
            "time_in_state": {s.value: v for s, v in self.time_in_state.items()},
            "trips": self.trips,
            "time_to_detect": self.time_to_detect,
            "time_to_recover": self.time_to_recover,
        }


class Timeline:
    """Columnar record of a run; see the module docstring for the columns.

    ``services`` is the tuple of service names (row ``service`` codes index it).
    ``settings`` is a mapping of the breaker settings in force (read-only by
    convention; the simulator replaces it when settings change). ``start``/``end`` are
    the virtual times (s) the record covers; ``end`` grows as the simulation advances.
    Raises ``ValueError`` for an empty or duplicated list of service names, or more
    than 65535 services.
    """

    __slots__ = (
        "attempt",
        "degraded",
        "end",
        "faults",
        "guarded",
        "latency",
        "outcome",
        "request",
        "service",
        "services",
        "settings",
        "start",
        "state",
        "time",
        "transitions",
    )

    def __init__(
        self,
        services: Iterable[str],
        *,
        start: float = 0.0,
        settings: Mapping[str, Any] | None = None,
        guarded: Iterable[str] | None = None,
    ) -> None:
        names = tuple(services)
        if not names:
            raise ValueError("services must name at least one service, got ()")
        if len(set(names)) != len(names):
            raise ValueError(f"services must be distinct names, got {names!r}")
        if len(names) > 0xFFFF:
            raise ValueError(f"services must be at most 65535 names, got {len(names)}")
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"services must be strings, got {name!r}")
        self.services: tuple[str, ...] = names
        guarded_names = names if guarded is None else tuple(guarded)
        unknown = [g for g in guarded_names if g not in names]
        if unknown:
            raise ValueError(f"guarded names unknown services {unknown!r}; services are {names!r}")
        self.guarded: frozenset[str] = frozenset(guarded_names)
        """The services whose callers have a circuit breaker (default: every service)."""
        self.start: float = float(start)
        self.end: float = float(start)
        self.settings: Mapping[str, Any] = dict(settings or {})
        self.time = array("d")
        self.service = array("H")
        self.outcome = array("B")
        self.latency = array("d")
        self.state = array("B")
        self.request = array("I")
        self.attempt = array("B")
        self.degraded = array("B")
        self.transitions: list[Transition] = []
        self.faults: list[FaultWindow] = []

    # ------------------------------------------------------------------ writing
    def record(
        self,
        time: float,
        service: int,
        outcome: int,
        latency: float,
        state: int = 0,
        request: int = 0,
        attempt: int = 0,
        degraded: int = 0,
    ) -> None:
        """Append one attempt row (codes as stored; see the module docstring).
        The simulator's hot loop appends to the columns directly, which is equivalent."""
        self.time.append(time)
        self.service.append(service)
        self.outcome.append(outcome)
        self.latency.append(latency)
        self.state.append(state)
        self.request.append(request)
        self.attempt.append(min(attempt, 255))
        self.degraded.append(degraded)

    def add_transition(
        self, time: float, service: str, old: State, new: State, reason: str
    ) -> None:
        """Append a breaker state change (callers add them in time order)."""
        self.transitions.append(Transition(time, service, old, new, reason))

    def open_fault(self, start: float, kind: str, service: str, label: str = "") -> int:
        """Record that a fault of ``kind`` (one of :data:`FAULT_KINDS`) started at
        ``start`` on ``service``; return its index for :meth:`close_fault`.
        Raises ``ValueError`` for an unknown kind or service."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {sorted(FAULT_KINDS)}, got {kind!r}")
        if service not in self.services:
            raise ValueError(f"service must be one of {list(self.services)}, got {service!r}")
        self.faults.append(FaultWindow(start, None, kind, service, label or kind))
        return len(self.faults) - 1

    def close_fault(self, index: int, end: float) -> None:
        """Record that the fault opened as ``index`` ended at ``end`` (virtual s)."""
        w = self.faults[index]
        self.faults[index] = w._replace(end=end)

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.time)

    def __repr__(self) -> str:
        return (
            f"Timeline(services={self.services!r}, rows={len(self)}, "
            f"start={self.start!r}, end={self.end!r}, transitions={len(self.transitions)})"
        )

    def service_index(self, service: str | int | None) -> int:
        """The code of ``service`` (a name or an index); ``None`` means the entry
        service, index 0. Raises ``ValueError``/``TypeError`` for an unknown one."""
        if service is None:
            return 0
        if isinstance(service, bool) or not isinstance(service, (str, int)):
            raise TypeError(f"service must be a name or an index, got {service!r}")
        if isinstance(service, int):
            if not 0 <= service < len(self.services):
                raise ValueError(
                    f"service index must be in [0, {len(self.services) - 1}], got {service}"
                )
            return service
        try:
            return self.services.index(service)
        except ValueError:
            raise ValueError(
                f"service must be one of {list(self.services)}, got {service!r}"
            ) from None

    def state_spans(self, service: str | int | None = None) -> list[tuple[float, float, State]]:
        """The breaker states of ``service`` as ``(start, end, State)`` spans covering
        ``[timeline.start, timeline.end]`` in time order (CLOSED before its first
        transition). Zero-length spans are dropped."""
        name = self.services[self.service_index(service)]
        spans: list[tuple[float, float, State]] = []
        at, current = self.start, State.CLOSED
        for tr in self.transitions:
            if tr.service != name:
                continue
            t = min(max(tr.time, at), self.end)
            if t > at:
                spans.append((at, t, current))
            at, current = t, tr.new
        if self.end > at or not spans:
            spans.append((at, self.end, current))
        return spans

    def columns(
        self,
    ) -> tuple[
        array[float],
        array[int],
        array[int],
        array[float],
        array[int],
        array[int],
        array[int],
        array[int],
    ]:
        """The columns in :attr:`CSV_HEADER` order (the live arrays, not copies)."""
        return (
            self.time,
            self.service,
            self.outcome,
            self.latency,
            self.state,
            self.request,
            self.attempt,
            self.degraded,
        )

    def rows(self) -> Iterator[tuple[float, str, Outcome, float, State, int, int, int]]:
        """Iterate rows as ``(time, service name, Outcome, latency, State, request,
        attempt, degraded)`` tuples (convenient, not fast)."""
        names, states = self.services, CODE_STATES
        for t, s, o, lat, st, r, a, d in zip(*self.columns(), strict=True):
            yield t, names[s], Outcome(o), lat, states[st], r, a, d

    def summary(self, service: str | int | None = None) -> Summary:
        """Statistics of ``service`` (a name or index; ``None`` means the entry
        service, index 0). See :class:`Summary` for every field's meaning."""
        code = self.service_index(service)
        name = self.services[code]
        counts = [0, 0, 0, 0, 0]
        latencies: list[float] = []
        degraded = 0
        single = len(self.services) == 1
        svc, out, lat, deg = self.service, self.outcome, self.latency, self.degraded
        rejected_code = int(Outcome.REJECTED)
        if single:
            for o in range(5):
                counts[o] = self.outcome.count(o)
            latencies = [x for x, o in zip(lat, out, strict=True) if o != rejected_code]
            degraded = sum(deg)
        else:
            for s, o, x, d in zip(svc, out, lat, deg, strict=True):
                if s == code:
                    counts[o] += 1
                    degraded += d
                    if o != rejected_code:
                        latencies.append(x)
        latencies.sort()
        attempts = sum(counts)
        spans = self.state_spans(code)
        in_state = {State.CLOSED: 0.0, State.OPEN: 0.0, State.HALF_OPEN: 0.0}
        for a, b, st in spans:
            in_state[st] += b - a
        mine = tuple(tr for tr in self.transitions if tr.service == name)
        trips = sum(1 for tr in mine if tr.new is State.OPEN)
        detect: float | None = None
        recover: float | None = None
        outage = next((f for f in self.faults if f.service == name and f.kind == "outage"), None)
        if outage is not None:
            opened = next(
                (tr for tr in mine if tr.new is State.OPEN and tr.time >= outage.start), None
            )
            if opened is not None:
                detect = opened.time - outage.start
            if outage.end is not None:
                closed = next(
                    (tr for tr in mine if tr.new is State.CLOSED and tr.time >= outage.end),
                    None,
                )
                if closed is not None:
                    recover = closed.time - outage.end
        return Summary(
            service=name,
            start=self.start,
            end=self.end,
            attempts=attempts,
            successes=counts[Outcome.SUCCESS],
            failures=counts[Outcome.FAILURE],
            timeouts=counts[Outcome.TIMEOUT],
            rejected=counts[Outcome.REJECTED],
            ignored=counts[Outcome.IGNORED],
            degraded=degraded,
            success_rate=counts[Outcome.SUCCESS] / attempts if attempts else math.nan,
            p50_latency=percentile(latencies, 50.0),
            p99_latency=percentile(latencies, 99.0),
            mean_latency=math.fsum(latencies) / len(latencies) if latencies else math.nan,
            time_in_state=in_state,
            trips=trips,
            time_to_detect=detect,
            time_to_recover=recover,
            transitions=mine,
        )

    # ------------------------------------------------------------------ export
    CSV_HEADER: tuple[str, ...] = (
        "time",
        "service",
        "outcome",
        "latency",
        "state",
        "request",
        "attempt",
        "degraded",
    )

    def to_csv(self, file: str | os.PathLike[str] | IO[str]) -> None:
        """Write the rows as CSV (header :attr:`CSV_HEADER`; times and latencies in
        seconds with 6 decimals, names for service/outcome/state). ``file`` is a path
        or an open text file. The same timeline always gives the same bytes."""
        if isinstance(file, (str, os.PathLike)):
            with open(file, "w", newline="", encoding="utf-8") as fh:
                self._write_csv(fh)
        else:
            self._write_csv(file)

    def _write_csv(self, fh: IO[str]) -> None:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(self.CSV_HEADER)
        names = self.services
        outcomes = [o.name.lower() for o in Outcome]
        states = [s.value for s in CODE_STATES]
        writer.writerows(
            (f"{t:.6f}", names[s], outcomes[o], f"{lat:.6f}", states[st], r, a, d)
            for t, s, o, lat, st, r, a, d in zip(*self.columns(), strict=True)
        )

    def csv_text(self) -> str:
        """The CSV of :meth:`to_csv` as a string."""
        buf = io.StringIO()
        self._write_csv(buf)
        return buf.getvalue()

    def to_dataframe(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (columns as in :attr:`CSV_HEADER`;
        service/outcome/state as categoricals). Raises ``ImportError`` with an install
        hint when pandas is missing (pandas is optional)."""
        try:
            pd = importlib.import_module("pandas")
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Timeline.to_dataframe() needs pandas, which is optional: "
                "pip install pandas (or use Timeline.to_csv)"
            ) from exc
        outcome_names = [o.name.lower() for o in Outcome]
        state_names = [s.value for s in CODE_STATES]
        return pd.DataFrame(
            {
                "time": list(self.time),
                "service": pd.Categorical.from_codes(
                    list(self.service), categories=list(self.services)
                ),
                "outcome": pd.Categorical.from_codes(list(self.outcome), categories=outcome_names),
                "latency": list(self.latency),
                "state": pd.Categorical.from_codes(list(self.state), categories=state_names),
                "request": list(self.request),
                "attempt": list(self.attempt),
                "degraded": list(self.degraded),
            }
        )
