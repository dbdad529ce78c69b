"""Tests for code/check_chain.py: how a wrong entry is named, beyond the corpus.

tests/student_answers/ runs these checkers on right and wrong answers, and
tests/test_check.py their stubs and printing; here a wrong entry must be
named by its row, parameter or 1-based indices. The right answers are written
independently of check_chain.py's references.
"""

from __future__ import annotations

import numpy as np

import check_chain as cc
import tanh_basis as tb


# --------------------------------------------------------------- right answers
def xt(X: np.ndarray) -> np.ndarray:
    return tb.design_matrix(X)


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


def test_shared_bias_wrong_entry_names_row_and_parameter() -> None:
    def off(X, A, beta):
        F = shared_right(X, A, beta)
        F[4, 6] += 1.0  # row n*K + k = 4: (n, k) = (2, 2); column 6 = D K: the bias
        return F

    v = cc.assess_shared_bias_jacobian(off)
    assert "row (n, k) = (2, 2), column the shared bias beta [F[4, 6] in code]" in v.message


def test_input_jacobian_wrong_entry_named_with_one_based_indices() -> None:
    def off(x, W):
        J = input_right(x, W)
        J[3, 1] += 0.25  # math (k, d) = (4, 2)
        return J

    v = cc.assess_input_jacobian(off)
    assert v.message.startswith("1 of 12 entries are wrong")
    assert "(k, d) = (4, 2) [index [3, 1] in code]" in v.message


def test_two_layers_wrong_entry_names_the_case_and_one_based_indices() -> None:
    def one_off(x, W1, W2):
        J = two_layer_right(x, W1, W2)
        J[2, 0] += 0.5  # math (k, d) = (3, 1)
        return J

    v = cc.assess_two_layer_jacobian(one_off)
    assert "For D = 3, K1 = 3, K2 = 3" in v.message
    assert "(k, d) = (3, 1) [index [2, 0] in code]" in v.message
