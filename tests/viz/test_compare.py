"""compare / ComparisonChart: stacked panels on one shared time axis."""

from __future__ import annotations

import pytest

from circuit_lab.viz import ComparisonChart, compare

from .timelines import make_timeline


def test_panels_share_the_time_axis() -> None:
    a = make_timeline(duration=40.0, outage=(10.0, 20.0))
    b = make_timeline(duration=60.0, rate_policy=True)
    chart = ComparisonChart([a, b], ["consecutive", "failure rate"])
    axes = chart.axes
    assert len(axes) == 6 == len(chart.figure.axes)
    first = axes[0]
    for ax in axes[1:]:
        assert first.get_shared_x_axes().joined(first, ax)
        assert ax.get_xlim() == first.get_xlim() == pytest.approx((0.0, 60.0))
    titles = [p.band.get_title(loc="left") for p in chart.panels]
    assert titles == ["consecutive", "failure rate"]
    # the same bins in every panel, so bars can be compared (the shorter run ends early)
    short, long = (p.stairs[0].get_data().edges for p in chart.panels)
    assert short[-1] == pytest.approx(40.0) and long[-1] == pytest.approx(60.0)
    assert list(short) == pytest.approx(list(long[: len(short)]))
    # only the bottom panel writes tick labels
    assert not chart.panels[0].rate.xaxis.get_tick_params()["labelbottom"]
    assert chart.panels[1].threshold_line.get_visible()
    assert not chart.panels[0].threshold_line.get_visible()


def test_update_in_place() -> None:
    a = make_timeline(duration=30.0, outage=(10.0, 20.0), degraded=None)
    b = make_timeline(duration=30.0, seed=1, outage=(10.0, 20.0), degraded=None)
    chart = ComparisonChart([a, b], ["a", "b"])
    axes = list(chart.figure.axes)
    line = chart.panels[0].rate_line
    chart.update([b, a])
    assert list(chart.figure.axes) == axes
    assert chart.panels[0].rate_line is line
    with pytest.raises(ValueError, match="2 timelines"):
        chart.update([a])


def test_compare_validates_labels() -> None:
    a = make_timeline(duration=10.0)
    with pytest.raises(ValueError, match="labels"):
        compare([a, a], ["only one"])
    with pytest.raises(ValueError, match="at least one"):
        compare([], [])
    fig = compare([a, a])
    assert len(fig.axes) == 6


def test_one_service_per_panel() -> None:
    timeline = make_timeline(services=("frontend", "payments"), service="payments")
    chart = ComparisonChart([timeline, timeline], ["front", "pay"], service=["frontend", 1])
    assert [p.lane_name for p in chart.panels] == ["frontend", "payments"]
    assert len(chart.panels[0].state_spans.get_paths()) == 1
    assert len(chart.panels[1].state_spans.get_paths()) > 1
    with pytest.raises(ValueError, match="one per timeline"):
        ComparisonChart([timeline, timeline], ["a", "b"], service=["frontend"])
    with pytest.raises(ValueError, match="service"):
        ComparisonChart([timeline], ["a"], service=["nope"])
