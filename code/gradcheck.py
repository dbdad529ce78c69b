"""Tools for checking derivatives: central differences, error measures, references.

The tanh basis itself lives in ``tanh_basis``; this module holds what a
gradient check needs around it, for any function of an array of parameters:

* :func:`central_difference` estimates a Jacobian (outputs x inputs, as
  everywhere in the book) of an arbitrary function ``f(theta)``;
* :func:`check_gradient` summarises a comparison by the maximum absolute
  difference and the maximum relative error ``|a - n| / (|a| + |n|)``;
* :func:`loglog_slope` measures the order of an error curve on a log-log plot;
* :func:`sech2_reference` evaluates ``sech(z)**2`` in high precision (mpmath),
  the yardstick for the float64 formulas.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

# One set of input checks and one relative error for the whole book.
from tanh_basis import _as_real_array, _require_finite, relative_error

__all__ = [
    "central_difference",
    "check_gradient",
    "loglog_slope",
    "sech2_reference",
]

Array = NDArray[np.float64]


def central_difference(
    f: Callable[[Array], ArrayLike], theta: ArrayLike, eps: float = 1e-6
) -> Array:
    """Central-difference Jacobian of ``f`` at ``theta``, outputs x inputs.

    Entry ``[i..., j...]`` is ``(f(theta + eps e_j)[i...] - f(theta - eps e_j)[i...]) / (2 eps)``,
    which differs from the derivative by about ``eps**2 |f'''| / 6`` (truncation)
    plus ``machine_eps |f| / eps`` (round-off). Every parameter is shifted on its
    own, so this costs ``2 * theta.size`` calls of ``f``: a reference for small
    problems, not a way to train.

    Parameters
    ----------
    f : callable
        Maps an array of ``theta``'s shape to a real array (or scalar) of a
        fixed shape ``S``. It receives a fresh copy of the parameters each
        time, so it may keep or modify it.
    theta : array_like, shape T
        The point at which to differentiate; real and finite. Not modified.
    eps : float, default 1e-6
        The step, finite and > 0.

    Returns
    -------
    ndarray, shape S + T
        ``J[i..., j...] ~ d f[i...] / d theta[j...]``; for a scalar ``f`` this
        is the gradient, with the shape of ``theta``.

    Raises
    ------
    TypeError
        If ``f`` is not callable, ``theta`` is not real, or ``eps`` is not a real number.
    ValueError
        If ``theta`` or ``eps`` is not finite, ``eps <= 0``, or ``f`` returns
        values that are not finite or change shape.

    Examples
    --------
    >>> central_difference(lambda t: t**2, [1.0, 3.0]).round(6)
    array([[2., 0.],
           [0., 6.]])
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a real number, got {type(eps).__name__}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    theta = _as_real_array(theta, "theta")
    _require_finite(theta, "theta")

    def call(t: Array) -> Array:
        out = _as_real_array(f(t), "f(theta)")
        _require_finite(out, "f(theta)")
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


def check_gradient(analytic: ArrayLike, numeric: ArrayLike) -> tuple[float, float]:
    """Maximum absolute difference and maximum relative error of two estimates.

    The relative error ``|a - n| / (|a| + |n|)`` (0 where both are 0) does not
    change when the derivatives are scaled, so one threshold (about 1e-7 for a
    smooth function and a step of 1e-6) fits every problem; the absolute
    difference grows with the size of the derivatives.

    Parameters
    ----------
    analytic, numeric : array_like
        The same derivatives from a formula and from differences; same shape,
        real and finite, at least one entry.

    Returns
    -------
    max_abs : float
        ``max |a - n|``.
    max_rel : float
        ``max |a - n| / (|a| + |n|)``, in ``[0, 1]``.

    Raises
    ------
    TypeError
        If an input is not real.
    ValueError
        If the shapes differ, an input is empty, or an input is not finite.
    """
    a = _as_real_array(analytic, "analytic")
    n = _as_real_array(numeric, "numeric")
    if a.shape != n.shape:
        raise ValueError(
            f"analytic and numeric must have the same shape, got {a.shape} and {n.shape}"
        )
    if a.size == 0:
        raise ValueError("analytic and numeric must have at least one entry, got empty arrays")
    _require_finite(a, "analytic")
    _require_finite(n, "numeric")
    return float(np.abs(a - n).max()), float(relative_error(a, n).max())


def loglog_slope(x: ArrayLike, y: ArrayLike) -> float:
    """Least-squares slope of ``log10(y)`` against ``log10(x)``.

    An error that behaves like ``C x**p`` has slope ``p`` on a log-log plot:
    2 for the truncation error of a central difference in its step, -1 for
    its round-off error.

    Parameters
    ----------
    x, y : array_like, shape (M,)
        Positive, finite values; ``M >= 2`` and ``x`` not all equal.

    Returns
    -------
    float
        The fitted exponent ``p``.

    Raises
    ------
    TypeError
        If ``x`` or ``y`` is not real.
    ValueError
        If they are not 1-D of the same length >= 2, not positive and finite,
        or ``x`` has a single distinct value.

    Examples
    --------
    >>> round(loglog_slope([1e-3, 1e-2, 1e-1], [1e-6, 1e-4, 1e-2]), 12)
    2.0
    """
    x = _as_real_array(x, "x")
    y = _as_real_array(y, "y")
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
    """``sech(z)**2`` computed with ``dps`` decimal digits, then rounded to float64.

    A yardstick for float64 formulas: with 50 digits neither ``1 - tanh(z)**2``
    nor the exponentials lose anything that survives the final rounding.

    Parameters
    ----------
    z : array_like
        Real, finite numbers of any shape.
    dps : int, default 50
        Decimal digits of the working precision, at least 20.

    Returns
    -------
    ndarray of float64
        Same shape as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not real or ``dps`` is not an integer.
    ValueError
        If ``z`` is not finite or ``dps < 20``.
    """
    # mpmath is only needed here; importing it lazily keeps the module light.
    import mpmath

    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral):
        raise TypeError(f"dps must be an integer, got {type(dps).__name__}")
    if dps < 20:
        raise ValueError(f"dps must be at least 20 to beat float64 by a margin, got {dps}")
    z = _as_real_array(z, "z")
    _require_finite(z, "z")
    out = np.empty(z.shape)
    # workdps restores the global precision afterwards, even on error.
    with mpmath.workdps(dps):
        for idx, value in np.ndenumerate(z):
            out[idx] = float(mpmath.sech(mpmath.mpf(float(value))) ** 2)
    return out
