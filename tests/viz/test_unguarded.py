"""A service no breaker guards is drawn as such, never as a CLOSED breaker."""

from __future__ import annotations

from circuit_lab.sim import Timeline, run_scenario
from circuit_lab.viz import TimelineChart


def _texts(chart):
    return [t.get_text() for ax in chart.axes for t in ax.texts if t.get_visible()]


def test_unguarded_service_band_says_no_breaker():
    timeline = run_scenario("cascade", seed=2, duration=10.0, breaker=False)
    assert timeline.guarded == frozenset()
    chart = TimelineChart(timeline, service="orders")
    texts = _texts(chart)
    assert "NO BREAKER" in texts and "CLOSED" not in texts
    assert any("no breaker" in t for t in texts)


def test_guarded_service_band_shows_states():
    timeline = run_scenario("cascade", seed=2, duration=10.0)
    assert "orders" in timeline.guarded
    texts = _texts(TimelineChart(timeline, service="orders"))
    assert "CLOSED" in texts and "NO BREAKER" not in texts


def test_timeline_guarded_defaults_to_every_service_and_is_checked():
    assert Timeline(["a", "b"]).guarded == {"a", "b"}
    assert Timeline(["a", "b"], guarded=["b"]).guarded == {"b"}
    try:
        Timeline(["a"], guarded=["x"])
    except ValueError as error:
        assert "guarded" in str(error) and "'x'" in str(error)
    else:
        raise AssertionError("an unknown guarded service must be rejected")


def test_reprs_show_no_memory_address():
    from circuit_lab.viz import StateDiagram

    diagram = StateDiagram("open")
    assert repr(diagram) == "StateDiagram(current='open')"
    assert "0x" not in repr(TimelineChart(run_scenario("steady", seed=1, duration=2.0)))
