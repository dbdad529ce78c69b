"""Tests for code/check_chain.py: each chain-rule checker on a right answer and on planted bugs.

A right answer must get "Correct"; each planted bug must get the message that
names it (a missing chain-rule factor, a kept Kronecker delta, a product in
the wrong order, the entries with 1-based indices, a stub that is not
attempted yet). The right answers are written independently of
check_chain.py's references, from the formulas of the exercises page.
"""

from __future__ import annotations

import numpy as np
import pytest

import check_chain as cc
import tanh_basis as tb


# --------------------------------------------------------------- right answers
def xt(X: np.ndarray) -> np.ndarray:
    return tb.design_matrix(X)


def jvp_right(X: np.ndarray, W: np.ndarray, H: np.ndarray) -> np.ndarray:
    return tb.sech2(xt(X) @ W) * (xt(X) @ H)


def shared_right(X: np.ndarray, A: np.ndarray, beta: float) -> np.ndarray:
    N, D = X.shape
    K = A.shape[1]
    S = tb.sech2(X @ A + beta)  # (N, K)
    F = np.zeros((N, K, D * K + 1))
    for d in range(D):
        for k in range(K):
            F[:, k, d * K + k] = X[:, d] * S[:, k]
    F[:, :, -1] = S  # one bias: every unit, no delta
    return F.reshape(N * K, D * K + 1)


