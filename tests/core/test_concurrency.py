"""Concurrency (issue 2, Behaviour 12 and the Tests section): real threads and asyncio
tasks, synchronised with Events and Barriers (never sleeps). Every wait has a generous
timeout so a bug fails the test instead of hanging it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter

import pytest

from circuit_lab import (
    CircuitBreaker,
    CircuitBreakerError,
    ConsecutiveFailures,
    FailureRate,
    ManualClock,
    State,
    StateChanged,
)

WAIT = 10.0  # seconds; only ever reached when something is broken


class Boom(Exception):
    pass


class Excluded(Exception):
    pass


def start_threads(targets) -> list[threading.Thread]:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    return threads


def join_all(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.join(WAIT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"


def wait_for(condition: threading.Condition, predicate) -> None:
    with condition:
        assert condition.wait_for(predicate, WAIT), "timed out waiting"


def half_open(clock: ManualClock, **kw) -> CircuitBreaker:
    breaker = CircuitBreaker(1, 10, clock=clock, **kw)
    breaker.open()
    clock.advance(10)
    assert breaker.state is State.HALF_OPEN
    return breaker


# -- half-open admits exactly half_open_max_calls concurrent trials ---------------------------


@pytest.mark.parametrize("round_", range(5))
def test_threads_exactly_max_concurrent_trials_admitted(clock, round_) -> None:
    breaker = half_open(clock, half_open_max_calls=3)
    release = threading.Event()
    start = threading.Barrier(8, timeout=WAIT)
    cond = threading.Condition()
    admitted: list[int] = []
    rejected: list[CircuitBreakerError] = []
    results: list[object] = []

    def trial() -> str:
        with cond:
            admitted.append(1)
            cond.notify_all()
        assert release.wait(WAIT)
        return "ok"

    def worker() -> None:
        start.wait()
        try:
            results.append(breaker.call(trial))
        except CircuitBreakerError as err:
            with cond:
                rejected.append(err)
                cond.notify_all()

    threads = start_threads([worker] * 8)
    wait_for(cond, lambda: len(admitted) + len(rejected) == 8)
    assert len(admitted) == 3
    assert len(rejected) == 5
    assert all(e.state is State.HALF_OPEN and e.retry_after == 0.0 for e in rejected)
    assert breaker.state is State.HALF_OPEN  # nothing has finished yet
    release.set()
    join_all(threads)
    assert results == ["ok"] * 3
    assert breaker.state is State.CLOSED
    m = breaker.metrics
    assert (m.successes, m.rejected, m.calls) == (3, 5, 8)


def test_threads_slot_freed_by_finished_trial_is_reused_once(clock) -> None:
    breaker = half_open(clock, half_open_max_calls=2, exclude=[Excluded])
    p1, _p2 = breaker.acquire(), breaker.acquire()
    p1.ignore()  # frees exactly one slot
    start = threading.Barrier(6, timeout=WAIT)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            breaker.acquire()
            result = "admitted"
        except CircuitBreakerError:
            result = "rejected"
        with lock:
            outcomes.append(result)

    join_all(start_threads([worker] * 6))
    assert Counter(outcomes) == {"admitted": 1, "rejected": 5}


def test_asyncio_exactly_max_concurrent_trials_admitted(clock) -> None:
    breaker = half_open(clock, half_open_max_calls=3)

    async def main():
        release = asyncio.Event()
        inside = 0
        rejected = []
        settled = asyncio.Event()

        async def trial():
            nonlocal inside
            inside += 1
            if inside + len(rejected) == 10:
                settled.set()
            await release.wait()
            return "ok"

        async def task():
            try:
                return await breaker.call_async(trial)
            except CircuitBreakerError as err:
                rejected.append(err)
                if inside + len(rejected) == 10:
                    settled.set()
                return "rejected"

        tasks = [asyncio.ensure_future(task()) for _ in range(10)]
        await asyncio.wait_for(settled.wait(), WAIT)
        assert inside == 3
        assert len(rejected) == 7
        assert all(e.retry_after == 0.0 for e in rejected)
        release.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
        assert Counter(results) == {"ok": 3, "rejected": 7}

    asyncio.run(main())
    assert breaker.state is State.CLOSED


@pytest.mark.parametrize("surface", ["call_async", "decorator", "async_with"])
def test_asyncio_cancelled_trial_does_not_close_and_frees_its_slot(clock, surface) -> None:
    breaker = half_open(clock, half_open_max_calls=1)

    async def main():
        entered = asyncio.Event()
        never = asyncio.Event()

        async def slow_trial():
            entered.set()
            await never.wait()

        if surface == "call_async":
            coro_fn = lambda: breaker.call_async(slow_trial)  # noqa: E731
        elif surface == "decorator":
            coro_fn = breaker(slow_trial)
        else:

            async def coro_fn():
                async with breaker:
                    await slow_trial()

        task = asyncio.ensure_future(coro_fn())
        await asyncio.wait_for(entered.wait(), WAIT)
        with pytest.raises(CircuitBreakerError):  # the only slot is taken
            breaker.acquire()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, WAIT)

    asyncio.run(main())
    assert breaker.state is State.HALF_OPEN  # not closed (nor reopened)
    m = breaker.metrics
    assert (m.ignored, m.successes, m.failures) == (1, 0, 0)
    permit = breaker.acquire()  # the slot was freed
    permit.success()
    assert breaker.state is State.CLOSED


def test_asyncio_cancelled_calls_never_trip(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)

    async def main():
        started = 0
        all_in = asyncio.Event()

        async def hang():
            nonlocal started
            started += 1
            if started == 5:
                all_in.set()
            await asyncio.Event().wait()

        tasks = [asyncio.ensure_future(breaker.call_async(hang)) for _ in range(5)]
        await asyncio.wait_for(all_in.wait(), WAIT)
        for t in tasks:
            t.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)

    asyncio.run(main())
    assert breaker.state is State.CLOSED
    assert breaker.metrics.ignored == 5


def test_asyncio_with_per_task_under_load(clock) -> None:
    """Many tasks interleave ``async with breaker``; each exit settles its own call."""
    breaker = CircuitBreaker(10**9, 10, clock=clock, exclude=[Excluded])

    async def main():
        gate = asyncio.Event()

        async def worker(i):
            try:
                async with breaker:
                    await gate.wait()
                    await asyncio.sleep(0)
                    if i % 3 == 0:
                        raise Boom()
                    if i % 3 == 1:
                        raise Excluded()
            except (Boom, Excluded):
                pass

        tasks = [asyncio.ensure_future(worker(i)) for i in range(300)]
        await asyncio.sleep(0)
        gate.set()
        await asyncio.wait_for(asyncio.gather(*tasks), WAIT)

    asyncio.run(main())
    m = breaker.metrics
    assert (m.failures, m.ignored, m.successes) == (100, 100, 100)


# -- no lost counts -----------------------------------------------------------------------------


def _mixed_worker(breaker, fn, thread_index, calls, start, tally, tally_lock):
    seen = Counter()

    def run(kind):
        if kind == "failure":
            raise Boom()
        if kind == "excluded":
            raise Excluded()
        return kind

    kinds = ("success", "failure", "success", "excluded", "success")
    start.wait()
    for i in range(calls):
        kind = kinds[(i + thread_index) % len(kinds)]
        try:
            fn(run, kind)
            seen["success"] += 1
        except Boom:
            seen["failure"] += 1
        except Excluded:
            seen["ignored"] += 1
        except CircuitBreakerError:
            seen["rejected"] += 1
    with tally_lock:
        tally.update(seen)


def _hammer(breaker, fn, threads=4, calls=5000) -> Counter:
    start = threading.Barrier(threads, timeout=WAIT)
    tally: Counter = Counter()
    tally_lock = threading.Lock()
    join_all(start_threads([
        (lambda k=k: _mixed_worker(breaker, fn, k, calls, start, tally, tally_lock))
        for k in range(threads)
    ]))
    return tally


def _surface(breaker, name):
    if name == "call":
        return breaker.call
    if name == "decorator":
        return breaker(lambda run, kind: run(kind))

    def with_block(run, kind):
        with breaker:
            return run(kind)

    return with_block


@pytest.mark.parametrize("surface", ["call", "decorator", "with"])
@pytest.mark.parametrize("listening", [False, True])
def test_no_lost_counts_never_tripping(clock, surface, listening) -> None:
    breaker = CircuitBreaker(
        clock=clock, policy=ConsecutiveFailures(10**9), exclude=[Excluded]
    )
    heard = []
    if listening:
        breaker.add_listener(heard.append)  # list.append is atomic
    tally = _hammer(breaker, _surface(breaker, surface))
    m = breaker.metrics
    # 5 kinds per cycle: 3 successes, 1 failure, 1 excluded; 5,000 is a whole number
    # of cycles for each thread.
    assert tally == {"success": 12_000, "failure": 4_000, "ignored": 4_000}
    assert (m.calls, m.successes, m.failures, m.ignored, m.rejected) == (
        20_000, 12_000, 4_000, 4_000, 0
    )
    assert m.state is State.CLOSED
    if listening:
        assert len(heard) == 20_000


@pytest.mark.parametrize(
    "policy",
    [lambda: ConsecutiveFailures(1), lambda: FailureRate(0.25, window=8)],
    ids=["consecutive", "rate"],
)
@pytest.mark.parametrize("listening", [False, True])
def test_no_lost_counts_while_tripping(clock, policy, listening) -> None:
    # recovery_timeout=0: every trip is followed by an immediate half-open period, so the
    # threads race through CLOSED -> OPEN -> HALF_OPEN -> ... thousands of times.
    breaker = CircuitBreaker(
        1, 0, clock=clock, policy=policy(), exclude=[Excluded], half_open_max_calls=2
    )
    changes = []
    if listening:
        breaker.add_listener(lambda e: changes.append(e) if isinstance(e, StateChanged)
                             else None)
    tally = _hammer(breaker, breaker.call)
    m = breaker.metrics
    assert sum(tally.values()) == 20_000
    assert (m.calls, m.successes, m.failures, m.ignored, m.rejected) == (
        20_000, tally["success"], tally["failure"], tally["ignored"], tally["rejected"]
    )
    assert m.failures > 0
    final = breaker.state
    assert final in (State.CLOSED, State.HALF_OPEN)
    if listening:
        assert changes, "the config was meant to trip"
        # Listeners run outside the lock, so threads may deliver transitions out of
        # order; but none is lost or duplicated: the transitions form one path from
        # CLOSED to the final state, i.e. into(s) - out_of(s) == [s is final] - [s is
        # CLOSED] for every state.
        assert all(c.old is not c.new for c in changes)
        into = Counter(c.new for c in changes)
        out = Counter(c.old for c in changes)
        for s in State:
            assert into[s] - out[s] == (s is final) - (s is State.CLOSED), s


# -- rejections do not wait for running calls; no lock around user code --------------------------


def test_open_rejects_while_another_call_is_blocked_inside(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    entered, release = threading.Event(), threading.Event()
    rejected_done = threading.Event()
    errors: list[BaseException] = []

    def blocked_call():
        def slow():
            entered.set()
            assert release.wait(WAIT)
            return "slow"

        try:
            breaker.call(slow)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    def other_caller():
        try:
            with pytest.raises(Boom):
                breaker.call(_raise_boom)  # trips the breaker
            for _ in range(100):
                with pytest.raises(CircuitBreakerError) as info:
                    breaker.call(lambda: "never")
                assert info.value.retry_after == 10.0
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            rejected_done.set()

    slow_thread = start_threads([blocked_call])[0]
    assert entered.wait(WAIT)
    other = start_threads([other_caller])[0]
    # The rejections finish while the first call is still blocked inside.
    assert rejected_done.wait(WAIT), "rejections waited behind a running call"
    assert slow_thread.is_alive() and not release.is_set()
    release.set()
    join_all([slow_thread, other])
    assert errors == []
    assert breaker.state is State.OPEN  # the slow success was stale: no change


def test_half_open_rejects_while_trial_is_blocked_inside(clock) -> None:
    breaker = half_open(clock)
    entered, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def trial():
        entered.set()
        assert release.wait(WAIT)

    trial_thread = start_threads([lambda: breaker.call(trial)])[0]
    assert entered.wait(WAIT)

    def other():
        try:
            breaker.call(lambda: None)
        except CircuitBreakerError as err:
            outcome.append(err.retry_after)

    join_all(start_threads([other]))  # returns although the trial is still blocked
    assert trial_thread.is_alive()
    assert outcome == [0.0]
    release.set()
    join_all([trial_thread])
    assert breaker.state is State.CLOSED


def _raise_boom():
    raise Boom()


@pytest.mark.parametrize("state", ["closed", "closed_listening", "half_open"])
def test_guarded_calls_run_concurrently(clock, state) -> None:
    """Two guarded calls are inside the function at the same time: the breaker holds no
    lock around user code (a Barrier inside the function would break otherwise)."""
    if state == "half_open":
        breaker = half_open(clock, half_open_max_calls=2, success_threshold=2)
    else:
        breaker = CircuitBreaker(5, 10, clock=clock)
        if state == "closed_listening":
            breaker.add_listener(lambda e: None)
    inside = threading.Barrier(2, timeout=WAIT)
    errors: list[BaseException] = []

    def guarded():
        inside.wait()  # raises BrokenBarrierError if the other call cannot get in
        return "ok"

    def worker():
        try:
            assert breaker.call(guarded) == "ok"
        except BaseException as exc:
            errors.append(exc)

    join_all(start_threads([worker, worker]))
    assert errors == []
    assert breaker.metrics.successes == 2


@pytest.mark.parametrize("state", ["closed", "closed_listening", "half_open"])
def test_guarded_function_can_use_the_breaker(clock, state) -> None:
    if state == "half_open":
        breaker = half_open(clock, half_open_max_calls=2)
    else:
        breaker = CircuitBreaker(5, 10, clock=clock)
        if state == "closed_listening":
            breaker.add_listener(lambda e: None)
    seen = []

    def introspective():
        seen.append((breaker.state, breaker.metrics.calls, breaker.retry_after))
        # a nested call through the same breaker, and the two-step API
        breaker.call(lambda: None)
        if state != "half_open":
            breaker.acquire().ignore()
        return "ok"

    box = []
    join_all(start_threads([lambda: box.append(breaker.call(introspective))]))
    assert box == ["ok"]
    assert seen


def test_async_guarded_function_can_use_the_breaker(clock) -> None:
    breaker = half_open(clock, half_open_max_calls=2)

    async def introspective():
        await asyncio.sleep(0)
        return (breaker.state, breaker.metrics.rejected)

    async def main():
        return await asyncio.wait_for(breaker.call_async(introspective), WAIT)

    assert asyncio.run(main()) == (State.HALF_OPEN, 0)


# -- races on transitions --------------------------------------------------------------------------


def test_lazy_transition_reported_once_under_concurrent_readers(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[recorder])
    breaker.open()
    clock.advance(25)
    start = threading.Barrier(8, timeout=WAIT)
    states = []

    def reader():
        start.wait()
        for _ in range(50):
            states.append(breaker.state)
            _ = breaker.metrics

    join_all(start_threads([reader] * 8))
    half = [c for c in recorder.changes if c.new is State.HALF_OPEN]
    assert len(half) == 1
    assert half[0].at == 10.0
    assert set(states) == {State.HALF_OPEN}


def test_concurrent_failures_trip_once(clock, recorder) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, listeners=[recorder])
    inside = threading.Barrier(8, timeout=WAIT)

    def failing():
        inside.wait()  # all 8 admitted while CLOSED, then all fail
        raise Boom()

    def worker():
        with pytest.raises(Boom):
            breaker.call(failing)

    join_all(start_threads([worker] * 8))
    assert recorder.transitions() == [("closed", "open")]
    assert breaker.metrics.failures == 8


def test_concurrent_trials_leave_half_open_once(clock, recorder) -> None:
    breaker = half_open(clock, half_open_max_calls=8)
    breaker.add_listener(recorder)
    inside = threading.Barrier(8, timeout=WAIT)

    def trial(i):
        inside.wait()
        if i % 2:
            raise Boom()
        return i

    def worker(i):
        with contextlib.suppress(Boom):
            breaker.call(trial, i)

    join_all(start_threads([(lambda i=i: worker(i)) for i in range(8)]))
    assert len(recorder.changes) == 1
    assert recorder.changes[0].old is State.HALF_OPEN
    m = breaker.metrics
    assert (m.successes, m.failures) == (4, 4)


# -- retry_after stays exact when the state changes mid-rejection ----------------------------------


class _PreemptingTime(float):
    """A clock reading whose first ``<`` comparison lets "another thread" act, exactly
    as if the caller were pre-empted between two bytecodes."""

    hook = None

    def __lt__(self, other):
        result = float.__lt__(self, other)
        hook, type(self).hook = type(self).hook, None
        if hook is not None:
            hook()
        return result


@pytest.mark.parametrize("action", ["close", "half_open", "lazy"])
def test_rejection_retry_after_consistent_when_state_changes_concurrently(action) -> None:
    """Regression (found by this test, fixed in ad31db6): acquire() checked
    ``now < _open_until`` lock-free and then re-read ``_open_until``; a close/half-open in
    between gave ``retry_after == -inf``."""
    now = [0.0]
    breaker = CircuitBreaker(1, 10, clock=lambda: _PreemptingTime(now[0]))
    breaker.open()
    now[0] = 9.5

    def other_thread():
        if action == "lazy":  # another thread reads the clock a moment later
            now[0] = 10.0
            _ = breaker.state
        else:
            getattr(breaker, action)()

    _PreemptingTime.hook = other_thread
    try:
        breaker.acquire()
    except CircuitBreakerError as err:
        assert 0.0 <= err.retry_after <= 10.0
        assert "inf" not in str(err)
    finally:
        _PreemptingTime.hook = None
