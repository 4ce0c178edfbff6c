"""Call surfaces (issue 2, Behaviour 9): call / call_async, the decorator (plain and
async, with fallback), ``with`` / ``async with``, and the two-step acquire/permit API."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest

from circuit_lab import CircuitBreaker, CircuitBreakerError, ManualClock, Permit, State


class Boom(Exception):
    pass


class Excluded(Exception):
    pass


def opened(clock: ManualClock, **kw) -> CircuitBreaker:
    breaker = CircuitBreaker(1, 10, clock=clock, **kw)
    breaker.open()
    return breaker


# -- call / call_async -----------------------------------------------------------------------


def test_call_passes_args_and_kwargs(clock) -> None:
    breaker = CircuitBreaker(clock=clock)

    def f(a, b, /, c, *, d):
        return (a, b, c, d)

    assert breaker.call(f, 1, 2, 3, d=4) == (1, 2, 3, 4)
    assert breaker.call(f, 1, 2, c=3, d=4) == (1, 2, 3, 4)
    assert breaker.metrics.successes == 2


def test_call_accepts_kwargs_named_fn(clock) -> None:
    breaker = CircuitBreaker(clock=clock)
    assert breaker.call(lambda **kw: kw, fn=1) == {"fn": 1}


def test_call_async(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    ran = []

    async def fetch(x, *, y):
        ran.append(x)
        await asyncio.sleep(0)
        return x + y

    async def broken():
        ran.append("broken")
        raise Boom()

    async def main():
        assert await breaker.call_async(fetch, 1, y=2) == 3
        for _ in range(2):
            with pytest.raises(Boom):
                await breaker.call_async(broken)
        with pytest.raises(CircuitBreakerError):
            await breaker.call_async(fetch, 5, y=5)

    asyncio.run(main())
    assert ran == [1, "broken", "broken"]
    assert breaker.state is State.OPEN


def test_call_async_failure_on_result_and_slow(clock) -> None:
    breaker = CircuitBreaker(
        3, 10, clock=clock, failure_on_result=lambda r: r == 503, slow_call_duration=1
    )

    async def status(code, took):
        clock.advance(took)
        return code

    async def main():
        assert await breaker.call_async(status, 503, 0) == 503
        assert await breaker.call_async(status, 200, 2) == 200
        assert await breaker.call_async(status, 200, 1) == 200

    asyncio.run(main())
    m = breaker.metrics
    assert (m.failures, m.successes) == (2, 1)


# -- decorator -------------------------------------------------------------------------------


def test_decorator_keeps_name_doc_signature(clock) -> None:
    breaker = CircuitBreaker(clock=clock)

    def get_user(user_id: int, *, verbose: bool = False) -> dict:
        """Fetch a user."""
        return {"id": user_id, "verbose": verbose}

    guarded = breaker(get_user)
    assert guarded.__name__ == "get_user"
    assert guarded.__qualname__ == get_user.__qualname__
    assert guarded.__doc__ == "Fetch a user."
    assert guarded.__module__ == get_user.__module__
    assert inspect.signature(guarded) == inspect.signature(get_user)
    assert guarded.__wrapped__ is get_user
    assert guarded(7, verbose=True) == {"id": 7, "verbose": True}


def test_decorator_async_keeps_name_doc_signature_and_stays_a_coroutine_function(
    clock,
) -> None:
    breaker = CircuitBreaker(clock=clock)

    async def fetch(url: str, timeout: float = 1.0) -> str:
        """Fetch a URL."""
        return url

    guarded = breaker(fetch)
    assert inspect.iscoroutinefunction(guarded)
    assert guarded.__name__ == "fetch"
    assert guarded.__doc__ == "Fetch a URL."
    assert inspect.signature(guarded) == inspect.signature(fetch)
    assert asyncio.run(guarded("u")) == "u"


def test_decorator_trips_and_then_does_not_call(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    calls = []

    @breaker
    def service(x):
        calls.append(x)
        raise Boom(x)

    for i in range(2):
        with pytest.raises(Boom):
            service(i)
    with pytest.raises(CircuitBreakerError):
        service(99)
    assert calls == [0, 1]


def test_decorator_async_trips_and_then_does_not_call(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    calls = []

    @breaker
    async def service(x):
        calls.append(x)
        raise Boom(x)

    async def main():
        for i in range(2):
            with pytest.raises(Boom):
                await service(i)
        with pytest.raises(CircuitBreakerError):
            await service(99)

    asyncio.run(main())
    assert calls == [0, 1]


def test_decorator_counts_successes_on_every_path(clock, recorder) -> None:
    breaker = CircuitBreaker(3, 10, clock=clock)
    guarded = breaker(lambda: 1)
    for _ in range(5):
        guarded()
    with pytest.raises(Boom):
        breaker.call(_raise_boom)
    for _ in range(2):
        guarded()  # pending failure: the bookkeeping path
    breaker.add_listener(recorder)
    guarded()  # a listener: the bookkeeping path
    m = breaker.metrics
    assert (m.calls, m.successes, m.failures) == (9, 8, 1)
    assert len(recorder.events) == 1


def _raise_boom() -> None:
    raise Boom()


def test_decorator_on_method(clock) -> None:
    breaker = CircuitBreaker(clock=clock)

    class Client:
        def __init__(self) -> None:
            self.base = "http://x"

        @breaker
        def get(self, path: str) -> str:
            return self.base + path

    assert Client().get("/y") == "http://x/y"


def test_decorator_exposes_its_breaker(clock) -> None:
    breaker = CircuitBreaker(clock=clock)

    @breaker
    def f():
        return 1

    assert f.breaker is breaker


def test_decorator_rejects_non_callable(clock) -> None:
    breaker = CircuitBreaker(clock=clock)
    with pytest.raises(TypeError):
        breaker(42)
    with pytest.raises(TypeError, match="fallback"):
        breaker(fallback=42)


def test_fallback_used_only_when_rejected(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)
    fallback_args = []

    def cached(user_id, *, fresh=False):
        fallback_args.append((user_id, fresh))
        return "cached"

    @breaker(fallback=cached)
    def get_user(user_id, *, fresh=False):
        if user_id < 0:
            raise Boom()
        return "live"

    assert get_user.__name__ == "get_user"
    assert get_user(1) == "live"
    with pytest.raises(Boom):  # the function's own error still propagates
        get_user(-1)
    assert get_user(2, fresh=True) == "cached"
    assert fallback_args == [(2, True)]
    assert breaker.metrics.rejected == 1


def test_fallback_when_half_open_slots_busy(clock) -> None:
    breaker = opened(clock)
    clock.advance(10)

    @breaker(fallback=lambda: "fallback")
    def f():
        return "live"

    trial = breaker.acquire()
    assert f() == "fallback"
    trial.success()
    assert f() == "live"


@pytest.mark.parametrize("async_fallback", [False, True])
def test_fallback_async(clock, async_fallback) -> None:
    breaker = opened(clock)

    if async_fallback:

        async def fallback(x):
            await asyncio.sleep(0)
            return ("fallback", x)

    else:

        def fallback(x):
            return ("fallback", x)

    @breaker(fallback=fallback)
    async def f(x):
        return ("live", x)

    assert inspect.iscoroutinefunction(f)
    assert asyncio.run(f(3)) == ("fallback", 3)
    clock.advance(10)
    assert asyncio.run(f(4)) == ("live", 4)


# -- with / async with -----------------------------------------------------------------------


def test_with_success_and_failure(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    with breaker as entered:
        assert entered is breaker
    for _ in range(2):
        with pytest.raises(Boom), breaker:
            raise Boom()
    assert breaker.state is State.OPEN
    body = []
    with pytest.raises(CircuitBreakerError), breaker:
        body.append("ran")  # pragma: no cover
    assert body == []
    m = breaker.metrics
    assert (m.successes, m.failures, m.rejected) == (1, 2, 1)


def test_with_classifies_excluded_and_base_exceptions(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, exclude=[Excluded])
    with pytest.raises(Excluded), breaker:
        raise Excluded()
    with pytest.raises(KeyboardInterrupt), breaker:
        raise KeyboardInterrupt()
    assert breaker.state is State.CLOSED
    assert breaker.metrics.ignored == 2


def test_with_does_not_swallow_exceptions(clock) -> None:
    breaker = CircuitBreaker(5, 10, clock=clock)
    err = Boom("x")
    with pytest.raises(Boom) as info, breaker:
        raise err
    assert info.value is err


def test_with_nests(clock) -> None:
    breaker = opened(clock, half_open_max_calls=2, success_threshold=2)
    clock.advance(10)
    with breaker:
        with breaker, pytest.raises(CircuitBreakerError), breaker:
            pass  # pragma: no cover - a third trial is rejected
        assert breaker.state is State.HALF_OPEN  # one trial success of two
    assert breaker.state is State.CLOSED


def test_with_nested_inner_failure_reported_on_inner_permit(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, slow_call_duration=5, exclude=[Excluded])
    with breaker:  # outer starts at 0
        clock.advance(4)
        with pytest.raises(Excluded), breaker:  # inner starts at 4
            clock.advance(2)
            raise Excluded()  # inner: ignored (had it taken the outer permit: slow)
        assert breaker.state is State.CLOSED
    # outer ends at 6: 6 s > 5 s, a slow failure, trips
    assert breaker.state is State.OPEN


def test_exit_without_enter(clock) -> None:
    breaker = CircuitBreaker(clock=clock)
    with pytest.raises(RuntimeError):
        breaker.__exit__(None, None, None)


def test_async_with(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock)

    async def main():
        async with breaker as entered:
            assert entered is breaker
        with pytest.raises(Boom):
            async with breaker:
                raise Boom()
        with pytest.raises(CircuitBreakerError):
            async with breaker:
                pass  # pragma: no cover

    asyncio.run(main())
    m = breaker.metrics
    assert (m.successes, m.failures, m.rejected) == (1, 1, 1)


def test_async_with_is_per_task(clock) -> None:
    """Two tasks inside ``async with breaker`` at once, the first to enter exits first:
    each exit must settle its own task's call."""
    breaker = CircuitBreaker(1, 10, clock=clock, slow_call_duration=5)
    seen = {}

    async def main():
        a_in, b_in, a_done = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def a():
            async with breaker:  # starts at 0
                a_in.set()
                await b_in.wait()
                clock.advance(3)  # now 6: a took 6 s (slow), b so far 3 s
            seen["after a"] = breaker.state
            a_done.set()

        async def b():
            await a_in.wait()
            clock.advance(3)
            async with breaker:  # starts at 3
                b_in.set()
                await a_done.wait()

        await asyncio.wait_for(asyncio.gather(a(), b()), timeout=10)

    asyncio.run(main())
    # a's own call was slow: one failure trips it at once (threshold 1). Had a's exit
    # settled b's call (3 s, fast) the breaker would still be closed here.
    assert seen["after a"] is State.OPEN
    m = breaker.metrics
    assert (m.failures, m.successes) == (1, 1)


