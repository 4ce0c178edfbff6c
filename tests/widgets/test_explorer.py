"""StateMachineExplorer: its buttons drive a real breaker by the rules."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from circuit_lab import State
from circuit_lab.events import StateChanged
from circuit_lab.widgets import StateMachineExplorer

from .helpers import fingerprint


@pytest.fixture
def ex() -> StateMachineExplorer:
    return StateMachineExplorer(failure_threshold=3, recovery_timeout=5.0)


def test_is_a_widget_with_labelled_buttons(ex: StateMachineExplorer) -> None:
    assert isinstance(ex, widgets.VBox)
    labels = [b.description for b in (ex.success_button, ex.fail_button, ex.wait_button)]
    assert labels == ["call succeeds", "call fails", "wait 1 s"]
    for b in (ex.success_button, ex.fail_button, ex.wait_button, ex.reset_button):
        assert b.tooltip
    assert "state: CLOSED" in ex.status.value


def test_failures_trip_it_and_it_rejects_while_open(ex: StateMachineExplorer) -> None:
    ex.fail_button.click()
    ex.success_button.click()  # a success resets the consecutive count
    ex.fail_button.click()
    ex.fail_button.click()
    assert ex.breaker.state is State.CLOSED
    before = fingerprint(ex.diagram.figure)
    ex.fail_button.click()
    assert ex.breaker.state is State.OPEN
    assert ex.diagram.current == "open"
    assert fingerprint(ex.diagram.figure) != before
    assert "state: OPEN" in ex.status.value and "retry_after: 5.0 s" in ex.status.value
    assert "CLOSED → OPEN: 3 consecutive failures" in ex.event_log.value
    ex.success_button.click()
    assert ex.breaker.state is State.OPEN
    assert ex.breaker.metrics.rejected == 1
    assert "call rejected (OPEN), retry after 5.0 s" in ex.event_log.value


def test_waiting_out_the_timeout_then_a_trial(ex: StateMachineExplorer) -> None:
    for _ in range(3):
        ex.fail_button.click()
    for _ in range(4):
        ex.wait_button.click()
    assert ex.clock() == 4.0 and ex.breaker.state is State.OPEN
    assert "retry_after: 1.0 s" in ex.status.value
    ex.wait_button.click()
    assert ex.breaker.state is State.HALF_OPEN
    assert ex.diagram.current == "half_open"
    assert "state: HALF-OPEN" in ex.status.value
    ex.fail_button.click()  # a failed trial opens it again
    assert ex.breaker.state is State.OPEN
    for _ in range(5):
        ex.wait_button.click()
    ex.success_button.click()  # a successful trial closes it
    assert ex.breaker.state is State.CLOSED
    changes = [(e.old, e.new) for e in ex.events if isinstance(e, StateChanged)]
    assert changes == [
        (State.CLOSED, State.OPEN),
        (State.OPEN, State.HALF_OPEN),
        (State.HALF_OPEN, State.OPEN),
        (State.OPEN, State.HALF_OPEN),
        (State.HALF_OPEN, State.CLOSED),
    ]
    assert ex.error.value == ""


def test_success_threshold_needs_more_trials() -> None:
    ex = StateMachineExplorer(1, 2.0, success_threshold=2, half_open_max_calls=2)
    ex.fail_button.click()
    ex.wait_button.click()
    ex.wait_button.click()
    ex.success_button.click()
    assert ex.breaker.state is State.HALF_OPEN
    ex.success_button.click()
    assert ex.breaker.state is State.CLOSED


def test_reset_button(ex: StateMachineExplorer) -> None:
    for _ in range(3):
        ex.fail_button.click()
    ex.reset_button.click()
    assert ex.breaker.state is State.CLOSED and ex.diagram.current == "closed"


def test_errors_are_shown_in_the_widget(ex: StateMachineExplorer) -> None:
    def broken() -> None:
        raise RuntimeError("no permits today")

    ex.breaker.acquire = broken  # type: ignore[method-assign]
    ex.fail_button.click()
    assert "Error in call fails" in ex.error.value and "no permits today" in ex.error.value


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        StateMachineExplorer(failure_threshold=0)
    with pytest.raises(TypeError, match="clock"):
        StateMachineExplorer(clock=lambda: 0.0)
