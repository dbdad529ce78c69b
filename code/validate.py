"""Input checks for the modules of ``code/``: one wording for every argument.

Each public function of ``code/`` checks its arguments once, where it is
called, with these helpers. A failed check names the argument and says what
was expected: ``TypeError`` for the wrong kind of value (a string, a bool, a
complex number), ``ValueError`` for the right kind with a bad value (NaN,
a wrong shape, a number out of range).

Every helper takes the value and ``name``, the argument's name for the
message, and returns the checked value in the form the caller computes with
(a float, an int, a float64 array), so a call reads ``x = real_array(x, "x")``.
A bool is never a number here.
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
    """``value`` as a float64 array of its shape (not copied when it is one already).

    Integers and floats pass; booleans, strings, objects and complex numbers
    raise ``TypeError``.
    """
    arr = np.asarray(value)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold real numbers (int or float), got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def require_finite(arr: Array, name: str) -> None:
    """Raise ``ValueError`` naming ``name`` if the real array ``arr`` holds a NaN or an inf."""
    # min and max reach an inf and pass a NaN on, without a temporary the size of arr.
    if arr.size and not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        raise ValueError(f"{name} must be finite, but it contains NaN or inf")


def real_number(value: Any, name: str, limit: float | None = None) -> float:
    """``value`` (an int or float) as a finite float, at most ``limit`` in magnitude if given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number (int or float), got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if limit is not None and abs(value) > limit:
        raise ValueError(f"{name} must be at most {limit:g} in magnitude, got {value!r}")
    return value


def positive_number(value: Any, name: str) -> float:
    """``value`` (an int or float) as a finite float > 0: a step, a floor, a size."""
    value = real_number(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def positive_pair(value: Any, name: str) -> tuple[float, float]:
    """``value`` as two finite floats > 0, such as a figure's (width, height)."""
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

    A float with no fractional part is not an int: a count or a precision
    written as ``30.0`` is a ``TypeError``.
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
    """``analytic`` and ``numeric`` as float64 arrays: real, finite, one shape, not empty.

    Two estimates of the same derivatives, from a formula and from
    differences, checked once for every error measure that compares them.
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
