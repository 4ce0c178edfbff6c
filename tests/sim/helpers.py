"""Shared helpers for the simulator tests."""

from __future__ import annotations

from circuit_lab.events import State
from circuit_lab.sim import Outcome, Timeline


def fingerprint(tl: Timeline) -> tuple[object, ...]:
    """Everything a run produced, comparable with ==."""
    return (tl.csv_text(), tuple(tl.transitions), tuple(tl.faults), tl.end)


def rows_of(tl: Timeline, service: str) -> list[tuple[float, int, float, int, int]]:
    """(time, outcome, latency, request, attempt) rows of one service."""
    code = tl.services.index(service)
    return [
        (t, o, lat, r, a)
        for t, s, o, lat, r, a in zip(
            tl.time, tl.service, tl.outcome, tl.latency, tl.request, tl.attempt, strict=True
        )
        if s == code
    ]


def first(tl: Timeline, service: str, new: State, after: float) -> float | None:
    """Time of the first transition of ``service`` into ``new`` at or after ``after``."""
    for tr in tl.transitions:
        if tr.service == service and tr.new is new and tr.time >= after:
            return tr.time
    return None


FAILED = (int(Outcome.FAILURE), int(Outcome.TIMEOUT))
