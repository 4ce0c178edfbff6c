"""Bad input (issue 2, Behaviour 13): every argument is checked; the error is a
TypeError/ValueError whose message names the parameter and shows the value. Never a
silent default."""

from __future__ import annotations

import math

import pytest

from circuit_lab import (
    CircuitBreaker,
    ConsecutiveFailures,
    FailureRate,
    ManualClock,
)

NAN = float("nan")
INF = float("inf")


def make(**kw) -> CircuitBreaker:
    kw.setdefault("clock", ManualClock())
    return CircuitBreaker(**kw)


def check(error: type[Exception], fn, param: str, value: object, *more: str) -> str:
    with pytest.raises(error) as info:
        fn()
    message = str(info.value)
    assert param in message, f"{param!r} not named in {message!r}"
    assert repr(value) in message or str(value) in message, (
        f"value {value!r} not shown in {message!r}"
    )
    for text in more:
        assert text in message, f"{text!r} not in {message!r}"
    return message


# -- counts -----------------------------------------------------------------------------------

COUNT_PARAMS = ["failure_threshold", "half_open_max_calls", "success_threshold"]


@pytest.mark.parametrize("param", COUNT_PARAMS)
@pytest.mark.parametrize("value", [0, -1, -100])
def test_count_out_of_range(param, value) -> None:
    check(ValueError, lambda: make(**{param: value}), param, value, ">= 1")


@pytest.mark.parametrize("param", COUNT_PARAMS)
@pytest.mark.parametrize("value", [True, False, "3", 3.0, 2.5, None, [3]])
def test_count_wrong_type(param, value) -> None:
    check(TypeError, lambda: make(**{param: value}), param, value, "int")


@pytest.mark.parametrize("param", COUNT_PARAMS)
def test_count_valid(param) -> None:
    breaker = make(**{param: 7})
    assert getattr(breaker, param) == 7


# -- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, -0.001, NAN, INF, -INF])
def test_recovery_timeout_bad_value(value) -> None:
    check(ValueError, lambda: make(recovery_timeout=value), "recovery_timeout", value)


@pytest.mark.parametrize("value", ["3", True, None, object()])
def test_recovery_timeout_bad_type(value) -> None:
    check(TypeError, lambda: make(recovery_timeout=value), "recovery_timeout", value)


def test_recovery_timeout_zero_and_int_allowed() -> None:
    assert make(recovery_timeout=0).recovery_timeout == 0.0
    assert make(recovery_timeout=3).recovery_timeout == 3.0


def test_negative_recovery_timeout_states_allowed_range() -> None:
    check(ValueError, lambda: make(recovery_timeout=-5), "recovery_timeout", -5, ">= 0")


@pytest.mark.parametrize("value", [0, 0.0, -1, NAN, INF])
def test_slow_call_duration_bad_value(value) -> None:
    message = check(
        ValueError, lambda: make(slow_call_duration=value), "slow_call_duration", value
    )
    if value == 0:
        assert "> 0" in message


@pytest.mark.parametrize("value", ["1", True])
def test_slow_call_duration_bad_type(value) -> None:
    check(TypeError, lambda: make(slow_call_duration=value), "slow_call_duration", value)


@pytest.mark.parametrize("value", [-1, NAN, INF, 5, 9.99])
def test_max_recovery_timeout_bad_value(value) -> None:
    check(
        ValueError,
        lambda: make(recovery_timeout=10, max_recovery_timeout=value),
        "max_recovery_timeout",
        value,
    )


def test_max_recovery_timeout_below_recovery_timeout_names_both() -> None:
    message = check(
        ValueError,
        lambda: make(recovery_timeout=30, max_recovery_timeout=5),
        "max_recovery_timeout",
        5,
    )
    assert "recovery_timeout" in message.replace("max_recovery_timeout", "", 1)


def test_max_recovery_timeout_equal_allowed() -> None:
    make(recovery_timeout=10, max_recovery_timeout=10, backoff=2)


@pytest.mark.parametrize("value", ["60", True])
def test_max_recovery_timeout_bad_type(value) -> None:
    check(TypeError, lambda: make(max_recovery_timeout=value), "max_recovery_timeout", value)


# -- backoff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.5, 0, -2, NAN, INF])
def test_backoff_bad_value(value) -> None:
    check(ValueError, lambda: make(backoff=value), "backoff", value)


def test_backoff_below_one_states_range() -> None:
    check(ValueError, lambda: make(backoff=0.5), "backoff", 0.5, ">= 1")


@pytest.mark.parametrize("value", [True, "2"])
def test_backoff_bad_type(value) -> None:
    check(TypeError, lambda: make(backoff=value), "backoff", value)


def test_backoff_one_allowed() -> None:
    make(backoff=1)


@pytest.mark.parametrize(
    ("period", "error"), [(-1.0, ValueError), (NAN, ValueError), ("x", TypeError)]
)
def test_backoff_callable_giving_bad_period(period, error) -> None:
    check(error, lambda: make(backoff=lambda k: period), "backoff", period)


# -- policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ConsecutiveFailures, FailureRate])
def test_policy_class_instead_of_instance(cls) -> None:
    message = check(TypeError, lambda: make(policy=cls), "policy", cls.__name__)
    assert "instance" in message


@pytest.mark.parametrize("value", [3, "consecutive", lambda now: True])
def test_policy_not_a_policy(value) -> None:
    with pytest.raises(TypeError, match="policy"):
        make(policy=value)


