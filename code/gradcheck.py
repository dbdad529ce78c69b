"""Tools for checking derivatives: central differences, error measures, references.

The tanh basis itself lives in ``tanh_basis``; this module holds what a
gradient check needs around it, for any function of an array of parameters:

* :func:`central_difference` estimates a Jacobian (outputs x inputs, as
  everywhere in the book) of an arbitrary function ``f(theta)``;
* :func:`relative_error` is the entry-wise relative error
  ``|J - J_num| / (|J| + |J_num|)`` (0 where both are 0), and
  :func:`check_gradient` summarises a comparison by its maximum and the
  maximum absolute difference;
* :func:`normwise_relative_error` and :func:`floored_relative_error` are the
  two measures that stay meaningful where the entry-wise one does not (tiny
  or saturated derivatives, see "Which error to trust" below);
* :func:`loglog_slope` measures the order of an error curve on a log-log plot;
* :func:`sech2_reference` evaluates ``sech(z)**2`` in high precision (mpmath),
  the yardstick for the float64 formulas.

The four error measures compare ``analytic`` and ``numeric``, the same
derivatives from a formula and from differences: real, finite, of the same
shape, with at least one entry (checked by ``validate.estimate_pair``, which
raises ``TypeError`` or ``ValueError`` naming the argument). The relative
errors do not change when the derivatives are scaled (``max |J - J_num|``
grows with ``x``) and lie in ``[0, 1]``.

Which error to trust
--------------------
A central difference with step ``eps`` has a round-off error of about
``machine_eps * |f| / eps`` (about 1e-10 for ``|phi| <= 1`` and eps = 1e-6),
and that error does not shrink when the derivative does. So the entry-wise
relative error ``|J - J_num| / (|J| + |J_num|)`` is only small where the derivative is
well above that floor: no single threshold fits every problem.

* A derivative near or below the floor (a tiny input ``x_nd``, a unit far into
  its flat part) gets a relative error of 1e-7 or more from round-off alone,
  although the formula is right.
* A saturating unit loses the check gradually. For a bias entry with
  eps = 1e-6 the entry-wise relative error passes 1e-7 near ``|z| = 5``
  (the chapter's floating-point page measures where). From ``|z|`` near
  12.5 on, ``tanh(z + eps)`` and ``tanh(z - eps)`` mostly round to the same
  double, so the difference quotient is exactly 0 while ``sech2(z)`` is not,
  and the entry-wise relative error is exactly 1. Where the two fall on
  either side of a rounding step of ``tanh``, the quotient is that step over
  ``2 eps`` instead, far larger than ``sech2(z)``, and the error is close to
  1 but below it. That keeps happening, at isolated ``z``, until ``tanh``
  rounds to exactly +-1 near ``|z| = 19``; only beyond is the error 1 at
  every ``z``.

The norm-wise error ``||J - J_num|| / (||J|| + ||J_num||)`` weighs each entry by its
size, so such entries cannot dominate; the floored error
``|J - J_num| / max(|J| + |J_num|, floor)`` judges entries below ``floor`` by their
absolute difference (the floor is round-off / tolerance, see there). A real
bug (a missing factor ``x_nd``, a wrong sign) changes large entries and is
caught by both.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from validate import estimate_pair, integer, positive_number, real_array, require_finite

__all__ = [
    "central_difference",
    "check_gradient",
    "floored_relative_error",
    "loglog_slope",
    "normwise_relative_error",
    "relative_error",
    "sech2_reference",
]

Array = NDArray[np.float64]


def central_difference(
    f: Callable[[Array], ArrayLike], theta: ArrayLike, eps: float = 1e-6
) -> Array:
    """Central-difference Jacobian of ``f`` at ``theta``, outputs x inputs: shape ``S + T``.

    ``J[i..., j...] = (f(theta + eps e_j) - f(theta - eps e_j))[i...] / (2 eps)``,
    off by about ``eps**2 |f'''| / 6`` (truncation) plus ``machine_eps |f| / eps``
    (round-off), for ``2 * theta.size`` calls of ``f``: a reference, not a way
    to train. ``f`` maps a fresh copy of an array shaped like ``theta`` (``T``)
    to a real array of one shape ``S``; for a scalar ``f`` the result is the
    gradient. ``theta`` (finite) is not modified; ``eps`` is finite and > 0.

    >>> central_difference(lambda t: t**2, [1.0, 3.0]).round(6)
    array([[2., 0.],
           [0., 6.]])
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    eps = positive_number(eps, "eps")
    theta = real_array(theta, "theta")
    require_finite(theta, "theta")

    def call(t: Array) -> Array:
        out = real_array(f(t), "f(theta)")
        require_finite(out, "f(theta)")
        return out

    out_shape = call(theta.copy()).shape
    flat = theta.ravel()
    J = np.empty((*out_shape, flat.size))
    for j in range(flat.size):
        shifted = flat.copy()
        shifted[j] = flat[j] + eps
        f_plus = call(shifted.reshape(theta.shape))
        shifted[j] = flat[j] - eps
        f_minus = call(shifted.reshape(theta.shape))
        if f_plus.shape != out_shape or f_minus.shape != out_shape:
            raise ValueError(
                f"f must return the same shape {out_shape} for every theta, "
                f"got {f_plus.shape} and {f_minus.shape}"
            )
        J[..., j] = (f_plus - f_minus) / (2.0 * eps)
    return J.reshape(*out_shape, *theta.shape)


def relative_error(analytic: ArrayLike, numeric: ArrayLike) -> Array:
    """Entry-wise ``|J - J_num| / (|J| + |J_num|)``, 0 where both are 0; same shape.

    Where one entry is 0 and the other is not it is 1, however small the
    other: :func:`floored_relative_error` has a floor.
    """
    J, J_num = estimate_pair(analytic, numeric)
    scale = np.abs(J) + np.abs(J_num)
    diff = np.abs(J - J_num)
    return np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)


def check_gradient(analytic: ArrayLike, numeric: ArrayLike) -> tuple[float, float]:
    """``(max |J - J_num|, max relative_error(J, J_num))`` of two estimates.

    With a step of 1e-6, a smooth function and derivatives well above the
    quotient's round-off (``1e-16 |f| / eps``), the second is about 1e-7 or
    less. Near that round-off, or in saturation, see "Which error to trust".
    """
    J, J_num = estimate_pair(analytic, numeric)
    return float(np.abs(J - J_num).max()), float(relative_error(J, J_num).max())


def normwise_relative_error(analytic: ArrayLike, numeric: ArrayLike) -> float:
    """``||J - J_num|| / (||J|| + ||J_num||)`` in Frobenius norms; 0 if both are 0.

    Each entry counts by its size, so entries at the quotient's round-off
    (tiny inputs, saturated units) cannot dominate; a wrong formula still shows.

    >>> normwise_relative_error([1.0, 1e-17], [1.0, 0.0])  # entry-wise: 0 and 1
    5e-18
    """
    J, J_num = estimate_pair(analytic, numeric)
    scale = np.linalg.norm(J) + np.linalg.norm(J_num)
    return 0.0 if scale == 0 else float(np.linalg.norm(J - J_num) / scale)


def floored_relative_error(analytic: ArrayLike, numeric: ArrayLike, floor: float) -> Array:
    """``|J - J_num| / max(|J| + |J_num|, floor)``, entry-wise; ``floor`` finite and > 0.

    Below the floor, entries must agree to ``tol * floor`` absolutely. Choose
    ``tol * floor`` near the estimate's own error: for central differences
    ``machine_eps max|f| / eps``, 1e-10 for tanh and eps = 1e-6, so a floor
    of 1e-3 with ``tol = 1e-7``. A saturated unit then gets ``|J| / floor``
    instead of 1, while a wrong formula still fails.

    >>> floored_relative_error([1.0, 1e-17], [1.1, 0.0], floor=1e-3).round(6)
    array([0.047619, 0.      ])
    """
    floor = positive_number(floor, "floor")
    J, J_num = estimate_pair(analytic, numeric)
    return np.abs(J - J_num) / np.maximum(np.abs(J) + np.abs(J_num), floor)


def loglog_slope(x: ArrayLike, y: ArrayLike) -> float:
    """Least-squares slope ``p`` of ``log10(y)`` against ``log10(x)``.

    An error ``C x**p`` has slope ``p``: 2 for a central difference's
    truncation in its step, -1 for its round-off. ``x`` and ``y`` have shape
    ``(M,)``, ``M >= 2``, positive and finite, ``x`` not all equal.

    >>> round(loglog_slope([1e-3, 1e-2, 1e-1], [1e-6, 1e-4, 1e-2]), 12)
    2.0
    """
    x = real_array(x, "x")
    y = real_array(y, "y")
    if x.ndim != 1 or y.shape != x.shape or x.size < 2:
        raise ValueError(
            f"x and y must both have shape (M,) with M >= 2, got {x.shape} and {y.shape}"
        )
    for arr, name in ((x, "x"), (y, "y")):
        if not np.all(np.isfinite(arr) & (arr > 0)):
            raise ValueError(f"{name} must be positive and finite for a log-log fit")
    if np.ptp(x) == 0:
        raise ValueError("x must contain at least two different values")
    slope, _ = np.polyfit(np.log10(x), np.log10(y), 1)
    return float(slope)


def sech2_reference(z: ArrayLike, dps: int = 50) -> Array:
    """``sech(z)**2`` with ``dps >= 20`` decimal digits, rounded to float64; shape of ``z``.

    The yardstick for float64 formulas: at 50 digits neither ``1 - tanh**2``
    nor the exponentials lose anything that survives the rounding.
    ``z`` must be real and finite.
    """
    # mpmath is only needed here; importing it lazily keeps the module light.
    import mpmath

    dps = integer(dps, "dps", lo=20)  # float64 has about 16 digits: a margin over them
    z = real_array(z, "z")
    require_finite(z, "z")
    out = np.empty(z.shape)
    # workdps restores the global precision afterwards, even on error.
    with mpmath.workdps(dps):
        for idx, value in np.ndenumerate(z):
            out[idx] = float(mpmath.sech(mpmath.mpf(float(value))) ** 2)
    return out
