"""What every corpus module shares: student answers and the verdicts they must get.

Each ``answers_*.py`` module fills one :class:`Corpus` per exercise. The
answers are written as students write them (loops, einsum, products of
Jacobians, reverse mode, the complex step; and the usual mistakes),
independently of the page's model solutions and of the checkers'
references. ``test_corpus.py`` runs them all through ``check.assess_<name>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Answer:
    """A student's function and what the checker must say about it.

    Attributes
    ----------
    fn : callable
        The student's answer.
    status : str
        The verdict's status: ``"correct"``, ``"wrong"`` or ``"imprecise"``.
    gist : str
        A regular expression the message must match (case-insensitive): the
        gist of the mistake, so that a message naming another cause fails.
    """

    fn: Callable
    status: str
    gist: str

    def says_gist(self, message: str) -> bool:
        """Whether ``message`` carries the gist."""
        return re.search(self.gist, message, flags=re.IGNORECASE | re.DOTALL) is not None


@dataclass
class Corpus:
    """The answers to one exercise, checked by ``check.assess_<checker>``."""

    checker: str
    answers: list[Answer] = field(default_factory=list)

    def right(self, fn: Callable) -> Callable:
        """Decorator: a correct answer, accepted with a message starting "Correct"."""
        self.answers.append(Answer(fn, "correct", r"^Correct"))
        return fn

    def wrong(self, gist: str, status: str = "wrong") -> Callable[[Callable], Callable]:
        """Decorator: a wrong answer, rejected with a message matching ``gist``."""
        def add(fn: Callable) -> Callable:
            self.answers.append(Answer(fn, status, gist))
            return fn

        return add
