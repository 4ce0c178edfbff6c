"""Calling student code safely: any exception becomes a sentence, not a traceback."""

from __future__ import annotations

from typing import Any

__all__ = ["RuleFailed", "StudentError", "describe", "invoke"]


class StudentError(Exception):
    """Student code raised ``error`` while the checker called ``what``."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__(what, error)
        self.what = what
        self.error = error

    def __str__(self) -> str:
        if isinstance(self.error, NotImplementedError):
            return f"{self.what} is not written yet (it raised NotImplementedError)"
        return f"{self.what} raised {type(self.error).__name__}: {self.error}"


class RuleFailed(Exception):
    """A rule did not hold; the message says what was observed, in words."""


def invoke(obj: Any, method: str, *args: Any) -> Any:
    """``getattr(obj, method)(*args)``, turning any ``Exception`` into
    :class:`StudentError` naming the call."""
    shown = ", ".join(repr(a) for a in args)
    try:
        return getattr(obj, method)(*args)
    except Exception as exc:
        raise StudentError(f"{method}({shown})", exc) from exc


def describe(error: BaseException) -> str:
    """A one-line description of an error raised while checking."""
    if isinstance(error, (StudentError, RuleFailed)):
        return str(error)
    return f"{type(error).__name__}: {error}"
