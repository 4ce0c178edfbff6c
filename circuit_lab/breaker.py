"""The circuit breaker: every rule of the pattern, in one file.

States and transitions::

    CLOSED --(trip policy says so)--> OPEN --(open period elapsed)--> HALF_OPEN
    HALF_OPEN --(success_threshold trial successes)--> CLOSED
    HALF_OPEN --(any trial failure)--> OPEN (for a longer period if backoff is set)

Each transition starts a new *generation*; a result from a call admitted in an earlier
generation is counted in the metrics but never changes the state (sony/gobreaker's
rule), so a slow call that started before a trip cannot close the circuit after it.

The breaker never reads the wall clock itself: ``clock`` is injected (``time.monotonic``
by default). OPEN becomes HALF_OPEN lazily, when someone next looks, stamped with the
time it became due; there is no background thread.

Thread- and asyncio-safe: one short lock guards the state; no lock is ever held while
the guarded function, a listener or a user predicate runs.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from ._validate import check_int, check_number, check_seconds
from .clock import Clock
from .events import (
    CallFailed,
    CallIgnored,
    CallRejected,
    CallSucceeded,
    Event,
    State,
    StateChanged,
)
from .policies import ConsecutiveFailures, TripPolicy

__all__ = ["CircuitBreaker", "CircuitBreakerError", "Metrics", "Permit", "State"]

logger = logging.getLogger("circuit_lab")
logger.addHandler(logging.NullHandler())  # a library never prints unless asked to

P = ParamSpec("P")
R = TypeVar("R")

Listener = Callable[[Event], object]
ExcludeRule = type[BaseException] | Callable[[BaseException], bool]

_CLOSED = State.CLOSED
_OPEN = State.OPEN
_HALF_OPEN = State.HALF_OPEN

# Outcome codes used internally by _settle.
_SUCCESS, _FAILURE, _IGNORED = 0, 1, 2


class CircuitBreakerError(Exception):
    """Raised instead of calling the guarded function when the breaker refuses a call.

    ``name``: the breaker's name (or ``None``); ``state``: ``State.OPEN``, or
    ``State.HALF_OPEN`` when every trial slot is busy; ``retry_after``: seconds until a
    trial call is allowed, exact on the breaker's clock (``0.0`` when half-open).
    """

    # The data lives in ``args`` (set by Exception's C constructor): rejections are a hot
    # path, and a Python __init__ would cost several times a plain Exception.
    args: tuple[str | None, State, float]

    @property
    def name(self) -> str | None:
        """The breaker's name, or ``None``."""
        return self.args[0]

    @property
    def state(self) -> State:
        """``State.OPEN``, or ``State.HALF_OPEN`` when every trial slot is busy."""
        return self.args[1]

    @property
    def retry_after(self) -> float:
        """Seconds until a trial call is allowed (``0.0`` when half-open)."""
        return self.args[2]

    def __str__(self) -> str:
        who = "circuit breaker" if self.name is None else f"circuit breaker {self.name!r}"
        if self.state is _HALF_OPEN:
            return f"{who} is half-open and all trial calls are in flight; retry after 0 s"
        return f"{who} is open; retry after {self.retry_after:.3f} s"



@dataclass(frozen=True, slots=True)
class Metrics:
    """An immutable snapshot of a breaker.

    Lifetime counts (never cleared, not even by ``reset()``): ``calls`` counts every
    decision, ``calls == successes + failures + ignored + rejected``. ``state`` is the
    current state, ``consecutive_failures`` the failures since the last success, and
    ``failure_rate`` the trip policy's current window rate (0..1), or ``None`` when the
    policy has no window.
    """

    calls: int
    successes: int
    failures: int
    ignored: int
    rejected: int
    state: State
    consecutive_failures: int
    failure_rate: float | None


def _count_value(counter: itertools.count[int]) -> int:
    """How many times ``next()`` has been called on a ``count()`` that started at 0."""
    return int(repr(counter)[6:-1])


