"""Tests for code/tanh_basis.py: the derivatives, and the contract both twins keep.

The contract (shapes, errors, a failed call changes nothing) runs over both twins
(``TWINS``). The derivatives are checked on the reference; the fast twin equals it
(tests/test_tanh_basis_fast.py, which also holds its blocking).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck
import tanh_basis as tb
import tanh_basis_fast as tbf

# The gradient check's tolerance on the relative error |a-n|/(|a|+|n|): for a
# smooth function and eps = 1e-6 it is about 1e-10 (CS231n: < 1e-7 is good).
REL_TOL = 1e-7

# The contract: a test marked TWINS takes ``Basis``, each twin's class in turn.
TWINS = pytest.mark.parametrize("Basis", [tb.TanhBasis, tbf.TanhBasis], ids=["reference", "fast"])


def random_problem(seed: int, N: int, D: int, K: int, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)) * scale, rng.normal(size=(D + 1, K))


def test_sech2_matches_high_precision_reference_without_warnings():
    z = np.concatenate([np.linspace(-700, 700, 14001), [-55.0, -19.0, 1e-300, -1e-8, 0.0]])
    ref = gradcheck.sech2_reference(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            got = tb.sech2(z)
    normal = ref >= np.finfo(float).tiny
    rel = np.abs(got[normal] - ref[normal]) / ref[normal]
    worst = z[normal][rel.argmax()]
    assert rel.max() <= 1e-13, f"worst relative error {rel.max():.3e} at z={worst}"
    # Below the smallest normal double no relative precision is possible;
    # the result must still be the correctly rounded tiny number (or 0).
    assert np.all(np.abs(got[~normal] - ref[~normal]) <= 2 * np.finfo(float).smallest_subnormal)
    assert normal.sum() > 7000  # |z| < ~354: the relative check above is not vacuous
    assert tb.sech2(0.0) == 1.0 and np.ndim(tb.sech2(0.0)) == 0
    np.testing.assert_array_equal(tb.sech2([np.inf, -np.inf]), [0.0, 0.0])
    assert np.isnan(tb.sech2(np.nan))
    assert tb.sech2(np.zeros((2, 3))).shape == (2, 3)
    for sech2 in (tb.sech2, tbf.sech2):  # tests/test_validate.py: real_array's table
        with pytest.raises(TypeError, match="z must hold real numbers"):
            sech2(["a", "b"])


def test_where_one_minus_tanh_squared_loses_half_its_digits():
    """The docstring: 1e-8 relative error first near |z| = 9.7 (exactly 0 near 19: gradcheck's)."""
    z = np.arange(8.0, 11.0, 1e-3)
    ref = gradcheck.sech2_reference(z)
    rel = np.abs((1 - np.tanh(z) ** 2) - ref) / ref
    assert 9.6 < z[np.argmax(rel > 1e-8)] < 9.8
    assert rel[z <= 9.0].max() < 1e-8  # not "by |z| = 9", as an old docstring said
    assert rel[(z > 9.95) & (z < 10.05)].max() > 1e-8  # by |z| = 10 half is gone
    assert (np.abs(tb.sech2(z) - ref) / ref).max() < 1e-15  # the stable formula keeps them


def test_one_unit_functions_broadcast_and_agree_with_finite_differences():
    x = 150.0
    a = np.linspace(0, 1, 7)[:, None]
    b = np.array([-10.0, -50.0, -100.0])
    phi = tb.tanh_unit(x, a, b)
    assert phi.shape == (7, 3)
    np.testing.assert_allclose(phi, np.tanh(a * x + b))
    h = 1e-6
    da = (tb.tanh_unit(x, a + h, b) - tb.tanh_unit(x, a - h, b)) / (2 * h)
    db = (tb.tanh_unit(x, a, b + h) - tb.tanh_unit(x, a, b - h)) / (2 * h)
    np.testing.assert_allclose(tb.tanh_unit_dslope(x, a, b), da, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(tb.tanh_unit_dbias(x, a, b), db, rtol=1e-5, atol=1e-9)
    # The source's figure: z = 0.3 * 150 - 100 = -55, where 1 - tanh^2 is exactly 0.
    assert 1 - np.tanh(-55.0) ** 2 == 0.0
    np.testing.assert_allclose(tb.tanh_unit_dbias(x, 0.3, -100.0), 4 * np.exp(-110.0),
                               rtol=1e-14)
    with pytest.raises(TypeError, match="b must hold real numbers"):
        tb.tanh_unit(1.0, 1.0, "x")


@TWINS
def test_transform_and_Z_follow_the_definition(Basis):
    X, W = random_problem(1, N=6, D=3, K=4)
    basis = Basis(W)
    Z = basis.Z(X)
    assert Z.shape == (6, 4)
    for n, k in np.ndindex(6, 4):
        z = sum(W[d, k] * X[n, d] for d in range(3)) + W[3, k]
        assert Z[n, k] == pytest.approx(z, rel=1e-13, abs=1e-13)
    np.testing.assert_array_equal(basis.transform(X), np.tanh(Z))
    assert (basis.D, basis.K, basis.P) == (3, 4, 16)
    # Integers are accepted, and W is kept as float64.
    ints = Basis([[1, 2], [0, 1]])
    assert ints.W.dtype == np.float64
    np.testing.assert_allclose(ints.transform([0, 1]), np.tanh([[0.0, 1.0], [1.0, 3.0]]))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(1, 7), D=st.integers(1, 5),
       K=st.integers(1, 5), scale=st.sampled_from([0.1, 1.0, 30.0]))
def test_analytic_jacobian_matches_central_differences(seed, N, D, K, scale):
    X, W = random_problem(seed, N, D, K, scale)
    W[:-1] /= scale  # keep z = x.a + b of order 1 so the derivatives are not all ~0
    basis = tb.TanhBasis(W)
    J = basis.jacobian(X)
    NJ = basis.numerical_jacobian(X)
    assert J.shape == (N, D + 1, K)
    # Judge by the relative error, not max |a - n|: d phi/d a grows with x (scale
    # up to 30). A derivative that is itself below the difference quotient's
    # round-off floor (~ eps_mach / eps ~ 1e-10) is compared absolutely instead.
    rel = tb.relative_error(J, NJ)
    assert np.all((rel < REL_TOL) | (np.abs(J - NJ) < 1e-9)), rel.max()


@pytest.mark.parametrize(("N", "D", "K"), [(1, 1, 1), (4, 2, 3), (5, 3, 2), (2, 4, 5)])
def test_full_jacobian_is_the_kronecker_delta_formula(N, D, K):
    """Against the dense Jacobian built entry by entry from the formula (slow, independent):

    d phi[n, k] / d W[d, l] = delta_lk * (1 - phi[n, k]**2) * xt[n, d], xt[n] = (x[n], 1).
    """
    X, W = random_problem(N * 100 + D * 10 + K, N, D, K)
    X[0, 0] = 0.0  # a genuine zero inside a block must not be mistaken for structure
    Xt = np.concatenate([X, np.full((N, 1), 1.0)], axis=1)
    # tanh' = 1 - tanh^2 = 1 / cosh^2; the cosh form keeps its digits when |z| is large.
    sech_sq = 1.0 / np.cosh(X @ W[:-1] + W[-1]) ** 2
    F = np.zeros((N * K, (D + 1) * K))
    for n, k, d, ell in np.ndindex(N, K, D + 1, K):
        F[n * K + k, d * K + ell] = (ell == k) * sech_sq[n, k] * Xt[n, d]
    # atol=0: the entries off the delta's pattern must be exactly 0.
    np.testing.assert_allclose(tb.TanhBasis(W).full_jacobian(X), F, rtol=1e-13, atol=0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(0, 6), D=st.integers(1, 4),
       K=st.integers(1, 4))
def test_vjp_equals_gradient_times_full_jacobian(seed, N, D, K):
    X, W = random_problem(seed, N, D, K)
    G = np.random.default_rng(seed + 1).normal(size=(N, K))
    basis = tb.TanhBasis(W)
    expected = (G.ravel() @ basis.full_jacobian(X)).reshape(D + 1, K)
    np.testing.assert_allclose(basis.vjp(X, G), expected, rtol=1e-12, atol=1e-12)


def test_jacobian_vector_product_is_the_directional_derivative():
    """``full_jacobian(X) @ H.ravel()`` is how Phi moves along the direction H."""
    X, W = random_problem(10, N=5, D=3, K=4)
    H = np.random.default_rng(11).normal(size=W.shape)
    Jh = (tb.TanhBasis(W).full_jacobian(X) @ H.ravel()).reshape(5, 4)
    moved = gradcheck.central_difference(lambda t: tb.TanhBasis(W + t[0] * H).transform(X),
                                         [0.0])
    assert np.max(tb.relative_error(Jh, moved[..., 0])) < REL_TOL


@TWINS
def test_one_dimensional_X_means_D_equals_one_and_no_samples_gives_empty_arrays(Basis):
    basis = Basis(np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]]))
    methods = ("Z", "transform", "jacobian", "numerical_jacobian", "full_jacobian")
    for x in (np.linspace(-2, 2, 5), np.empty(0)):
        for method in methods:
            np.testing.assert_array_equal(getattr(basis, method)(x),
                                          getattr(basis, method)(x[:, None]))
        G = np.ones((x.size, 3))
        np.testing.assert_array_equal(basis.vjp(x, G), basis.vjp(x[:, None], G))
    X = np.empty((0, 1))
    shapes = [getattr(basis, method)(X).shape for method in methods]
    assert shapes == [(0, 3), (0, 3), (0, 2, 3), (0, 2, 3), (0, 6)]
    np.testing.assert_array_equal(basis.vjp(X, np.empty((0, 3))), np.zeros((2, 3)))