def test_shared_policy_rejected() -> None:
    policy = ConsecutiveFailures(3)
    make(policy=policy)
    message = check(ValueError, lambda: make(policy=policy), "policy", policy)
    assert "another breaker" in message


def test_failed_construction_does_not_claim_the_policy() -> None:
    policy = FailureRate(0.5, window=10)
    with pytest.raises(TypeError):
        make(policy=policy, exclude=[int])
    breaker = make(policy=policy)
    assert breaker.policy is policy


# -- exclude ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [int, str, object, type])
def test_exclude_non_exception_class(cls) -> None:
    check(TypeError, lambda: make(exclude=[ValueError, cls]), "exclude", cls.__name__)


def test_exclude_non_exception_class_alone() -> None:
    check(TypeError, lambda: make(exclude=int), "exclude", "int")


@pytest.mark.parametrize("value", [3, "ValueError", None, ValueError("an instance")])
def test_exclude_bad_value(value) -> None:
    with pytest.raises(TypeError, match="exclude"):
        make(exclude=value)


def test_exclude_bad_item_names_index() -> None:
    check(TypeError, lambda: make(exclude=[KeyError, 42]), "exclude[1]", 42)


def test_exclude_accepts_types_predicates_tuples_and_generators() -> None:
    make(exclude=(KeyError, ValueError))
    make(exclude=[lambda e: True])
    make(exclude=(e for e in [KeyError]))
    make(exclude=lambda e: False)
    make(exclude=KeyboardInterrupt)


# -- callables --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [3, "503", True])
def test_failure_on_result_not_callable(value) -> None:
    check(TypeError, lambda: make(failure_on_result=value), "failure_on_result", value)


@pytest.mark.parametrize("value", [3, "monotonic"])
def test_clock_not_callable(value) -> None:
    check(TypeError, lambda: CircuitBreaker(clock=value), "clock", value)


@pytest.mark.parametrize("now", ["12:00", None, NAN, True])
def test_clock_returning_non_number(now) -> None:
    with pytest.raises(TypeError, match="clock"):
        CircuitBreaker(clock=lambda: now)


def test_listener_not_callable() -> None:
    check(TypeError, lambda: make(listeners=[print, 3]), "listeners[1]", 3)


def test_listeners_not_iterable() -> None:
    check(TypeError, lambda: make(listeners=3), "listeners", 3)


@pytest.mark.parametrize("value", [3, b"x", ["svc"]])
def test_name_not_a_string(value) -> None:
    check(TypeError, lambda: make(name=value), "name", value)


def test_no_silent_defaults() -> None:
    breaker = make(failure_threshold=1, recovery_timeout=0, half_open_max_calls=1)
    assert (breaker.failure_threshold, breaker.recovery_timeout) == (1, 0.0)
    assert breaker.half_open_max_calls == 1


# -- policies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1])
def test_consecutive_failures_threshold_range(value) -> None:
    check(ValueError, lambda: ConsecutiveFailures(value), "threshold", value)


@pytest.mark.parametrize("value", [True, "3", 2.0])
def test_consecutive_failures_threshold_type(value) -> None:
    check(TypeError, lambda: ConsecutiveFailures(value), "threshold", value)


@pytest.mark.parametrize("value", [0, 0.0, -0.5, 1.01, 50, NAN, INF])
def test_failure_rate_threshold_range(value) -> None:
    check(ValueError, lambda: FailureRate(value, window=10), "threshold", value)


@pytest.mark.parametrize("value", ["0.5", True, None])
def test_failure_rate_threshold_type(value) -> None:
    check(TypeError, lambda: FailureRate(value, window=10), "threshold", value)


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-3, ValueError),
                                             (True, TypeError), (2.5, TypeError),
                                             ("10", TypeError)])
def test_failure_rate_window(value, error) -> None:
    check(error, lambda: FailureRate(0.5, window=value), "window", value)


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-1, ValueError),
                                             (NAN, ValueError), (INF, ValueError),
                                             ("60", TypeError)])
def test_failure_rate_window_seconds(value, error) -> None:
    check(error, lambda: FailureRate(0.5, window_seconds=value), "window_seconds", value)


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-1, ValueError),
                                             (True, TypeError), (1.5, TypeError)])
def test_failure_rate_minimum_calls(value, error) -> None:
    check(error, lambda: FailureRate(0.5, window=10, minimum_calls=value),
          "minimum_calls", value)


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (True, TypeError)])
def test_failure_rate_buckets(value, error) -> None:
    check(error, lambda: FailureRate(0.5, window_seconds=10, buckets=value), "buckets", value)


def test_failure_rate_needs_exactly_one_window() -> None:
    with pytest.raises(TypeError, match="window"):
        FailureRate(0.5)
    with pytest.raises(TypeError, match="window_seconds"):
        FailureRate(0.5, window=10, window_seconds=10)


# -- ManualClock ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "error"), [(NAN, ValueError), (INF, ValueError),
                                             ("0", TypeError), (True, TypeError)])
def test_manual_clock_start(value, error) -> None:
    check(error, lambda: ManualClock(start=value), "start", value)


@pytest.mark.parametrize(("value", "error"), [(-1, ValueError), (NAN, ValueError),
                                             (INF, ValueError), ("1", TypeError)])
def test_manual_clock_advance(value, error) -> None:
    clock = ManualClock()
    check(error, lambda: clock.advance(value), "seconds", value)
    assert clock() == 0.0


def test_manual_clock_set_backwards() -> None:
    clock = ManualClock(start=10)
    check(ValueError, lambda: clock.set(9.5), "now", 9.5)
    assert clock() == 10.0
    assert not math.isnan(clock())
