"""Tests for code/validate.py: the input checks of every module of code/.

The other modules' tests check only that each argument reaches its helper;
the helpers' full tables of bad values are here (estimate_pair's in
tests/test_gradcheck.py, through every error measure).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import validate as v


def test_helpers_return_the_value_in_the_form_callers_compute_with() -> None:
    x = np.arange(3.0)
    assert v.real_array(x, "x") is x
    out = v.real_array([1, 2], "x")
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0]
    assert v.real_number(np.int64(3), "x0") == 3.0
    assert v.real_number(-5.0, "x0", limit=5.0) == -5.0
    assert v.positive_pair((8, 6.5), "figsize") == (8.0, 6.5)
    assert v.integer(np.int32(4), "n", 0, 9) == 4
    assert v.integer(25, "dps", lo=20) == 25
    assert v.integer(-3, "k", hi=0) == -3
    a, n = v.estimate_pair([1, 2], [1.0, 2.5])
    assert a.dtype == n.dtype == np.float64


@pytest.mark.parametrize(("helper", "args", "error", "match"), [
    *((v.real_array, (bad, "x"), TypeError, "x must hold real numbers")
      for bad in ([True], ["a"], [1j], [None])),
    *((v.require_finite, (np.array(bad), "W"), ValueError, "W must be finite")
      for bad in ([0.0, np.inf], [-np.inf, 1.0], [1.0, np.nan, 2.0], np.nan)),
    (v.real_number, (6.0, "x0", 5.0), ValueError, "x0 must be at most 5"),
    (v.real_number, (float("nan"), "x0"), ValueError, "x0 must be finite"),
    (v.real_number, (False, "x0"), TypeError, "x0 must be a real number"),
    *((v.positive_number, (bad, "eps"), error, "eps must be")
      for bad, error in [(0, ValueError), (-1e-6, ValueError), (np.inf, ValueError),
                         (np.nan, ValueError), ("1e-6", TypeError), (True, TypeError)]),
    (v.positive_pair, (8.0, "figsize"), TypeError, "figsize must be a pair"),
    (v.positive_pair, ((1.0, 2.0, 3.0), "figsize"), ValueError, "figsize must be a pair"),
    (v.positive_pair, ((1.0, 0.0), "figsize"), ValueError,
     r"figsize\[1\] must be a finite number > 0"),
    (v.integer, (10, "n", 0, 9), ValueError, "n must be between 0 and 9"),
    (v.integer, (2.0, "n", 0, 9), TypeError, "n must be an int"),
    (v.integer, (True, "n", 0, 9), TypeError, "n must be an int"),
    (v.integer, (19, "dps", 20), ValueError, "dps must be at least 20"),
    (v.integer, (1, "k", None, 0), ValueError, "k must be at most 0"),
])
def test_a_bad_value_names_its_argument(helper, args, error, match) -> None:
    with pytest.raises(error, match=match):
        helper(*args)


def test_require_finite_passes_finite_and_empty_arrays_without_a_temporary() -> None:
    big = np.zeros(1_000_000)
    tracemalloc.start()
    v.require_finite(big, "G")
    v.require_finite(np.empty((0, 3)), "X")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < big.nbytes / 100  # np.isfinite's mask would be big.nbytes / 8