@TWINS
def test_W_is_a_read_only_copy_that_only_a_valid_assignment_replaces(Basis):
    X, W = random_problem(6, N=5, D=2, K=2)
    before = W.copy()
    basis = Basis(W)
    W[0, 0] = 99.0
    with pytest.raises(ValueError):
        basis.W[0, 0] = 5.0
    for method in ("transform", "jacobian", "full_jacobian"):
        getattr(basis, method)(X)
    # A numpy scalar eps is a number like any other.
    np.testing.assert_array_equal(basis.numerical_jacobian(X, eps=np.float64(1e-3)),
                                  basis.numerical_jacobian(X, eps=1e-3))
    with pytest.raises(TypeError, match="eps must be"):  # tests/test_validate.py: the table
        basis.numerical_jacobian(X, eps="1e-6")
    basis.vjp(X, np.ones((5, 2)))
    np.testing.assert_array_equal(basis.W, before)
    with pytest.raises(ValueError, match="W must be finite"):  # the setter is __init__'s
        basis.W = np.full((3, 2), np.nan)  # (test_bad_W_or_G_is_rejected: its table)
    np.testing.assert_array_equal(basis.W, before)
    basis.W = np.zeros((3, 2))  # replacing through the setter is allowed
    assert np.all(basis.W == 0)


