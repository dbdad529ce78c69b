"""Tests for code/verdict.py: the checkers' shared judging, on small made-up arrays.

The checkers' own messages are tested by tests/student_answers/ (and
tests/test_check.py); here each helper is tested alone, so that a broken
helper is named by the test that fails. Its wording is tests/test_report.py's.
"""

from __future__ import annotations

import numpy as np
import pytest

import verdict as vd


def stub_none(*args: object) -> None:
    return None


def stub_raises(*args: object) -> None:
    raise NotImplementedError


# ------------------------------------------------------------------ Verdict
def test_verdict_ok_only_when_correct_and_str_is_the_message() -> None:
    assert vd.Verdict("correct", "fine").ok
    for status in ("not attempted", "wrong", "imprecise"):
        assert not vd.Verdict(status, "no").ok
    assert str(vd.Verdict("wrong", "the message")) == "the message"


# ------------------------------------------------------------------ attempt
@pytest.mark.parametrize("stub", [stub_none, stub_raises])
def test_attempt_recognises_a_stub_and_names_it(stub) -> None:
    out, verdict = vd.attempt(stub, 1.0)
    assert out is None and verdict is not None
    assert verdict.status == "not attempted"
    assert verdict.message.startswith(f"Not attempted yet: {stub.__name__}")


def test_attempt_passes_copies_and_returns_the_result() -> None:
    X = np.arange(3.0)

    def doubles(A, scale):
        return A * scale

    out, verdict = vd.attempt(doubles, X, 2.0)
    assert verdict is None
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])


def test_attempt_names_an_input_changed_in_place_and_keeps_the_callers() -> None:
    X = np.arange(3.0)

    def vandal(A, scale):
        A *= scale
        return A

    out, verdict = vd.attempt(vandal, X, 2.0, names=("X",))
    assert out is None and verdict.status == "wrong"
    assert verdict.message.startswith("vandal changes its input X in place")
    np.testing.assert_array_equal(X, [0.0, 1.0, 2.0])  # the caller's array is untouched
    _, verdict = vd.attempt(vandal, X, 2.0)
    assert "changes its input argument 1 in place" in verdict.message


@pytest.mark.parametrize("stub", [stub_none, stub_raises])
def test_attempt_after_the_first_call_calls_a_stub_unfinished(stub) -> None:
    out, verdict = vd.attempt(stub, 1.0, case="for eps = 1e-18")
    assert out is None and verdict.status == "wrong"
    assert verdict.message.startswith(f"Unfinished: {stub.__name__}")
    assert "for eps = 1e-18" in verdict.message


def test_guarded_turns_a_checker_error_into_a_verdict_but_not_the_students() -> None:
    @vd.guarded
    def assess(fn):
        out, _ = vd.attempt(fn, 1.0)
        return vd.Verdict("correct" if out[0] == 1 else "wrong", "Correct")  # out[0] may fail

    v = assess(lambda x: 1.0)  # a float cannot be indexed: the checker's own error
    assert v.status == "wrong" and "could not compare" in v.message and "TypeError" in v.message

    def broken(x):
        return x / 0

    with pytest.raises(ZeroDivisionError) as info:
        assess(broken)
    assert info.traceback[-1].name == "broken"  # the traceback ends at the student's line


def test_attempt_lets_other_errors_through_and_rejects_a_non_function() -> None:
    def broken(x):
        return 1 / 0

    with pytest.raises(ZeroDivisionError):
        vd.attempt(broken, 1.0)
    with pytest.raises(TypeError, match="fn must be the function you wrote, got str"):
        vd.attempt("my_answer")


def test_function_name_falls_back_for_a_nameless_callable() -> None:
    assert vd.function_name(stub_none) == "stub_none"
    assert vd.function_name(np.sin) == "sin"

    class Nameless:
        def __call__(self) -> None:
            return None

    assert vd.function_name(Nameless()) == "your function"


def test_as_float_array() -> None:
    got, wrong = vd.as_float_array([[1, 2], [3, 4]], stub_none, "an array")
    assert wrong is None and got.dtype == np.float64 and got.shape == (2, 2)
    got, wrong = vd.as_float_array({"a": 1}, stub_none, "an array of shape (N, K)")
    assert wrong is not None and wrong.status == "wrong"
    assert "returned a dict" in wrong.message and "expected an array of shape (N, K)" in (
        wrong.message)
    _, wrong = vd.as_float_array([np.zeros(2), np.zeros(3)], stub_none, "an array")
    assert "rows of different lengths" in wrong.message
    _, wrong = vd.as_float_array(np.array([1 + 1e-9j]), stub_none, "an array")
    assert "complex numbers" in wrong.message
    got, wrong = vd.as_float_array(np.array([2 + 0j]), stub_none, "an array")
    assert wrong is None and got.tolist() == [2.0]  # no imaginary part: a real answer


