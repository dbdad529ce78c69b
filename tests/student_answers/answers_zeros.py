"""Exercise 1, count the zeros: students' answers to my_structural_zeros(N, D, K)."""

from __future__ import annotations

import numpy as np
from student_corpus import Corpus

import tanh_basis as tb

zeros = Corpus("structural_zeros")


@zeros.right
def all_minus_nonzero(N, D, K):
    rows, cols = N * K, (D + 1) * K
    return rows * cols - rows * (D + 1)  # each row has D+1 non-zeros


@zeros.right
def loop_over_pairs(N, D, K):
    count = 0
    for _n in range(N):
        for k in range(K):          # row (n, k)
            for ell in range(K):    # the unit that owns the parameter
                if ell != k:
                    count += D + 1
    return count


@zeros.right
def measured_on_random_data(N, D, K):
    rng = np.random.default_rng(0)
    J = tb.TanhBasis(rng.normal(size=(D + 1, K))).full_jacobian(rng.normal(size=(N, D)))
    return J.size - np.count_nonzero(J)


@zeros.right
def float_but_whole(N, D, K):
    return float(N * K * (D + 1) * (K - 1))


@zeros.right
def numpy_product(N, D, K):
    return np.prod([N, D + 1, K, K - 1])


@zeros.wrong(r"number of non-zero entries")
def counted_nonzeros(N, D, K):
    return N * K * (D + 1)


@zeros.wrong(r"Wrong type|not a whole number")
def fraction(N, D, K):
    return 1 - 1 / K


@zeros.wrong(r"leaves out the biases")
def forgot_bias(N, D, K):
    return N * D * K * (K - 1)


@zeros.wrong(r"count in one row")
def one_row(N, D, K):
    return (D + 1) * (K - 1)


@zeros.wrong(r"number of all entries")
def every_entry(N, D, K):
    return N * K * (D + 1) * K


@zeros.wrong(r"not a whole number.*72\.00000000000001")
def float_fraction_of_total(N, D, K):
    return N * K * (D + 1) * K * (1 - 1 / K)


@zeros.wrong(r"Wrong type.*str")
def as_text(N, D, K):
    return f"{N}*{D + 1}*{K}*{K - 1}"


@zeros.wrong(r"Unfinished.*returns None for \(N, D, K\) = \(1, 1, 1\)")
def forgot_one_unit(N, D, K):
    if K > 1:
        return N * (D + 1) * K * (K - 1)


@zeros.wrong(r"Wrong type.*bool")
def says_yes(N, D, K):
    return K > 1


@zeros.wrong(r"Wrong type.*list")
def in_a_list(N, D, K):
    return [N * (D + 1) * K * (K - 1)]


@zeros.wrong(r"Wrong type.*complex")
def complex_count(N, D, K):
    return complex(N * (D + 1) * K * (K - 1))


@zeros.wrong(r"not a whole number.*nan")
def nan_count(N, D, K):
    return float("nan")


@zeros.wrong(r"Wrong type.*array of shape \(1,\)")
def array_of_one(N, D, K):
    return np.array([N * (D + 1) * K * (K - 1)])


@zeros.wrong(r"only in the D \+ 1 columns")
def pairs_counted_once(N, D, K):
    return N * (D + 1) * K * (K - 1) // 2


@zeros.wrong(r"With K = 1 every parameter belongs to the one unit")
def one_unit_has_zeros(N, D, K):
    return N * (D + 1) * max(K - 1, 1) * K if K == 1 else N * (D + 1) * K * (K - 1)


@zeros.wrong(r"off by one.*int\(\)")
def truncated_float(N, D, K):
    return int(N * (D + 1) * K * K * (1 - 1 / K) - 1e-9)  # as if the float fell just short
