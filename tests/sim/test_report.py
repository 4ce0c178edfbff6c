"""circuit_lab.sim.report: deterministic text built from summaries and transitions."""

from __future__ import annotations

import pytest

from circuit_lab.sim import run_scenario
from circuit_lab.sim.report import compare_table, fmt_ms, fmt_pct, transition_log


def test_formatters():
    assert fmt_pct(0.98765) == "98.77%"
    assert fmt_ms(0.0425) == "42.5 ms"
    assert fmt_pct(float("nan")) == fmt_ms(float("nan")) == "n/a"


def test_compare_table_has_one_row_per_run_and_service_with_summary_numbers():
    runs = {
        "threshold 2": run_scenario("outage", seed=3, duration=40.0, failure_threshold=2),
        "threshold 9": run_scenario("outage", seed=3, duration=40.0, failure_threshold=9),
    }
    table = compare_table(runs).splitlines()
    assert table[0].split()[:3] == ["service", "run", "attempts"]
    assert len(table) == 3
    for line, (label, timeline) in zip(table[1:], runs.items(), strict=True):
        s = timeline.summary()
        assert label in line
        assert str(s.attempts) in line and fmt_pct(s.success_rate) in line
        assert line.split()[-1] == str(s.trips)
    with pytest.raises(ValueError, match="at least one"):
        compare_table({})


def test_transition_log_lists_transitions_in_order_and_limits():
    timeline = run_scenario("outage", seed=1)
    log = transition_log(timeline).splitlines()
    assert len(log) == len(timeline.transitions)
    first = timeline.transitions[0]
    assert f"{first.old.value} -> {first.new.value} ({first.reason})" in log[0]
    short = transition_log(timeline, limit=2).splitlines()
    assert len(short) == 3 and short[-1] == f"... and {len(log) - 2} more"
    assert transition_log(run_scenario("steady", seed=1, duration=5.0)) == "no transitions"


def test_time_window_policy_is_available_to_scenarios_and_the_cli():
    from circuit_lab.sim.cli import main

    timeline = run_scenario("flaky", seed=5, policy="time", window_seconds=10.0,
                            failure_rate_threshold=0.9, minimum_calls=20)
    assert timeline.settings["policy"] == "time"
    assert timeline.summary().trips == 0  # 60 % error spikes never reach 90 % over 10 s
    tripping = run_scenario("flaky", seed=5, policy="time", window_seconds=2.0,
                            failure_rate_threshold=0.4)
    assert tripping.summary().trips > 0
    assert main(["--scenario", "flaky", "--duration", "5", "--set", "policy=time",
                 "--set", "minimum_calls=20", "--json"]) == 0


def test_a_short_run_ends_with_its_traffic_not_with_a_later_scheduled_fault():
    short = run_scenario("outage", seed=0, duration=5.0)  # the outage is due at 30 s
    assert short.end < 6.0 and short.faults == []
    cut = run_scenario("outage", seed=0, duration=45.0)  # outage 30-60 s, cut at 45 s
    assert cut.end < 46.0
    assert [(f.start, f.end) for f in cut.faults] == [(30.0, None)]
