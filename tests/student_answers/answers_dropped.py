"""Exercise 3, read a failing gradient check: students' answers to my_dropped_x_error(X)."""

from __future__ import annotations

import numpy as np
from student_corpus import Corpus

import tanh_basis as tb

dropped = Corpus("dropped_x_error")


@dropped.right
def vectorised(X):
    return np.abs(X - 1) / (np.abs(X) + 1)


@dropped.right
def loops(X):
    R = np.empty(X.shape)
    for n in range(X.shape[0]):
        for d in range(X.shape[1]):
            x = float(X[n, d])
            R[n, d] = abs(1 - x) / (1 + abs(x))
    return R


@dropped.right
def by_cases(X):
    # x <= 0: numerator and denominator are both 1 - x.
    return np.where(X > 0, np.abs(1 - X) / (1 + X), 1.0)


@dropped.right
def relative_error_with_unit_sech2(X):
    # sech^2 cancels, so take it as 1: J = x, the bug's J~ = 1.
    return tb.relative_error(X, np.ones_like(X))


@dropped.right
def nested_list(X):
    return [[abs(1 - x) / (1 + abs(x)) for x in row] for row in X.tolist()]


@dropped.wrong(r"absolute values.*x_nd < 0")
def no_abs_below(X):
    return np.abs(1 - X) / (1 + X)


@dropped.wrong(r"\|J\| \+ \|J~\|.*missing")
def numerator_only(X):
    return np.abs(1 - X)


@dropped.wrong(r"^Sign")
def signed(X):
    return (1 - X) / (1 + np.abs(X))


@dropped.wrong(r"max\(\|J\|, \|J~\|\)")
def max_denominator(X):
    return np.abs(1 - X) / np.maximum(1, np.abs(X))


@dropped.wrong(r"not finite")
def divides_by_x(X):
    with np.errstate(divide="ignore"):
        return np.abs(1 - X) / np.abs(X)


@dropped.wrong(r"measured rather than predicted")
def measured_with_a_gradient_check(X):
    rng = np.random.default_rng(1)
    basis = tb.TanhBasis(rng.normal(scale=0.3, size=(X.shape[1] + 1, 2)))
    J_num = basis.numerical_jacobian(X)
    bug = np.broadcast_to(basis.jacobian(X)[:, -1:, :], J_num.shape)
    return tb.relative_error(bug, J_num)[:, :-1, :].max(axis=2)


@dropped.wrong(r"float32")
def in_float32(X):
    X = X.astype(np.float32)
    return np.abs(1 - X) / (1 + np.abs(X))


@dropped.wrong(r"axes are in the order \(D, N\)")
def transposed(X):
    return (np.abs(1 - X) / (1 + np.abs(X))).T


@dropped.wrong(r"entries are wrong.*counted from 1")
def abs_in_the_wrong_place(X):
    return np.abs(1 - np.abs(X)) / (1 + np.abs(X))


@dropped.wrong(r"entries are wrong")
def negative_inputs_left_at_zero(X):
    R = np.zeros_like(X)
    pos = X > 0
    R[pos] = np.abs(1 - X[pos]) / (1 + X[pos])
    return R


@dropped.wrong(r"Wrong shape.*\(\)")
def only_the_worst(X):
    return np.max(np.abs(1 - X) / (1 + np.abs(X)))


@dropped.wrong(r"changes its input X in place")
def abs_in_place(X):
    num = np.abs(1 - X)
    np.abs(X, out=X)
    return num / (1 + X)


@dropped.wrong(r"Wrong type.*list")
def ragged_rows(X):
    return [np.abs(1 - row[: i + 1]) / (1 + np.abs(row[: i + 1])) for i, row in enumerate(X)]
