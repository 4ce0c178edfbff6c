"""Feedback objects and fingerprinted answers."""

from __future__ import annotations

import pytest

from circuit_lab import State
from circuit_lab.exercises import Feedback
from circuit_lab.exercises._answers import Question, check_answers, fingerprint, normalize


def test_feedback_reads_as_words_and_hides_the_hint_once_passed() -> None:
    fb = Feedback(False, "1 of 2 answers are right.", hint="Count again.",
                  details=["(a) right", "(b) not right yet"], title="Exercise 0")
    text = str(fb)
    assert text.splitlines()[0] == "Exercise 0: NOT YET: 1 of 2 answers are right."
    assert "  - (b) not right yet" in text
    assert text.endswith("Hint: Count again.")
    assert not fb
    assert repr(fb) == text
    passed = Feedback(True, "all right.", hint="unused")
    assert passed and "Hint" not in str(passed) and passed.verdict == "PASSED"


def test_feedback_markdown_escapes_student_text() -> None:
    fb = Feedback(False, "got <script>alert(1)</script>", hint="a & b")
    md = fb._repr_markdown_()
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "**Hint:** a &amp; b" in md
    assert md.startswith("❌ **NOT YET**")


@pytest.mark.parametrize("kwargs", [{"passed": 1, "message": "m"},
                                    {"passed": True, "message": None},
                                    {"passed": True, "message": "m", "hint": 3}])
def test_feedback_rejects_wrong_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        Feedback(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "value", "text"), [
    ("state", State.HALF_OPEN, "half_open"),
    ("state", " Half-Open ", "half_open"),
    ("state", "OPEN", "open"),
    ("state", "State.CLOSED", "closed"),
    ("choice", "b", "b"),
    ("choice", " B. ", "b"),
    ("service", "Payments", "payments"),
    ("int", 1743, "1743"),
    ("int", 1743.0, "1743"),
    ("seconds", 5, "5.0"),
    ("seconds", 4.96, "5.0"),
    ("whole_seconds", 27.4, "27"),
])
def test_normalize_accepts_the_usual_spellings(kind: str, value: object, text: str) -> None:
    assert normalize(kind, value) == text


@pytest.mark.parametrize(("kind", "value", "error"), [
    ("state", "shut", ValueError),
    ("state", 3, TypeError),
    ("int", 17.5, ValueError),
    ("int", True, TypeError),
    ("seconds", float("nan"), ValueError),
    ("seconds", "5", TypeError),
    ("colour", "red", ValueError),
])
def test_normalize_refuses_what_it_cannot_read(kind: str, value: object,
                                               error: type[Exception]) -> None:
    with pytest.raises(error):
        normalize(kind, value)


def test_check_answers_gives_the_hint_of_the_first_wrong_answer() -> None:
    questions = (
        Question("a", "two plus two", "int", fingerprint("t", "a", "int", 4), "Count on fingers."),
        Question("b", "colour", "choice", fingerprint("t", "b", "choice", "c"), "Look up.",
                 ("a", "b", "c")),
    )
    fb = check_answers("t", "Test", questions, {"a": 5, "b": "c", "z": 1})
    assert not fb.passed
    assert fb.message == "1 of 2 answers are right."
    assert fb.hint == "(a) Count on fingers."
    assert "ignored unknown keys: z (expected a, b)" in fb.details
    bad_choice = check_answers("t", "Test", questions, {"a": 4, "b": "q"})
    assert "'q' is not one of A, B, C" in bad_choice.details[1]
    assert check_answers("t", "Test", questions, {"a": 4.0, "b": "C"}).passed
    not_a_dict = check_answers("t", "Test", questions, ["a", 4])
    assert not not_a_dict.passed and "dict" in not_a_dict.message
