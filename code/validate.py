"""Input checks for the modules of ``code/``: one wording for every argument.

Each public function of ``code/`` checks its arguments once, where it is
called, with these helpers. A failed check names the argument and says what
was expected: ``TypeError`` for the wrong kind of value (a string, a bool, a
complex number), ``ValueError`` for the right kind with a bad value (NaN,
a wrong shape, a number out of range).

Every helper returns the checked value in the form the caller computes with
(a float, an int, a float64 array), so a call reads ``x = real_array(x, "x")``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "estimate_pair",
    "integer",
    "positive_number",
    "positive_pair",
    "real_array",
    "real_number",
    "require_finite",
]

Array = NDArray[np.float64]


def real_array(value: ArrayLike, name: str) -> Array:
    """``value`` as a float64 array of any shape (not copied when it is one already).

    Parameters
    ----------
    value : array_like
        Integers or floats, of any shape.
    name : str
        The argument's name, for the error message.

    Returns
    -------
    ndarray of float64
        Same shape as ``value``.

    Raises
    ------
    TypeError
        If ``value`` holds booleans, strings, objects or complex numbers.
    """
    arr = np.asarray(value)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold real numbers (int or float), got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def require_finite(arr: Array, name: str) -> None:
    """Raise ``ValueError`` naming ``name`` if ``arr`` holds a NaN or an infinity.

    Parameters
    ----------
    arr : ndarray
        A real array of any shape (see :func:`real_array`).
    name : str
        The argument's name, for the error message.
    """
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, but it contains NaN or inf")


def real_number(value: Any, name: str, limit: float | None = None) -> float:
    """``value`` as a finite float, at most ``limit`` in magnitude if given.

    Parameters
    ----------
    value : int or float
        One real number (a bool is not one).
    name : str
        The argument's name, for the error message.
    limit : float, optional
        Largest magnitude accepted.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If it is NaN or infinite, or larger than ``limit`` in magnitude.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number (int or float), got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if limit is not None and abs(value) > limit:
        raise ValueError(f"{name} must be at most {limit:g} in magnitude, got {value!r}")
    return value


def positive_number(value: Any, name: str) -> float:
    """``value`` as a finite float > 0 (a step, a floor, a size).

    Parameters
    ----------
    value : int or float
    name : str
        The argument's name, for the error message.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``value`` is not a real number (a bool is not one).
    ValueError
        If it is not finite or not > 0.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number (int or float), got {type(value).__name__}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def positive_pair(value: Any, name: str) -> tuple[float, float]:
    """``value`` as two finite floats > 0, such as a figure's (width, height).

    Raises
    ------
    TypeError
        If ``value`` is not a sequence, or an entry is not a real number.
    ValueError
        If it does not have two entries, or one is not finite and > 0.
    """
    try:
        entries = list(value)
    except TypeError:
        raise TypeError(f"{name} must be a pair of numbers > 0, got {value!r}") from None
    if len(entries) != 2:
        raise ValueError(f"{name} must be a pair of numbers > 0, got {value!r}")
    first, second = entries
    return positive_number(first, f"{name}[0]"), positive_number(second, f"{name}[1]")


def integer(value: Any, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int in ``[lo, hi]`` (either bound may be omitted).

    Parameters
    ----------
    value : int
        An integer (a bool or a float with no fractional part is not one).
    name : str
        The argument's name, for the error message.
    lo, hi : int, optional
        Smallest and largest value accepted.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If it is outside ``[lo, hi]``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
    if lo is not None and value < lo:
        raise ValueError(f"{name} must be at least {lo}, got {value}")
    if hi is not None and value > hi:
        raise ValueError(f"{name} must be at most {hi}, got {value}")
    return value


def estimate_pair(analytic: ArrayLike, numeric: ArrayLike) -> tuple[Array, Array]:
    """Two estimates of the same derivatives, checked for a comparison.

    Parameters
    ----------
    analytic, numeric : array_like
        From a formula and from differences: real, finite, the same shape,
        at least one entry.

    Returns
    -------
    analytic, numeric : ndarray of float64
        Same shape.

    Raises
    ------
    TypeError
        If either is not real.
    ValueError
        If the shapes differ, they are empty, or either is not finite.
    """
    a = real_array(analytic, "analytic")
    n = real_array(numeric, "numeric")
    if a.shape != n.shape:
        raise ValueError(
            f"analytic and numeric must have the same shape, got {a.shape} and {n.shape}"
        )
    if a.size == 0:
        raise ValueError("analytic and numeric must have at least one entry, got empty arrays")
    require_finite(a, "analytic")
    require_finite(n, "numeric")
    return a, n
