"""Students' answers to the eight exercises, and the verdict each one must get.

Every correct answer is accepted; every wrong answer is rejected with a
message that carries the gist of its mistake. The answers live in the
``answers_*`` modules beside this one.
"""

from __future__ import annotations

import numpy as np
import pytest
from answers_chain import input_jac, jvp, shared, two_layer
from answers_dropped import dropped
from answers_shift import shift
from answers_sigmoid import central_difference, sigmoid
from answers_zeros import zeros

import check
import verdict

CORPORA = [zeros, sigmoid, dropped, jvp, input_jac, two_layer, shared, shift]
CASES = [(corpus.checker, answer) for corpus in CORPORA for answer in corpus.answers]


@pytest.mark.parametrize(("checker", "answer"), CASES,
                         ids=[f"{c}-{a.fn.__name__}" for c, a in CASES])
def test_verdict_and_its_gist(checker, answer) -> None:
    verdict = getattr(check, f"assess_{checker}")(answer.fn)
    assert verdict.status == answer.status, verdict.message
    assert answer.says_gist(verdict.message), verdict.message


@pytest.mark.parametrize("corpus", CORPORA, ids=[c.checker for c in CORPORA])
def test_each_exercise_has_four_right_and_ten_wrong_answers(corpus) -> None:
    right = [a for a in corpus.answers if a.status == "correct"]
    assert len(right) >= 4 and len(corpus.answers) - len(right) >= 10
    names = [a.fn.__name__ for a in corpus.answers]
    assert len(set(names)) == len(names)  # a copied answer would hide another


def test_every_exercise_of_the_page_has_a_corpus() -> None:
    names = {n.removeprefix("assess_") for n in check.__all__ if n.startswith("assess_")}
    assert {c.checker for c in CORPORA} == names


def test_the_corpus_fails_when_the_tolerance_is_loosened(monkeypatch) -> None:
    """The mutation check: at the old tolerance, 1e-9, a central difference is not named."""
    def named_numerical() -> bool:
        v = check.assess_sigmoid_jacobian(central_difference)
        return v.status == "wrong" and "looks numerical" in v.message

    assert named_numerical()
    monkeypatch.setattr(verdict, "RTOL", 1e-9)
    assert not named_numerical()


MALFORMED = [
    [], [[1.0, 2.0], [3.0]], "an answer", {"J": 1.0}, object(), np.array(np.nan),
    np.float32(1.0), 1j, np.zeros(0), np.array([[1.0, None]]), True, (x for x in [1.0]),
    [["a", "b"]], np.zeros((2, 3, 4, 5)), -np.inf, 10**400, np.array(["1.0"]),
]


@pytest.mark.parametrize("checker", sorted(c.checker for c in CORPORA))
@pytest.mark.parametrize("value", MALFORMED, ids=[f"{type(v).__name__}{i}"
                                                  for i, v in enumerate(MALFORMED)])
def test_a_malformed_return_value_gets_a_verdict_not_an_error(checker, value) -> None:
    def returns_it(*args):
        return value

    verdict = getattr(check, f"assess_{checker}")(returns_it)
    assert verdict.status == "wrong", verdict.message
    assert "could not compare" not in verdict.message  # foreseen, not caught by the guard