def test_is_single_by_dtype_or_by_float32_values() -> None:
    x = np.array([0.1, 0.7])
    assert vd.is_single(x.astype(np.float32), x.astype(np.float32).astype(np.float64))
    assert vd.is_single(None, x.astype(np.float32).astype(np.float64))
    assert not vd.is_single(x, x)
    assert not vd.is_single(None, np.array([1.0, 2.0]))  # whole numbers say nothing


# --------------------------------------------------------------- comparing
def test_mismatch_uses_rtol_atol_and_a_floor_and_flags_non_finite() -> None:
    expected = np.array([1.0, 1.0, 0.0, 2.0])
    close = 1.0 + 0.5 * vd.RTOL
    far = 1.0 + 2 * vd.RTOL
    below_floor = 0.5 * vd.FLOOR * 2.0  # beside the largest entry, 2
    got = np.array([close, far, below_floor, np.nan])
    np.testing.assert_array_equal(vd.mismatch(got, expected, 0.0), [False, True, False, True])
    got[2] = 1e-12
    np.testing.assert_array_equal(vd.mismatch(got, expected, 0.0), [False, True, True, True])
    np.testing.assert_array_equal(vd.mismatch(got, expected, 1e-11),
                                  [False, False, False, True])


def test_shape_verdict_names_permuted_axes_reshape_and_plain_shapes() -> None:
    expected = np.arange(24.0).reshape(2, 3, 4)
    assert vd.shape_verdict(expected.copy(), expected, ("N", "D", "K"), stub_none, 0.0) is None
    moved = vd.shape_verdict(expected.transpose(2, 0, 1), expected, ("N", "D", "K"),
                             stub_none, 0.0)
    assert "axes are in the order (K, N, D); put them in the order (N, D, K)" in moved.message
    flat = vd.shape_verdict(expected.ravel(), expected, ("N", "D", "K"), stub_none, 0.0)
    assert "reshape the result to (2, 3, 4)" in flat.message
    shuffled = vd.shape_verdict(expected.ravel()[::-1], expected, ("N", "D", "K"),
                                stub_none, 0.0)
    assert "right number of entries, so check the order" in shuffled.message
    small = vd.shape_verdict(np.zeros(5), expected, ("N", "D", "K"), stub_none, 0.0)
    assert "stub_none returned an array of shape (5,)" in small.message
    assert "(N, D, K) = (2, 3, 4)" in small.message


def test_constant_factor() -> None:
    expected = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert vd.constant_factor(-0.5 * expected, expected, 0.0) == pytest.approx(-0.5)
    assert vd.constant_factor(expected, expected, 0.0) is None  # c = 1 is no mistake
    skewed = expected * np.array([[2.0, 2.0], [2.0, 3.0]])
    assert vd.constant_factor(skewed, expected, 0.0) is None
    assert vd.constant_factor(np.ones(3), np.zeros(3), 0.0) is None


def _compare(got, expected, mistakes=()):
    return vd.compare(got, expected, fn=stub_none, axes=("N", "D"), mistakes=list(mistakes),
                      label=vd.label_nd, intro="Intro.", correct="Correct: yes.",
                      scale_hint=" Hint.")


def test_compare_order_correct_shape_nonfinite_mistake_factor_entries() -> None:
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert _compare(expected.copy(), expected) == vd.Verdict("correct", "Correct: yes.")
    assert _compare(expected[:, :1], expected).message.startswith("Wrong shape")
    with_nan = expected.copy()
    with_nan[1, 0] = np.inf
    v = _compare(with_nan, expected)
    assert v.message.startswith("1 entry is not finite") and "(n, d) = (2, 1)" in v.message
    # A known mistake wins over the constant factor that also explains it.
    v = _compare(-expected, expected, [(-expected, "Sign.")])
    assert v == vd.Verdict("wrong", "Sign.")
    v = _compare(-expected, expected, [(np.zeros(3), "Other shape: skipped.")])
    assert v.message.startswith("Your entries are all -1 times") and v.message.endswith(" Hint.")
    off = expected.copy()
    off[0, 1] = 7.0
    assert _compare(off, expected).message.startswith("1 of 4 entries are wrong. Intro.")


# ------------------------------------------------------------- fixed inputs
def test_fixed_data_shapes_repeatable_and_away_from_zero_and_one() -> None:
    X, W = vd.fixed_data(6, 3, 2, seed=11)
    assert X.shape == (6, 3) and W.shape == (4, 2)
    X2, W2 = vd.fixed_data(6, 3, 2, seed=11)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(W, W2)
    assert np.all((np.abs(X) >= 1.2) & (np.abs(X) <= 2.0))
    assert not np.array_equal(vd.fixed_data(6, 3, 2, seed=12)[0], X)