def test_with_is_per_thread(clock) -> None:
    breaker = CircuitBreaker(1, 10, clock=clock, slow_call_duration=5)
    a_in, b_in, a_done = threading.Event(), threading.Event(), threading.Event()
    errors = []
    seen = {}

    def a():
        try:
            with breaker:  # starts at 0
                a_in.set()
                assert b_in.wait(10)
                clock.advance(3)  # now 6
            seen["after a"] = breaker.state
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            a_done.set()

    def b():
        try:
            assert a_in.wait(10)
            clock.advance(3)
            with breaker:  # starts at 3
                b_in.set()
                assert a_done.wait(10)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert seen["after a"] is State.OPEN  # a's own 6 s call was slow
    m = breaker.metrics
    assert (m.failures, m.successes) == (1, 1)  # b's call: 3 s, a (stale) success


# -- two-step acquire / permit ---------------------------------------------------------------


def test_permit_success_failure_ignore(clock) -> None:
    breaker = CircuitBreaker(2, 10, clock=clock)
    p = breaker.acquire()
    assert isinstance(p, Permit)
    assert not p.reported
    p.success()
    assert p.reported
    breaker.acquire().ignore()
    breaker.acquire().failure(Boom())
    assert breaker.state is State.CLOSED
    breaker.acquire().failure()
    assert breaker.state is State.OPEN
    with pytest.raises(CircuitBreakerError):
        breaker.acquire()
    m = breaker.metrics
    assert (m.calls, m.successes, m.failures, m.ignored, m.rejected) == (5, 1, 2, 1, 1)


