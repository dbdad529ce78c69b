"""Students' answers (``answers_*.py``) to the eight exercises get their verdict and its gist."""

from __future__ import annotations

import re

import numpy as np
import pytest
from answers_chain import input_jac, input_loops, jvp, shared, shared_loops, two_layer, two_loops
from answers_dropped import dropped
from answers_shift import shift
from answers_sigmoid import central_difference, einsum_expit, sigmoid, with_ones
from answers_zeros import zeros
from student_corpus import Answer

import check
import verdict

CORPORA = [zeros, sigmoid, dropped, jvp, input_jac, two_layer, shared, shift]
#: Every checker of the page, by check's public assess_<name>.
NAMES = sorted(n.removeprefix("assess_") for n in check.__all__ if n.startswith("assess_"))


def one_entry_off(right, index):
    """``right`` with the entry at ``index`` 0.5 too large."""
    def one_entry_off(*args):
        out = right(*args)
        out[index] += 0.5
        return out

    return one_entry_off


def sigmoid_via_tanh(X, W):
    t = np.tanh(with_ones(X) @ W / 2)
    return with_ones(X)[:, :, None] * (0.25 * (1 + t) * (1 - t))[:, None, :]


def says(*parts: str) -> str:
    """A gist: ``parts``, literally and in this order."""
    return ".*".join(map(re.escape, parts))


#: Messages whose details matter beyond their gist: a wrong entry named by the
#: math's 1-based indices and the code's, the case tried, the side that cancels.
DETAILS = {
    "one_minus_sigma": "^(?!.*-inf).*" + says(
        "(at z = 40 your entry is 0 where", "1 - sigma(z) cancels as z -> +inf",
        "sigma(z) * sigma(-z)"),
    "forgot_bias": says("For (N, D, K) = (4, 2, 3) you return 48", "has 72 zeros"),
}
MORE = [
    ("sigmoid_jacobian", Answer(one_entry_off(einsum_expit, (1, 3, 0)), "wrong", "^" + says(
        "1 of 40 entries are wrong", "counted from 1",
        "(n, d, k) = (2, 4, 1) [dPhi[1, 3, 0] in code]"))),
    ("sigmoid_jacobian", Answer(lambda X, W: 4 * einsum_expit(X, W), "wrong",
                                says("all 4 times the right ones"))),
    ("sigmoid_jacobian", Answer(
        lambda X, W: np.broadcast_to(with_ones(X)[:, :, None], (len(X), *W.shape)), "wrong",
        says("chain-rule factor sigma'(z_nk)", "missing"))),
    ("sigmoid_jacobian", Answer(sigmoid_via_tanh, "imprecise",
                                says("z -> +inf (at z = 40", "z -> -inf (at z = -40"))),
    ("shared_bias_jacobian", Answer(one_entry_off(shared_loops, (4, 6)), "wrong", says(
        "row (n, k) = (2, 2), column the shared bias beta [F[4, 6] in code]"))),
    ("input_jacobian", Answer(one_entry_off(input_loops, (3, 1)), "wrong", says(
        "(k, d) = (4, 2) [index [3, 1] in code]"))),
    ("two_layer_jacobian", Answer(one_entry_off(two_loops, (2, 0)), "wrong", says(
        "For D = 3, K1 = 3, K2 = 3", "(k, d) = (3, 1) [index [2, 0] in code]"))),
]
CASES = [(corpus.checker, answer) for corpus in CORPORA for answer in corpus.answers] + MORE


@pytest.mark.parametrize(("checker", "answer"), CASES,
                         ids=[f"{c}-{a.fn.__name__}" for c, a in CASES])
def test_verdict_and_its_gist(checker, answer) -> None:
    verdict = getattr(check, f"assess_{checker}")(answer.fn)
    assert verdict.status == answer.status, verdict.message
    assert verdict.ok == (answer.status == "correct")
    for gist in (answer.gist, DETAILS.get(answer.fn.__name__, "")):
        assert re.search(gist, verdict.message, flags=re.IGNORECASE | re.DOTALL), verdict.message


@pytest.mark.parametrize("checker", NAMES)
def test_each_exercise_has_a_corpus_of_four_right_and_ten_wrong_answers(checker) -> None:
    (corpus,) = [c for c in CORPORA if c.checker == checker]
    right = [a for a in corpus.answers if a.status == "correct"]
    assert len(right) >= 4 and len(corpus.answers) - len(right) >= 10
    names = [a.fn.__name__ for a in corpus.answers]
    assert len(set(names)) == len(names)  # a copied answer would hide another


def test_the_corpus_fails_when_the_tolerance_is_loosened(monkeypatch) -> None:
    """At the old tolerance, 1e-9, a central difference is not named numerical."""
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


@pytest.mark.parametrize("checker", NAMES)
@pytest.mark.parametrize("value", MALFORMED, ids=[f"{type(v).__name__}{i}"
                                                  for i, v in enumerate(MALFORMED)])
def test_a_malformed_return_value_gets_a_verdict_not_an_error(checker, value) -> None:
    def returns_it(*args):
        return value

    verdict = getattr(check, f"assess_{checker}")(returns_it)
    assert verdict.status == "wrong", verdict.message
    assert "could not compare" not in verdict.message  # foreseen, not caught by the guard
