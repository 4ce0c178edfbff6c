"""TimelineChart: what is drawn matches the timeline, updates reuse every artist."""

from __future__ import annotations

import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from circuit_lab.sim.timeline import Outcome, Timeline
from circuit_lab.viz import TimelineChart, plot_timeline
from circuit_lab.viz._style import STATE_FILL, STATE_LABEL

from .timelines import make_timeline


def _span_extents(chart: TimelineChart) -> list[tuple[float, float, str]]:
    coll = chart.panel.state_spans
    colors = [to_hex(c) for c in coll.get_facecolor()]
    out = []
    for path, color in zip(coll.get_paths(), colors, strict=True):
        xs = path.vertices[:, 0]
        out.append((float(xs.min()), float(xs.max()), color))
    return out


def _visible_texts(pool) -> list[str]:
    return [t.get_text() for t in pool.texts if t.get_visible()]


def test_import_circuit_lab_and_sim_do_not_import_matplotlib() -> None:
    code = (
        "import sys, circuit_lab, circuit_lab.sim, circuit_lab.sim.cli;"
        "bad = [m for m in ('matplotlib', 'numpy') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_state_spans_match_the_transitions(outage_timeline: Timeline) -> None:
    chart = TimelineChart(outage_timeline)
    expected = outage_timeline.state_spans(0)
    drawn = _span_extents(chart)
    assert len(drawn) == len(expected)
    px = chart.panel.px_per_second(*chart.xlim)
    for start, end, state in expected:
        color = to_hex(STATE_FILL[state.value])
        if (end - start) * px >= 2.5:  # wide spans are drawn exactly
            assert (pytest.approx(start), pytest.approx(end), color) in drawn
        else:  # hairline spans are widened around their middle, never lost
            mid = 0.5 * (start + end)
            assert any(a <= mid <= b and c == color for a, b, c in drawn)
    labels = _visible_texts(chart.panel.state_labels)
    assert {"CLOSED", "OPEN"} <= set(labels)
    assert set(labels) <= set(STATE_LABEL.values()) | {"C", "O", "H"}


def test_transition_lines_and_reasons(outage_timeline: Timeline) -> None:
    chart = TimelineChart(outage_timeline)
    times = [t.time for t in outage_timeline.transitions]
    for lines in chart.panel.transition_lines:
        xs = [seg[0][0] for seg in lines.get_segments()]
        assert xs == pytest.approx(times)
    texts = _visible_texts(chart.panel.transition_texts)
    assert texts, "at least one reason is written"
    assert any("5 consecutive failures" in t for t in texts)
    assert any("trial" in t for t in texts)


def test_fault_windows_are_shaded_and_labelled(outage_timeline: Timeline) -> None:
    chart = TimelineChart(outage_timeline)
    lane = chart.panel.fault_lane.get_paths()
    assert len(lane) == len(outage_timeline.faults) == 2
    for path, fault in zip(lane, outage_timeline.faults, strict=True):
        xs = path.vertices[:, 0]
        assert (xs.min(), xs.max()) == pytest.approx((fault.start, fault.end))
    for shade in chart.panel.fault_shades:
        assert len(shade.get_paths()) == 2
    assert _visible_texts(chart.panel.fault_labels) == ["outage (hang)", "35% errors"]
    assert not chart.panel.no_fault_text.get_visible()


def test_outcomes_are_binned_not_one_marker_per_request() -> None:
    timeline = make_timeline(rps=1000.0)  # 60,000 requests
    assert len(timeline) == 60_000
    chart = TimelineChart(timeline)
    values, edges, _baseline = chart.panel.stairs[Outcome.REJECTED].get_data()
    assert len(values) <= 120
    # stacked: the top layer integrates to the number of requests shown
    widths = np.diff(edges)
    total = float(np.sum(values * widths))
    assert total == pytest.approx(60_000, rel=1e-6)
    # each layer sits on the previous one
    s_vals, _e, s_base = chart.panel.stairs[Outcome.SUCCESS].get_data()
    _f_vals, _e, f_base = chart.panel.stairs[Outcome.FAILURE].get_data()
    assert np.allclose(s_base, 0.0) and np.allclose(f_base, s_vals)


def test_rate_threshold_line_only_with_a_rate_policy(
    outage_timeline: Timeline, rate_timeline: Timeline
) -> None:
    consecutive = TimelineChart(outage_timeline)
    assert not consecutive.panel.threshold_line.get_visible()
    assert "5 consecutive failures" in consecutive.panel.rate_info.get_text()
    rate = TimelineChart(rate_timeline)
    assert rate.panel.threshold_line.get_visible()
    assert list(rate.panel.threshold_line.get_ydata()) == [50.0, 50.0]
    assert rate.panel.threshold_text.get_text() == "trip threshold 50%"
    ys = rate.panel.rate_line.get_ydata()
    assert np.nanmax(ys) == pytest.approx(100.0)
    assert np.nanmin(ys) >= 0.0


def test_update_changes_artists_in_place() -> None:
    short = make_timeline(duration=20.0, outage=(5.0, 12.0), degraded=None)
    full = make_timeline()
    chart = TimelineChart(short)
    fig, canvas, axes = chart.figure, chart.canvas, chart.figure.axes[:]
    panel = chart.panel
    stairs = dict(panel.stairs)
    keep = [
        panel.state_spans,
        panel.fault_lane,
        panel.rate_line,
        panel.threshold_line,
        *panel.transition_lines,
        *panel.fault_shades,
    ]
    old_edges = stairs[Outcome.SUCCESS].get_data().edges.copy()
    old_rate = np.array(panel.rate_line.get_xdata())
    old_spans = len(panel.state_spans.get_paths())
    figures = plt.get_fignums()
    chart.canvas.draw()

    chart.update(full)

    assert chart.figure is fig and chart.canvas is canvas
    assert chart.figure.axes == axes and len(fig.axes) == 3
    assert chart.panel is panel and dict(panel.stairs) == stairs
    assert all(a.axes in axes for a in keep)
    assert [id(a) for a in keep] == [
        id(a)
        for a in (
            panel.state_spans,
            panel.fault_lane,
            panel.rate_line,
            panel.threshold_line,
            *panel.transition_lines,
            *panel.fault_shades,
        )
    ]
    assert not np.array_equal(stairs[Outcome.SUCCESS].get_data().edges, old_edges)
    assert np.array(panel.rate_line.get_xdata()).max() > old_rate.max()
    assert len(panel.state_spans.get_paths()) != old_spans
    assert chart.xlim == pytest.approx((0.0, 60.0))
    assert plt.get_fignums() == figures  # headless charts never touch pyplot


def test_text_pools_grow_then_hide_unused() -> None:
    busy = make_timeline(recovery_timeout=3.0, outage=(5.0, 55.0), degraded=None)
    calm = make_timeline(outage=None, degraded=None)
    chart = TimelineChart(busy)
    pool = chart.panel.state_labels
    texts = list(pool.texts)
    shown = len(_visible_texts(pool))
    assert shown > 5
    children = len(chart.panel.band.get_children())
    chart.update(calm)
    assert pool.texts[: len(texts)] == texts  # the same Text objects
    assert _visible_texts(pool) == ["CLOSED"]
    assert not any(t.get_visible() for t in chart.panel.transition_texts.texts)
    assert chart.panel.no_fault_text.get_visible()
    chart.update(busy)
    assert len(chart.panel.band.get_children()) == children  # no new artists
    assert len(_visible_texts(pool)) == shown


def test_repeated_updates_create_no_artists(outage_timeline: Timeline) -> None:
    chart = TimelineChart(outage_timeline)
    chart.update()
    counts = [len(ax.get_children()) for ax in chart.figure.axes]
    figure_children = len(chart.figure.get_children())
    for _ in range(3):
        chart.update(outage_timeline)
    assert [len(ax.get_children()) for ax in chart.figure.axes] == counts
    assert len(chart.figure.get_children()) == figure_children


def test_sliding_window_follows_a_live_simulation() -> None:
    from circuit_lab.sim.simulation import Simulation

    sim = Simulation("outage", seed=1, duration=40.0, outage_start=8.0)
    chart = TimelineChart(sim.timeline, window=10.0)
    axes = chart.figure.axes[:]
    assert chart.xlim == pytest.approx((0.0, 10.0))  # an empty run still has a frame
    assert chart.panel.empty_text.get_visible()
    seen = []
    for _ in range(6):
        sim.advance(3.0)
        chart.update(sim.timeline)
        seen.append(chart.xlim)
    end = sim.timeline.end
    assert chart.xlim == pytest.approx((end - 10.0, end))
    assert seen[0] == pytest.approx((0.0, 10.0))
    assert chart.figure.axes == axes
    assert not chart.panel.empty_text.get_visible()
    sim.reset()  # a new, empty timeline object
    chart.update(sim.timeline)
    assert chart.panel.empty_text.get_visible()


def test_multi_service_timeline_charts_the_chosen_service() -> None:
    timeline = make_timeline(services=("frontend", "payments"), service="payments")
    first = TimelineChart(timeline)
    assert first.panel.lane_name == "frontend"
    assert len(first.panel.state_spans.get_paths()) == 1  # frontend never changed
    assert _visible_texts(first.panel.fault_labels)[0].startswith("payments: ")
    chart = TimelineChart(timeline, service="payments")
    assert len(chart.panel.state_spans.get_paths()) == len(timeline.state_spans("payments"))
    with pytest.raises(ValueError, match="service"):
        TimelineChart(timeline, service="nope")
    with pytest.raises(ValueError, match="service index"):
        TimelineChart(timeline, service=5)


def test_open_fault_extends_to_the_end() -> None:
    timeline = make_timeline(open_fault=True, degraded=None)
    chart = TimelineChart(timeline)
    xs = chart.panel.fault_lane.get_paths()[0].vertices[:, 0]
    assert xs.max() == pytest.approx(timeline.end)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"window": 0}, "window"),
        ({"window": -5.0}, "window"),
        ({"bin_width": 0.0}, "bin_width"),
        ({"rate_window": float("nan")}, "rate_window"),
        ({"figsize": (8.0,)}, "figsize"),
        ({"figsize": (0.0, 4.0)}, r"figsize\[0\]"),
        ({"dpi": 5}, "dpi"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        TimelineChart(**kwargs)


def test_update_without_any_timeline_is_an_error() -> None:
    chart = TimelineChart()
    with pytest.raises(ValueError, match="timeline"):
        chart.update()
    with pytest.raises(ValueError, match="live"):
        plot_timeline(make_timeline(duration=5.0), live=True)


@pytest.mark.filterwarnings("ignore:Passing unrecognized arguments:DeprecationWarning")
def test_live_figure_is_created_with_interactive_mode_off() -> None:
    plt.ion()
    try:
        chart = TimelineChart(make_timeline(duration=5.0), live=True)
        assert plt.isinteractive()  # restored after creation
        assert chart.figure.number in plt.get_fignums()
        assert chart.canvas is chart.figure.canvas
        chart.update()
    finally:
        plt.ioff()
        plt.close("all")