@pytest.mark.parametrize("first", ["success", "failure", "ignore"])
@pytest.mark.parametrize("second", ["success", "failure", "ignore"])
def test_permit_second_report_is_an_error(clock, first, second) -> None:
    breaker = CircuitBreaker(5, 10, clock=clock)
    permit = breaker.acquire()
    getattr(permit, first)()
    before = breaker.metrics
    with pytest.raises(RuntimeError):
        getattr(permit, second)()
    assert breaker.metrics == before  # the second report changed nothing


def test_permit_started_is_admission_time(clock) -> None:
    clock.set(42.5)
    breaker = CircuitBreaker(clock=clock)
    assert breaker.acquire().started == 42.5


def test_acquire_rejected_when_open(clock) -> None:
    breaker = opened(clock)
    with pytest.raises(CircuitBreakerError) as info:
        breaker.acquire()
    assert info.value.retry_after == 10.0


def test_unreported_permit_keeps_half_open_slot(clock) -> None:
    breaker = opened(clock)
    clock.advance(10)
    breaker.acquire()  # never reported
    with pytest.raises(CircuitBreakerError):
        breaker.acquire()


def test_circuit_breaker_error_pickles() -> None:
    import pickle

    from circuit_lab import State as S

    err = CircuitBreakerError("svc", S.OPEN, 1.5)
    back = pickle.loads(pickle.dumps(err))
    assert (back.name, back.state, back.retry_after) == ("svc", S.OPEN, 1.5)
    assert str(back) == str(err)
