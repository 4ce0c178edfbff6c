"""The discrete-event engine: virtual time, one event heap, the real breakers.

The :class:`Engine` owns the virtual clock, an event heap ordered by (time, sequence
number) and the run-time state of a :class:`Model` (services, clients, traffic). User
requests arrive from the traffic process; each attempt goes through the real
:class:`circuit_lab.CircuitBreaker` of its edge (``acquire()``, then exactly one of
``permit.success()`` / ``permit.failure(exc)`` / ``permit.ignore()`` when the outcome is
known), occupies a worker of the service (or waits in its queue), and is recorded in the
:class:`~circuit_lab.sim.timeline.Timeline` when its outcome is known. Services with a
downstream hold their worker while they call it, so a slow leaf ties up workers all the
way up the chain: cascades come from these mechanics, never from scripted outcomes.

Determinism: every random draw comes from one ``random.Random(seed)`` in event order,
and ties in time are broken by insertion order, so a seed fixes the whole run.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from heapq import heappop, heappush
from typing import Any

from circuit_lab import CircuitBreaker, CircuitBreakerError, FailureRate
from circuit_lab._validate import check_number, check_seconds
from circuit_lab.events import Event, State, StateChanged

from .client import Client
from .service import Service
from .timeline import STATE_CODES, Outcome, Timeline
from .traffic import Traffic

__all__ = [
    "BREAKER_SETTINGS",
    "Engine",
    "FaultChange",
    "Model",
    "ServiceError",
    "ServiceTimeout",
    "VirtualClock",
]

_SUCCESS = int(Outcome.SUCCESS)
_FAILURE = int(Outcome.FAILURE)
_TIMEOUT = int(Outcome.TIMEOUT)
_REJECTED = int(Outcome.REJECTED)
_IGNORED = int(Outcome.IGNORED)

# event kinds
_DONE = 0  # a worker finished its own work on an attempt
_TIMEOUT_EV = 1  # an attempt's client deadline
_FAST = 2  # an answer given without a worker (refused: outage "error" or full queue)
_RETRY = 3  # a client's backoff elapsed: issue the next attempt
_CONTROL = 4  # a scheduled change (fault start/end): obj is a callable(now)

BREAKER_SETTINGS: Mapping[str, Any] = {
    "failure_threshold": 5,
    "recovery_timeout": 10.0,
    "half_open_max_calls": 1,
    "success_threshold": 1,
    "policy": "consecutive",
    "failure_rate_threshold": 0.5,
    "window": 20,
    "window_seconds": 10.0,
    "minimum_calls": None,
    "slow_call_duration": None,
}
"""Default breaker settings. ``policy`` is ``"consecutive"`` (trip after
``failure_threshold`` consecutive failures), ``"rate"`` (trip when the failure rate over
the last ``window`` calls reaches ``failure_rate_threshold``) or ``"time"`` (the same
over the last ``window_seconds`` seconds). ``minimum_calls`` (None: the policy's
default) is how many calls a rate policy needs before it decides."""


class ServiceError(Exception):
    """The exception a simulated failure is reported with (``permit.failure(exc)``)."""


class ServiceTimeout(ServiceError):
    """The exception a simulated client timeout is reported with."""


_ERRORS: dict[int, ServiceError] = {
    _FAILURE: ServiceError("simulated failure"),
    _TIMEOUT: ServiceTimeout("simulated timeout"),
}


class VirtualClock:
    """The simulation's clock: ``clock()`` returns the virtual time in seconds. Only the
    engine moves it (by assigning :attr:`now`), always forwards."""

    __slots__ = ("now",)

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now!r})"


@dataclass(frozen=True)
class FaultChange:
    """A scheduled fault: from ``start`` to ``end`` (virtual s; ``None`` = until the
    run ends) apply fault ``kind`` to ``service`` (a name). ``kind`` and ``params``:

    - ``"outage"``: ``mode`` ``"error"`` (refused fast) or ``"hang"`` (never answered);
    - ``"error_rate"``: ``rate``, extra failure probability in [0, 1];
    - ``"latency"``: ``factor`` (work-time multiplier, > 0) and/or ``extra`` (seconds).
    """

    kind: str
    service: str
    start: float
    end: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Model:
    """Everything a run is built from: ``services`` (entry first; ``timeline`` indexes
    follow this order), the ``entry`` client users call it through, the ``traffic``,
    scheduled ``faults``, ``breaker`` settings (see :data:`BREAKER_SETTINGS`) and the
    ``duration`` (s) during which users send requests."""

    services: list[Service]
    entry: Client
    traffic: Traffic
    duration: float
    faults: list[FaultChange] = field(default_factory=list)
    breaker: dict[str, Any] = field(default_factory=lambda: dict(BREAKER_SETTINGS))


# An attempt is a plain list (cheaper to create than an object; the engine makes one
# per attempt). Layout, by index:
#   0 client   Client of the edge         6 deadline   t0 + client.timeout (s)
#   1 service  Service called             7 permit     breaker permit or None
#   2 request  user request id            8 code       breaker state code at admission
#   3 parent   attempt of the caller      9 done       outcome already reported?
#              (None for user requests)  10 tpushed    timeout event scheduled?
#   4 n        0 first try, 1.. retries  11 outcome    the service's answer (Outcome code)
#   5 t0       issue time (s)
_Attempt = list[Any]  # an attempt list; see the layout above


def make_breaker(
    settings: Mapping[str, Any], *, name: str, clock: Callable[[], float]
) -> CircuitBreaker:
    """Build a :class:`CircuitBreaker` from simulation settings (see
    :data:`BREAKER_SETTINGS`). Unknown keys raise ``ValueError``; bad values raise the
    core's ``ValueError``/``TypeError`` naming the parameter."""
    unknown = sorted(set(settings) - set(BREAKER_SETTINGS))
    if unknown:
        raise ValueError(
            f"unknown breaker setting {unknown[0]!r}; allowed: {sorted(BREAKER_SETTINGS)}"
        )
    s = {**BREAKER_SETTINGS, **settings}
    policy_name = s["policy"]
    if policy_name == "consecutive":
        policy = None
    elif policy_name == "rate":
        policy = FailureRate(
            s["failure_rate_threshold"], window=s["window"], minimum_calls=s["minimum_calls"]
        )
    elif policy_name == "time":
        policy = FailureRate(
            s["failure_rate_threshold"],
            window_seconds=s["window_seconds"],
            minimum_calls=s["minimum_calls"],
        )
    else:
        raise ValueError(
            f"policy must be 'consecutive', 'rate' or 'time', got {policy_name!r}"
        )
    return CircuitBreaker(
        s["failure_threshold"],
        s["recovery_timeout"],
        name=name,
        half_open_max_calls=s["half_open_max_calls"],
        success_threshold=s["success_threshold"],
        policy=policy,
        slow_call_duration=s["slow_call_duration"],
        clock=clock,
    )