class Permit:
    """Permission for one call, from :meth:`CircuitBreaker.acquire`.

    Report how the call ended with exactly one of :meth:`success`, :meth:`failure` or
    :meth:`ignore`; a second report raises ``RuntimeError``. A permit that is never
    reported keeps its half-open trial slot busy, so report in a ``finally``.
    """

    __slots__ = ("_breaker", "_done", "_generation", "started")

    def __init__(self, breaker: CircuitBreaker, generation: int, started: float) -> None:
        self._breaker = breaker
        self._generation = generation
        self._done = False
        self.started = started
        """The breaker's clock time (seconds) when the call was admitted."""

    def _finish(self, how: str) -> None:
        if self._done:
            raise RuntimeError(f"this permit was already reported; cannot report {how} too")
        self._done = True

    def success(self) -> None:
        """The call succeeded (it still counts as a failure if slower than the breaker's
        ``slow_call_duration``)."""
        if self._done:
            self._finish("success")  # raises: the outcome was reported already
        self._done = True
        breaker = self._breaker
        if breaker._fast is self._generation:
            next(breaker._fast_successes)  # nothing to decide: count it, lock-free
        else:
            breaker._settle(self._generation, _SUCCESS, None, self.started)

    def failure(self, exception: BaseException | None = None) -> None:
        """The call failed, optionally because of ``exception`` (passed to listeners)."""
        self._finish("failure")
        self._breaker._settle(self._generation, _FAILURE, exception, self.started)

    def ignore(self) -> None:
        """The call counts as neither success nor failure (frees a half-open slot)."""
        self._finish("ignore")
        self._breaker._settle(self._generation, _IGNORED, None, self.started)

    def _report_exception(self, exc: BaseException) -> None:
        """Classify ``exc`` with the breaker's rules and report it."""
        self._finish("exception")
        self._breaker._settle(self._generation, None, exc, self.started)

    def _report_result(self, result: object) -> None:
        """Judge a returned value with ``failure_on_result`` and report it."""
        self._finish("result")
        breaker = self._breaker
        outcome = _FAILURE if breaker._result_is_failure(result) else _SUCCESS
        breaker._settle(self._generation, outcome, None, self.started)

    @property
    def reported(self) -> bool:
        """Whether the outcome has been reported."""
        return self._done


