"""Checkers for the chain-rule exercises: products, tied parameters, inputs, layers.

The exercises page calls these through :mod:`check`, which re-exports them
(``check.jvp(my_jvp)``); see there for what a verdict says. Each ``name(fn)``
prints its verdict and returns ``None``; ``assess_name(fn)`` returns the
:class:`verdict.Verdict`. The references come from :mod:`tanh_basis`: the
full Jacobian times a direction, the unshared basis with its bias columns
summed, and ``diag(sech^2(z)) A^T`` for one layer's input Jacobian.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import tanh_basis as tb
from verdict import (
    MATH,
    Array,
    Verdict,
    attempt_array,
    compare,
    fixed_data,
    function_name,
    guarded,
    label_kd,
    label_nk,
    mismatch,
    show,
)

__all__ = [
    "assess_input_jacobian",
    "assess_jvp",
    "assess_shared_bias_jacobian",
    "assess_two_layer_jacobian",
    "input_jacobian",
    "jvp",
    "shared_bias_jacobian",
    "two_layer_jacobian",
]


# ============================================ exercise: a Jacobian-vector product
@guarded
def assess_jvp(fn: Callable[[Array, Array, Array], Array]) -> Verdict:
    """Check ``fn(X, W, H)``: the product ``J h`` without building ``J``.

    ``H`` is a direction in parameter space shaped like ``W``, ``(D+1, K)``,
    and ``h = flat(H)``; the answer is
    ``(J h)[n, k] = sum_d sum_l (d phi_nk / d W_dl) H_dl``, shape ``(N, K)``.
    The reference multiplies ``TanhBasis(W).full_jacobian(X)`` by ``h``.

    Parameters
    ----------
    fn : callable
        ``fn(X, W, H) -> ndarray`` with ``X`` (N, D), ``W`` and ``H`` (D+1, K).

    Returns
    -------
    Verdict
    """
    X, W = fixed_data(5, 3, 2, seed=17)
    H = np.random.default_rng(18).normal(size=W.shape)
    got, out, early = attempt_array(fn, X, W, H, names=("X", "W", "H"),
                                    expected="an array of shape (N, K)")
    if early is not None:
        return early
    basis = tb.TanhBasis(W)
    N, K = X.shape[0], W.shape[1]
    expected = (basis.full_jacobian(X) @ H.reshape(-1)).reshape(N, K)
    S = tb.sech2(basis.Z(X))
    XtH = tb.design_matrix(X) @ H
    mistakes = [
        (-expected, "Sign: every entry has the wrong sign (sech^2 is never negative)."),
        (XtH, "Your entries are (X~ H)_nk alone: the chain-rule factor sech^2(z_nk) "
              "is missing."),
        (S * H[-1], "The slope directions are missing: each H_dk with d <= D must be "
                    "multiplied by x_nd and added; you kept only the bias row."),
        (S * (X @ H[:-1]), "The bias direction H_(D+1)k is missing: x~_n ends in a 1, so "
                           "the last row of H is added as it is."),
        (np.tanh(basis.Z(X)) * XtH, "You multiplied by tanh(z_nk), the activation, "
                                    "instead of its derivative sech^2(z_nk)."),
        (S * (tb.design_matrix(X) @ H.T.reshape(H.shape)),
         "Your direction is read in the wrong order: H flattened column by column and "
         "reshaped to (D+1, K). h = flat(H) is row-major: use H as it is, (X~ H)_nk."),
        (S * (tb.design_matrix(X) @ W),
         "You multiplied by X~ W, the pre-activations, where the direction belongs: "
         "the product is sech^2(z_nk) (X~ H)_nk."),
    ]
    return compare(
        got, expected, fn=fn, axes=("N", "K"), mistakes=mistakes, label=label_nk,
        intro=f"{MATH}.", raw=out,
        correct="Correct: your J h agrees with full_jacobian(X) @ H.ravel() in every "
        "entry (n, k).",
    )


def jvp(fn: Callable[[Array, Array, Array], Array]) -> None:
    """Print the verdict of :func:`assess_jvp`."""
    show(assess_jvp(fn))


# ================================================ exercise: one shared bias
def _label_shared(K: int, D: int) -> Callable[[tuple[int, ...]], str]:
    """A label for entries of the shared-bias Jacobian (N K, D K + 1): row (n, k), parameter."""
    def label(idx: tuple[int, ...]) -> str:
        row, col = idx
        n, k = divmod(row, K)
        if col == D * K:
            param = "the shared bias beta"
        else:
            d, ell = divmod(col, K)
            param = f"a_({d + 1},{ell + 1})"
        return f"row (n, k) = ({n + 1}, {k + 1}), column {param} [F[{row}, {col}] in code]"

    return label


@guarded
def assess_shared_bias_jacobian(fn: Callable[[Array, Array, float], Array]) -> Verdict:
    """Check ``fn(X, A, beta)``: the full Jacobian when all units share one bias.

    ``z_nk = sum_d a_dk x_nd + beta`` with slopes ``A`` of shape ``(D, K)`` and
    one scalar ``beta``. The parameters are
    ``theta_beta = (a_11, a_12, ..., a_DK, beta)``: ``A`` flattened row-major,
    then ``beta``, so there are ``P_beta = D K + 1`` of them. The rows are
    ``Phi`` flattened row-major (row ``n K + k``). The answer has shape
    ``(N K, D K + 1)``.

    The reference comes from the unshared basis: with ``b_k = beta`` for every
    ``k``, the chain rule gives ``d phi / d beta = sum_k d phi / d b_k``, the
    sum of the K bias columns of ``TanhBasis.full_jacobian``.

    Parameters
    ----------
    fn : callable
        ``fn(X, A, beta) -> ndarray`` with ``X`` (N, D), ``A`` (D, K) and a
        float ``beta``.

    Returns
    -------
    Verdict
    """
    X, W = fixed_data(4, 2, 3, seed=23)
    A, beta = W[:-1], float(W[-1, 0])
    N, D = X.shape
    K = A.shape[1]
    got, out, early = attempt_array(
        fn, X, A, beta, names=("X", "A"),
        expected=f"an array of shape (N K, D K + 1) = ({N * K}, {D * K + 1})")
    if early is not None:
        return early
    W_tied = np.vstack([A, np.full((1, K), beta)])
    F = tb.TanhBasis(W_tied).full_jacobian(X)  # (N K, (D+1) K)
    slopes, biases = F[:, : D * K], F[:, D * K:]
    expected = np.hstack([slopes, biases.sum(axis=1, keepdims=True)])
    if got.shape == F.shape:
        return Verdict(
            "wrong",
            f"Wrong shape: {function_name(fn)} returned {got.shape}, the shape of the unshared "
            f"basis with one bias per unit. Here all units share one bias, so there are "
            f"P_beta = D K + 1 = {D * K + 1} columns: shape (N K, D K + 1) = {expected.shape}.",
        )
    if got.shape == slopes.shape and not mismatch(got, slopes, 1e-15).any():
        return Verdict(
            "wrong",
            f"Wrong shape: {got.shape}. Your slope columns are right, but the column of "
            "the shared bias beta is missing: it is a parameter too, the last of "
            f"theta_beta, so the shape is (N K, D K + 1) = {expected.shape}.",
        )
    S = tb.sech2(tb.TanhBasis(W_tied).Z(X)).reshape(-1, 1)  # sech^2(z_nk) by row
    k_of_row = np.tile(np.arange(K), N)
    delta_kept = expected.copy()
    delta_kept[k_of_row != 0, -1] = 0.0  # bias column only in the rows of unit 1
    no_x = expected.copy()
    no_x[:, :-1] = (slopes != 0) * S
    no_chain = expected.copy()
    no_chain[:, :-1] = np.where(slopes != 0, slopes / S, 0.0)
    no_chain[:, -1] = 1.0
    by_unit = np.hstack([slopes.reshape(N * K, D, K).transpose(0, 2, 1).reshape(N * K, -1),
                         expected[:, -1:]])
    unit_rows = expected.reshape(N, K, -1).transpose(1, 0, 2).reshape(N * K, -1)
    one_based = []  # the 1-based column (d-1) K + l used with 0-based d, l
    for bias_first in (True, False):
        wrapped = np.zeros_like(expected)
        if bias_first:
            wrapped[:, -1] = expected[:, -1]
        for d in range(D):
            for ell in range(K):
                source = expected[:, d * K + ell]
                col = (d - 1) * K + ell
                wrapped[:, col] = np.where(source != 0, source, wrapped[:, col])
        if not bias_first:
            wrapped[:, -1] = expected[:, -1]
        one_based.append((wrapped, (
            "Your slope columns are shifted by K: the 1-based column (d-1) K + l of "
            "a_dl used with 0-based d and l in code, so that d = 0 gave a negative "
            "index, which wraps to the end. In code (from 0), a_dl is column d K + l "
            "and beta is column D K.")))
    mistakes = [
        (-expected, "Sign: every entry has the wrong sign (sech^2 is never negative)."),
        (unit_rows,
         "Your rows are ordered unit by unit (row k N + n). The rows are "
         "flat(Phi), Phi flattened row-major: row n K + k (from 0) holds phi_nk."),
        *one_based,
        (delta_kept,
         "The bias column is 0 in the rows of units k >= 2. You kept the Kronecker "
         "delta, but the one bias beta moves every unit: d phi_nk / d beta = sech^2(z_nk) "
         "for every k, so the bias column is full."),
        (no_x, "The slope entries lack the factor x_nd: d z_nk / d a_dk = x_nd."),
        (no_chain, "The chain-rule factor sech^2(z_nk) is missing: your entries are "
                   "d z_nk / d theta_beta alone."),
        (by_unit,
         "Your numbers are right, but the slope columns are ordered unit by unit "
         "(a_11, a_21, ..., a_DK). Order them like A flattened row-major "
         "(a_11, a_12, ..., a_DK): column (d-1) K + k, counted from 1, holds a_dk."),
    ]
    return compare(
        got, expected, fn=fn, axes=("N K", "D K + 1"), mistakes=mistakes,
        label=_label_shared(K, D), intro=f"{MATH}.", atol=1e-15, raw=out,
        correct="Correct: your Jacobian agrees with the reference in every entry. The "
        "bias column is full: sharing beta removed the Kronecker delta there.",
    )


def shared_bias_jacobian(fn: Callable[[Array, Array, float], Array]) -> None:
    """Print the verdict of :func:`assess_shared_bias_jacobian`."""
    show(assess_shared_bias_jacobian(fn))


# ======================================== exercise: the layer's input Jacobian
def _input_jacobian(x: Array, W: Array) -> tuple[Array, Array, Array]:
    """``d phi / d x`` of one sample, shape (K, D), with ``sech^2(z)`` (K,) and ``z`` (K,).

    ``phi_k = tanh(z_k)`` with ``z_k = sum_d a_dk x_d + b_k``: row k is
    ``sech^2(z_k)`` times column k of the slopes, ``diag(sech^2(z)) A^T``.
    """
    z = tb.TanhBasis(W).Z(x[np.newaxis, :])[0]
    S = tb.sech2(z)
    return S[:, np.newaxis] * W[:-1].T, S, z


@guarded
def assess_input_jacobian(fn: Callable[[Array, Array], Array]) -> Verdict:
    """Check ``fn(x, W)``: the Jacobian of one sample's activations with respect to its input.

    ``phi_k = tanh(z_k)``, ``z_k = sum_d a_dk x_d + b_k``; the answer is
    ``d phi_k / d x_d = sech^2(z_k) a_dk``, shape ``(K, D)`` (outputs x
    inputs), the matrix ``diag(sech^2(z)) A^T``. It has no structural zeros.

    Parameters
    ----------
    fn : callable
        ``fn(x, W) -> ndarray`` with ``x`` of shape ``(D,)`` and ``W`` of
        shape ``(D+1, K)``.

    Returns
    -------
    Verdict
    """
    X, W = fixed_data(1, 3, 4, seed=29)
    x = X[0]
    K, D = W.shape[1], x.size
    got, out, early = attempt_array(fn, x, W, names=("x", "W"),
                                    expected=f"an array of shape (K, D) = ({K}, {D})")
    if early is not None:
        return early
    expected, S, z = _input_jacobian(x, W)
    if got.shape == (K, D + 1) and not mismatch(got[:, :-1], expected, 0.0).any():
        return Verdict(
            "wrong",
            f"Wrong shape: {got.shape}. Your first D columns are right, but the last "
            "column belongs to the bias: b_k is a parameter, not an input, and x has D "
            f"entries, so the answer has shape (K, D) = {expected.shape}.",
        )
    if got.shape == (K, K) and not mismatch(got, np.diag(S), 0.0).any():
        return Verdict(
            "wrong",
            f"Wrong shape: {got.shape}. That is diag(sech^2(z)), the Jacobian of "
            "phi with respect to z. The chain rule multiplies it by dz/dx = A^T, "
            f"the K x D matrix of slopes, which gives shape (K, D) = {expected.shape}.",
        )
    At = W[:-1].T
    mistakes = [
        (-expected, "Sign: every entry has the wrong sign. sech^2 is positive, so "
                    "entry (k, d) has the sign of the slope a_dk."),
        (At, "Your entries are the slopes a_dk alone, dz_k/dx_d: the chain-rule "
             "factor sech^2(z_k) = d phi_k / d z_k is missing."),
        (np.tanh(z)[:, np.newaxis] * At,
         "You multiplied by tanh(z_k), the activation, instead of its derivative "
         "sech^2(z_k)."),
        (expected * x[np.newaxis, :],
         "Your entries carry a factor x_d. That factor belongs to d z_k / d a_dk, a "
         "derivative by a parameter; by the input it is d z_k / d x_d = a_dk."),
        ((1 - np.tanh(z))[:, np.newaxis] * At,
         "Your factor is 1 - tanh(z_k); the derivative of tanh is "
         "sech^2(z_k) = 1 - tanh^2(z_k)."),
        (tb.sech2(z - W[-1])[:, np.newaxis] * At,
         "The bias is missing from z: z_k = sum_d a_dk x_d + b_k, and sech^2 is taken "
         "at that z."),
    ]
    return compare(
        got, expected, fn=fn, axes=("K", "D"), mistakes=mistakes, label=label_kd,
        intro=f"{MATH}; k is the unit (row), d the input (column).", atol=1e-15, raw=out,
        correct="Correct: every entry sech^2(z_k) a_dk of your (K, D) Jacobian agrees. "
        "No entry is 0: unlike the parameter Jacobian, this one has no Kronecker delta.",
    )


def input_jacobian(fn: Callable[[Array, Array], Array]) -> None:
    """Print the verdict of :func:`assess_input_jacobian`."""
    show(assess_input_jacobian(fn))


# ============================================= exercise: two layers, one product
@guarded
def assess_two_layer_jacobian(fn: Callable[[Array, Array, Array], Array]) -> Verdict:
    """Check ``fn(x, W1, W2)``: the input Jacobian of two tanh layers in a row.

    ``f(x) = tanh(z1)`` with ``z1 = x~ W1`` (``W1`` of shape ``(D+1, K1)``),
    ``g(u) = tanh(z2)`` with ``z2 = u~ W2`` (``W2`` of shape ``(K1+1, K2)``).
    The answer is ``J_{g o f}(x) = J_g(f(x)) J_f(x)``, shape ``(K2, D)``. The
    first case is square (``D = K1 = K2 = 3``), so that a product in the wrong
    order, a transposed result or layer 2 evaluated at ``x`` has the right
    shape and can be named; a second, non-square case checks the shapes.

    Parameters
    ----------
    fn : callable
        ``fn(x, W1, W2) -> ndarray`` with ``x`` of shape ``(D,)``.

    Returns
    -------
    Verdict
    """
    cases = ((3, 3, 3, 31), (2, 4, 3, 37))
    for i, (D, K1, K2, seed) in enumerate(cases):
        X, W1 = fixed_data(1, D, K1, seed=seed)
        W2 = np.random.default_rng(seed + 1).normal(scale=0.7, size=(K1 + 1, K2))
        x = X[0]
        got, out, early = attempt_array(
            fn, x, W1, W2, names=("x", "W1", "W2"),
            case=f"for D = {D}, K1 = {K1}, K2 = {K2}" if i else "",
            expected=f"an array of shape (K2, D) = ({K2}, {D})")
        if early is not None:
            return early
        J_f, _, z1 = _input_jacobian(x, W1)
        J_g = _input_jacobian(np.tanh(z1), W2)[0]  # at f(x) = tanh(z1), layer 2's input
        expected = J_g @ J_f
        A1t, A2t = W1[:-1].T, W2[:-1].T
        mistakes = [
            (-expected, "Sign: every entry has the wrong sign. Check the signs of "
                        "the two factors."),
            (expected.T, "Transposed: your rows are the inputs x_d and your columns "
                         "the outputs. A Jacobian is outputs x inputs: row k is "
                         "output phi_k of layer 2, column d is input x_d."),
            (J_f @ J_g if J_f.shape[1] == J_g.shape[0] else np.zeros(0),
             "The product is in the wrong order: you computed J_f J_g. The chain "
             "rule puts the map applied last on the left: J_(g o f)(x) = "
             "J_g(f(x)) J_f(x)."),
            (J_g * J_f if J_g.shape == J_f.shape else np.zeros(0),
             "You multiplied the two Jacobians entry by entry. The chain rule "
             "needs the matrix product J_g(f(x)) @ J_f(x): each entry sums over "
             "the K1 units in between."),
            ((_input_jacobian(x, W2)[0] @ J_f) if D == K1 else np.zeros(0),
             "Layer 2's Jacobian is evaluated at the wrong point: you used x. It "
             "belongs at f(x) = tanh(z1), the vector that layer 2 receives: "
             "J_(g o f)(x) = J_g(f(x)) J_f(x)."),
            (J_g @ A1t, "Layer 1's factor sech^2(z1_k) is missing: J_f(x) = "
                        "diag(sech^2(z1)) A1^T, not A1^T alone."),
            (A2t @ J_f, "Layer 2's factor sech^2(z2_k) is missing: J_g(f(x)) = "
                        "diag(sech^2(z2)) A2^T, not A2^T alone."),
            (A2t @ A1t, "Both factors sech^2 are missing: A2^T A1^T is the Jacobian "
                        "of the two linear maps without the tanh between and after them."),
            (_input_jacobian(z1, W2)[0] @ J_f,
             "Layer 2's Jacobian is evaluated at z1, layer 1's pre-activations. Layer 2 "
             "receives f(x) = tanh(z1): J_(g o f)(x) = J_g(f(x)) J_f(x)."),
        ]
        case = f"For D = {D}, K1 = {K1}, K2 = {K2}: "
        verdict = compare(
            got, expected, fn=fn, axes=("K2", "D"), mistakes=mistakes, label=label_kd,
            intro=f"{case}{MATH}; k is a unit of layer 2 (row), d an input (column).",
            atol=1e-15, correct="", raw=out,
        )
        if not verdict.ok:
            if i and verdict.message.startswith("Wrong shape"):
                return Verdict("wrong", f"{case}{verdict.message} Your answer must follow "
                                        "the shapes of x, W1 and W2.")
            return verdict
    shapes = " and ".join(f"(D, K1, K2) = ({D}, {K1}, {K2})" for D, K1, K2, _ in cases)
    return Verdict(
        "correct",
        f"Correct: your Jacobian equals J_g(f(x)) J_f(x) in every entry, for {shapes}.",
    )


def two_layer_jacobian(fn: Callable[[Array, Array, Array], Array]) -> None:
    """Print the verdict of :func:`assess_two_layer_jacobian`."""
    show(assess_two_layer_jacobian(fn))