@TWINS
def test_numerical_jacobian_passes_move_parameters_apart_and_never_W(Basis, monkeypatch):
    """Reference: 2P passes, each moving one unit; fast: 2(D+1), each a row of W."""
    X, W = random_problem(8, N=4, D=3, K=5)
    basis = Basis(W)
    Z0 = basis.Z(X)
    seen = []
    real_tanh = np.tanh

    def recording_tanh(Z, *args, **kwargs):  # every forward pass ends in one np.tanh
        seen.append(np.array(Z, copy=True))
        if len(seen) == fail_at:
            raise RuntimeError("simulated failure")
        return real_tanh(Z, *args, **kwargs)

    monkeypatch.setattr(np, "tanh", recording_tanh)
    fail_at = 0
    basis.numerical_jacobian(X, eps=1e-3)
    moved_units = [np.flatnonzero(np.any(Z != Z0, axis=0)).tolist() for Z in seen]
    if Basis is tb.TanhBasis:  # pass pair p = d*K + k moves unit k only: W[d, k] +- eps
        assert moved_units == [[k] for d in range(4) for k in range(5) for _ in (1, 2)]
    else:  # pass pair d shifts row d: every unit moves by its own W[d, k]
        assert moved_units == [list(range(5))] * 8
    seen.clear()
    fail_at = 3  # midway: after one + and one - pass
    with pytest.raises(RuntimeError, match="simulated"):
        basis.numerical_jacobian(X)
    assert len(seen) == 3
    np.testing.assert_array_equal(basis.W, W)


SHAPE_W = r"W must have shape \(D\+1, K\)"
SHAPE_G = r"G must have shape \(N, K\) = \(4, 2\)"


@TWINS
@pytest.mark.parametrize(
    ("W", "G", "exc", "msg"),
    [
        *((np.ones(shape), None, ValueError, SHAPE_W) for shape in [3, (1, 3), (3, 0), (2, 2, 2)]),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), None, ValueError, "W must be finite"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), None, ValueError, "W must be finite"),
        (np.array([["a", "b"], ["c", "d"]]), None, TypeError, "W must hold real numbers"),
        (np.array([[True], [False]]), None, TypeError, "W must hold real numbers"),
        (np.ones((3, 2)), np.ones((5, 3)), ValueError, SHAPE_G),
        (np.ones((3, 2)), np.ones(8), ValueError, SHAPE_G),
        (np.ones((3, 2)), np.full((4, 2), np.nan), ValueError, "G must be finite"),
        (np.ones((3, 2)), np.array([["a"] * 2] * 4), TypeError, "G must hold real numbers"),
    ],
)
def test_bad_W_or_G_is_rejected(Basis, W, G, exc, msg):
    with pytest.raises(exc, match=msg):
        Basis(W).vjp(np.ones((4, 2)), np.ones((4, 2)) if G is None else G)


@TWINS
@pytest.mark.parametrize("method", ["Z", "transform", "jacobian", "full_jacobian",
                                    "numerical_jacobian", "vjp"])
@pytest.mark.parametrize(
    ("X", "exc", "msg"),
    [
        (np.ones((4, 2)), ValueError, r"X must have shape \(N, 3\)"),
        (np.ones((4, 3, 1)), ValueError, r"X must have shape \(N, 3\)"),
        (np.ones(4), ValueError, r"X is 1-D, which means D = 1.*\(N, 3\)"),
        (np.array([[1.0, np.nan, 0.0]]), ValueError, "X must be finite"),
        (np.array([["1", "2", "3"]]), TypeError, "X must hold real numbers"),
    ],
)
def test_bad_X_is_rejected_by_every_method(Basis, method, X, exc, msg):
    basis = Basis(np.ones((4, 2)))
    G = (np.ones((1, 2)),) if method == "vjp" else ()  # X is named before vjp's G
    with pytest.raises(exc, match=msg):
        getattr(basis, method)(X, *G)
    np.testing.assert_array_equal(basis.W, np.ones((4, 2)))
