"""Tests for code/verdict.py: each helper of the checkers' judging alone, on small arrays."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import verdict as vd


def stub_none(*args: object) -> None:
    return None


def test_attempt_calls_on_copies_and_names_a_stub_a_change_in_place_or_a_non_function() -> None:
    X = np.arange(3.0)

    def vandal(A, scale):
        A *= scale
        return A

    def unfinished(x):
        raise NotImplementedError

    out, verdict = vd.attempt(lambda A, scale: A * scale, X, 2.0)
    assert verdict is None and out.tolist() == [0.0, 2.0, 4.0]
    out, verdict = vd.attempt(vandal, X, 2.0, names=("X",))
    assert out is None and verdict.status == "wrong"
    assert verdict.message.startswith("vandal changes its input X in place")
    assert X.tolist() == [0.0, 1.0, 2.0]  # the caller's array is untouched
    nameless = functools.partial(vandal)  # no __name__, no names of the inputs
    assert vd.attempt(nameless, X, 2.0)[1].message.startswith(
        "your function changes its input argument 1 in place")
    out, verdict = vd.attempt(unfinished, 1.0, case="for eps = 1e-18")
    assert out is None and verdict.status == "wrong"  # a stub after the first call
    assert verdict.message.startswith("Unfinished: unfinished raises NotImplementedError")
    assert "for eps = 1e-18" in verdict.message
    with pytest.raises(TypeError, match="fn must be the function you wrote, got str"):
        vd.attempt("my_answer")


def test_guarded_turns_a_checker_error_into_a_verdict_but_not_the_students() -> None:
    @vd.guarded
    def assess(fn):
        out, _ = vd.attempt(fn, 1.0)
        return vd.Verdict("correct" if out[0] == 1 else "wrong", "Correct")  # out[0] may fail

    v = assess(lambda x: 1.0)  # a float cannot be indexed: the checker's own error
    assert v.status == "wrong" and "could not compare" in v.message and "TypeError" in v.message
    with pytest.raises(ZeroDivisionError) as info:  # raised by attempt, let through by both
        assess(lambda x: x / 0)
    assert info.traceback[-1].name == "<lambda>"  # the traceback ends at the student's line


@pytest.mark.parametrize(("out", "says"), [
    ([[1, 2], [3, 4]], None),
    (np.array([2 + 0j]), None),  # no imaginary part: a real answer
    ({"a": 1}, "returned a dict"),
    ([np.zeros(2), np.zeros(3)], "rows of different lengths"),
])
def test_as_float_array(out, says) -> None:
    got, wrong = vd.as_float_array(out, stub_none, "an array of shape (N, K)")
    if says is None:
        assert wrong is None and got.dtype == np.float64
        np.testing.assert_array_equal(got, np.real(out))
    else:
        assert wrong.status == "wrong" and says in wrong.message
        assert wrong.message.endswith("expected an array of shape (N, K).")


def test_is_single_by_dtype_or_by_float32_values() -> None:
    x = np.array([0.1, 0.7])
    assert vd.is_single(x.astype(np.float32), x.astype(np.float32).astype(np.float64))
    assert vd.is_single(None, x.astype(np.float32).astype(np.float64))
    assert not vd.is_single(x, x)
    assert not vd.is_single(None, np.array([1.0, 2.0]))  # whole numbers say nothing


def test_mismatch_uses_rtol_atol_and_a_floor_and_flags_non_finite() -> None:
    expected = np.array([1.0, 1.0, 0.0, 2.0])
    # Close, far, below the floor beside the largest entry (2), not finite.
    got = np.array([1.0 + 0.5 * vd.RTOL, 1.0 + 2 * vd.RTOL, 0.5 * vd.FLOOR * 2.0, np.nan])
    np.testing.assert_array_equal(vd.mismatch(got, expected, 0.0), [False, True, False, True])
    got[2] = 1e-12
    np.testing.assert_array_equal(vd.mismatch(got, expected, 0.0), [False, True, True, True])
    np.testing.assert_array_equal(vd.mismatch(got, expected, 1e-11),
                                  [False, False, False, True])


EXPECTED = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize(("got", "says"), [
    (EXPECTED.transpose(2, 0, 1), "axes are in the order (K, N, D); put them in"),
    (EXPECTED.ravel(), "reshape the result to (2, 3, 4)"),
    (EXPECTED.ravel()[::-1], "right number of entries, so check the order"),
    (np.zeros(5), "stub_none returned an array of shape (5,); expected (N, D, K) = (2, 3, 4)."),
])
def test_shape_verdict_names_permuted_axes_reshape_and_plain_shapes(got, says) -> None:
    assert vd.shape_verdict(EXPECTED.copy(), EXPECTED, ("N", "D", "K"), stub_none, 0.0) is None
    assert says in vd.shape_verdict(got, EXPECTED, ("N", "D", "K"), stub_none, 0.0).message


def test_constant_factor() -> None:
    expected = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert vd.constant_factor(-0.5 * expected, expected, 0.0) == pytest.approx(-0.5)
    assert vd.constant_factor(expected, expected, 0.0) is None  # c = 1 is no mistake
    skewed = expected * np.array([[2.0, 2.0], [2.0, 3.0]])
    assert vd.constant_factor(skewed, expected, 0.0) is None
    assert vd.constant_factor(np.ones(3), np.zeros(3), 0.0) is None


def test_compare_correct_nonfinite_and_factor() -> None:
    """Through the checkers, in tests/student_answers/test_corpus.py: a wrong shape, a known
    mistake before the factor that also explains it (wrong_sign), wrong entries named."""
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    compare = functools.partial(vd.compare, expected=expected, fn=stub_none, axes=("N", "D"),
                                label=vd.label_nd, intro="Intro.", correct="Correct: yes.",
                                scale_hint=" Hint.", mistakes=[])
    right = compare(expected.copy())
    assert right == vd.Verdict("correct", "Correct: yes.") and str(right) == "Correct: yes."
    with_nan = expected.copy()
    with_nan[1, 0] = np.inf
    v = compare(with_nan)
    assert v.message.startswith("1 entry is not finite") and "(n, d) = (2, 1)" in v.message
    v = compare(-expected, mistakes=[(np.zeros(3), "Other shape: skipped.")])
    assert v.message.startswith("Your entries are all -1 times") and v.message.endswith(" Hint.")


def test_fixed_data_shapes_repeatable_and_away_from_zero_and_one() -> None:
    X, W = vd.fixed_data(6, 3, 2, seed=11)
    assert X.shape == (6, 3) and W.shape == (4, 2)
    assert np.all((np.abs(X) >= 1.2) & (np.abs(X) <= 2.0))
    again = vd.fixed_data(6, 3, 2, seed=11)
    assert np.array_equal(again[0], X) and np.array_equal(again[1], W)
    assert not np.array_equal(vd.fixed_data(6, 3, 2, seed=12)[0], X)
