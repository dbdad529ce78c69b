"""Student answers and their verdicts: each ``answers_*.py`` fills one Corpus per exercise.

Answers are written as students write them, apart from the page's solutions and the checkers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Answer:
    """A student's ``fn``, its verdict's ``status``, and ``gist``: a regex its message matches."""

    fn: Callable
    status: str
    gist: str


@dataclass
class Corpus:
    """The answers to one exercise, checked by ``check.assess_<checker>``."""

    checker: str
    answers: list[Answer] = field(default_factory=list)

    def right(self, fn: Callable) -> Callable:
        """Decorator: a right answer, accepted with a message starting "Correct"."""
        self.answers.append(Answer(fn, "correct", r"^Correct"))
        return fn

    def wrong(self, gist: str, status: str = "wrong") -> Callable[[Callable], Callable]:
        """Decorator: a wrong answer, rejected with a message matching ``gist``."""
        def add(fn: Callable) -> Callable:
            self.answers.append(Answer(fn, status, gist))
            return fn

        return add
