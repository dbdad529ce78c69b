"""Tests for code/gradcheck.py (conftest.py puts code/ on sys.path)."""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck
import tanh_basis as tb


def test_central_difference_jacobians_gradients_and_error() -> None:
    theta = np.array([0.7, -1.3])
    J = gradcheck.central_difference(lambda t: np.array([t[0] * t[1], np.sin(t[0]), t[1] ** 3]),
                                     theta, eps=1e-6)
    expected = [[theta[1], theta[0]], [np.cos(theta[0]), 0.0], [0.0, 3 * theta[1] ** 2]]
    np.testing.assert_allclose(J, expected, rtol=1e-8, atol=1e-9)
    # Outputs then inputs: a (4, 5) output of a (3, 5) theta gives (4, 5, 3, 5).
    J4 = gradcheck.central_difference(lambda W: np.ones((4, 1)) @ W[:1], np.ones((3, 5)))
    assert J4.shape == (4, 5, 3, 5)
    # A scalar output gives the gradient, shaped like theta, which is not modified.
    theta = np.array([[1.0, 2.0], [3.0, -4.0]])
    g = gradcheck.central_difference(lambda t: 0.5 * np.sum(t**2), theta)
    np.testing.assert_allclose(g, [[1.0, 2.0], [3.0, -4.0]], rtol=1e-9)
    np.testing.assert_array_equal(theta, [[1.0, 2.0], [3.0, -4.0]])
    # Truncation regime: dividing eps by 10 divides the error by about 100.
    errs = [abs(gradcheck.central_difference(np.exp, [0.0], eps=e)[0, 0] - 1.0)
            for e in (1e-1, 1e-2)]
    assert 80 < errs[0] / errs[1] < 120


def test_every_error_measure_on_known_values() -> None:
    r = gradcheck.relative_error([1.0, 0.0, -2.0, 1e-20], [1.0, 0.0, 2.0, 2e-20])
    np.testing.assert_allclose(r, [0.0, 0.0, 1.0, 1 / 3])
    assert tb.relative_error is gradcheck.relative_error  # the pages' name: one function
    a = np.array([1.0, -2.0, 0.0])
    n = np.array([1.1, -2.0, 0.0])
    assert gradcheck.check_gradient(a, n) == pytest.approx((0.1, 0.1 / 2.1))
    # Scale-free in its second value.
    assert gradcheck.check_gradient(1000 * a, 1000 * n) == pytest.approx((100.0, 0.1 / 2.1))
    a = np.array([[3.0, 0.0], [0.0, 4.0]])
    n = np.array([[3.0, 0.0], [0.0, 0.0]])
    assert gradcheck.normwise_relative_error(a, n) == pytest.approx(4.0 / (5.0 + 3.0))
    assert gradcheck.normwise_relative_error(a, a) == 0.0
    assert gradcheck.normwise_relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.normwise_relative_error([1.0], [-1.0]) == pytest.approx(1.0)
    assert gradcheck.normwise_relative_error(1e6 * a, 1e6 * n) == pytest.approx(0.5)
    a = np.array([1.0, -2.0, 1e-12, 0.0, 3e-4])
    n = np.array([1.1, -2.0, 0.0, 0.0, 1e-4])
    expected = [0.1 / 2.1, 0.0, 1e-12 / 1e-3, 0.0, 2e-4 / 1e-3]
    np.testing.assert_allclose(gradcheck.floored_relative_error(a, n, floor=1e-3), expected,
                               rtol=1e-14, atol=0)
    # Above the floor it is exactly the entry-wise error.
    big = np.array([0.5, 2.0])
    np.testing.assert_array_equal(gradcheck.floored_relative_error(big, big[::-1], floor=1e-3),
                                  gradcheck.relative_error(big, big[::-1]))


def test_loglog_slope_recovers_a_power() -> None:
    x = np.logspace(-6, -1, 11)
    for p in (-1.0, 0.5, 2.0, 3.0):
        assert gradcheck.loglog_slope(x, 7.0 * x**p) == pytest.approx(p, abs=1e-10)


def test_sech2_reference_against_closed_forms() -> None:
    """The yardstick of tests/test_tanh_basis.py's sech2 tests, checked without tanh_basis."""
    z = np.array([0.0, 0.5, -3.0, 40.0, 300.0])
    ref = gradcheck.sech2_reference(z)
    assert ref[0] == 1.0
    np.testing.assert_allclose(ref[1:3], 1 / np.cosh(z[1:3]) ** 2, rtol=1e-15)
    # 4 e^{-2|z|} has no cancellation for large |z| and equals sech^2 to 1e-26 there.
    np.testing.assert_allclose(ref[3:], 4 * np.exp(-2 * z[3:]), rtol=1e-15)
    assert gradcheck.sech2_reference(np.zeros((2, 3))).shape == (2, 3)


def test_saturated_unit_fails_entrywise_but_passes_normwise_and_floored_errors() -> None:
    """The entry-wise error's figures: test_the_docstrings_saturation_figures."""
    z = np.linspace(0.0, 20.0, 2001)
    basis = tb.TanhBasis([[1.0], [0.0]])  # phi = tanh(x): z = x
    J, NJ = basis.jacobian(z), basis.numerical_jacobian(z)
    # |a - n| stays near machine_eps * |phi| / eps while a = sech2(z) falls from
    # 2e-4 to 2e-10 over 5 < z < 12: the relative error grows as sech2 shrinks.
    mid = (z > 5) & (z < 12)
    bias_err = np.abs(J[mid, 1, 0] - NJ[mid, 1, 0])
    assert np.median(bias_err) > 1e-12 and np.all(bias_err < 1e-9)
    assert bias_err[-1] / J[mid, 1, 0][-1] > 100 * bias_err[0] / J[mid, 1, 0][0]
    # The formula is right, and the error measures that weigh entries by size say so,
    # while a real bug (the bias derivative's sign flipped) still fails both.
    assert gradcheck.normwise_relative_error(J, NJ) < 1e-9
    assert gradcheck.floored_relative_error(J, NJ, floor=1e-3).max() < 1e-7
    J[:, 1, :] *= -1
    assert gradcheck.normwise_relative_error(J, NJ) > 0.1
    assert gradcheck.floored_relative_error(J, NJ, floor=1e-3).max() == pytest.approx(1.0)


