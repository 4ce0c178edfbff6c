"""The state-machine explorer for the first lesson: drive one real breaker by hand.

>>> from circuit_lab.widgets import StateMachineExplorer
>>> ex = StateMachineExplorer(failure_threshold=3, recovery_timeout=5.0)
>>> for _ in range(3):
...     ex.fail_button.click()
>>> ex.breaker.state.value
'open'

"call succeeds" / "call fails" ask the breaker for a permit (``acquire()``) and report
the call's outcome; while OPEN the call is rejected instead (and logged with its
``retry_after``). "wait 1 s" advances the :class:`~circuit_lab.ManualClock` by one
second: the breaker notices the recovery timeout on its own (OPEN → HALF-OPEN).
"reset breaker" calls ``breaker.reset()``; the clock keeps running.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]

from circuit_lab import CircuitBreaker, CircuitBreakerError, ManualClock, State
from circuit_lab.events import CallFailed, CallRejected, CallSucceeded, Event, StateChanged
from circuit_lab.viz import StateDiagram

from ._common import (
    STATE_TEXT,
    CanvasMode,
    ErrorArea,
    FigureView,
    esc,
    guarded,
    pyplot_is_ipympl,
    resolve_mode,
)

__all__ = ["ExplorerCallFailed", "StateMachineExplorer"]

LOG_LINES = 10


class ExplorerCallFailed(Exception):
    """The exception a "call fails" click reports to the breaker."""


class StateMachineExplorer(widgets.VBox):  # type: ignore[misc]
    """A real :class:`~circuit_lab.CircuitBreaker` on a :class:`~circuit_lab.ManualClock`
    with buttons "call succeeds", "call fails", "wait 1 s" and "reset breaker", the
    state diagram, a status line and an event log.

    ``failure_threshold`` and ``recovery_timeout`` (seconds) and any other
    ``CircuitBreaker`` keyword (not ``clock``) configure the breaker; bad values raise
    at construction. ``canvas`` as for :class:`~circuit_lab.widgets.Playground`.
    Attributes: :attr:`breaker`, :attr:`clock`, :attr:`success_button`,
    :attr:`fail_button`, :attr:`wait_button`, :attr:`reset_button`, :attr:`diagram`,
    :attr:`status`, :attr:`event_log`, :attr:`error`, :attr:`events` (every event received).
    """

    def __init__(
        self,
        failure_threshold: int = 3,
        recovery_timeout: float = 5.0,
        *,
        canvas: CanvasMode = "auto",
        **breaker_options: Any,
    ) -> None:
        if "clock" in breaker_options:
            raise TypeError("the explorer brings its own ManualClock; do not pass clock")
        mode = resolve_mode(canvas)
        self.clock = ManualClock(start=0.0)
        self.events: list[Event] = []
        self._lines: deque[tuple[float, str]] = deque(maxlen=LOG_LINES)
        breaker_options.setdefault("name", "explorer")
        self.breaker = CircuitBreaker(
            failure_threshold, recovery_timeout, clock=self.clock, **breaker_options
        )
        self.breaker.add_listener(self._on_event)
        self.error = ErrorArea()
        self.diagram = StateDiagram(
            self.breaker.state,
            failure_threshold=self.breaker.failure_threshold,
            recovery_timeout=self.breaker.recovery_timeout,
            success_threshold=self.breaker.success_threshold,
            policy=breaker_options.get("policy"),
            figsize=(4.0, 2.7),
            live=mode == "ipympl" and pyplot_is_ipympl(),
        )
        self._view = FigureView(
            self.diagram, mode, "The three states and the rule on each arrow; the current "
            "state is outlined (and named in the status text).",
        )
        self.success_button = widgets.Button(
            description="call succeeds", icon="check", button_style="success",
            tooltip="Make one call through the breaker that succeeds (rejected while OPEN)",
        )
        self.fail_button = widgets.Button(
            description="call fails", icon="times", button_style="danger",
            tooltip="Make one call through the breaker that fails (rejected while OPEN)",
        )
        self.wait_button = widgets.Button(
            description="wait 1 s", icon="clock-o",
            tooltip="Advance the breaker's manual clock by 1 second",
        )
        self.reset_button = widgets.Button(
            description="reset breaker", icon="undo",
            tooltip="breaker.reset(): back to CLOSED with cleared counters (the clock "
            "keeps its time)",
        )
        self.success_button.on_click(guarded(self.error, "call succeeds")(
            lambda _b: self.call(True)))
        self.fail_button.on_click(guarded(self.error, "call fails")(
            lambda _b: self.call(False)))
        self.wait_button.on_click(guarded(self.error, "wait 1 s")(lambda _b: self.wait(1.0)))
        self.reset_button.on_click(guarded(self.error, "reset breaker")(
            lambda _b: self.reset()))
        self.status = widgets.HTML()
        self.event_log = widgets.HTML()
        buttons = widgets.HBox(
            [self.success_button, self.fail_button, self.wait_button, self.reset_button],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        side = widgets.VBox([self.status, self.event_log], layout=widgets.Layout(flex="1 1 280px"))
        super().__init__([
            buttons,
            widgets.HBox([self._view.box, side], layout=widgets.Layout(flex_flow="row wrap")),
            self.error,
        ])
        self.redraw()

    # ------------------------------------------------------------------------ actions
    def call(self, succeeds: bool) -> bool:
        """One call through the breaker that succeeds or fails; returns whether it was
        admitted (``False``: rejected, logged with ``retry_after``)."""
        try:
            permit = self.breaker.acquire()
        except CircuitBreakerError as exc:
            self._line(f"call rejected ({STATE_TEXT[exc.state]}), retry after "
                       f"{exc.retry_after:.1f} s")
            self.redraw()
            return False
        if succeeds:
            permit.success()
        else:
            permit.failure(ExplorerCallFailed("simulated failure"))
        self.redraw()
        return True

    def wait(self, seconds: float = 1.0) -> None:
        """Advance the manual clock by ``seconds``; the breaker applies a due
        OPEN → HALF-OPEN change when its state is read."""
        self.clock.advance(seconds)
        self._line(f"waited {seconds:g} s")
        self.redraw()

    def reset(self) -> None:
        """``breaker.reset()``: CLOSED, counters cleared."""
        self.breaker.reset()
        self._line("you reset the breaker")
        self.redraw()

    # ------------------------------------------------------------------------ display
    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, StateChanged):
            self._line(f"{STATE_TEXT[event.old]} → {STATE_TEXT[event.new]}: {event.reason}",
                       at=event.at)
        elif isinstance(event, CallSucceeded):
            self._line("call succeeded")
        elif isinstance(event, CallFailed):
            self._line("call failed")
        elif isinstance(event, CallRejected):
            pass  # logged by call() with its retry_after

    def _line(self, text: str, at: float | None = None) -> None:
        self._lines.append((self.clock() if at is None else at, text))

    def redraw(self) -> None:
        """Update the diagram (when the state changed), status and event log."""
        b = self.breaker
        state = b.state  # reading it applies a due OPEN -> HALF_OPEN change
        if self.diagram.current != state.value or self._view.frames == 0:
            self.diagram.update(state)
            self._view.refresh()
        m = b.metrics
        lines = [
            f"<b>state: {STATE_TEXT[state]}</b> &nbsp; clock: {self.clock():g} s",
            esc(f"consecutive failures: {m.consecutive_failures} of {b.failure_threshold}"),
            esc(f"retry_after: {b.retry_after:.1f} s"),
            esc(f"calls: {m.calls} ({m.successes} ok, {m.failures} failed, "
                f"{m.rejected} rejected)"),
        ]
        if state is State.HALF_OPEN:
            lines.append(esc(f"half-open: {b.success_threshold} trial success(es) close "
                             "it, one failure opens it again"))
        self.status.value = ("<div style='font-size:12px;line-height:1.5'>"
                             + "<br>".join(lines) + "</div>")
        items = "".join(
            f"<li><code>{t:6.1f} s</code> {esc(text)}</li>" for t, text in reversed(self._lines)
        ) or "<li>nothing yet: make a call</li>"
        self.event_log.value = ("<div style='font-size:12px'><b>event log</b> (newest first)"
                          f"<ul style='margin:2px 0;padding-left:18px'>{items}</ul></div>")
