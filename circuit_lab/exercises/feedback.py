"""What every checker returns: pass/fail in words, a hint, never the answer.

>>> fb = Feedback(False, "2 of 3 predictions are right.", hint="Count only consecutive failures.")
>>> print(fb)
NOT YET: 2 of 3 predictions are right.
Hint: Count only consecutive failures.
>>> bool(fb)
False
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Feedback"]


@dataclass(frozen=True)
class Feedback:
    """The result of one check.

    ``passed``: whether every rule held. ``message``: what was checked and what was
    found, in words. ``hint``: what to look at next (empty when passed). ``details``:
    one line per question or rule, e.g. ``"(b) right"``. ``title``: the exercise's
    name. ``bool(feedback)`` is ``passed``, so ``assert feedback`` works.
    """

    passed: bool
    message: str
    hint: str = ""
    details: Sequence[str] = field(default_factory=tuple)
    title: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.passed, bool):
            raise TypeError(f"passed must be a bool, got {self.passed!r}")
        if not isinstance(self.message, str):
            raise TypeError(f"message must be a str, got {self.message!r}")
        if not isinstance(self.hint, str):
            raise TypeError(f"hint must be a str, got {self.hint!r}")
        object.__setattr__(self, "details", tuple(str(d) for d in self.details))

    def __bool__(self) -> bool:
        return self.passed

    @property
    def verdict(self) -> str:
        """``"PASSED"`` or ``"NOT YET"``: words, so colour is never the only cue."""
        return "PASSED" if self.passed else "NOT YET"

    def __str__(self) -> str:
        head = f"{self.title}: " if self.title else ""
        lines = [f"{head}{self.verdict}: {self.message}"]
        lines += [f"  - {d}" for d in self.details]
        if self.hint and not self.passed:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        mark = "✅" if self.passed else "❌"
        head = f"{html.escape(self.title)}: " if self.title else ""
        lines = [f"{mark} **{head}{self.verdict}** — {html.escape(self.message)}"]
        if self.details:
            lines.append("")
            lines += [f"- {html.escape(d)}" for d in self.details]
        if self.hint and not self.passed:
            lines += ["", f"**Hint:** {html.escape(self.hint)}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)
