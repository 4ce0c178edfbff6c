"""Playground driven from Python: every control, Step/Run/Reset, errors shown in the widget.

Headless: matplotlib Agg, ipywidgets without a frontend, no timing assertions.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from typing import Any

import ipywidgets as widgets
import pytest

from circuit_lab import FailureRate, State
from circuit_lab.sim import Outcome
from circuit_lab.widgets import STEP_SECONDS, Playground

from .helpers import fingerprint

REQUIRED = (
    "failure_threshold",
    "recovery_timeout",
    "half_open_max_calls",
    "success_threshold",
    "policy",
    "window",
    "failure_rate_threshold",
    "error_rate",
    "latency",
    "outage",
    "traffic",
)


@pytest.fixture
def pg() -> Playground:
    return Playground("outage", seed=0)


def breaker(pg: Playground) -> Any:
    return pg.simulation.breakers["service"]


def service(pg: Playground) -> Any:
    return pg.simulation.services["service"]


# ---------------------------------------------------------------------------- surface
def test_is_a_widget_with_the_acceptance_attributes(pg: Playground) -> None:
    assert isinstance(pg, widgets.VBox)
    assert set(REQUIRED) <= set(pg.controls)
    for button in (pg.step_button, pg.run_button, pg.reset_button):
        assert isinstance(button, widgets.Button)
    assert isinstance(pg.status, widgets.HTML)
    assert pg.chart.timeline is pg.simulation.timeline
    assert "CLOSED" in pg.status.value and "retry_after" in pg.status.value


def test_every_control_and_button_has_a_description_and_a_tooltip(pg: Playground) -> None:
    for name, control in pg.controls.items():
        assert control.description, name
        assert control.tooltip and len(control.tooltip) > 15, name
    for button in (pg.step_button, pg.run_button, pg.reset_button):
        assert button.description and button.tooltip
    assert "1 s of virtual time" in pg.step_button.tooltip


def test_the_note_says_what_a_step_is_and_what_slider_changes_do(pg: Playground) -> None:
    note = pg.note.value
    assert "1 s of virtual time" in note
    assert "live breaker" in note and "keeps its state" in note
    assert "restart from t = 0" in note


def test_bad_arguments_raise_at_construction() -> None:
    with pytest.raises(ValueError, match="scenario"):
        Playground("outgae")
    with pytest.raises(ValueError, match="failure_threshold"):
        Playground(failure_threshold=0)
    with pytest.raises(TypeError, match="seed"):
        Playground(seed="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="canvas"):
        Playground(canvas="svg")  # type: ignore[arg-type]


def test_import_circuit_lab_does_not_import_ipywidgets() -> None:
    code = (
        "import sys, circuit_lab, circuit_lab.sim, circuit_lab.viz\n"
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'\n"
        "import circuit_lab.widgets\n"
        "assert 'ipywidgets' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------- step
def test_step_advances_one_second_and_redraws(pg: Playground) -> None:
    before = fingerprint(pg.chart.figure)
    updates, status = pg.chart.updates, pg.status.value
    pg.step_button.click()
    assert pg.simulation.now == pytest.approx(STEP_SECONDS)
    assert len(pg.simulation.timeline) > 0
    assert pg.chart.updates == updates + 1
    assert fingerprint(pg.chart.figure) != before
    assert pg.status.value != status
    assert pg.error.value == ""


def test_stepping_through_the_outage_opens_the_breaker_and_logs_why(pg: Playground) -> None:
    for _ in range(35):
        pg.step_button.click()
    assert breaker(pg).state is State.OPEN
    assert pg.diagram.current == "open"
    assert "state: OPEN" in pg.status.value
    assert "retry_after: " in pg.status.value
    assert "CLOSED → OPEN: 5 consecutive failures" in pg.event_log.value
    assert pg.controls["outage"].value is True  # the scheduled outage shows in its toggle


# -------------------------------------------------------------------- breaker sliders
@pytest.mark.parametrize(
    ("key", "value", "attribute"),
    [
        ("failure_threshold", 3, "failure_threshold"),
        ("recovery_timeout", 4.5, "recovery_timeout"),
        ("half_open_max_calls", 3, "half_open_max_calls"),
        ("success_threshold", 2, "success_threshold"),
    ],
)
def test_breaker_sliders_apply_to_the_live_breaker(
    pg: Playground, key: str, value: Any, attribute: str
) -> None:
    for _ in range(3):
        pg.step_button.click()
    now = pg.simulation.now
    pg.controls[key].value = value
    assert pg.simulation.timeline.settings[key] == value
    assert getattr(breaker(pg), attribute) == value
    assert pg.simulation.now == now  # live: nothing replayed
    assert f"you set {key}" in pg.event_log.value
    assert pg.error.value == ""


def test_a_setting_change_keeps_the_open_state(pg: Playground) -> None:
    for _ in range(35):
        pg.step_button.click()
    assert breaker(pg).state is State.OPEN
    pg.controls["failure_threshold"].value = 2
    assert breaker(pg).state is State.OPEN
    assert breaker(pg).failure_threshold == 2
    assert "state: OPEN" in pg.status.value
    # the recovery timeout restarted at the change
    assert breaker(pg).retry_after == pytest.approx(pg.controls["recovery_timeout"].value)


def test_policy_window_and_rate_threshold(pg: Playground) -> None:
    pg.step_button.click()
    pg.controls["policy"].value = "rate"
    assert isinstance(breaker(pg).policy, FailureRate)
    before = fingerprint(pg.chart.figure)
    diagram_before = fingerprint(pg.diagram.figure)
    pg.controls["failure_rate_threshold"].value = 0.25
    pg.controls["window"].value = 40
    policy = breaker(pg).policy
    assert isinstance(policy, FailureRate)
    assert policy.threshold == pytest.approx(0.25)
    assert policy.window == 40
    settings = pg.simulation.timeline.settings
    assert (settings["policy"], settings["window"]) == ("rate", 40)
    assert settings["failure_rate_threshold"] == pytest.approx(0.25)
    assert fingerprint(pg.chart.figure) != before  # the threshold line moved
    assert fingerprint(pg.diagram.figure) != diagram_before  # the trip rule was rewritten
    assert "failure rate" in pg.status.value
    pg.controls["policy"].value = "consecutive"
    assert breaker(pg).policy is not policy


# ---------------------------------------------------------------------------- faults
def test_outage_toggle_starts_and_ends_an_outage_now() -> None:
    pg = Playground("steady", seed=1)
    pg.step_button.click()
    before = fingerprint(pg.chart.figure)
    pg.controls["outage"].value = True
    assert service(pg).outage == "error"
    fault = pg.simulation.timeline.faults[-1]
    assert (fault.kind, fault.start, fault.end) == ("outage", 1.0, None)
    assert fingerprint(pg.chart.figure) != before  # the fault lane shows it
    pg.step_button.click()
    assert breaker(pg).state is State.OPEN
    pg.controls["outage"].value = False
    assert service(pg).outage is None
    assert pg.simulation.timeline.faults[-1].end == 2.0
    codes = set(pg.simulation.timeline.outcome)
    assert int(Outcome.REJECTED) in codes


def test_error_rate_and_latency_controls_inject_faults() -> None:
    pg = Playground("steady", seed=2)
    pg.controls["error_rate"].value = 0.5
    assert service(pg).error_spike == pytest.approx(0.5)
    pg.controls["latency"].value = 10.0
    assert service(pg).slowdown == pytest.approx(10.0)
    kinds = {f.kind for f in pg.simulation.timeline.faults if f.end is None}
    assert kinds == {"error_rate", "latency"}
    pg.step_button.click()
    assert breaker(pg).state is not State.CLOSED or breaker(pg).metrics.failures > 0
    pg.controls["error_rate"].value = 0.0
    pg.controls["latency"].value = 1.0
    assert service(pg).error_spike == 0.0 and service(pg).slowdown == 1.0
    assert all(f.end is not None for f in pg.simulation.timeline.faults)


def test_fault_controls_follow_the_scenario_schedule(pg: Playground) -> None:
    pg.step(31.0)
    assert pg.controls["outage"].value is True
    pg.step(30.0)
    assert pg.controls["outage"].value is False
    assert pg.event_log.value.count("you ") == 0  # the schedule is not logged as yours


# ------------------------------------------------------------------ restart controls
def test_traffic_restarts_with_evenly_spaced_arrivals(pg: Playground) -> None:
    pg.step(5.0)
    pg.controls["traffic"].value = "even"
    assert pg.simulation.now == 0.0
    pg.step_button.click()
    times = sorted(pg.simulation.timeline.time)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times)}
    assert gaps == {0.01}  # 100 requests/s, evenly spaced
    assert "restarted from t = 0" in pg.event_log.value


def test_bursts_traffic() -> None:
    pg = Playground("steady", seed=0)
    pg.controls["traffic"].value = "bursts"
    pg.step(11.0)
    times = list(pg.simulation.timeline.time)
    assert times.count(10.0) >= 50


def test_peak_toggle_adds_a_traffic_peak(pg: Playground) -> None:
    pg.controls["peak"].value = True
    pg.step(40.0)
    assert any(f.kind == "peak" for f in pg.simulation.timeline.faults)
    pg.controls["peak"].value = False
    pg.step(40.0)
    assert not any(f.kind == "peak" for f in pg.simulation.timeline.faults)


def test_seed_restarts_with_the_new_seed(pg: Playground) -> None:
    pg.step(3.0)
    first = list(pg.simulation.timeline.time)
    pg.controls["seed"].value = 7
    assert pg.simulation.seed == 7 and pg.simulation.now == 0.0
    pg.step(3.0)
    assert list(pg.simulation.timeline.time) != first


def test_reset_replays_the_seeded_scenario_with_current_settings(pg: Playground) -> None:
    pg.step(3.0)
    first = list(pg.simulation.timeline.time)
    pg.controls["failure_threshold"].value = 2
    pg.controls["error_rate"].value = 0.3
    pg.step(2.0)
    pg.reset_button.click()
    assert pg.simulation.now == 0.0 and len(pg.simulation.timeline) == 0
    assert pg.simulation.timeline.settings["failure_threshold"] == 2
    assert breaker(pg).failure_threshold == 2
    assert pg.controls["error_rate"].value == 0.0  # injected faults are forgotten
    assert service(pg).error_spike == 0.0
    pg.step(3.0)
    assert list(pg.simulation.timeline.time) == first  # same seed, same arrivals
    assert "you " not in pg.event_log.value


def test_speed_is_read_by_run(pg: Playground) -> None:
    pg.controls["speed"].value = 12.0
    assert pg.error.value == ""


# ------------------------------------------------------------------------------- run
def test_run_starts_a_task_and_stop_ends_it_cleanly(pg: Playground) -> None:
    async def scenario() -> None:
        pg.run_button.click()
        task = pg.task
        assert task is not None and pg.running
        assert pg.run_button.description == "Stop"
        while pg.frames < 3:
            await asyncio.sleep(0.01)
        pg.run_button.click()
        assert pg.run_button.description == "Run" and not pg.running and pg.task is None
        await asyncio.gather(task, return_exceptions=True)
        assert task.done()
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(scenario())
    assert pg.simulation.now > 0.0
    assert pg.chart.updates >= 4
    assert pg.error.value == ""


def test_run_stops_by_itself_at_the_end_of_the_scenario() -> None:
    pg = Playground("steady", seed=0, duration=2.0, speed=30.0)

    async def scenario() -> None:
        pg.run_button.click()
        task = pg.last_task
        assert task is not None
        await asyncio.wait_for(task, timeout=60)
        assert pg.task is None and pg.run_button.description == "Run"
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(scenario())
    assert pg.simulation.done


def test_run_without_an_event_loop_shows_an_error(pg: Playground) -> None:
    pg.run_button.click()
    assert "Error in Run" in pg.error.value and "event loop" in pg.error.value
    assert pg.run_button.description == "Run" and pg.task is None


def test_an_error_inside_the_run_task_is_shown_and_stops_it(pg: Playground) -> None:
    def broken(seconds: float) -> float:
        raise RuntimeError("engine on fire")

    async def scenario() -> None:
        pg.simulation.advance = broken  # type: ignore[method-assign]
        pg.run_button.click()
        task = pg.last_task
        assert task is not None
        await asyncio.wait_for(task, timeout=30)

    asyncio.run(scenario())
    assert "engine on fire" in pg.error.value
    assert pg.run_button.description == "Run" and not pg.running


# ---------------------------------------------------------------------------- errors
def test_an_exception_in_a_callback_is_shown_in_the_widget(pg: Playground) -> None:
    def broken(**settings: Any) -> None:
        raise ValueError("no such breaker today")

    pg.simulation.set_breaker = broken  # type: ignore[method-assign]
    pg.controls["failure_threshold"].value = 4
    assert "Error in setting failure_threshold" in pg.error.value
    assert "ValueError: no such breaker today" in pg.error.value
    assert "traceback" in pg.error.value
    assert isinstance(pg.error.last_error, ValueError)
    pg.step_button.click()  # a later success clears the message
    assert pg.error.value == ""


def test_an_exception_in_step_is_shown(pg: Playground) -> None:
    def broken(seconds: float) -> float:
        raise RuntimeError("virtual time stood still")

    pg.simulation.advance = broken  # type: ignore[method-assign]
    pg.step_button.click()
    assert "Error in Step" in pg.error.value and "virtual time stood still" in pg.error.value


# ---------------------------------------------------------------------------- canvas
def test_ipympl_canvas_is_a_widget_in_the_layout() -> None:
    pytest.importorskip("ipympl")
    pg = Playground("outage", canvas="ipympl")
    assert isinstance(pg.chart.canvas, widgets.DOMWidget)
    assert pg.chart.figure.canvas is pg.chart.canvas
    assert isinstance(pg.diagram.canvas, widgets.DOMWidget)

    def widgets_in(w: Any) -> list[Any]:
        out = [w]
        for child in getattr(w, "children", ()):
            out.extend(widgets_in(child))
        return out

    assert any(w is pg.chart.canvas for w in widgets_in(pg))
    pg.step_button.click()
    assert pg.error.value == ""


def test_image_canvas_gets_new_pixels_on_step(pg: Playground) -> None:
    image = pg._chart_view.widget
    assert isinstance(image, widgets.Image)
    first = image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    pg.step_button.click()
    assert image.value != first


@pytest.mark.parametrize("name", ["steady", "outage", "flaky", "degradation", "peak_traffic",
                                  "cascade"])
def test_every_scenario_steps_and_takes_every_control(name: str) -> None:
    pg = Playground(name, seed=3, duration=20.0)
    assert pg.controls["peak"].value is (name == "peak_traffic")
    pg.step(2.0)
    for key, value in [("outage", True), ("error_rate", 0.2), ("latency", 3.0),
                       ("failure_threshold", 2), ("policy", "rate"), ("outage", False),
                       ("traffic", "even"), ("peak", True)]:
        pg.controls[key].value = value
        pg.step_button.click()
        assert pg.error.value == "", (key, pg.error.value)
    assert pg.simulation.breakers, "every scenario has a breaker to show"


def test_picture_widgets_carry_no_tooltip_and_have_a_text_caption(pg: Playground) -> None:
    # ipywidgets' base view reads `description` when a tooltip is set; canvas and image
    # models have none, and JupyterLab then fails to render them.
    for view in (pg._chart_view, pg._diagram_view):
        assert not getattr(view.widget, "tooltip", None)
        assert "state" in view.caption.value


def test_time_window_policy(pg: Playground) -> None:
    if "window_seconds" not in pg.controls:
        pytest.skip("the simulator has no time-window policy")
    assert "time" in [value for _, value in pg.controls["policy"].options]
    pg.step_button.click()
    pg.controls["policy"].value = "time"
    pg.controls["window_seconds"].value = 5.0
    policy = breaker(pg).policy
    assert isinstance(policy, FailureRate)
    assert policy.window_seconds == pytest.approx(5.0) and policy.window is None
    assert pg.simulation.timeline.settings["window_seconds"] == pytest.approx(5.0)
    assert "failure rate" in pg.status.value
    assert pg.error.value == ""
