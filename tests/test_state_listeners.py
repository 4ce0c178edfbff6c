"""``add_listener(fn, calls=False)``: state changes only, fast path kept."""

from __future__ import annotations

import pytest

from circuit_lab import CircuitBreaker, ManualClock, StateChanged


def test_state_only_listener_hears_transitions_but_no_calls():
    clock = ManualClock()
    breaker = CircuitBreaker(2, 5, clock=clock)
    heard = []
    breaker.add_listener(heard.append, calls=False)
    breaker.call(lambda: "ok")
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            breaker.call(lambda: 1 / 0)
    clock.advance(5)
    breaker.call(lambda: "ok")
    assert [(e.old.value, e.new.value) for e in heard] == [
        ("closed", "open"), ("open", "half_open"), ("half_open", "closed")
    ]
    assert all(isinstance(e, StateChanged) for e in heard)


def test_state_only_listener_keeps_the_lock_free_path_and_order_is_kept():
    breaker = CircuitBreaker(1, 5, clock=ManualClock())
    order = []
    breaker.add_listener(lambda e: order.append("first"), calls=False)
    assert breaker._fast is not None  # a state listener does not cost every call
    breaker.add_listener(lambda e: order.append("second"))
    assert breaker._fast is None  # a call listener does
    with pytest.raises(ZeroDivisionError):
        breaker.call(lambda: 1 / 0)
    # the call event goes to the call listener only; the trip to both, in order
    assert order == ["second", "first", "second"]


def test_remove_listener_and_bad_calls_flag():
    breaker = CircuitBreaker(clock=ManualClock())
    listener = print
    breaker.add_listener(listener, calls=False)
    breaker.remove_listener(listener)
    with pytest.raises(ValueError, match="not registered"):
        breaker.remove_listener(listener)
    with pytest.raises(TypeError, match="calls must be a bool"):
        breaker.add_listener(listener, calls="no")