MEASURES = {
    "relative": gradcheck.relative_error,
    "check_gradient": gradcheck.check_gradient,
    "normwise": gradcheck.normwise_relative_error,
    "floored": lambda a, n: gradcheck.floored_relative_error(a, n, floor=1e-3),
}


@pytest.mark.parametrize("measure", MEASURES.values(), ids=MEASURES.keys())
@pytest.mark.parametrize(
    ("analytic", "numeric", "exc", "msg"),
    [(np.zeros(3), np.zeros(4), ValueError, "same shape"),
     ([], [], ValueError, "at least one entry"),
     ([1.0], [np.nan], ValueError, "numeric must be finite"),
     ([np.inf], [1.0], ValueError, "analytic must be finite"),
     (["x"], [1.0], TypeError, "analytic must hold real numbers"),
     ([1.0], [1 + 1j], TypeError, "numeric must hold real numbers")],
)
def test_every_error_measure_validates_alike(measure, analytic, numeric, exc, msg) -> None:
    with pytest.raises(exc, match=msg):
        measure(analytic, numeric)


BAD_CALLS = [
    # eps and floor only reach their check: tests/test_validate.py holds the table.
    (gradcheck.central_difference, (np.sin, [1.0]), {"eps": "1e-6"}, TypeError, "eps must be"),
    (gradcheck.floored_relative_error, ([1.0], [1.0]), {"floor": 0.0}, ValueError,
     "floor must be"),
    (gradcheck.central_difference, (3.0, [1.0]), {}, TypeError, "f must be callable"),
    (gradcheck.central_difference, (np.sin, ["a"]), {}, TypeError, "theta must hold real"),
    (gradcheck.central_difference, (np.sin, [np.nan]), {}, ValueError, "theta must be finite"),
    (gradcheck.central_difference, (lambda t: np.ones(3 if t[0] > 0 else 2), [0.0]), {},
     ValueError, "same shape"),
    (gradcheck.central_difference, (lambda t: np.where(t > 0, 1.0, np.inf), [0.0]), {},
     ValueError, "finite"),
    *((gradcheck.loglog_slope, xy, {}, ValueError, match) for *xy, match in [
        ([1.0, 2.0], [1.0, 0.0], "positive"), ([-1.0, 2.0], [1.0, 2.0], "positive"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], "shape"), ([1.0], [1.0], "shape"),
        ([2.0, 2.0], [1.0, 3.0], "two different")]),
    (gradcheck.sech2_reference, ([1.0], 10), {}, ValueError, "dps"),
    (gradcheck.sech2_reference, ([1.0], 30.0), {}, TypeError, "dps"),
    (gradcheck.sech2_reference, ([np.inf],), {}, ValueError, "z must be finite"),
    (gradcheck.sech2_reference, (["x"],), {}, TypeError, "z"),
]


@pytest.mark.parametrize(("fn", "args", "kwargs", "exc", "match"), BAD_CALLS)
def test_a_bad_argument_is_named(fn, args, kwargs, exc, match) -> None:
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


def bias_check(z: np.ndarray, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """The bias entry's central difference and its relative error at each z."""
    quotient = (np.tanh(z + eps) - np.tanh(z - eps)) / (2 * eps)
    return quotient, gradcheck.relative_error(tb.sech2(z), quotient)


def test_the_docstrings_saturation_figures() -> None:
    """'passes 1e-7 near 5', 'exactly 0 from near 12.5', 'close to 1 until near 19'."""
    z = np.linspace(0.0, 20.0, 2_000_001)  # a step of 1e-5
    quotient, rho = bias_check(z)
    assert 4.5 < z[np.argmax(rho > 1e-7)] < 5.5
    first_zero = z[np.argmax(quotient == 0)]
    assert 12.4 < first_zero < 12.6
    assert np.all(rho[z < first_zero] < 1.0)
    # Beyond it the error is 1 where the quotient is 0, and close to but below
    # 1 at the z where it is not: it is not 1 everywhere from |z| = 16 on.
    far = z > 16.0
    assert np.all(rho[far & (quotient == 0)] == 1.0)
    straddles = far & (quotient != 0)
    assert np.any(straddles) and np.all((rho[straddles] > 0.9) & (rho[straddles] < 1.0))
    # It is 1 everywhere beyond the largest z with tanh(z) < 1 (bisection: tanh is monotone).
    eps, lo, hi = 1e-6, 10.0, 30.0
    while lo < (mid := lo + (hi - lo) / 2) < hi:
        lo, hi = (mid, hi) if np.tanh(mid) < 1.0 else (lo, mid)
    assert 18.9 < lo < 19.1
    # Just before: z - eps and z + eps fall on either side of the last step.
    quotient, rho = bias_check(np.array([lo + eps / 2, -(lo + eps / 2)]), eps)
    assert np.all(quotient != 0) and np.all((rho > 0.9) & (rho < 1.0))
    # From there + 2 eps on, z - eps cannot round back onto the last step.
    z = lo + 2 * eps + np.linspace(0.0, 5.0, 200_001)
    for side in (z, -z):
        quotient, rho = bias_check(side, eps)
        assert np.all(quotient == 0) and np.all(rho == 1.0)
