"""Tests for code/validate.py: the input checks of every module of code/."""

from __future__ import annotations

import numpy as np
import pytest

import validate as v


def test_real_array_converts_without_copying_floats() -> None:
    x = np.arange(3.0)
    assert v.real_array(x, "x") is x
    out = v.real_array([1, 2], "x")
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0]
    for bad in ([True], ["a"], [1j], [None]):
        with pytest.raises(TypeError, match="x must hold real numbers"):
            v.real_array(bad, "x")


def test_require_finite() -> None:
    v.require_finite(np.zeros(2), "W")
    with pytest.raises(ValueError, match="W must be finite"):
        v.require_finite(np.array([0.0, np.inf]), "W")


def test_real_number_and_its_limit() -> None:
    assert v.real_number(np.int64(3), "x0") == 3.0
    assert v.real_number(-5.0, "x0", limit=5.0) == -5.0
    with pytest.raises(ValueError, match="x0 must be at most 5"):
        v.real_number(6.0, "x0", limit=5.0)
    with pytest.raises(ValueError, match="x0 must be finite"):
        v.real_number(float("nan"), "x0")
    with pytest.raises(TypeError, match="x0 must be a real number"):
        v.real_number(False, "x0")


@pytest.mark.parametrize(("bad", "error"), [(0, ValueError), (-1e-6, ValueError),
                                             (np.inf, ValueError), (np.nan, ValueError),
                                             ("1e-6", TypeError), (True, TypeError)])
def test_positive_number_rejects(bad, error) -> None:
    with pytest.raises(error, match="eps must be"):
        v.positive_number(bad, "eps")


def test_positive_number_and_pair_accept() -> None:
    assert v.positive_number(1, "eps") == 1.0
    assert v.positive_pair((8, 6.5), "figsize") == (8.0, 6.5)
    with pytest.raises(TypeError, match="figsize"):
        v.positive_pair(8.0, "figsize")
    with pytest.raises(ValueError, match="figsize"):
        v.positive_pair((1.0, 2.0, 3.0), "figsize")
    with pytest.raises(ValueError, match=r"figsize\[1\] must be a finite number > 0"):
        v.positive_pair((1.0, 0.0), "figsize")


def test_integer_bounds() -> None:
    assert v.integer(np.int32(4), "n", 0, 9) == 4
    assert v.integer(25, "dps", lo=20) == 25
    assert v.integer(-3, "k", hi=0) == -3
    for bad, error, match in [(10, ValueError, "n must be between 0 and 9"),
                              (2.0, TypeError, "n must be an int"),
                              (True, TypeError, "n must be an int")]:
        with pytest.raises(error, match=match):
            v.integer(bad, "n", 0, 9)
    with pytest.raises(ValueError, match="dps must be at least 20"):
        v.integer(19, "dps", lo=20)
    with pytest.raises(ValueError, match="k must be at most 0"):
        v.integer(1, "k", hi=0)


def test_estimate_pair() -> None:
    a, n = v.estimate_pair([1, 2], [1.0, 2.5])
    assert a.dtype == n.dtype == np.float64
    for args, error, match in [(([1.0], [1.0, 2.0]), ValueError, "same shape"),
                               (([], []), ValueError, "at least one entry"),
                               (([1.0], [np.nan]), ValueError, "numeric must be finite"),
                               ((["x"], [1.0]), TypeError, "analytic must hold real")]:
        with pytest.raises(error, match=match):
            v.estimate_pair(*args)