class Engine:
    """Runs a :class:`Model` on virtual time from ``seed`` (see the module docstring).

    Attributes read by callers: ``timeline``, ``clock`` (virtual time in ``clock.now``),
    ``breakers`` (service name -> breaker, for edges that have one), ``requests`` (user
    requests issued), ``completed`` (user requests finished), ``fallbacks`` (user
    requests answered by the entry client's fallback), ``failed`` (user requests that
    finally failed). Raises ``ValueError`` for a malformed model (duplicate service
    names, a downstream service missing from ``services``).
    """

    def __init__(self, model: Model, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")
        self.model = model
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = VirtualClock(0.0)
        names = [s.name for s in model.services]
        self.timeline = Timeline(names, start=0.0, settings=dict(model.breaker))
        self.services: dict[str, Service] = {}
        for index, svc in enumerate(model.services):
            svc.index = index
            svc.reset_runtime()
            self.services[svc.name] = svc
        self.clients: list[Client] = [model.entry]
        for svc in model.services:
            if svc.downstream is not None:
                if svc.downstream.service.name not in self.services:
                    raise ValueError(
                        f"service {svc.name!r} calls {svc.downstream.service.name!r}, "
                        "which is not in services"
                    )
                self.clients.append(svc.downstream)
        if model.entry.service.name not in self.services:
            raise ValueError(f"entry service {model.entry.service.name!r} is not in services")
        self.codes = [0] * len(names)
        self.breakers: dict[str, CircuitBreaker] = {}
        self._edge_breaker: dict[int, CircuitBreaker | None] = {}
        self._listening: dict[str, Callable[[Event], None]] = {}
        self._build_breakers(model.breaker, keep_state=False)
        self.timeline.guarded = frozenset(self.breakers)
        self.heap: list[tuple[float, int, int, Any]] = []
        self.seq = itertools.count()
        self.requests = 0
        self.completed = 0
        self.fallbacks = 0
        self.failed = 0
        self.duration = model.duration
        self._next_arrival_fn = model.traffic.arrivals(self.rng, 0.0)
        self.next_arrival = self._next_arrival_fn()
        self._fault_windows: dict[tuple[str, str], int] = {}
        for fc in model.faults:
            self.schedule_fault(fc)
        peak = model.traffic.peak
        if peak is not None:
            entry = model.entry.service.name
            self._at(peak.start, lambda now: self._open_window("peak", entry, now, "peak"))
            self._at(peak.end, lambda now: self._close_window("peak", entry, now))

    # -- breakers -----------------------------------------------------------------------
    def _listener(self, name: str, index: int) -> Callable[[Event], None]:
        codes = self.codes
        transitions = self.timeline.transitions
        add = self.timeline.add_transition

        def on_event(ev: Event) -> None:
            if type(ev) is StateChanged:
                codes[index] = STATE_CODES[ev.new]
                if transitions and ev.at < transitions[-1].time:
                    add(ev.at, name, ev.old, ev.new, ev.reason)
                    tr = transitions.pop()
                    bisect.insort(transitions, tr, key=lambda x: x.time)
                else:
                    add(ev.at, name, ev.old, ev.new, ev.reason)

        return on_event

    def _build_breakers(self, settings: Mapping[str, Any], *, keep_state: bool) -> None:
        old = self.breakers
        new: dict[str, CircuitBreaker] = {}
        for client in self.clients:
            svc = client.service
            if not client.breaker:
                self._edge_breaker[id(client)] = None
                continue
            b = make_breaker(settings, name=svc.name, clock=self.clock)
            previous = old.get(svc.name)
            if keep_state and previous is not None:
                state = previous.state
                if state is State.OPEN:
                    b.open()
                elif state is State.HALF_OPEN:
                    b.half_open()
            if previous is not None:
                # calls still in flight report to the old breaker: it must no longer
                # write transitions into the timeline
                previous.remove_listener(self._listening[svc.name])
            listener = self._listener(svc.name, svc.index)
            b.add_listener(listener, calls=False)  # transitions only: keeps the fast path
            self._listening[svc.name] = listener
            new[svc.name] = b
            self._edge_breaker[id(client)] = b
            self.codes[svc.index] = STATE_CODES[b.state]
        self.breakers = new

    def configure_breakers(self, **settings: Any) -> None:
        """Replace every breaker with one built from the current settings updated by
        ``settings``. The new breakers keep the old ones' *state* (CLOSED, OPEN or
        HALF_OPEN) but not their counters; an OPEN breaker's recovery timeout restarts
        now. In-flight calls report to the old breakers (which are discarded)."""
        merged = {**self.timeline.settings, **settings}
        # Validate everything before touching anything.
        make_breaker(merged, name="check", clock=self.clock)
        self.timeline.settings = merged
        self._build_breakers(merged, keep_state=True)

    def set_traffic(self, traffic: Traffic) -> None:
        """Replace the arrival process from now on (the next arrival is drawn afresh
        from the current time; a pending one is dropped)."""
        if not isinstance(traffic, Traffic):
            raise TypeError(f"traffic must be a Traffic, got {traffic!r}")
        self.model.traffic = traffic
        self._next_arrival_fn = traffic.arrivals(self.rng, self.clock.now)
        self.next_arrival = self._next_arrival_fn()

    # -- scheduling ---------------------------------------------------------------------
    def _push(self, t: float, kind: int, obj: Any) -> None:
        heappush(self.heap, (t, next(self.seq), kind, obj))

    def _at(self, t: float, fn: Callable[[float], None]) -> None:
        """Run ``fn(now)`` at virtual time ``t``; a change due after the end of the
        traffic (``duration``) is dropped: it could only stretch the run past the last
        request (a fault still active then stays open, ``end is None``)."""
        if t > self.duration:
            return
        self._push(max(t, self.clock.now), _CONTROL, fn)

    def _open_window(self, kind: str, service: str, now: float, label: str) -> None:
        key = (kind, service)
        if key in self._fault_windows:
            self._close_window(kind, service, now)
        self._fault_windows[key] = self.timeline.open_fault(now, kind, service, label)

    def _close_window(self, kind: str, service: str, now: float) -> None:
        index = self._fault_windows.pop((kind, service), None)
        if index is not None:
            self.timeline.close_fault(index, now)

    def apply_fault(self, kind: str, service: str, now: float | None = None, **params: Any) -> None:
        """Start fault ``kind`` on ``service`` now (see :class:`FaultChange` for kinds
        and params). Raises ``ValueError`` for an unknown kind, service or param."""
        svc = self._service(service)
        at = self.clock.now if now is None else now
        if kind == "outage":
            _only(params, ("mode",), kind)
            mode = params.get("mode", "error")
            svc.outage = mode
            label = f"outage ({mode})"
        elif kind == "error_rate":
            _only(params, ("rate",), kind)
            svc.error_spike = params.get("rate", 0.5)
            label = f"error rate +{svc.error_spike:g}"
        elif kind == "latency":
            _only(params, ("factor", "extra"), kind)
            factor = check_number(
                "factor", params.get("factor", 1.0), minimum=0.0, min_inclusive=False
            )
            extra = check_seconds("extra", params.get("extra", 0.0))
            svc.slowdown = factor
            svc.extra_latency = extra
            label = f"latency x{svc.slowdown:g}" + (f" +{extra:g} s" if extra else "")
        else:
            raise ValueError(
                f"fault kind must be one of ['error_rate', 'latency', 'outage'], got {kind!r}"
            )
        self._open_window(kind, service, at, label)

    def clear_fault(self, kind: str, service: str, now: float | None = None) -> None:
        """End fault ``kind`` on ``service`` now (no-op if it is not active)."""
        svc = self._service(service)
        at = self.clock.now if now is None else now
        if kind == "outage":
            svc.outage = None
        elif kind == "error_rate":
            svc.error_spike = 0.0
        elif kind == "latency":
            svc.slowdown = 1.0
            svc.extra_latency = 0.0
        else:
            raise ValueError(
                f"fault kind must be one of ['error_rate', 'latency', 'outage'], got {kind!r}"
            )
        self._close_window(kind, service, at)

    def schedule_fault(self, fc: FaultChange) -> None:
        """Schedule ``fc`` (validated now: kind, service, params, start >= 0, end > start)."""
        self._service(fc.service)
        if fc.kind not in ("outage", "error_rate", "latency"):
            raise ValueError(
                f"fault kind must be one of ['error_rate', 'latency', 'outage'], got {fc.kind!r}"
            )
        if fc.start < 0 or (fc.end is not None and fc.end <= fc.start):
            raise ValueError(
                f"fault times must satisfy 0 <= start < end, got start={fc.start!r}, end={fc.end!r}"
            )
        params = dict(fc.params)
        _only(
            params,
            {"outage": ("mode",), "error_rate": ("rate",), "latency": ("factor", "extra")}[fc.kind],
            fc.kind,
        )
        self._at(fc.start, lambda now: self.apply_fault(fc.kind, fc.service, now, **params))
        if fc.end is not None:
            self._at(fc.end, lambda now: self.clear_fault(fc.kind, fc.service, now))

    def _service(self, name: str) -> Service:
        try:
            return self.services[name]
        except (KeyError, TypeError):
            raise ValueError(
                f"service must be one of {list(self.services)}, got {name!r}"
            ) from None

    # -- the run loop -------------------------------------------------------------------
    def run(self, until: float = math.inf, max_completed: int | None = None) -> float:
        """Process events in time order until virtual time ``until`` (events at exactly
        ``until`` included), until ``max_completed`` more user requests have finished,
        or until nothing is left to do. Users send requests only before ``duration``.
        Returns the virtual time reached (also ``timeline.end``).

        The common path (a user request reaching a free worker of a leaf service, and
        its answer) is inlined here for speed; everything else goes through the
        handler methods below, which implement the same rules."""
        stop = math.inf if max_completed is None else self.completed + max_completed
        heap = self.heap
        pop = heappop
        push = heappush
        seq = self.seq
        clock = self.clock
        duration = self.duration
        rnd = self.rng.random
        bits = self.rng.getrandbits
        tl = self.timeline
        t_app, s_app, o_app = tl.time.append, tl.service.append, tl.outcome.append
        l_app, st_app, r_app = tl.latency.append, tl.state.append, tl.request.append
        a_app, d_app = tl.attempt.append, tl.degraded.append
        entry = self.model.entry
        esvc = entry.service
        eidx = esvc.index
        etimeout = entry.timeout
        ebreaker = self._edge_breaker[id(entry)]
        codes = self.codes
        next_fn = self._next_arrival_fn
        na = self.next_arrival
        if na >= duration:
            na = math.inf
        while True:
            if heap and heap[0][0] <= na:
                t = heap[0][0]
                if t > until:
                    break
                _, _, kind, att = pop(heap)
                clock.now = t
                if kind == _DONE:
                    svc = att[1]
                    if svc._outage is not None or (
                        svc.downstream is not None and att[11] == _SUCCESS
                    ):
                        self._on_done(att, t)
                    else:
                        if not att[9]:
                            outcome = att[11]
                            if outcome == _SUCCESS and att[3] is None:
                                # a user request answered: record, report, done
                                att[9] = True
                                t0 = att[5]
                                t_app(t0)
                                s_app(svc.index)
                                o_app(_SUCCESS)
                                l_app(t - t0)
                                st_app(att[8])
                                r_app(att[2])
                                a_app(att[4])
                                d_app(0)
                                permit = att[7]
                                if permit is not None:
                                    permit.success()
                                self.completed += 1
                            else:
                                self._resolve(att, outcome, 0, t)
                        queue = svc.queue
                        if queue:
                            self._start(queue.popleft(), t)
                        else:
                            svc.busy -= 1
                elif kind == _TIMEOUT_EV:
                    if not att[9]:
                        self._resolve(att, _TIMEOUT, 0, t)
                elif kind == _FAST:
                    if not att[9]:
                        self._resolve(att, _FAILURE, 0, t)
                elif kind == _RETRY:
                    self._issue(att[0], att[2], att[3], att[4] + 1, t)
                else:
                    att(t)  # _CONTROL: a scheduled change
                if self.completed >= stop:
                    break
                continue
            if na > until or na == math.inf:
                break
            # a user request arrives
            clock.now = na
            rid = self.requests
            self.requests = rid + 1
            if esvc._outage is not None or esvc.busy >= esvc.workers:
                self._issue(entry, rid, None, 0, na)
            else:
                try:
                    permit = None if ebreaker is None else ebreaker.acquire()
                except CircuitBreakerError as exc:
                    self._reject(entry, rid, None, 0, na, exc)
                else:
                    esvc.busy += 1
                    # inlined _start for a fresh attempt
                    u = rnd()
                    done_at = na + esvc.lat_table[bits(12)]
                    deadline = na + etimeout
                    att = [
                        entry,
                        esvc,
                        rid,
                        None,
                        0,
                        na,
                        deadline,
                        permit,
                        codes[eidx],
                        False,
                        False,
                        _SUCCESS
                        if u >= esvc.ignore_cut
                        else (_FAILURE if u < esvc.fail_cut else _IGNORED),
                    ]
                    push(heap, (done_at, next(seq), _DONE, att))
                    if done_at > deadline or esvc.downstream is not None:
                        att[10] = True
                        push(heap, (deadline, next(seq), _TIMEOUT_EV, att))
            na = next_fn()
            if na >= duration:
                na = math.inf
            if self.completed >= stop:
                break
        self.next_arrival = na
        if until != math.inf and self.completed < stop and clock.now < until:
            clock.now = until
        tl.end = clock.now
        return clock.now

    # -- handlers -----------------------------------------------------------------------
    def _reject(
        self,
        client: Client,
        request: int,
        parent: _Attempt | None,
        n: int,
        now: float,
        exc: CircuitBreakerError,
    ) -> None:
        """The edge's breaker refused an attempt: record it; the call fails (no retry)."""
        tl = self.timeline
        tl.time.append(now)
        tl.service.append(client.service.index)
        tl.outcome.append(_REJECTED)
        tl.latency.append(0.0)
        tl.state.append(STATE_CODES[exc.state])
        tl.request.append(request)
        tl.attempt.append(n if n < 255 else 255)
        tl.degraded.append(0)
        self._finished(client, request, parent, False, 0, now)

    def _issue(
        self, client: Client, request: int, parent: _Attempt | None, n: int, now: float
    ) -> None:
        """Attempt number ``n`` of a call through ``client`` is issued at ``now``."""
        svc = client.service
        b = self._edge_breaker[id(client)]
        if b is not None:
            try:
                permit: Any = b.acquire()
            except CircuitBreakerError as exc:
                self._reject(client, request, parent, n, now, exc)
                return
            code = self.codes[svc.index]
        else:
            permit = None
            code = 0
        deadline = now + client.timeout
        att = [client, svc, request, parent, n, now, deadline, permit, code, False, False, 0]
        mode = svc._outage
        if mode is None:
            if svc.busy < svc.workers:
                svc.busy += 1
                self._start(att, now)
                return
            if len(svc.queue) < svc.queue_size:
                svc.queue.append(att)
                att[10] = True
                self._push(deadline, _TIMEOUT_EV, att)
                return
            # queue full: refused fast (overloaded)
        elif mode == "hang":
            att[10] = True
            self._push(deadline, _TIMEOUT_EV, att)
            return
        t = now + svc.error_latency
        if t <= deadline:
            self._push(t, _FAST, att)
        else:
            att[10] = True
            self._push(deadline, _TIMEOUT_EV, att)

    def _start(self, att: _Attempt, now: float) -> None:
        """A worker (already counted busy) starts on ``att``: draw its answer and work
        time, schedule the end of the work (and the client's timeout if needed)."""
        svc = att[1]
        u = self.rng.random()
        att[11] = _SUCCESS if u >= svc.ignore_cut else (_FAILURE if u < svc.fail_cut else _IGNORED)
        t = now + svc.lat_table[self.rng.getrandbits(12)]
        heappush(self.heap, (t, next(self.seq), _DONE, att))
        if not att[10] and (t > att[6] or svc.downstream is not None):
            att[10] = True
            heappush(self.heap, (att[6], next(self.seq), _TIMEOUT_EV, att))

    def _on_done(self, att: _Attempt, now: float) -> None:
        """A worker finished its own work on ``att``."""
        svc = att[1]
        mode = svc._outage
        if mode is not None:
            # The outage began while this request was being worked on: the answer is
            # lost ("hang": the client waits for its timeout) or an error ("error").
            if mode == "error":
                self._respond(att, _FAILURE, 0, now)
                return
            if not att[10]:
                att[10] = True
                self._push(att[6], _TIMEOUT_EV, att)
            self._respond(att, _TIMEOUT, 0, now, answer=False)
            return
        if svc.downstream is not None and att[11] == _SUCCESS:
            # own work done: now call downstream, holding the worker
            self._issue(svc.downstream, att[2], att, 0, now)
            return
        self._respond(att, att[11], 0, now)

    def _respond(
        self, att: _Attempt, outcome: int, degraded: int, now: float, answer: bool = True
    ) -> None:
        """``att``'s worker answers with ``outcome`` (unless ``answer`` is false) and
        is freed (taking the next queued request, if any)."""
        if answer and not att[9]:
            self._resolve(att, outcome, degraded, now)
        svc = att[1]
        if svc.queue:
            self._start(svc.queue.popleft(), now)
        else:
            svc.busy -= 1

    def _resolve(self, att: _Attempt, outcome: int, degraded: int, now: float) -> None:
        """The client learns ``att``'s outcome: record it, report it to the breaker,
        then retry, or finish the call."""
        att[9] = True
        n = att[4]
        tl = self.timeline
        tl.time.append(att[5])
        tl.service.append(att[1].index)
        tl.outcome.append(outcome)
        tl.latency.append(now - att[5])
        tl.state.append(att[8])
        tl.request.append(att[2])
        tl.attempt.append(n if n < 255 else 255)
        tl.degraded.append(degraded)
        permit = att[7]
        client: Client = att[0]
        if outcome == _SUCCESS:
            if permit is not None:
                permit.success()
            self._finished(client, att[2], att[3], True, degraded, now)
            return
        if permit is not None:
            if outcome == _IGNORED:
                permit.ignore()
            else:
                permit.failure(_ERRORS[outcome])
        if outcome != _IGNORED and n < client.retries:
            delay = client.backoff
            if delay:
                delay = client.retry_delay(n + 1, self.rng.random() if client.jitter else 0.0)
            heappush(self.heap, (now + delay, next(self.seq), _RETRY, att))
            return
        self._finished(client, att[2], att[3], False, 0, now)

    def _finished(
        self,
        client: Client,
        request: int,
        parent: _Attempt | None,
        ok: bool,
        degraded: int,
        now: float,
    ) -> None:
        """A client call is over (after any retries): tell the caller."""
        if not ok and client.fallback:
            ok = True
            degraded = 1
            if parent is None:
                self.fallbacks += 1
        if parent is None:
            self.completed += 1
            if not ok:
                self.failed += 1
            return
        self._respond(parent, _SUCCESS if ok else _FAILURE, degraded, now)

    def refresh_states(self) -> None:
        """Let every breaker make a due OPEN -> HALF_OPEN change now (so the timeline
        shows it even when no request has arrived since it became due)."""
        for b in self.breakers.values():
            _ = b.state

    @property
    def in_flight(self) -> int:
        """User requests issued but not finished yet."""
        return self.requests - self.completed


def _only(params: Mapping[str, Any], allowed: tuple[str, ...], kind: str) -> None:
    for key in params:
        if key not in allowed:
            raise ValueError(
                f"unknown parameter {key!r} for fault {kind!r}; allowed: {list(allowed)}"
            )
