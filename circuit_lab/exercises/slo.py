"""Exercise 2: find breaker settings that meet a service-level objective.

The scenario is ``outage`` with 10 % background errors: the service is down from
20 s to 53 s of an 80 s run at 100 requests/s. The checker runs the simulation with the
student's breaker settings on a fixed seed and measures each clause of :data:`SLO`.
Nothing is compared with a stored answer: many settings pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from circuit_lab.events import State
from circuit_lab.sim import BREAKER_SETTINGS, Timeline, run_scenario

from .feedback import Feedback

__all__ = ["SCENARIO", "SEED", "SLO", "check_slo", "measure_slo", "run_slo_scenario"]

_TITLE = "Exercise 2 (settings for an SLO)"

SEED = 2
"""The seed the exercise is checked on."""

SCENARIO: Mapping[str, Any] = {
    "error_rate": 0.1,
    "outage_start": 20.0,
    "outage_duration": 33.0,
    "duration": 80.0,
}
"""Parameters of the ``outage`` scenario for this exercise (the student may not change
them; only breaker settings)."""

SLO: Mapping[str, float] = {
    "false_trips": 0,
    "time_to_detect": 0.1,
    "trips": 10,
    "time_to_recover": 4.0,
}
"""The objective: no trip while the service is healthy; the outage detected within
0.1 s; at most 10 trips in the whole run; CLOSED again within 4 s of the outage's end."""

_HINTS = {
    "false_trips": (
        "Your breaker trips while the service is healthy: 10 % of calls fail anyway, so a "
        "few failures in a row happen by chance. Ask for more evidence before tripping "
        "(a higher failure_threshold, or a rate policy whose window and threshold a 10 % "
        "error rate cannot reach)."
    ),
    "time_to_detect": (
        "The outage is noticed too late. At 100 requests/s, n consecutive failures take "
        "about n / 100 s, and a rate policy waits until its window has enough calls."
    ),
    "trips": (
        "Every failed trial call re-opens the breaker, and each re-opening is a trip. "
        "During a 33 s outage a breaker that tries again every r seconds trips about "
        "33 / r times: which setting is r?"
    ),
    "time_to_recover": (
        "After the outage ends, the breaker can close only when its current open period "
        "is over and a trial succeeds. Which setting makes open periods long?"
    ),
}


def run_slo_scenario(settings: Mapping[str, Any], seed: int = SEED) -> Timeline:
    """Run the exercise's scenario with breaker ``settings`` (keys of
    :data:`~circuit_lab.sim.BREAKER_SETTINGS`) on ``seed``. Raises ``ValueError`` for a
    key that is not a breaker setting, and the simulator's errors for bad values."""
    if not isinstance(settings, Mapping):
        raise TypeError(f"settings must be a dict of breaker settings, got {settings!r}")
    unknown = sorted(str(k) for k in settings if k not in BREAKER_SETTINGS)
    if unknown:
        raise ValueError(
            f"settings may only hold breaker settings ({', '.join(sorted(BREAKER_SETTINGS))}), "
            f"got {', '.join(unknown)}"
        )
    return run_scenario("outage", seed, **SCENARIO, **settings)


def measure_slo(timeline: Timeline) -> dict[str, float | None]:
    """The four measured quantities of :data:`SLO` for ``timeline`` (``None`` when
    the event did not happen: no detection, no recovery)."""
    s = timeline.summary("service")
    start = float(SCENARIO["outage_start"])
    end = start + float(SCENARIO["outage_duration"])
    recovered = None if s.time_to_recover is None else end + s.time_to_recover
    false_trips = sum(
        1
        for t in timeline.transitions
        if t.old is State.CLOSED and t.new is State.OPEN
        and (t.time < start or (recovered is not None and t.time > recovered))
    )
    return {
        "false_trips": false_trips,
        "time_to_detect": s.time_to_detect,
        "trips": s.trips,
        "time_to_recover": s.time_to_recover,
    }


def check_slo(settings: Any, seed: int = SEED) -> Feedback:
    """Run the scenario with ``settings`` (a dict of breaker settings, e.g.
    ``{"failure_threshold": 5, "recovery_timeout": 10.0}``) on ``seed`` and say which
    clauses of :data:`SLO` hold, with the measured numbers and a hint for the first
    that does not."""
    if not isinstance(settings, Mapping) or not settings:
        return Feedback(False, "settings must be a non-empty dict of breaker settings.",
                        hint="Start from {'failure_threshold': 5, 'recovery_timeout': 10.0} "
                             "and change one setting at a time.", title=_TITLE)
    try:
        measured = measure_slo(run_slo_scenario(settings, seed))
    except (TypeError, ValueError) as exc:
        return Feedback(False, f"the simulation refused these settings: {exc}",
                        hint="Use only breaker settings with values in their ranges; "
                             "see circuit_lab.sim.BREAKER_SETTINGS.", title=_TITLE)
    details = []
    failed = []
    for clause, target in SLO.items():
        value = measured[clause]
        if clause in ("false_trips", "trips"):
            ok = value is not None and value <= target
            shown = f"{value:g}"
            goal = "none" if target == 0 else f"at most {target:g}"
            label = "trips while healthy" if clause == "false_trips" else "trips in total"
        else:
            ok = value is not None and value <= target
            shown = "never" if value is None else f"{value:.3f} s"
            goal = f"within {target:g} s"
            label = ("outage detected after" if clause == "time_to_detect"
                     else "CLOSED again after the outage, after")
        details.append(f"{label}: {shown} (goal: {goal}), {'met' if ok else 'MISSED'}")
        if not ok:
            failed.append(clause)
    passed = not failed
    message = (f"these settings meet every clause of the SLO on seed {seed}." if passed
               else f"{len(failed)} of {len(SLO)} clauses missed on seed {seed}.")
    return Feedback(passed, message, hint=_HINTS[failed[0]] if failed else "",
                    details=details, title=_TITLE)
