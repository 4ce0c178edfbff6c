"""Every checker accepts the reference solution and rejects typical wrong answers with the
hint that fits the mistake."""

from __future__ import annotations

from typing import Any

import exercise_reference as ref
import pytest

from circuit_lab import FailureRate, State, TripPolicy
from circuit_lab.exercises import (
    check_backoff,
    check_diagnosis,
    check_fallback,
    check_policy,
    check_predictions,
    check_slo,
)

# -- exercise 1: predict the state -----------------------------------------------------------


def test_predictions_right_answers_pass_as_states_or_text() -> None:
    answers = ref.predicted_states()
    assert check_predictions(answers).passed
    as_text = {k: v.value if isinstance(v, State) else v for k, v in answers.items()}
    assert check_predictions(as_text).passed


@pytest.mark.parametrize(("key", "wrong", "hint_words"), [
    ("a", "open", "success resets the count"),
    ("c", 15.0, "time left"),
    ("d", "open", "when you look"),
    ("e", "closed", "success_threshold"),
    ("g", 40.0, "No backoff is set"),
])
def test_predictions_typical_mistakes_get_the_matching_hint(key: str, wrong: Any,
                                                            hint_words: str) -> None:
    answers = {**ref.predicted_states(), key: wrong}
    fb = check_predictions(answers)
    assert not fb.passed
    assert fb.message == "7 of 8 answers are right."
    assert fb.hint.startswith(f"({key}) ") and hint_words in fb.hint


def test_predictions_unanswered_and_unreadable() -> None:
    fb = check_predictions({})
    assert not fb.passed and fb.hint == "Answer (a) first."
    fb = check_predictions({**ref.predicted_states(), "b": "shut"})
    assert "cannot read 'shut'" in fb.details[1]
    assert "one of 'closed', 'open', 'half_open'" in fb.hint


# -- exercise 2: settings for an SLO ---------------------------------------------------------

REFERENCE_SETTINGS = {"failure_threshold": 8, "recovery_timeout": 4.0}


def test_slo_reference_settings_pass_on_the_seed_and_the_graders_seed() -> None:
    assert check_slo(REFERENCE_SETTINGS).passed
    assert check_slo(REFERENCE_SETTINGS, seed=1).passed


@pytest.mark.parametrize(("settings", "missed", "hint_words"), [
    ({"failure_threshold": 5, "recovery_timeout": 10.0}, "CLOSED again", "open periods long"),
    ({"failure_threshold": 3, "recovery_timeout": 4.0}, "trips while healthy",
     "trips while the service is healthy"),
    ({"recovery_timeout": 2.0}, "trips in total", "33 / r"),
    ({"policy": "time", "window_seconds": 2.0, "recovery_timeout": 4.0},
     "outage detected", "noticed too late"),
])
def test_slo_each_clause_missed_gets_its_hint(settings: dict[str, Any], missed: str,
                                              hint_words: str) -> None:
    fb = check_slo(settings)
    assert not fb.passed
    assert hint_words in fb.hint
    assert any(d.startswith(missed) and d.endswith("MISSED") for d in fb.details)


def test_slo_refuses_scenario_parameters_and_bad_values() -> None:
    fb = check_slo({"rate": 3.0})
    assert not fb.passed and "got rate" in fb.message
    fb = check_slo({"failure_threshold": 0})
    assert not fb.passed and "failure_threshold" in fb.message
    assert not check_slo({}).passed
    assert not check_slo("fast").passed


# -- exercise 3: the sliding-window policy ---------------------------------------------------


def test_policy_reference_passes_every_rule() -> None:
    fb = check_policy(ref.SlidingWindowFailureRate)
    assert fb.passed, fb
    assert fb.message == "all 9 rules hold."
    assert check_policy(ref.SlidingWindowFailureRate, thorough=True).passed


@pytest.mark.parametrize(("policy", "rule", "hint_words"), [
    (ref.DecidesEarly, "waits for a full window", "one failure out of one call"),
    (ref.StrictlyAbove, "trips at the threshold", ">=, not"),
    (ref.ResetsOnSuccess, "successes stay in the window", "does not reset anything"),
    (ref.NeverForgets, "old calls slide out", "the oldest leaves"),
    (ref.NoReset, "reset() forgets everything", "calls reset() each time it closes"),
    (ref.NoValidation, "rejects bad arguments", "naming the parameter"),
])
def test_policy_wrong_implementations_fail_the_right_rule(policy: type[TripPolicy], rule: str,
                                                          hint_words: str) -> None:
    fb = check_policy(policy)
    assert not fb.passed
    failed = [d for d in fb.details if d.startswith("✘")]
    assert failed[0].startswith(f"✘ {rule}:"), failed
    assert hint_words in fb.hint


