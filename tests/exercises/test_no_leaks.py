"""The checkers of questions with one right answer hold fingerprints, not answers.

The answers are computed here (by running the breaker and the simulator), then we check
that the checker modules hold no mapping from question to answer and none of the
numeric answers as a constant, and that every stored fingerprint matches the answer the
package produces today (so a change to the simulator cannot silently break an exercise).
"""

from __future__ import annotations

import ast
import inspect
import re
from types import ModuleType

import exercise_reference as ref
import pytest

from circuit_lab import State
from circuit_lab.exercises import diagnosis, fallback, predict
from circuit_lab.exercises._answers import Question, fingerprint

FINGERPRINTED: list[tuple[ModuleType, str, tuple[Question, ...]]] = [
    (predict, "ex1", predict.QUESTIONS),
    (diagnosis, "ex5", diagnosis.QUESTIONS),
    (fallback, "ex6", (fallback.WHY,)),
]


def _answers(exercise: str) -> dict[str, object]:
    if exercise == "ex1":
        return ref.predicted_states()
    if exercise == "ex5":
        return ref.diagnosis_answers()
    return {"why": ref.FALLBACK_WHY}


def _constants(module: ModuleType) -> list[object]:
    tree = ast.parse(inspect.getsource(module))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]


@pytest.mark.parametrize(("module", "exercise", "questions"), FINGERPRINTED)
def test_every_fingerprint_matches_the_answer_the_package_gives_today(
    module: ModuleType, exercise: str, questions: tuple[Question, ...]
) -> None:
    answers = _answers(exercise)
    for q in questions:
        assert re.fullmatch(r"[0-9a-f]{64}", q.digest), q.key
        assert fingerprint(exercise, q.key, q.kind, answers[q.key]) == q.digest, q.key


@pytest.mark.parametrize(("module", "exercise", "questions"), FINGERPRINTED)
def test_no_mapping_from_question_to_answer_in_the_source(
    module: ModuleType, exercise: str, questions: tuple[Question, ...]
) -> None:
    keys = {q.key for q in questions}
    tree = ast.parse(inspect.getsource(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                literal = isinstance(k, ast.Constant) and k.value in keys
                assert not (literal and isinstance(v, ast.Constant)), (
                    f"{module.__name__}: question {k.value!r} mapped to a constant")  # type: ignore[union-attr]
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
            for kw in node.keywords:
                assert not (kw.arg in keys and isinstance(kw.value, ast.Constant)), kw.arg


@pytest.mark.parametrize(("module", "exercise", "questions"), FINGERPRINTED)
def test_no_numeric_or_state_answer_is_a_constant(
    module: ModuleType, exercise: str, questions: tuple[Question, ...]
) -> None:
    answers = _answers(exercise)
    constants = _constants(module)
    numbers = {c for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)}
    strings = {c for c in constants if isinstance(c, str)}
    for q in questions:
        value = answers[q.key]
        if q.kind in ("int", "seconds", "whole_seconds"):
            assert isinstance(value, (int, float))
            assert value not in numbers and round(value) not in numbers, q.key
        if isinstance(value, State):
            assert value.value not in strings, q.key
        if q.choices:  # a service or letter may appear only among all the choices
            assert len(q.choices) >= 2
            assert str(value).lower() in q.choices


def test_the_answers_are_not_in_the_hints_either() -> None:
    answers = ref.diagnosis_answers()
    for q in diagnosis.QUESTIONS:
        if q.kind in ("int", "whole_seconds"):
            assert str(round(answers[q.key])) not in q.hint + q.prompt
    states = ref.predicted_states()
    for q in predict.QUESTIONS:
        value = states[q.key]
        if isinstance(value, float):
            assert f"{value:g} s" not in q.hint, q.key
