"""Property test: the breaker against a small reference model of the state machine.

Hypothesis drives random sequences of admissions, outcome reports (in any order, late
ones included), clock advances and manual control, on a ManualClock; after every step
the breaker's state, transitions (with their time stamps), rejections, retry_after and
metrics must equal the model's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

from circuit_lab import CircuitBreaker, CircuitBreakerError, ManualClock, StateChanged


@dataclass
class Model:
    """The rules of the issue, written as plainly as possible."""

    threshold: int
    timeout: float
    max_trials: int
    trials_to_close: int
    backoff: float | None
    cap: float | None
    state: str = "closed"
    generation: int = 0
    failures_in_a_row: int = 0  # the policy's count (cleared when closing)
    consecutive_metric: int = 0  # metrics.consecutive_failures (cleared by success/reset)
    open_until: float = 0.0
    opened_at: float = 0.0
    trials: int = 0
    trial_successes: int = 0
    failed_trials: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict(successes=0, failures=0, ignored=0, rejected=0)
    )
    transitions: list[tuple[str, str, float]] = field(default_factory=list)

    def move(self, new: str, at: float) -> None:
        self.transitions.append((self.state, new, at))
        self.state = new
        self.generation += 1
        self.trials = 0
        self.trial_successes = 0
        if new == "closed":
            self.failures_in_a_row = 0
            self.failed_trials = 0

    def open(self, now: float, period: float) -> None:
        self.move("open", now)
        self.opened_at = now
        self.open_until = now + period

    def period(self) -> float:
        k = self.failed_trials
        if self.backoff is None or k == 0:
            return self.timeout
        period = self.timeout * self.backoff**k
        return period if self.cap is None else min(period, self.cap)

    def look(self, now: float) -> None:
        if self.state == "open" and now >= self.open_until:
            self.move("half_open", self.open_until)

    def acquire(self, now: float) -> tuple[int | None, float]:
        """(generation, 0.0) if admitted, else (None, retry_after)."""
        self.look(now)
        if self.state == "open":
            self.counts["rejected"] += 1
            return None, self.open_until - now
        if self.state == "half_open":
            if self.trials >= self.max_trials:
                self.counts["rejected"] += 1
                return None, 0.0
            self.trials += 1
        return self.generation, 0.0

    def report(self, generation: int, outcome: str, now: float) -> None:
        key = {"success": "successes", "failure": "failures", "ignore": "ignored"}[outcome]
        self.counts[key] += 1
        if generation != self.generation:
            return
        if outcome == "success":
            self.consecutive_metric = 0
            if self.state == "closed":
                self.failures_in_a_row = 0
            else:
                self.trials -= 1
                self.trial_successes += 1
                if self.trial_successes >= self.trials_to_close:
                    self.move("closed", now)
        elif outcome == "failure":
            self.consecutive_metric += 1
            if self.state == "closed":
                self.failures_in_a_row += 1
                if self.failures_in_a_row >= self.threshold:
                    self.open(now, self.timeout)
            else:
                self.failed_trials += 1
                self.open(now, self.period())
        elif self.state == "half_open":
            self.trials -= 1


class BreakerMatchesModel(RuleBasedStateMachine):
    permits = Bundle("permits")

    @initialize(
        threshold=st.integers(1, 4),
        timeout=st.sampled_from([0.0, 1.0, 2.5, 10.0]),
        max_trials=st.integers(1, 3),
        trials_to_close=st.integers(1, 3),
        backoff=st.sampled_from([None, 1.0, 2.0, 3.0]),
        cap=st.sampled_from([None, 30.0]),
    )
    def start(self, threshold, timeout, max_trials, trials_to_close, backoff, cap):
        if cap is not None and cap < timeout:
            cap = None
        self.clock = ManualClock()
        self.events: list[StateChanged] = []
        self.breaker = CircuitBreaker(
            failure_threshold=threshold,
            recovery_timeout=timeout,
            half_open_max_calls=max_trials,
            success_threshold=trials_to_close,
            backoff=backoff,
            max_recovery_timeout=cap,
            clock=self.clock,
            listeners=[self.record],
        )
        self.model = Model(threshold, timeout, max_trials, trials_to_close, backoff, cap)

    def record(self, event: object) -> None:
        if isinstance(event, StateChanged):
            self.events.append(event)

    @rule(target=permits)
    def acquire(self):
        now = self.clock()
        generation, retry_after = self.model.acquire(now)
        try:
            permit = self.breaker.acquire()
        except CircuitBreakerError as error:
            assert generation is None, "breaker rejected a call the model admits"
            assert error.retry_after == retry_after
            assert error.state.value == self.model.state
            return None
        assert generation is not None, "breaker admitted a call the model rejects"
        return (permit, generation)

    @rule(entry=consumes(permits), outcome=st.sampled_from(["success", "failure", "ignore"]))
    def report(self, entry, outcome):
        if entry is None:
            return
        permit, generation = entry
        self.model.report(generation, outcome, self.clock())
        getattr(permit, outcome)()

    @rule(seconds=st.sampled_from([0.0, 0.5, 1.0, 2.5, 7.0, 40.0]))
    def advance(self, seconds):
        self.clock.advance(seconds)

    @rule(action=st.sampled_from(["open", "close", "half_open", "reset"]))
    def manual(self, action):
        now = self.clock()
        model = self.model
        model.look(now)
        if action == "open":
            model.open(now, model.timeout)
        elif action == "close" and model.state != "closed":
            model.move("closed", now)
        elif action == "half_open" and model.state != "half_open":
            model.move("half_open", now)
        elif action == "reset":
            if model.state != "closed":
                model.move("closed", now)
            model.failures_in_a_row = model.consecutive_metric = model.failed_trials = 0
        getattr(self.breaker, action)()

    @invariant()
    def same_state_transitions_and_counts(self):
        now = self.clock()
        self.model.look(now)
        assert self.breaker.state.value == self.model.state
        seen = [(e.old.value, e.new.value, e.at) for e in self.events]
        assert seen == self.model.transitions
        metrics = self.breaker.metrics
        counts = self.model.counts
        assert metrics.successes == counts["successes"]
        assert metrics.failures == counts["failures"]
        assert metrics.ignored == counts["ignored"]
        assert metrics.rejected == counts["rejected"]
        assert metrics.calls == sum(counts.values())
        assert metrics.consecutive_failures == self.model.consecutive_metric
        expected_wait = self.model.open_until - now if self.model.state == "open" else 0.0
        assert self.breaker.retry_after == expected_wait


BreakerMatchesModel.TestCase.settings = settings(
    max_examples=300, stateful_step_count=60, deadline=None
)
TestBreakerMatchesModel = BreakerMatchesModel.TestCase
