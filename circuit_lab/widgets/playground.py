"""The playground: a seeded scenario, its live breaker and chart, and every knob.

>>> from circuit_lab.widgets import Playground
>>> pg = Playground("outage", seed=0)      # in a notebook cell, `pg` alone shows it
>>> pg.step_button.click()                 # one step = 1 s of virtual time
>>> pg.controls["failure_threshold"].value = 3   # applies to the live breaker now

What each control does (also written in the widget's note line):

- **Step** advances the simulation by :data:`STEP_SECONDS` (1 s) of virtual time and
  redraws. **Run** starts an asyncio task on the kernel's running loop that advances
  ``speed / FPS`` virtual seconds per frame at :data:`FPS` frames per second until
  **Stop** (the same button) or the end of the scenario.
- **Breaker sliders and the policy** apply to the *live* breaker at the current virtual
  time (``Simulation.set_breaker``): it keeps its state (CLOSED, OPEN or HALF-OPEN), its
  counters start again from zero, and an OPEN breaker's recovery timeout restarts now.
  Nothing is replayed; the event log records the change.
- **Fault controls** (outage, extra error rate, slowdown) start or end the fault on the
  service now. The scenario's own scheduled faults move these controls too, so they
  always show what is in force.
- **Traffic, traffic peak and seed** shape the whole run: changing one restarts the
  scenario from t = 0, like **Reset**, which rebuilds the seeded scenario with the
  current breaker settings and traffic; live fault injections are forgotten (the fault
  controls return to the scenario's schedule).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]

from circuit_lab import State
from circuit_lab.sim import BREAKER_SETTINGS, Model, Peak, Simulation, Traffic, parameters
from circuit_lab.sim.scenarios import build_model
from circuit_lab.viz import StateDiagram, TimelineChart

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

__all__ = ["FPS", "STEP_SECONDS", "TRAFFIC", "Playground"]

STEP_SECONDS = 1.0
"""Virtual seconds one click of Step advances."""

FPS = 20.0
"""Frames per second Run aims for (each frame advances ``speed / FPS`` virtual s)."""

LOG_LINES = 8
"""Entries shown in the event log (newest first)."""

TRAFFIC: dict[str, tuple[str, dict[str, Any]]] = {
    "random": ("random arrivals (Poisson)", {"arrival": "poisson", "burst_every": 0.0}),
    "even": ("evenly spaced arrivals", {"arrival": "steady", "burst_every": 0.0}),
    "bursts": ("random + a burst every 10 s", {"arrival": "poisson", "burst_every": 10.0}),
}
"""Traffic dropdown: value -> (label, scenario parameters it sets)."""

_PEAK = {"factor": 5.0, "ramp_up": 10.0, "hold": 20.0, "ramp_down": 10.0}
"""The traffic peak added to scenarios without one: starts at 25% of the duration."""

NOTE = (
    "<b>Step</b> = {step:g} s of virtual time. <b>Run</b> plays {speed} virtual s per "
    "real second until <b>Stop</b>. <b>Breaker settings apply to the live breaker "
    "now</b>: it keeps its state, its counters restart (an OPEN breaker's recovery "
    "timeout restarts too); nothing is replayed. <b>Faults</b> start or stop now. "
    "<b>Traffic, peak and seed restart from t = 0</b>, like <b>Reset</b> (which keeps "
    "your settings and forgets injected faults)."
)

_TIME_WINDOW = "window_seconds" in BREAKER_SETTINGS  # the simulator's "time" policy
_BREAKER_KEYS: tuple[str, ...] = (
    "failure_threshold",
    "recovery_timeout",
    "half_open_max_calls",
    "success_threshold",
    "policy",
    "window",
    *(("window_seconds",) if _TIME_WINDOW else ()),
    "failure_rate_threshold",
)
_FAULT_KEYS = ("outage", "error_rate", "latency")
_RESTART_KEYS = ("traffic", "peak", "seed")

POLICIES: list[tuple[str, str]] = [
    ("consecutive failures", "consecutive"),
    ("failure rate, last N calls (count window)", "rate"),
    *([("failure rate, last T seconds (time window)", "time")] if _TIME_WINDOW else []),
]
"""Policy dropdown options the simulator supports (label, ``policy`` setting)."""

def _slider(
    kind: type[widgets.IntSlider] | type[widgets.FloatSlider],
    value: float,
    lo: float,
    hi: float,
    step: float,
    description: str,
    tooltip: str,
    **extra: Any,
) -> Any:
    """A slider whose range always contains ``value``."""
    return kind(
        value=value,
        min=min(lo, value),
        max=max(hi, value),
        step=step,
        description=description,
        tooltip=tooltip,
        continuous_update=False,
        style={"description_width": "initial"},
        **extra,
    )


class Playground(widgets.VBox):  # type: ignore[misc]
    """A live, seeded scenario with sliders, fault controls and Step/Run/Reset.

    ``scenario``: a name from :data:`circuit_lab.sim.SCENARIOS`; ``seed``: int;
    ``settings``: scenario parameters (see :func:`circuit_lab.sim.parameters`), which
    include the breaker settings the sliders start from (``error_rate`` and
    ``latency`` here are the service's *baseline*; the ``error_rate`` and ``latency``
    controls inject extra faults on top). ``speed``: virtual seconds Run plays per real
    second. ``canvas``: ``"auto"`` (an ipympl canvas in a kernel with ipympl, else a PNG
    image), ``"ipympl"`` or ``"image"``. Bad arguments raise at construction; errors in
    callbacks are shown in :attr:`error` (see the module docstring for what each
    control does).

    Attributes: :attr:`controls` (name -> widget), :attr:`step_button`,
    :attr:`run_button`, :attr:`reset_button`, :attr:`simulation`, :attr:`chart`,
    :attr:`diagram`, :attr:`status`, :attr:`event_log`, :attr:`note`, :attr:`error`,
    :attr:`task` (the Run task while running), :attr:`last_task` (the latest one).
    """

    def __init__(
        self,
        scenario: str = "outage",
        seed: int = 0,
        *,
        speed: float = 5.0,
        canvas: CanvasMode = "auto",
        **settings: Any,
    ) -> None:
        defaults = parameters(scenario)  # ValueError for an unknown scenario
        build_model(scenario, **settings)  # validate every setting now, loudly
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")
        mode = resolve_mode(canvas)
        self.scenario = scenario
        params = {**defaults, **settings}
        self._accepts = set(defaults)
        self._base = {
            k: v
            for k, v in settings.items()
            if k not in BREAKER_SETTINGS and k not in ("arrival", "burst_every")
        }
        self._burst_every = float(params.get("burst_every", 0.0)) or 10.0
        self._actions: list[tuple[float, str]] = []
        self._syncing = False
        self._shown_settings: dict[str, Any] = {}
        self.task: asyncio.Task[None] | None = None
        self.last_task: asyncio.Task[None] | None = None
        self.error = ErrorArea()

        self.controls: dict[str, widgets.ValueWidget] = self._build_controls(
            params, seed, speed, scenario
        )
        # The model factory reads the controls, so Reset always uses current settings.
        factory: Callable[[], Model] = self._model
        self.simulation = Simulation(factory, seed=seed)
        self.simulation.scenario = scenario

        live = mode == "ipympl" and pyplot_is_ipympl()
        self.chart = TimelineChart(
            self.simulation.timeline,
            service=self._service,
            window=self.simulation.duration,
            title=f"scenario '{scenario}'",
            figsize=(6.8, 3.7),
            live=live,
        )
        self._chart_view = FigureView(
            self.chart, mode, "Chart: the breaker's state band (CLOSED / OPEN / HALF-OPEN), "
            "requests per second by outcome, and the rolling failure rate against the trip "
            "threshold, over virtual time (s).",
        )
        self.diagram = StateDiagram(
            self._breaker_state(), settings=self.simulation.timeline.settings,
            figsize=(3.0, 2.05), live=live,
        )
        self._diagram_view = FigureView(
            self.diagram, mode, "The three states and the rule on each arrow; the current "
            "state is outlined (and named in the status text)."
        )
        self._diagram_settings: dict[str, Any] = dict(self.simulation.timeline.settings)

        self.step_button = widgets.Button(
            description="Step",
            icon="step-forward",
            tooltip=f"Advance the simulation by one step = {STEP_SECONDS:g} s of virtual "
            "time, then redraw",
        )
        self.run_button = widgets.Button(
            description="Run",
            icon="play",
            button_style="success",
            tooltip="Run: keep stepping and redrawing (about "
            f"{FPS:g} frames per second) until you press Stop",
        )
        self.reset_button = widgets.Button(
            description="Reset",
            icon="undo",
            tooltip="Restart the seeded scenario from t = 0 with the current settings "
            "(injected faults are forgotten)",
        )
        self.step_button.on_click(guarded(self.error, "Step")(self._on_step))
        self.run_button.on_click(guarded(self.error, "Run")(self._on_run))
        self.reset_button.on_click(guarded(self.error, "Reset")(self._on_reset))
        for key, control in self.controls.items():
            handler = self._handler(key)
            control.observe(guarded(self.error, f"setting {key}")(handler), names="value")

        self.note = widgets.HTML(
            NOTE.format(step=STEP_SECONDS, speed="<i>speed</i>"),
            layout=widgets.Layout(margin="0 0 4px 0"),
        )
        self.status = widgets.HTML()
        self.event_log = widgets.HTML()
        self.frames = 0
        super().__init__(self._layout())
        self._sync_faults()
        self.redraw()

    # ------------------------------------------------------------------ construction
    def _build_controls(
        self, p: Mapping[str, Any], seed: int, speed: float, scenario: str
    ) -> dict[str, widgets.ValueWidget]:
        has_peak = scenario == "peak_traffic"
        traffic = "bursts" if p.get("burst_every", 0.0) else (
            "even" if p.get("arrival") == "steady" else "random"
        )
        traffic_options = [
            (label, key)
            for key, (label, sets) in TRAFFIC.items()
            if all(name in self._accepts for name, value in sets.items() if value)
        ]
        policies = list(POLICIES)
        if p["policy"] not in [v for _, v in policies]:
            policies.append((str(p["policy"]), p["policy"]))
        c: dict[str, Any] = {
            "failure_threshold": _slider(
                widgets.IntSlider, p["failure_threshold"], 1, 20, 1, "failure threshold",
                "Consecutive failures that trip the breaker CLOSED → OPEN "
                "(consecutive-failures policy). Applies to the live breaker now.",
            ),
            "recovery_timeout": _slider(
                widgets.FloatSlider, p["recovery_timeout"], 0.5, 60.0, 0.5,
                "recovery timeout (s)",
                "Virtual seconds the breaker stays OPEN before it lets trial calls "
                "through (HALF-OPEN). Applies now; an OPEN breaker's timeout restarts.",
                readout_format=".1f",
            ),
            "half_open_max_calls": _slider(
                widgets.IntSlider, p["half_open_max_calls"], 1, 10, 1, "half-open trials",
                "Trial calls allowed at the same time while HALF-OPEN; others are "
                "rejected. Applies to the live breaker now.",
            ),
            "success_threshold": _slider(
                widgets.IntSlider, p["success_threshold"], 1, 10, 1, "success threshold",
                "Successful trial calls needed to close the breaker HALF-OPEN → "
                "CLOSED. Applies to the live breaker now.",
            ),
            "policy": widgets.Dropdown(
                options=policies, value=p["policy"], description="trip policy",
                tooltip="When to trip: after N consecutive failures, or when the failure "
                "rate over a window (the last N calls, or the last T seconds) reaches the "
                "threshold. Applies now.",
                style={"description_width": "initial"},
            ),
            "window": _slider(
                widgets.IntSlider, p["window"], 2, 200, 1, "rate window (calls)",
                "Calls the failure-rate policy looks at (it decides only once the window "
                "is full). Applies to the live breaker now.",
            ),
            **({"window_seconds": _slider(
                widgets.FloatSlider, p["window_seconds"], 1.0, 60.0, 1.0,
                "rate window (s)",
                "Seconds of calls the time-window failure-rate policy looks at. Applies "
                "to the live breaker now.",
                readout_format=".0f",
            )} if _TIME_WINDOW else {}),
            "failure_rate_threshold": _slider(
                widgets.FloatSlider, p["failure_rate_threshold"], 0.05, 1.0, 0.05,
                "rate threshold",
                "Failure rate (share of the window's calls) that trips the breaker under "
                "the failure-rate policy. Applies to the live breaker now.",
                readout_format=".0%",
            ),
            "outage": widgets.ToggleButton(
                value=False, description="outage", icon="plug",
                tooltip="Take the service down now (every call fails fast) or bring it "
                "back. The scenario's scheduled outage also switches this.",
            ),
            "error_rate": _slider(
                widgets.FloatSlider, 0.0, 0.0, 1.0, 0.05, "extra errors",
                "Extra probability that a call fails, starting now (0 = no fault). "
                "Scheduled error spikes move this slider too.",
                readout_format=".0%",
            ),
            "latency": _slider(
                widgets.FloatSlider, 1.0, 1.0, 50.0, 1.0, "slowdown ×",
                "Latency spike: the service's work takes this many times longer, "
                "starting now (1 = normal). Slow calls may time out.",
                readout_format=".0f",
            ),
            "peak": widgets.Checkbox(
                value=has_peak, description="traffic peak",
                tooltip="A peak-traffic event: load ramps up to 5× and back "
                "(restarts the scenario from t = 0).",
                indent=False,
            ),
            "traffic": widgets.Dropdown(
                options=traffic_options, value=traffic, description="traffic",
                tooltip="How requests arrive (restarts the scenario from t = 0).",
                style={"description_width": "initial"},
            ),
            "seed": widgets.BoundedIntText(
                value=seed, min=0, max=2**31 - 1, description="seed",
                tooltip="Random seed: the same seed replays the same run (restarts the "
                "scenario from t = 0).",
                style={"description_width": "initial"},
                layout=widgets.Layout(width="160px"),
            ),
            "speed": _slider(
                widgets.FloatSlider, speed, 0.5, 30.0, 0.5, "speed",
                "Run speed: virtual seconds played per real second.",
                readout_format=".1f",
            ),
        }
        return c

    def _layout(self) -> list[widgets.Widget]:
        c = self.controls
        buttons = widgets.HBox(
            [self.step_button, self.run_button, self.reset_button, c["speed"]],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
        )
        # Beside the chart when the cell is wide enough, else below it (then the
        # diagram and the texts sit side by side).
        texts = widgets.VBox(
            [self.status, self.event_log], layout=widgets.Layout(flex="1 1 280px")
        )
        side = widgets.HBox(
            [self._diagram_view.box, texts],
            layout=widgets.Layout(flex="1 1 300px", flex_flow="row wrap", min_width="300px"),
        )
        display = widgets.HBox(
            [self._chart_view.box, side], layout=widgets.Layout(flex_flow="row wrap")
        )

        def column(title: str, keys: tuple[str, ...]) -> widgets.VBox:
            return widgets.VBox(
                [widgets.HTML(f"<b>{title}</b>"), *(c[k] for k in keys)],
                layout=widgets.Layout(margin="0 12px 0 0"),
            )

        knobs = widgets.HBox(
            [
                column("Breaker (applies live)", _BREAKER_KEYS),
                column("Faults (start/stop now)", _FAULT_KEYS),
                column("Run (restarts from t = 0)", ("traffic", "peak", "seed")),
            ],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        return [self.note, buttons, display, knobs, self.error]

    def _model(self) -> Model:
        """A fresh model of the scenario from the current controls (Reset uses it)."""
        c = self.controls
        params = dict(self._base)
        params.update({k: c[k].value for k in _BREAKER_KEYS})
        traffic = dict(TRAFFIC[c["traffic"].value][1])
        if traffic.get("burst_every"):
            traffic["burst_every"] = self._burst_every
        params.update({k: v for k, v in traffic.items() if k in self._accepts})
        model = build_model(self.scenario, **params)
        want_peak = bool(c["peak"].value)
        t = model.traffic
        if want_peak != (t.peak is not None):
            peak = Peak(start=0.25 * model.duration, **_PEAK) if want_peak else None
            model.traffic = Traffic(t.rate, arrival=t.arrival, peak=peak, bursts=t.bursts)
        return model

    # ------------------------------------------------------------------------ reading
    @property
    def _service(self) -> str:
        """The service whose breaker is shown: the one the fault controls act on (the
        last of the chain) if a breaker guards it, else the first guarded one."""
        sim: Simulation | None = getattr(self, "simulation", None)
        if sim is None:
            return ""
        target = str(sim.timeline.services[-1])
        names = list(sim.breakers)
        if target in names:
            return target
        return names[0] if names else str(sim.timeline.services[0])

    def _breaker_state(self) -> State:
        breaker = self.simulation.breakers.get(self._service)
        return breaker.state if breaker is not None else State.CLOSED

    @property
    def running(self) -> bool:
        """Whether the Run task is active."""
        return self.task is not None and not self.task.done()

    # ------------------------------------------------------------------------ actions
    def step(self, seconds: float = STEP_SECONDS) -> None:
        """Advance ``seconds`` of virtual time (default: one step) and redraw."""
        self.simulation.advance(seconds)
        self._sync_faults()
        self.redraw()

    def reset(self) -> None:
        """Restart the seeded scenario from t = 0 with the current controls (injected
        faults are forgotten) and redraw. A running Run keeps running."""
        self.simulation.reset(seed=int(self.controls["seed"].value))
        self._actions.clear()
        self._sync_faults()
        self.redraw()

    def _on_step(self, _button: widgets.Button) -> None:
        self.step()

    def _on_reset(self, _button: widgets.Button) -> None:
        self.reset()

    def _on_run(self, _button: widgets.Button) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self) -> asyncio.Task[None]:
        """Start the Run task on the running asyncio loop (the kernel's) and return it.
        Raises ``RuntimeError`` when no loop is running (use :meth:`step` instead)."""
        if self.running:
            assert self.task is not None
            return self.task
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "Run needs a running asyncio event loop (a Jupyter kernel has one); "
                "outside a kernel use Step or pg.step()"
            ) from None
        self.task = self.last_task = loop.create_task(self._run_loop())
        self._set_run_label(True)
        return self.task

    def stop(self) -> None:
        """Stop Run: cancel its task (it ends at its next await; :attr:`last_task`
        keeps it so it can be awaited) and set the button back to "Run"."""
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
        self._set_run_label(False)

    def _set_run_label(self, running: bool) -> None:
        b = self.run_button
        b.description = "Stop" if running else "Run"
        b.icon = "stop" if running else "play"
        b.button_style = "warning" if running else "success"
        b.tooltip = (
            "Stop the run" if running else
            f"Run: keep stepping and redrawing (about {FPS:g} frames per second) until "
            "you press Stop"
        )

    async def _run_loop(self) -> None:
        loop = asyncio.get_running_loop()
        interval = 1.0 / FPS
        try:
            while not self.simulation.done:
                started = loop.time()
                self.step(float(self.controls["speed"].value) / FPS)
                self.frames += 1
                await asyncio.sleep(max(0.0, interval - (loop.time() - started)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.error.show("Run", exc)
        finally:
            if self.task is not None and self.task is asyncio.current_task():
                self.task = None  # ended by itself (scenario over or an error)
                self._set_run_label(False)

    # ----------------------------------------------------------------------- controls
    def _handler(self, key: str) -> Callable[[dict[str, Any]], None]:
        if key in _BREAKER_KEYS:
            return lambda change: self._set_breaker(key, change["new"])
        if key in _FAULT_KEYS:
            return lambda change: self._set_fault(key, change["new"])
        if key in _RESTART_KEYS:
            return lambda change: self._restart(key, change["new"])
        return lambda change: None  # speed: read by the Run loop each frame

    def _set_breaker(self, key: str, value: Any) -> None:
        if self._syncing:
            return
        self.simulation.set_breaker(**{key: value})
        shown = f"{value:.0%}" if key == "failure_rate_threshold" else f"{value:g}" if (
            isinstance(value, float)) else f"{value}"
        self._act(f"you set {key} = {shown} (live breaker: state kept, counters restart)")
        self.redraw()

    def _set_fault(self, key: str, value: Any) -> None:
        if self._syncing:
            return
        sim = self.simulation
        if key == "outage":
            if value:
                sim.set_fault("outage", mode="error")
            else:
                sim.clear_fault("outage")
            self._act("you started an outage" if value else "you ended the outage")
        elif key == "error_rate":
            if value > 0:
                sim.set_fault("error_rate", rate=float(value))
                self._act(f"you injected +{value:.0%} errors")
            else:
                sim.clear_fault("error_rate")
                self._act("you removed the extra errors")
        else:
            if value > 1:
                sim.set_fault("latency", factor=float(value))
                self._act(f"you slowed the service down {value:g}×")
            else:
                sim.clear_fault("latency")
                self._act("you restored normal latency")
        self.redraw()

    def _restart(self, key: str, value: Any) -> None:
        if self._syncing:
            return
        self.reset()
        self._act(f"you set {key} = {value}: restarted from t = 0")
        self.redraw()

    def _act(self, text: str) -> None:
        self._actions.append((self.simulation.now, text))
        del self._actions[:-LOG_LINES]

    def _sync_faults(self) -> None:
        """Move the fault controls to what is in force on the target service."""
        svc = self.simulation.services[self.simulation.timeline.services[-1]]
        values = {
            "outage": svc.outage is not None,
            "error_rate": float(svc.error_spike),
            "latency": float(svc.slowdown),
        }
        self._syncing = True
        try:
            for key, value in values.items():
                control = self.controls[key]
                if control.value != value:
                    if isinstance(value, float) and value > control.max:
                        control.max = value
                    control.value = value
        finally:
            self._syncing = False

    # ------------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        """Redraw the chart, diagram, status and event log from the simulation."""
        sim = self.simulation
        self.chart.update(sim.timeline)
        self._chart_view.refresh()
        state = self._breaker_state()
        settings = dict(sim.timeline.settings)
        rules_changed = settings != self._diagram_settings
        if rules_changed:
            self.diagram.set_rules(settings=settings, draw=False)
            self._diagram_settings = settings
        if rules_changed or self.diagram.current != state.value:
            self.diagram.update(state)
            self._diagram_view.refresh()
        self.status.value = self._status_html(state)
        self.event_log.value = self._log_html()

    def _status_html(self, state: State) -> str:
        sim = self.simulation
        breaker = sim.breakers.get(self._service)
        lines = [f"<b>state: {STATE_TEXT[state]}</b> &nbsp; t = {sim.now:.1f} s of "
                 f"{sim.duration:g} s" + (" (scenario over: Reset to replay)" if sim.done
                                            else "")]
        if breaker is None:
            lines.append("no breaker on this service")
        else:
            m = breaker.metrics
            lines.append(f"retry_after: {breaker.retry_after:.1f} s"
                         + (" (trial calls allowed when it reaches 0)"
                            if state is State.OPEN else ""))
            if m.failure_rate is not None:
                progress = (f"failure rate {m.failure_rate:.0%} of "
                            f"{sim.timeline.settings['failure_rate_threshold']:.0%}")
            else:
                progress = (f"consecutive failures {m.consecutive_failures} of "
                            f"{breaker.failure_threshold}")
            lines.append(f"breaker: {progress}; it counted {m.calls} calls: {m.successes} "
                         f"ok, {m.failures} failed, {m.rejected} rejected (counts restart "
                         "when you change a breaker setting)")
        s = sim.timeline.summary(self._service)
        lines.append(f"this run: {s.attempts} attempts: {s.successes} ok, {s.failures} "
                     f"failed, {s.timeouts} timed out, {s.rejected} rejected; "
                     f"{s.trips} trips")
        return "<div style='font-size:12px;line-height:1.45'>" + "<br>".join(
            esc(line) if not line.startswith("<b>") else line for line in lines) + "</div>"

    def _log_html(self) -> str:
        name = self._service
        entries: list[tuple[float, str]] = [
            (tr.time, f"{STATE_TEXT[tr.old]} → {STATE_TEXT[tr.new]}: {tr.reason}")
            for tr in reversed(sim_transitions(self.simulation, name, LOG_LINES))
        ]
        entries.extend(self._actions)
        entries.sort(key=lambda e: e[0])  # stable: at equal times your action comes last
        entries.reverse()
        items = "".join(
            f"<li><code>{t:7.2f} s</code> {esc(text)}</li>" for t, text in entries[:LOG_LINES]
        ) or "<li>no transitions yet</li>"
        return ("<div style='font-size:12px'><b>event log</b> (newest first)"
                f"<ul style='margin:2px 0;padding-left:18px'>{items}</ul></div>")

    # ----------------------------------------------------------------------- cleanup
    def close(self) -> None:
        """Stop Run and close the playground's widgets (safe on a half-built one)."""
        task = getattr(self, "task", None)
        if task is not None and not task.done():
            task.cancel()
        for view in (getattr(self, "_chart_view", None), getattr(self, "_diagram_view", None)):
            if view is not None:
                view.widget.close()
        super().close()


def sim_transitions(sim: Simulation, service: str, n: int) -> list[Any]:
    """The last ``n`` transitions of ``service``'s breaker (the timeline keeps them in
    time order)."""
    out = []
    for tr in reversed(sim.timeline.transitions):
        if tr.service == service:
            out.append(tr)
            if len(out) == n:
                break
    return out
