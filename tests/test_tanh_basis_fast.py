"""Tests for code/tanh_basis_fast.py: equal to the reference, and its blocking.

The contract both twins keep is tested once, over both, in tests/test_tanh_basis.py.
Bit for bit where the two do the same operations; elsewhere (a block's matrix
product may round differently, the vjp sums rows in another order) relative to
the sum of the magnitudes of the terms, not to the result (which may cancel).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tanh_basis as tb
import tanh_basis_fast as tbf

REL = 1e-13


def assert_close_to_terms(fast, ref, terms):
    """|fast - ref| <= REL * terms, entry by entry (terms >= |every summand|)."""
    assert fast.shape == ref.shape
    bad = np.abs(fast - ref) > REL * terms
    assert not bad.any(), (fast[bad], ref[bad])


def test_same_public_names_and_signatures():
    assert tbf.__all__ == tb.__all__
    for name in tb.__all__:
        assert inspect.signature(getattr(tbf, name)) == inspect.signature(getattr(tb, name))
    for name in ("Z", "transform", "jacobian", "full_jacobian", "numerical_jacobian", "vjp"):
        assert inspect.signature(getattr(tbf.TanhBasis, name)) == inspect.signature(
            getattr(tb.TanhBasis, name)), name
    assert repr(tbf.TanhBasis(np.ones((3, 2)))) == "TanhBasis(D=2, K=2)"


def test_sech2_is_bit_for_bit_the_reference():
    z = np.concatenate([np.linspace(-800, 800, 100_001), [0.0, -0.0, np.inf, -np.inf]])
    assert z.size > 2 * tbf.BLOCK_ELEMENTS and z.size % tbf.BLOCK_ELEMENTS  # and a partial one
    np.testing.assert_array_equal(tbf.sech2(z.reshape(5, -1)), tb.sech2(z.reshape(5, -1)))
    assert tbf.sech2(2.0) == tb.sech2(2.0) and np.ndim(tbf.sech2(2.0)) == 0
    with np.errstate(all="raise"):  # underflow is silenced inside, as in the reference
        tbf.sech2([-700.0, 700.0])


def compare(seed, N, D, K, z_scale, one_d=False):
    rng = np.random.default_rng(seed)  # pre-activations of size about z_scale
    X = rng.standard_normal((N, D))
    W = rng.standard_normal((D + 1, K)) * z_scale / np.sqrt(D + 1)
    G = rng.standard_normal((N, K))
    if one_d:
        X = X[:, 0]
    ref, fast = tb.TanhBasis(W), tbf.TanhBasis(W)
    Xt = ref.design(X)
    Z_terms = np.abs(Xt) @ np.abs(W)  # sum of |x_nd W_dk|: what rounding of z can move

    # The same operations: identical numbers.
    np.testing.assert_array_equal(fast.Z(X), ref.Z(X))
    np.testing.assert_array_equal(fast.transform(X), ref.transform(X))
    np.testing.assert_array_equal(fast.numerical_jacobian(X), ref.numerical_jacobian(X))

    # jacobian: a block's Z may differ from the whole one's in the last bit;
    # sech2 turns an error dz into a relative error 2 |tanh z| dz. Relative to
    # |J| itself, so the tiny derivatives of saturated units (z_scale 40) count.
    J_ref, J_fast = ref.jacobian(X), fast.jacobian(X)
    S_terms = np.abs(J_ref) * (1.0 + 2.0 * Z_terms)[:, None, :]
    assert_close_to_terms(J_fast, J_ref, S_terms)

    # full_jacobian: the fast placement of the fast J is the reference's placement.
    F_fast = fast.full_jacobian(X)
    np.testing.assert_array_equal(
        F_fast, np.einsum("ndk,kl->nkdl", J_fast, np.eye(K)).reshape(F_fast.shape))
    np.testing.assert_array_equal(F_fast == 0, ref.full_jacobian(X) == 0)

    # vjp: a sum over n in another order (blocks); bounded by the sum of |terms|.
    GS_terms = np.abs(Xt).T @ (np.abs(G) * np.abs(J_ref[:, -1, :]) * (1.0 + 2.0 * Z_terms))
    assert_close_to_terms(fast.vjp(X, G), ref.vjp(X, G), GS_terms)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), N=st.integers(0, 40), D=st.integers(1, 5),
       K=st.integers(1, 6), one_d=st.booleans(),
       # 1: mostly linear units; 40: many saturated ones (|z| up to ~100).
       z_scale=st.sampled_from([0.1, 1.0, 40.0]))
def test_fast_equals_reference(seed, N, D, K, z_scale, one_d):
    compare(seed, N, 1 if one_d else D, K, z_scale, one_d)


@pytest.mark.parametrize(("N", "D", "K"), [(7, 2, 3), (25, 1, 1), (13, 4, 12), (0, 2, 5)])
def test_fast_equals_reference_over_many_blocks(monkeypatch, N, D, K):
    # 12 numbers per block: K = 3 gives 4 rows a block, K = 12 one row, K = 1 twelve.
    monkeypatch.setattr(tbf, "BLOCK_ELEMENTS", 12)
    compare(11 * N + D, N, D, K, z_scale=3.0)