def input_right(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    """d phi_k / d x_d = sech^2(z_k) a_dk, one entry at a time."""
    D, K = x.size, W.shape[1]
    z = [sum(W[d, k] * x[d] for d in range(D)) + W[D, k] for k in range(K)]
    return np.array([[W[d, k] / np.cosh(z[k]) ** 2 for d in range(D)] for k in range(K)])


def two_layer_right(x: np.ndarray, W1: np.ndarray, W2: np.ndarray) -> np.ndarray:
    u = np.tanh(xt(x[None, :])[0] @ W1)  # f(x)
    return input_right(u, W2) @ input_right(x, W1)



def stub_raises(*args: object) -> None:
    raise NotImplementedError


ASSESSORS = [cc.assess_jvp, cc.assess_shared_bias_jacobian, cc.assess_input_jacobian,
             cc.assess_two_layer_jacobian]
RIGHT = [jvp_right, shared_right, input_right, two_layer_right]
PRINTERS = [cc.jvp, cc.shared_bias_jacobian, cc.input_jacobian, cc.two_layer_jacobian]


@pytest.mark.parametrize(("assess", "right"), list(zip(ASSESSORS, RIGHT, strict=True)))
def test_right_answer_is_correct(assess, right) -> None:
    verdict = assess(right)
    assert verdict.ok, verdict.message
    assert verdict.message.startswith("Correct")


@pytest.mark.parametrize("assess", ASSESSORS)
def test_stub_is_not_attempted(assess) -> None:
    verdict = assess(stub_raises)
    assert verdict.status == "not attempted" and "stub_raises" in verdict.message


@pytest.mark.parametrize("printer", PRINTERS)
def test_printer_prints_to_stdout_only(printer, capsys) -> None:
    assert printer(stub_raises) is None
    out, err = capsys.readouterr()
    assert out.startswith("Not attempted yet") and err == ""


def test_every_checker_is_exported() -> None:
    assert sorted(cc.__all__) == sorted(
        [f.__name__ for f in ASSESSORS] + [f.__name__ for f in PRINTERS])
    assert all(callable(getattr(cc, name)) for name in cc.__all__)


# ------------------------------------------------------------------- jvp
def test_jvp_planted_bugs() -> None:
    v = cc.assess_jvp(lambda X, W, H: xt(X) @ H)
    assert "chain-rule factor sech^2(z_nk) is missing" in v.message
    v = cc.assess_jvp(lambda X, W, H: tb.sech2(xt(X) @ W) * H[-1])
    assert "each H_dk with d <= D must be multiplied by x_nd" in v.message
    v = cc.assess_jvp(lambda X, W, H: tb.sech2(xt(X) @ W) * (X @ H[:-1]))
    assert "bias direction H_(D+1)k is missing" in v.message
    v = cc.assess_jvp(lambda X, W, H: np.tanh(xt(X) @ W) * (xt(X) @ H))
    assert "tanh(z_nk), the activation" in v.message
    v = cc.assess_jvp(lambda X, W, H: -jvp_right(X, W, H))
    assert v.message.startswith("Sign")
    v = cc.assess_jvp(lambda X, W, H: jvp_right(X, W, H).T)
    assert "axes are in the order (K, N)" in v.message


# ----------------------------------------------------------- shared bias
def test_shared_bias_kept_delta() -> None:
    def kept_delta(X, A, beta):
        F = shared_right(X, A, beta)
        K = A.shape[1]
        F[np.tile(np.arange(K), X.shape[0]) != 0, -1] = 0.0
        return F

    v = cc.assess_shared_bias_jacobian(kept_delta)
    assert "You kept the Kronecker delta" in v.message and "bias column is full" in v.message


def test_shared_bias_unshared_shape_missing_x_chain_and_order() -> None:
    def unshared(X, A, beta):
        W = np.vstack([A, np.full((1, A.shape[1]), beta)])
        return tb.TanhBasis(W).full_jacobian(X)

    v = cc.assess_shared_bias_jacobian(unshared)
    assert "one bias per unit" in v.message and "(12, 7)" in v.message
    assert "P_beta = D K + 1 = 7 columns" in v.message

    def no_x(X, A, beta):
        F = shared_right(X, A, beta)
        S = F[:, -1:]
        F[:, :-1] = (F[:, :-1] != 0) * S
        return F

    assert "lack the factor x_nd" in cc.assess_shared_bias_jacobian(no_x).message

    def no_chain(X, A, beta):
        F = shared_right(X, A, beta)
        S = F[:, -1:]
        F[:, :-1] /= S
        F[:, -1] = 1.0
        return F

    v = cc.assess_shared_bias_jacobian(no_chain)
    assert "chain-rule factor sech^2(z_nk) is missing" in v.message

    def by_unit(X, A, beta):
        F = shared_right(X, A, beta)
        N, D = X.shape
        K = A.shape[1]
        slopes = F[:, :-1].reshape(N * K, D, K).transpose(0, 2, 1).reshape(N * K, -1)
        return np.hstack([slopes, F[:, -1:]])

    assert "ordered unit by unit" in cc.assess_shared_bias_jacobian(by_unit).message


def test_shared_bias_wrong_entry_names_row_and_parameter() -> None:
    def off(X, A, beta):
        F = shared_right(X, A, beta)
        F[4, 6] += 1.0  # row n*K + k = 4: (n, k) = (2, 2); column 6 = D K: the bias
        return F

    v = cc.assess_shared_bias_jacobian(off)
    assert "row (n, k) = (2, 2), column the shared bias beta [F[4, 6] in code]" in v.message

    v = cc.assess_shared_bias_jacobian(lambda X, A, beta: -shared_right(X, A, beta))
    assert v.message.startswith("Sign")


# ------------------------------------------------------- the input Jacobian
def _z(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    return xt(x[None, :])[0] @ W


def test_input_jacobian_transposed_and_bias_column() -> None:
    v = cc.assess_input_jacobian(lambda x, W: input_right(x, W).T)
    assert "axes are in the order (D, K)" in v.message and "(K, D) = (4, 3)" in v.message
    v = cc.assess_input_jacobian(lambda x, W: tb.sech2(_z(x, W))[:, None] * W.T)
    assert "last column belongs to the bias" in v.message


def test_input_jacobian_missing_or_wrong_chain_rule_factor() -> None:
    v = cc.assess_input_jacobian(lambda x, W: W[:-1].T.copy())
    assert "chain-rule factor sech^2(z_k) = d phi_k / d z_k is missing" in v.message
    v = cc.assess_input_jacobian(lambda x, W: np.tanh(_z(x, W))[:, None] * W[:-1].T)
    assert "tanh(z_k), the activation" in v.message
    v = cc.assess_input_jacobian(lambda x, W: np.diag(tb.sech2(_z(x, W))))
    assert "diag(sech^2(z))" in v.message and "dz/dx = A^T" in v.message
    v = cc.assess_input_jacobian(lambda x, W: -input_right(x, W))
    assert v.message.startswith("Sign")


def test_input_jacobian_wrong_entry_named_with_one_based_indices() -> None:
    def off(x, W):
        J = input_right(x, W)
        J[3, 1] += 0.25  # math (k, d) = (4, 2)
        return J

    v = cc.assess_input_jacobian(off)
    assert v.message.startswith("1 of 12 entries are wrong")
    assert "(k, d) = (4, 2) [index [3, 1] in code]" in v.message


# ------------------------------------------------------------- two layers
def _inner(x: np.ndarray, W1: np.ndarray) -> np.ndarray:
    return np.tanh(_z(x, W1))  # f(x)


def test_two_layers_wrong_order_transposed_and_wrong_point() -> None:
    v = cc.assess_two_layer_jacobian(
        lambda x, W1, W2: input_right(x, W1) @ input_right(_inner(x, W1), W2))
    assert "wrong order: you computed J_f J_g" in v.message
    v = cc.assess_two_layer_jacobian(lambda x, W1, W2: two_layer_right(x, W1, W2).T)
    assert v.message.startswith("Transposed")
    v = cc.assess_two_layer_jacobian(
        lambda x, W1, W2: input_right(x, W2) @ input_right(x, W1))
    assert "evaluated at the wrong point: you used x" in v.message
    v = cc.assess_two_layer_jacobian(
        lambda x, W1, W2: input_right(_inner(x, W1), W2) * input_right(x, W1))
    assert "entry by entry" in v.message


def test_two_layers_missing_sech2_factors_and_sign() -> None:
    def outer(x, W1, W2):
        return input_right(_inner(x, W1), W2)

    v = cc.assess_two_layer_jacobian(lambda x, W1, W2: outer(x, W1, W2) @ W1[:-1].T)
    assert "Layer 1's factor sech^2(z1_k) is missing" in v.message
    v = cc.assess_two_layer_jacobian(lambda x, W1, W2: W2[:-1].T @ input_right(x, W1))
    assert "Layer 2's factor sech^2(z2_k) is missing" in v.message
    v = cc.assess_two_layer_jacobian(lambda x, W1, W2: W2[:-1].T @ W1[:-1].T)
    assert "Both factors sech^2 are missing" in v.message
    v = cc.assess_two_layer_jacobian(lambda x, W1, W2: -two_layer_right(x, W1, W2))
    assert v.message.startswith("Sign")


def test_two_layers_shapes_are_checked_beyond_the_square_case() -> None:
    def square_only(x, W1, W2):
        J = two_layer_right(x, W1, W2)
        return J if J.shape[0] == J.shape[1] else J[:, :1]

    v = cc.assess_two_layer_jacobian(square_only)
    assert v.message.startswith("For D = 2, K1 = 4, K2 = 3: Wrong shape")
    assert "(K2, D) = (3, 2)" in v.message

    def one_off(x, W1, W2):
        J = two_layer_right(x, W1, W2)
        J[2, 0] += 0.5  # math (k, d) = (3, 1)
        return J

    v = cc.assess_two_layer_jacobian(one_off)
    assert "For D = 3, K1 = 3, K2 = 3" in v.message
    assert "(k, d) = (3, 1) [index [2, 0] in code]" in v.message


