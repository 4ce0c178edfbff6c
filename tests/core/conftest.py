"""Shared fixtures for the core tests: a manual clock and an event recorder."""

from __future__ import annotations

import pytest

from circuit_lab import Event, ManualClock, StateChanged


class Recorder:
    """A listener that keeps every event it receives."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    @property
    def changes(self) -> list[StateChanged]:
        return [e for e in self.events if isinstance(e, StateChanged)]

    def transitions(self) -> list[tuple[str, str]]:
        return [(e.old.value, e.new.value) for e in self.changes]

    def of(self, kind: type) -> list[Event]:
        return [e for e in self.events if type(e) is kind]

    def clear(self) -> None:
        self.events.clear()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