def test_policy_unwritten_class_asks_to_finish_the_methods() -> None:
    fb = check_policy(ref.Unwritten)
    assert not fb.passed and "NotImplementedError" in fb.hint
    assert "is not written yet" in fb.details[0]


@pytest.mark.parametrize(("value", "hint_words"), [
    (ref.SlidingWindowFailureRate(0.5, 4), "Pass the class"),
    (int, "Subclass it"),
    (type("Copy", (FailureRate,), {}), "not FailureRate"),
])
def test_policy_refuses_what_is_not_a_fresh_policy_class(value: Any, hint_words: str) -> None:
    fb = check_policy(value)
    assert not fb.passed and hint_words in fb.hint


# -- exercise 4: backoff ---------------------------------------------------------------------


def test_backoff_reference_passes_every_rule() -> None:
    fb = check_backoff(ref.exponential_backoff)
    assert fb.passed, fb


@pytest.mark.parametrize(("make", "rule", "hint_words"), [
    (ref.backoff_starting_at_zero, "k starts at 1", "first call is delay(1)"),
    (ref.backoff_without_cap, "never above the cap", "smaller of"),
    (ref.backoff_returning_ints, "returns float seconds", "float(...)"),
    (ref.backoff_overflowing, "survives huge k", "overflows"),
    (ref.backoff_unchecked_k, "rejects a bad k", "an int >= 1"),
])
def test_backoff_wrong_implementations_fail_the_right_rule(make: Any, rule: str,
                                                           hint_words: str) -> None:
    fb = check_backoff(make)
    assert not fb.passed
    failed = [d for d in fb.details if d.startswith("✘")]
    assert failed[0].startswith(f"✘ {rule}:"), failed
    assert hint_words in fb.hint


def test_backoff_unwritten_and_not_callable() -> None:
    fb = check_backoff(ref.backoff_unwritten)
    assert not fb.passed and "NotImplementedError" in fb.hint
    fb = check_backoff(2.0)
    assert not fb.passed and "function itself" in fb.hint


# -- exercise 5: diagnosis -------------------------------------------------------------------


def test_diagnosis_answers_read_off_the_timeline_pass() -> None:
    answers = ref.diagnosis_answers()
    fb = check_diagnosis(answers)
    assert fb.passed, fb
    assert check_diagnosis({**answers, "c": round(answers["c"]), "b": "b"}).passed


@pytest.mark.parametrize(("key", "wrong", "hint_words"), [
    ("a", "frontend", "timeline.faults"),
    ("b", "A", "kind and a label"),
    ("d", "A", "holding one of its workers"),
    ("e", 1443, "timeouts column"),
    ("f", "payments", "transition_log"),
])
def test_diagnosis_typical_mistakes_get_the_matching_hint(key: str, wrong: Any,
                                                          hint_words: str) -> None:
    fb = check_diagnosis({**ref.diagnosis_answers(), key: wrong})
    assert not fb.passed and fb.hint.startswith(f"({key})") and hint_words in fb.hint


def test_diagnosis_rejects_choices_that_do_not_exist() -> None:
    fb = check_diagnosis({**ref.diagnosis_answers(), "b": "E", "f": "frontend"})
    assert "'E' is not one of A, B, C, D" in fb.details[1]
    assert "'frontend' is not one of orders, payments" in fb.details[5]


# -- exercise 6: fallback --------------------------------------------------------------------


def test_fallback_measured_numbers_pass() -> None:
    fb = check_fallback(ref.fallback_rates(), ref.fallback_degraded(), ref.FALLBACK_WHY)
    assert fb.passed, fb
    assert "the fallback takes the frontend from" in fb.message
    rounded = {k: round(v, 4) for k, v in ref.fallback_rates().items()}
    assert check_fallback(rounded, float(ref.fallback_degraded()), "d").passed


def test_fallback_mistakes_get_the_matching_hint() -> None:
    rates, degraded = ref.fallback_rates(), ref.fallback_degraded()
    percent = {k: 100 * v for k, v in rates.items()}
    assert "fractions between 0 and 1" in check_fallback(percent, degraded, "D").hint
    missing = {k: v for k, v in rates.items() if k != "fallback"}
    assert "'fallback'" in check_fallback(missing, degraded, "D").hint
    swapped = {**rates, "breakers": rates["neither"]}
    assert "'breakers'" in check_fallback(swapped, degraded, "D").hint
    assert "fallback column" in check_fallback(rates, degraded + 1, "D").hint
    wrong_why = check_fallback(rates, degraded, "A")
    assert not wrong_why.passed and wrong_why.hint.startswith("(why) Where does the time go")
    assert not check_fallback([0.5], degraded, "D").passed
    assert "not a number" in check_fallback({**rates, "neither": "64%"}, degraded, "D").details[2]