class CircuitBreaker:
    """Guard calls to a fragile dependency; stop calling it while it keeps failing.

    Use it as a decorator (plain and ``async def`` functions), with :meth:`call` /
    :meth:`call_async`, as a context manager (``with breaker:`` / ``async with
    breaker:``), or through the two-step :meth:`acquire` API.

    Every setting (all keyword-only after the first two):

    - ``failure_threshold`` (int >= 1, default 5): consecutive failures that trip a
      CLOSED breaker; ignored when ``policy`` is given.
    - ``recovery_timeout`` (seconds >= 0, default 30.0): how long the breaker stays OPEN
      before it lets trial calls through (HALF_OPEN). 0 means half-open at once.
    - ``name`` (str or None): shown in errors, events and logs.
    - ``half_open_max_calls`` (int >= 1, default 1): trial calls allowed in flight at
      once while HALF_OPEN; more are rejected at once, never queued.
    - ``success_threshold`` (int >= 1, default 1): trial successes that close it.
    - ``policy`` (a :class:`~circuit_lab.policies.TripPolicy` instance, default
      ``ConsecutiveFailures(failure_threshold)``): when CLOSED trips to OPEN. An
      instance belongs to one breaker only.
    - ``exclude`` (exception classes and/or predicates ``exc -> bool``; default none):
      matching exceptions propagate unchanged and count as neither success nor failure.
      ``BaseException``s that are not ``Exception``s (KeyboardInterrupt, SystemExit,
      asyncio.CancelledError, GeneratorExit) are always ignored that way.
    - ``failure_on_result`` (callable ``value -> bool`` or None): a returned value for
      which it is true counts as a failure (e.g. an HTTP 503 response); the caller still
      gets the value.
    - ``slow_call_duration`` (seconds > 0 or None): a call taking strictly longer counts
      as a failure; the caller still gets its result.
    - ``backoff`` (number >= 1, callable ``k -> seconds``, or None): after the k-th
      consecutive failed trial (k >= 1) the breaker stays OPEN for
      ``recovery_timeout * backoff ** k`` (or ``backoff(k)`` seconds) instead of
      ``recovery_timeout``; reset when the breaker closes.
    - ``max_recovery_timeout`` (seconds >= recovery_timeout, or None): caps the open
      period that ``backoff`` produces.
    - ``clock`` (zero-argument callable returning seconds, default ``time.monotonic``).
    - ``listeners`` (iterable of callables ``event -> None``): see :meth:`add_listener`.

    Raises ``TypeError`` or ``ValueError`` naming the parameter, the value and the
    allowed range for any bad setting.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        recovery_timeout: float = 30.0,
        *,
        name: str | None = None,
        half_open_max_calls: int = 1,
        success_threshold: int = 1,
        policy: TripPolicy | None = None,
        exclude: Iterable[ExcludeRule] | ExcludeRule = (),
        failure_on_result: Callable[[Any], bool] | None = None,
        slow_call_duration: float | None = None,
        backoff: float | Callable[[int], float] | None = None,
        max_recovery_timeout: float | None = None,
        clock: Clock = time.monotonic,
        listeners: Iterable[Listener] = (),
    ) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, got {name!r}")
        self._name = name
        self._failure_threshold = check_int("failure_threshold", failure_threshold)
        self._recovery_timeout = check_seconds("recovery_timeout", recovery_timeout)
        self._half_open_max_calls = check_int("half_open_max_calls", half_open_max_calls)
        self._success_threshold = check_int("success_threshold", success_threshold)
        self._policy = self._check_policy(policy)
        self._exclude_types, self._exclude_predicates = self._check_exclude(exclude)
        self._excluding = bool(self._exclude_types or self._exclude_predicates)
        if failure_on_result is not None and not callable(failure_on_result):
            raise TypeError(
                f"failure_on_result must be a callable value -> bool or None, "
                f"got {failure_on_result!r}"
            )
        self._failure_on_result = failure_on_result
        self._slow_call_duration = (
            None
            if slow_call_duration is None
            else check_seconds("slow_call_duration", slow_call_duration, allow_zero=False)
        )
        if backoff is not None and not callable(backoff):
            backoff = check_number("backoff", backoff, minimum=1.0)
        elif backoff is not None:
            check_seconds("backoff(1)", backoff(1))  # fail early on a bad callable
        self._backoff = backoff
        if max_recovery_timeout is not None:
            max_recovery_timeout = check_number(
                "max_recovery_timeout",
                max_recovery_timeout,
                minimum=self._recovery_timeout,
                unit="seconds (recovery_timeout or more)",
            )
        self._max_recovery_timeout = max_recovery_timeout
        self._clock = self._check_clock(clock)
        if not isinstance(listeners, Iterable) or isinstance(listeners, (str, bytes)):
            raise TypeError(f"listeners must be an iterable of callables, got {listeners!r}")
        listener_list = list(listeners)
        for index, listener in enumerate(listener_list):
            if not callable(listener):
                raise TypeError(f"listeners[{index}] must be callable, got {listener!r}")
        # (listener, wants call events) in the order added; _listeners hear state changes,
        # _call_listeners also hear every call (and switch off the lock-free fast path).
        self._subscriptions: tuple[tuple[Listener, bool], ...] = tuple(
            (listener, True) for listener in listener_list
        )
        self._listeners: tuple[Listener, ...] = tuple(listener_list)
        self._call_listeners: tuple[Listener, ...] = tuple(listener_list)

        self._lock = threading.Lock()
        self._state = _CLOSED
        self._generation = 0
        self._opened_at = 0.0
        self._open_until = -math.inf  # time OPEN ends; -inf unless OPEN (read lock-free)
        self._trials_in_flight = 0
        self._trial_successes = 0
        self._failed_trials = 0  # consecutive failed trials, drives backoff
        self._consecutive_failures = 0
        # Lifetime counts. Lock-free paths tick itertools counters (atomic in CPython);
        # the locked paths add to plain ints.
        self._fast_successes = itertools.count()
        self._fast_rejections = itertools.count()
        self._successes = 0
        self._failures = 0
        self._ignored = 0
        self._rejected = 0
        # Stack of permits for `with breaker:` per thread / asyncio task.
        self._context_permits: ContextVar[tuple[Permit, ...]] = ContextVar(
            f"circuit_lab_permits_{id(self)}", default=()
        )
        # _fast is the current generation when a success needs no bookkeeping beyond a
        # lifetime count (CLOSED, no failures pending, nobody listening to calls, no
        # result or duration checks); otherwise None and calls take the locked path.
        self._simple = failure_on_result is None and slow_call_duration is None
        self._fast_allowed = self._simple and type(self._policy) is ConsecutiveFailures
        self._fast: int | None = None
        self._closed_generation: int | None = None
        self._refresh_fast()
        # Claimed last, so a construction that fails leaves the policy free.
        self._policy._circuit_lab_owner = True  # type: ignore[attr-defined]

    # -- validation helpers --------------------------------------------------------------
    def _check_policy(self, policy: TripPolicy | None) -> TripPolicy:
        if policy is None:
            return ConsecutiveFailures(self._failure_threshold)
        if isinstance(policy, type):
            raise TypeError(
                f"policy must be a TripPolicy instance, got the class {policy.__name__}; "
                f"did you mean {policy.__name__}(...)?"
            )
        if not isinstance(policy, TripPolicy):
            raise TypeError(f"policy must be a TripPolicy instance or None, got {policy!r}")
        if getattr(policy, "_circuit_lab_owner", None) is not None:
            raise ValueError(
                f"policy {policy!r} already belongs to another breaker; give each breaker "
                "its own policy instance"
            )
        return policy

    @staticmethod
    def _check_exclude(
        exclude: Iterable[ExcludeRule] | ExcludeRule,
    ) -> tuple[tuple[type[BaseException], ...], tuple[Callable[[BaseException], bool], ...]]:
        rules: list[Any]
        if isinstance(exclude, type) or (callable(exclude) and not isinstance(exclude, Iterable)):
            rules = [exclude]
        elif isinstance(exclude, Iterable) and not isinstance(exclude, (str, bytes)):
            rules = list(exclude)
        else:
            raise TypeError(
                "exclude must be exception classes and/or predicates exc -> bool, "
                f"got {exclude!r}"
            )
        types: list[type[BaseException]] = []
        predicates: list[Callable[[BaseException], bool]] = []
        for index, rule in enumerate(rules):
            if isinstance(rule, type):
                if not issubclass(rule, BaseException):
                    raise TypeError(
                        f"exclude[{index}] must be an exception class or a predicate "
                        f"exc -> bool, got the class {rule.__name__}"
                    )
                types.append(rule)
            elif callable(rule):
                predicates.append(rule)
            else:
                raise TypeError(
                    f"exclude[{index}] must be an exception class or a predicate "
                    f"exc -> bool, got {rule!r}"
                )
        return tuple(types), tuple(predicates)

    @staticmethod
    def _check_clock(clock: Any) -> Clock:
        if not callable(clock):
            raise TypeError(
                f"clock must be a zero-argument callable returning seconds, got {clock!r}"
            )
        now = clock()
        if isinstance(now, bool) or not isinstance(now, (int, float)) or math.isnan(now):
            raise TypeError(f"clock() must return seconds as a number, got {now!r}")
        return clock  # type: ignore[no-any-return]

    # -- settings (read-only) -----------------------------------------------------------
    @property
    def name(self) -> str | None:
        """The breaker's name, or ``None``."""
        return self._name

    @property
    def failure_threshold(self) -> int:
        """Consecutive failures that trip the default policy."""
        return self._failure_threshold

    @property
    def recovery_timeout(self) -> float:
        """Seconds the breaker stays OPEN before trial calls (before any backoff)."""
        return self._recovery_timeout

    @property
    def half_open_max_calls(self) -> int:
        """Trial calls allowed in flight at once while HALF_OPEN."""
        return self._half_open_max_calls

    @property
    def success_threshold(self) -> int:
        """Trial successes that close a HALF_OPEN breaker."""
        return self._success_threshold

    @property
    def policy(self) -> TripPolicy:
        """The trip policy in force."""
        return self._policy

    @property
    def clock(self) -> Clock:
        """The clock the breaker reads."""
        return self._clock

    # -- state ------------------------------------------------------------------------
    @property
    def state(self) -> State:
        """The current state. OPEN reads as HALF_OPEN once the open period has elapsed
        (the change is made and reported to listeners once, by whoever looks first)."""
        if self._state is _OPEN and self._clock() >= self._open_until:
            self._look()
        return self._state

    @property
    def retry_after(self) -> float:
        """Seconds until a trial call is allowed: ``> 0`` only while OPEN."""
        remaining = self._open_until - self._clock()
        return remaining if remaining > 0.0 else 0.0

    @property
    def generation(self) -> int:
        """Counts transitions; results of calls admitted in an older generation never
        change the state."""
        return self._generation

    @property
    def metrics(self) -> Metrics:
        """An immutable snapshot of counts and state (see :class:`Metrics`)."""
        state = self.state
        now = self._clock()
        with self._lock:
            successes = self._successes + _count_value(self._fast_successes)
            rejected = self._rejected + _count_value(self._fast_rejections)
            return Metrics(
                calls=successes + self._failures + self._ignored + rejected,
                successes=successes,
                failures=self._failures,
                ignored=self._ignored,
                rejected=rejected,
                state=state,
                consecutive_failures=self._consecutive_failures,
                failure_rate=self._policy.failure_rate(now),
            )

    def _look(self) -> None:
        """Make a due OPEN -> HALF_OPEN change and report it."""
        with self._lock:
            events = self._half_open_if_due_locked()
        if events:
            self._emit(events)

    def _half_open_if_due_locked(self) -> list[Event] | None:
        if self._state is _OPEN and self._clock() >= self._open_until:
            period = self._open_until - self._opened_at
            return [self._move_locked(_HALF_OPEN, self._open_until,
                                      f"open period of {period:g} s elapsed")]
        return None

    # -- transitions (all under the lock) ---------------------------------------------
    def _move_locked(self, new: State, at: float, reason: str) -> StateChanged:
        old = self._state
        self._state = new
        self._generation += 1
        self._trials_in_flight = 0
        self._trial_successes = 0
        if new is _OPEN:
            self._opened_at = at
        else:
            self._open_until = -math.inf
        if new is _CLOSED:
            self._policy.reset()
            self._failed_trials = 0
        self._refresh_fast()
        return StateChanged(self._name, at, old, new, reason)

    def _open_locked(self, now: float, period: float, reason: str) -> StateChanged:
        event = self._move_locked(_OPEN, now, reason)
        self._open_until = now + period
        return event

    def _backoff_period(self) -> float:
        k = self._failed_trials
        backoff = self._backoff
        if backoff is None or k == 0:
            return self._recovery_timeout
        if callable(backoff):
            try:
                period = check_seconds("backoff(k)", backoff(k))
            except (TypeError, ValueError) as exc:
                logger.error("backoff callable gave a bad period for k=%d: %s", k, exc)
                period = self._recovery_timeout
        else:
            period = self._recovery_timeout * backoff**k
        cap = self._max_recovery_timeout
        return period if cap is None or period <= cap else cap

    def _refresh_fast(self) -> None:
        """Recompute the two lock-free shortcuts (call under the lock after any change).

        ``_closed_generation``: the generation while CLOSED with no per-call timing or
        result checks, so a call may start without the lock. ``_fast``: the same, when in
        addition a success needs no bookkeeping beyond a lifetime count (no failures
        pending, the default policy, nobody listening to calls)."""
        closed = self._generation if self._state is _CLOSED and self._simple else None
        self._closed_generation = closed
        self._fast = (
            closed
            if self._fast_allowed and self._consecutive_failures == 0 and not self._call_listeners
            else None
        )

    # -- admission --------------------------------------------------------------------
    def acquire(self) -> Permit:
        """Ask to make one call. Returns a :class:`Permit` to report the outcome on, or
        raises :class:`CircuitBreakerError` (the call must not be made)."""
        now = self._clock()
        generation: int | None = self._closed_generation
        if generation is not None:
            return Permit(self, generation, now)
        until = self._open_until
        if now < until:
            raise self._reject(now, until)
        events: list[Event] | None = None
        with self._lock:
            if self._state is _OPEN:
                events = self._half_open_if_due_locked()
            state = self._state
            if state is _HALF_OPEN:
                if self._trials_in_flight >= self._half_open_max_calls:
                    self._rejected += 1
                    rejection = CircuitBreakerError(self._name, _HALF_OPEN, 0.0)
                else:
                    self._trials_in_flight += 1
                    rejection = None
            elif state is _OPEN:  # reopened by another thread since we read the clock
                self._rejected += 1
                rejection = CircuitBreakerError(self._name, _OPEN, self._open_until - now)
            else:
                rejection = None
            generation = self._generation
        if rejection is not None:
            if self._call_listeners:
                events = [*(events or ()), CallRejected(self._name, now, rejection.state,
                                                        rejection.retry_after)]
            if events:
                self._emit(events)
            raise rejection
        if events:
            self._emit(events)
        return Permit(self, generation, now)

    # -- settlement -------------------------------------------------------------------
    def _classify(self, exc: BaseException) -> int:
        """FAILURE for an ``Exception`` not excluded; IGNORED otherwise."""
        if not isinstance(exc, Exception):
            return _IGNORED
        if self._exclude_types and isinstance(exc, self._exclude_types):
            return _IGNORED
        for predicate in self._exclude_predicates:
            try:
                if predicate(exc):
                    return _IGNORED
            except Exception:
                logger.exception("exclude predicate %r raised; counting the call as a "
                                 "failure", predicate)
        return _FAILURE

    def _result_is_failure(self, result: object) -> bool:
        judge = self._failure_on_result
        if judge is None:
            return False
        try:
            return bool(judge(result))
        except Exception:
            logger.exception("failure_on_result %r raised; counting the call as a failure",
                             judge)
            return True

    def _settle(
        self, generation: int, outcome: int | None, exc: BaseException | None, started: float
    ) -> None:
        """Record the outcome of a call admitted in ``generation``; change state if the
        rules say so. ``outcome`` None: the call raised ``exc``, classified here (by the
        ``exclude`` rules) to spare the hot path a call."""
        if outcome is None:
            outcome = (
                _FAILURE
                if not self._excluding and isinstance(exc, Exception)
                else self._classify(exc)  # type: ignore[arg-type]
            )
        now = self._clock()
        slow = self._slow_call_duration
        slow_call = outcome == _SUCCESS and slow is not None and now - started > slow
        if slow_call:
            outcome = _FAILURE
        change: StateChanged | None = None
        with self._lock:
            state = self._state
            current = generation == self._generation
            if outcome == _FAILURE:
                self._failures += 1
                if current:
                    self._consecutive_failures += 1
                    self._fast = None  # a failure is pending: successes need the lock
                    if state is _CLOSED:
                        policy = self._policy
                        if policy.failure_trips(now):
                            change = self._open_locked(now, self._recovery_timeout,
                                                       policy.reason(now))
                    elif state is _HALF_OPEN:
                        self._failed_trials += 1
                        change = self._open_locked(now, self._backoff_period(),
                                                   "trial call failed")
            elif outcome == _SUCCESS:
                self._successes += 1
                if current:
                    pending = self._consecutive_failures
                    self._consecutive_failures = 0
                    if state is _CLOSED:
                        self._policy.record_success(now)
                        if pending:
                            self._refresh_fast()
                    elif state is _HALF_OPEN:
                        self._trials_in_flight -= 1
                        self._trial_successes += 1
                        if self._trial_successes >= self._success_threshold:
                            n = self._trial_successes
                            change = self._move_locked(
                                _CLOSED, now,
                                "trial succeeded" if n == 1 else f"{n} trials succeeded")
            else:
                self._ignored += 1
                if current and state is _HALF_OPEN:
                    self._trials_in_flight -= 1
        if not current:
            return  # a late result: counted, but nobody hears of it
        if self._call_listeners:
            events: list[Event] = [self._call_event(now, state, outcome, exc, started, slow_call)]
            if change is not None:
                events.append(change)
            self._emit(events)
        elif change is not None:
            self._emit([change])

    def _call_event(
        self,
        now: float,
        state: State,
        outcome: int,
        exc: BaseException | None,
        started: float,
        slow_call: bool,
    ) -> Event:
        if outcome == _SUCCESS:
            return CallSucceeded(self._name, now, state)
        if outcome == _IGNORED:
            return CallIgnored(self._name, now, state, exc)
        if slow_call:
            reason = f"slow call ({now - started:g} s > {self._slow_call_duration:g} s)"
        elif exc is not None:
            reason = "exception"
        elif self._failure_on_result is not None:
            reason = "result judged a failure"
        else:
            reason = "reported failure"
        return CallFailed(self._name, now, state, exc, reason)

    # -- listeners and logging ----------------------------------------------------------
    def add_listener(self, listener: Listener, *, calls: bool = True) -> None:
        """Call ``listener(event)`` for every event from now on (see
        :mod:`circuit_lab.events`); with ``calls=False`` only for ``StateChanged``
        events, which keeps the lock-free fast path on (what a dashboard or the
        simulator wants). Raises ``TypeError`` if it is not callable."""
        if not callable(listener):
            raise TypeError(f"listener must be callable, got {listener!r}")
        if not isinstance(calls, bool):
            raise TypeError(f"calls must be a bool, got {calls!r}")
        with self._lock:
            self._set_subscriptions((*self._subscriptions, (listener, calls)))

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener`` (the earliest registration of it). Raises
        ``ValueError`` if it was not added."""
        with self._lock:
            subscriptions = list(self._subscriptions)
            for index, (registered, _) in enumerate(subscriptions):
                if registered == listener:
                    del subscriptions[index]
                    break
            else:
                raise ValueError(f"listener {listener!r} is not registered")
            self._set_subscriptions(tuple(subscriptions))

    def _set_subscriptions(self, subscriptions: tuple[tuple[Listener, bool], ...]) -> None:
        self._subscriptions = subscriptions
        self._listeners = tuple(listener for listener, _ in subscriptions)
        self._call_listeners = tuple(listener for listener, calls in subscriptions if calls)
        self._refresh_fast()

    def _emit(self, events: list[Event]) -> None:
        for event in events:
            listeners = self._call_listeners
            if type(event) is StateChanged:
                listeners = self._listeners
                logger.log(
                    logging.WARNING if event.new is _OPEN else logging.INFO,
                    "circuit breaker %s: %s -> %s at %.3f (%s)",
                    self._name or "(unnamed)", event.old.value, event.new.value,
                    event.at, event.reason,
                )
            for listener in listeners:
                try:
                    listener(event)
                except Exception:
                    logger.exception("listener %r raised while handling %r", listener, event)

    # -- manual control ---------------------------------------------------------------
    def _force(self, new: State, reason: str, *, clear: bool = False) -> None:
        now = self._clock()
        with self._lock:
            events = self._half_open_if_due_locked() or []
            if new is _OPEN:
                events.append(self._open_locked(now, self._recovery_timeout, reason))
            elif self._state is not new:
                events.append(self._move_locked(new, now, reason))
            if clear:
                self._policy.reset()
                self._consecutive_failures = 0
                self._failed_trials = 0
                self._refresh_fast()
        if events:
            self._emit(events)

    def open(self) -> None:
        """Trip now: OPEN for ``recovery_timeout``, then HALF_OPEN as after any trip."""
        self._force(_OPEN, "opened manually")

    def close(self) -> None:
        """Close now (clears the trip policy's window and the backoff); no-op if CLOSED."""
        self._force(_CLOSED, "closed manually")

    def half_open(self) -> None:
        """Go HALF_OPEN now, admitting trial calls; no-op if already HALF_OPEN."""
        self._force(_HALF_OPEN, "half-opened manually")

    def reset(self) -> None:
        """Back to a fresh CLOSED breaker: clears window counts, consecutive failures and
        backoff. Lifetime metrics are kept."""
        self._force(_CLOSED, "reset", clear=True)

    # -- call surfaces ----------------------------------------------------------------
    # The hot paths below are written for speed (benchmarks/bench_breaker.py measures
    # them against a no-op decorator): a call on a healthy CLOSED breaker takes no lock
    # and reads no clock. Everything that is not that case goes to _run_gated.

    def _reject(self, now: float, until: float) -> CircuitBreakerError:
        """Count a rejection of an OPEN breaker (lock-free) and build its error."""
        next(self._fast_rejections)
        if self._call_listeners:
            self._emit([CallRejected(self._name, now, _OPEN, until - now)])
        return CircuitBreakerError(self._name, _OPEN, until - now)

    def _run_gated(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        fallback: Callable[..., Any] | None,
    ) -> Any:
        """Call ``fn`` through the full gate (any state, any configuration)."""
        generation = self._closed_generation
        if generation is None:
            now = self._clock()
            until = self._open_until
            if now < until:
                error = self._reject(now, until)
                if fallback is None:
                    raise error
                return fallback(*args, **kwargs)
            try:
                permit = self.acquire()
            except CircuitBreakerError:
                if fallback is None:
                    raise
                return fallback(*args, **kwargs)
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                permit._report_exception(exc)
                raise
            permit._report_result(result)
            return result
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            self._settle(generation, None, exc, 0.0)
            raise
        if self._fast is generation:
            next(self._fast_successes)
        else:
            self._settle(generation, _SUCCESS, None, 0.0)
        return result

    async def _run_gated_async(
        self,
        fn: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        fallback: Callable[..., Any] | None,
    ) -> Any:
        """The awaiting twin of :meth:`_run_gated`."""
        generation = self._closed_generation
        if generation is None:
            now = self._clock()
            until = self._open_until
            permit = None
            if now >= until:
                try:
                    permit = self.acquire()
                except CircuitBreakerError:
                    if fallback is None:
                        raise
            else:
                error = self._reject(now, until)
                if fallback is None:
                    raise error
            if permit is None:
                value = fallback(*args, **kwargs)  # type: ignore[misc]
                return (await value) if inspect.isawaitable(value) else value
            try:
                result = await fn(*args, **kwargs)
            except BaseException as exc:
                permit._report_exception(exc)
                raise
            permit._report_result(result)
            return result
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            self._settle(generation, None, exc, 0.0)
            raise
        if self._fast is generation:
            next(self._fast_successes)
        else:
            self._settle(generation, _SUCCESS, None, 0.0)
        return result

    def call(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call ``fn(*args, **kwargs)`` through the breaker: returns its result, raises
        its exception, or raises :class:`CircuitBreakerError` without calling it."""
        return self._run_gated(fn, args, kwargs, None)  # type: ignore[no-any-return]

    async def call_async(
        self, fn: Callable[P, Awaitable[R]], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Await ``fn(*args, **kwargs)`` through the breaker (see :meth:`call`). A
        cancelled call (``asyncio.CancelledError``) counts as ignored."""
        return await self._run_gated_async(fn, args, kwargs, None)  # type: ignore[no-any-return]

    @overload
    def __call__(self, fn: Callable[P, R], /) -> Callable[P, R]: ...

    @overload
    def __call__(
        self, fn: None = None, /, *, fallback: Callable[..., Any]
    ) -> Callable[[Callable[P, R]], Callable[P, R]]: ...

    def __call__(
        self, fn: Callable[P, R] | None = None, /, *, fallback: Callable[..., Any] | None = None
    ) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorate a function (plain or ``async def``); keeps its name, doc and
        signature. ``@breaker(fallback=f)``: when the breaker rejects a call, return
        ``f(*args, **kwargs)`` (awaited if it returns an awaitable in an async function)
        instead of raising :class:`CircuitBreakerError`; errors of the function itself
        still propagate."""
        if fn is None:
            if fallback is None or not callable(fallback):
                raise TypeError(f"fallback must be callable, got {fallback!r}")

            def decorate(function: Callable[P, R]) -> Callable[P, R]:
                return self._decorate(function, fallback)

            return decorate
        if not callable(fn):
            raise TypeError(f"a circuit breaker decorates callables, got {fn!r}")
        return self._decorate(fn, fallback)

    def _decorate(self, fn: Callable[P, R], fallback: Callable[..., Any] | None) -> Callable[P, R]:
        if inspect.iscoroutinefunction(fn):
            return self._decorate_async(fn, fallback)  # type: ignore[return-value]
        breaker = self
        tally = self._fast_successes.__next__
        settle = self._settle
        run_gated = self._run_gated

        clock = self._clock
        count_rejection = self._fast_rejections.__next__
        name = self._name

        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            generation = breaker._fast
            if generation is None:
                generation = breaker._closed_generation
                if generation is None:
                    now = clock()
                    until = breaker._open_until
                    if now < until and fallback is None and not breaker._call_listeners:
                        count_rejection()
                        raise CircuitBreakerError(name, _OPEN, until - now)
                    return run_gated(fn, args, kwargs, fallback)  # type: ignore[no-any-return]
            try:
                result = fn(*args, **kwargs) if kwargs else fn(*args)  # type: ignore[call-arg]
            except BaseException as exc:
                settle(generation, None, exc, 0.0)
                raise
            if breaker._fast is generation:
                tally()
            else:
                settle(generation, _SUCCESS, None, 0.0)
            return result

        guarded.breaker = self  # type: ignore[attr-defined]
        return guarded

    def _decorate_async(
        self, fn: Callable[P, Awaitable[R]], fallback: Callable[..., Any] | None
    ) -> Callable[P, Awaitable[R]]:
        breaker = self
        tally = self._fast_successes.__next__
        settle = self._settle
        run_gated = self._run_gated_async

        clock = self._clock
        count_rejection = self._fast_rejections.__next__
        name = self._name

        @functools.wraps(fn)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            generation = breaker._fast
            if generation is None:
                generation = breaker._closed_generation
                if generation is None:
                    now = clock()
                    until = breaker._open_until
                    if now < until and fallback is None and not breaker._call_listeners:
                        count_rejection()
                        raise CircuitBreakerError(name, _OPEN, until - now)
                    return await run_gated(fn, args, kwargs, fallback)  # type: ignore[no-any-return]
            try:
                result = await (fn(*args, **kwargs) if kwargs else fn(*args))  # type: ignore[call-arg]
            except BaseException as exc:
                settle(generation, None, exc, 0.0)
                raise
            if breaker._fast is generation:
                tally()
            else:
                settle(generation, _SUCCESS, None, 0.0)
            return result

        guarded.breaker = self  # type: ignore[attr-defined]
        return guarded

    # -- context managers ---------------------------------------------------------------
    def __enter__(self) -> CircuitBreaker:
        permit = self.acquire()
        self._context_permits.set((*self._context_permits.get(), permit))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack = self._context_permits.get()
        if not stack:
            raise RuntimeError("__exit__ without a matching __enter__ on this breaker")
        permit = stack[-1]
        self._context_permits.set(stack[:-1])
        if exc is None:
            permit.success()
        else:
            permit._report_exception(exc)

    async def __aenter__(self) -> CircuitBreaker:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __repr__(self) -> str:
        return (
            f"CircuitBreaker(name={self._name!r}, state={self._state.value}, "
            f"policy={self._policy!r}, recovery_timeout={self._recovery_timeout:g})"
        )
