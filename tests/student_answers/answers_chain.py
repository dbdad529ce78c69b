"""Exercises 4 to 7: students' answers to my_jvp, my_input_jacobian,
my_two_layer_jacobian and my_shared_bias_jacobian."""

from __future__ import annotations

import math

import numpy as np
from student_corpus import Corpus

import gradcheck
import tanh_basis as tb

jvp = Corpus("jvp")
input_jac = Corpus("input_jacobian")
two_layer = Corpus("two_layer_jacobian")
shared = Corpus("shared_bias_jacobian")


def with_ones(X):
    return np.column_stack([X, np.ones(len(X))])


def sech2(z):
    return 1 / np.cosh(z) ** 2


# ================================================================ Exercise 4
@jvp.right
def jvp_vectorised(X, W, H):
    Xt = with_ones(X)
    return (1 - np.tanh(Xt @ W) ** 2) * (Xt @ H)


@jvp.right
def jvp_loops(X, W, H):
    N, D = X.shape
    K = W.shape[1]
    out = np.zeros((N, K))
    for n in range(N):
        for k in range(K):
            z = W[D, k] + sum(X[n, d] * W[d, k] for d in range(D))
            dz = H[D, k] + sum(X[n, d] * H[d, k] for d in range(D))
            out[n, k] = dz / math.cosh(z) ** 2
    return out


@jvp.right
def jvp_built_j(X, W, H):
    J = tb.TanhBasis(W).full_jacobian(X)
    return (J @ H.ravel()).reshape(X.shape[0], W.shape[1])


@jvp.right
def jvp_einsum_four_index(X, W, H):
    Xt = with_ones(X)
    S = sech2(Xt @ W)
    J4 = np.einsum("nk,nd,kl->nkdl", S, Xt, np.eye(W.shape[1]))
    return np.einsum("nkdl,dl->nk", J4, H)


@jvp.right
def jvp_complex_step(X, W, H):
    h = 1e-30
    return np.tanh(with_ones(X) @ (W + 1j * h * H)).imag / h


@jvp.right
def jvp_reverse_mode(X, W, H):
    basis = tb.TanhBasis(W)
    N, K = X.shape[0], W.shape[1]
    out = np.zeros((N, K))
    for n in range(N):
        for k in range(K):
            G = np.zeros((N, K))
            G[n, k] = 1.0
            out[n, k] = np.sum(basis.vjp(X, G) * H)  # (e_nk^T J) h
    return out


@jvp.wrong(r"^Sign")
def jvp_sign(X, W, H):
    return -jvp_vectorised(X, W, H)


@jvp.wrong(r"sech\^2\(z_nk\) is missing")
def jvp_no_chain(X, W, H):
    return with_ones(X) @ H


@jvp.wrong(r"bias direction .* is missing")
def jvp_no_bias(X, W, H):
    return sech2(with_ones(X) @ W) * (X @ H[:-1])


@jvp.wrong(r"slope directions are missing")
def jvp_bias_only(X, W, H):
    return sech2(with_ones(X) @ W) * H[-1]


@jvp.wrong(r"tanh\(z_nk\), the activation")
def jvp_tanh(X, W, H):
    Xt = with_ones(X)
    return np.tanh(Xt @ W) * (Xt @ H)


@jvp.wrong(r"column-major")
def jvp_fortran_reshape(X, W, H):
    J = tb.TanhBasis(W).full_jacobian(X)
    return (J @ H.ravel()).reshape(X.shape[0], W.shape[1], order="F")


@jvp.wrong(r"looks numerical")
def jvp_finite_difference(X, W, H):
    eps = 1e-6
    Xt = with_ones(X)
    return (np.tanh(Xt @ (W + eps * H)) - np.tanh(Xt @ (W - eps * H))) / (2 * eps)


@jvp.wrong(r"float32")
def jvp_float32(X, W, H):
    Xt = with_ones(X).astype(np.float32)
    return (1 - np.tanh(Xt @ W.astype(np.float32)) ** 2) * (Xt @ H.astype(np.float32))


@jvp.wrong(r"axes are in the order \(K, N\)")
def jvp_transposed(X, W, H):
    return jvp_vectorised(X, W, H).T


@jvp.wrong(r"wrong order.*row-major")
def jvp_direction_column_major(X, W, H):
    J = tb.TanhBasis(W).full_jacobian(X)
    h = H.ravel(order="F")
    return (J @ h).reshape(X.shape[0], W.shape[1])


@jvp.wrong(r"reshape the result to \(5, 2\)")
def jvp_flat(X, W, H):
    return tb.TanhBasis(W).full_jacobian(X) @ H.ravel()


@jvp.wrong(r"changes its input W in place")
def jvp_steps_w_in_place(X, W, H):
    eps = 1e-30
    Xt = with_ones(X)
    W += 0.5 * H  # evaluate halfway, then "undo" below, but forgets
    out = sech2(Xt @ (W - 0.5 * H)) * (Xt @ H)
    return out + eps


@jvp.wrong(r"X~ W, the pre-activations")
def jvp_used_w(X, W, H):
    Xt = with_ones(X)
    return sech2(Xt @ W) * (Xt @ W)


@jvp.wrong(r"complex numbers")
def jvp_complex_kept(X, W, H):
    h = 1e-20
    Xt = with_ones(X)
    return (np.tanh(Xt @ (W + 1j * h * H)) - np.tanh(Xt @ W)) / (1j * h)


# ================================================================ Exercise 5
@input_jac.right
def input_vectorised(x, W):
    z = x @ W[:-1] + W[-1]
    return sech2(z)[:, None] * W[:-1].T


@input_jac.right
def input_loops(x, W):
    D, K = x.size, W.shape[1]
    J = np.zeros((K, D))
    for k in range(K):
        z = W[D, k] + sum(W[d, k] * x[d] for d in range(D))
        for d in range(D):
            J[k, d] = (1 - math.tanh(z) ** 2) * W[d, k]
    return J


@input_jac.right
def input_product(x, W):
    z = x @ W[:-1] + W[-1]
    return np.diag(sech2(z)) @ W[:-1].T  # d phi/dz times dz/dx


@input_jac.right
def input_complex_step(x, W):
    h = 1e-30
    cols = []
    for d in range(x.size):
        xc = x.astype(complex)
        xc[d] += 1j * h
        cols.append(np.tanh(xc @ W[:-1] + W[-1]).imag / h)
    return np.column_stack(cols)


@input_jac.right
def input_reverse_mode(x, W):
    z = x @ W[:-1] + W[-1]
    rows = []
    for k in range(W.shape[1]):
        g = np.zeros(W.shape[1])
        g[k] = 1.0                      # the gradient of phi_k
        rows.append(W[:-1] @ (g * sech2(z)))  # back through tanh, then the linear map
    return np.array(rows)


@input_jac.wrong(r"^Sign")
def input_sign(x, W):
    return -input_vectorised(x, W)


@input_jac.wrong(r"slopes a_dk alone")
def input_no_chain(x, W):
    return W[:-1].T.copy()


@input_jac.wrong(r"tanh\(z_k\), the activation")
def input_tanh(x, W):
    z = x @ W[:-1] + W[-1]
    return np.tanh(z)[:, None] * W[:-1].T


@input_jac.wrong(r"axes are in the order \(D, K\)")
def input_transposed(x, W):
    z = x @ W[:-1] + W[-1]
    return W[:-1] * sech2(z)


@input_jac.wrong(r"last column belongs to the bias")
def input_with_bias(x, W):
    z = x @ W[:-1] + W[-1]
    return sech2(z)[:, None] * W.T


@input_jac.wrong(r"factor x_d")
def input_times_x(x, W):
    z = x @ W[:-1] + W[-1]
    return sech2(z)[:, None] * W[:-1].T * x


@input_jac.wrong(r"1 - tanh\(z_k\)")
def input_no_square(x, W):
    z = x @ W[:-1] + W[-1]
    return (1 - np.tanh(z))[:, None] * W[:-1].T


@input_jac.wrong(r"bias is missing from z")
def input_no_bias_in_z(x, W):
    return sech2(x @ W[:-1])[:, None] * W[:-1].T


@input_jac.wrong(r"looks numerical")
def input_central_difference(x, W):
    return gradcheck.central_difference(lambda v: np.tanh(v @ W[:-1] + W[-1]), x)


@input_jac.wrong(r"float32")
def input_float32(x, W):
    A = W[:-1].astype(np.float32)
    z = x.astype(np.float32) @ A + W[-1].astype(np.float32)
    return (1 - np.tanh(z) ** 2)[:, None] * A.T


@input_jac.wrong(r"diag\(sech\^2\(z\)\)")
def input_only_tanh_part(x, W):
    return np.diag(sech2(x @ W[:-1] + W[-1]))


@input_jac.wrong(r"entries are wrong")
def input_bias_thought_first(x, W):
    # rows 1..D of W as the slopes: the 1-based "rows 1 to D" read as W[1:]
    z = x @ W[1:] + W[0]
    return sech2(z)[:, None] * W[1:].T


@input_jac.wrong(r"changes its input W in place")
def input_scales_view(x, W):
    z = x @ W[:-1] + W[-1]
    At = W[:-1].T
    At *= sech2(z)[:, None]  # a view of W: this writes into W
    return At


@input_jac.wrong(r"Wrong shape.*\(\)")
def input_summed(x, W):
    return np.sum(sech2(x @ W[:-1] + W[-1])[:, None] * W[:-1].T)


# ================================================================ Exercise 6
def layer(u, W):
    return np.tanh(u @ W[:-1] + W[-1])


def layer_jacobian(u, W):
    return sech2(u @ W[:-1] + W[-1])[:, None] * W[:-1].T


@two_layer.right
def two_product(x, W1, W2):
    return layer_jacobian(layer(x, W1), W2) @ layer_jacobian(x, W1)


@two_layer.right
def two_loops(x, W1, W2):
    D, K1, K2 = x.size, W1.shape[1], W2.shape[1]
    z1 = [W1[D, j] + sum(W1[d, j] * x[d] for d in range(D)) for j in range(K1)]
    u = [math.tanh(v) for v in z1]
    z2 = [W2[K1, k] + sum(W2[j, k] * u[j] for j in range(K1)) for k in range(K2)]
    J = np.zeros((K2, D))
    for k in range(K2):
        for d in range(D):
            J[k, d] = sum((1 - math.tanh(z2[k]) ** 2) * W2[j, k]
                          * (1 - u[j] ** 2) * W1[d, j] for j in range(K1))
    return J


@two_layer.right
def two_reverse_mode(x, W1, W2):
    z1 = x @ W1[:-1] + W1[-1]
    z2 = np.tanh(z1) @ W2[:-1] + W2[-1]
    rows = []
    for k in range(W2.shape[1]):
        g = np.zeros(W2.shape[1])
        g[k] = 1.0
        g = W2[:-1] @ (g * sech2(z2))   # back through layer 2
        g = W1[:-1] @ (g * sech2(z1))   # back through layer 1
        rows.append(g)
    return np.array(rows)


@two_layer.right
def two_forward_mode(x, W1, W2):
    z1 = x @ W1[:-1] + W1[-1]
    z2 = np.tanh(z1) @ W2[:-1] + W2[-1]
    cols = []
    for d in range(x.size):
        v = np.zeros(x.size)
        v[d] = 1.0
        v = sech2(z1) * (v @ W1[:-1])   # J_f e_d
        v = sech2(z2) * (v @ W2[:-1])   # J_g (J_f e_d)
        cols.append(v)
    return np.column_stack(cols)


@two_layer.right
def two_complex_step(x, W1, W2):
    h = 1e-30
    cols = []
    for d in range(x.size):
        xc = x.astype(complex)
        xc[d] += 1j * h
        cols.append(layer(layer(xc, W1), W2).imag / h)
    return np.column_stack(cols)


@two_layer.wrong(r"wrong order")
def two_reversed(x, W1, W2):
    return layer_jacobian(x, W1) @ layer_jacobian(layer(x, W1), W2)


@two_layer.wrong(r"^Transposed")
def two_transposed(x, W1, W2):
    return two_product(x, W1, W2).T


@two_layer.wrong(r"entry by entry")
def two_elementwise(x, W1, W2):
    return layer_jacobian(layer(x, W1), W2) * layer_jacobian(x, W1)


@two_layer.wrong(r"wrong point: you used x")
def two_at_x(x, W1, W2):
    return layer_jacobian(x, W2) @ layer_jacobian(x, W1)


@two_layer.wrong(r"evaluated at z1")
def two_at_z1(x, W1, W2):
    return layer_jacobian(x @ W1[:-1] + W1[-1], W2) @ layer_jacobian(x, W1)


@two_layer.wrong(r"Layer 1's factor sech\^2")
def two_no_inner_sech(x, W1, W2):
    return layer_jacobian(layer(x, W1), W2) @ W1[:-1].T


@two_layer.wrong(r"Layer 2's factor sech\^2")
def two_no_outer_sech(x, W1, W2):
    return W2[:-1].T @ layer_jacobian(x, W1)


@two_layer.wrong(r"Both factors sech\^2 are missing")
def two_linear_only(x, W1, W2):
    return W2[:-1].T @ W1[:-1].T


@two_layer.wrong(r"looks numerical")
def two_central_difference(x, W1, W2):
    return gradcheck.central_difference(lambda v: layer(layer(v, W1), W2), x)


@two_layer.wrong(r"float32")
def two_float32(x, W1, W2):
    x, W1, W2 = (a.astype(np.float32) for a in (x, W1, W2))
    return layer_jacobian(layer(x, W1), W2) @ layer_jacobian(x, W1)


@two_layer.wrong(r"^Sign")
def two_sign(x, W1, W2):
    return -two_product(x, W1, W2)


@two_layer.wrong(r"Unfinished.*returns None for D = 2, K1 = 4, K2 = 3")
def two_square_only(x, W1, W2):
    if x.size == W1.shape[1] == W2.shape[1]:
        return layer_jacobian(layer(x, W1), W2) @ layer_jacobian(x, W1)
    return None


@two_layer.wrong(r"changes its input W2 in place")
def two_scales_view(x, W1, W2):
    u = layer(x, W1)
    A2t = W2[:-1].T
    A2t *= sech2(u @ W2[:-1] + W2[-1])[:, None]  # writes into W2
    return A2t @ layer_jacobian(x, W1)


@two_layer.wrong(r"Wrong type.*list")
def two_ragged(x, W1, W2):
    J = two_product(x, W1, W2)
    return [list(row[: i + 1]) for i, row in enumerate(J)]


# ================================================================ Exercise 7
@shared.right
def shared_loops(X, A, beta):
    N, D = X.shape
    K = A.shape[1]
    J = np.zeros((N * K, D * K + 1))
    for n in range(N):
        for k in range(K):
            z = sum(A[d, k] * X[n, d] for d in range(D)) + beta
            s = 1 - math.tanh(z) ** 2
            for d in range(D):
                J[n * K + k, d * K + k] = s * X[n, d]   # only l = k
            J[n * K + k, D * K] = s                    # beta: every unit
    return J


@shared.right
def shared_einsum(X, A, beta):
    N, D = X.shape
    K = A.shape[1]
    S = sech2(X @ A + beta)
    slopes = np.einsum("nd,nk,kl->nkdl", X, S, np.eye(K)).reshape(N * K, D * K)
    return np.column_stack([slopes, S.ravel()])


@shared.right
def shared_chain_through_w(X, A, beta):
    # theta_beta -> W (beta copied to every b_k) -> Phi: J = J_W M.
    D, K = A.shape
    J_W = tb.TanhBasis(np.vstack([A, np.full(K, beta)])).full_jacobian(X)
    M = np.zeros(((D + 1) * K, D * K + 1))
    M[: D * K, : D * K] = np.eye(D * K)
    M[D * K:, -1] = 1.0
    return J_W @ M


@shared.right
def shared_kron(X, A, beta):
    S = sech2(X @ A + beta)
    blocks = [np.column_stack([np.kron(X[n], np.diag(S[n])), S[n]]) for n in range(len(X))]
    return np.vstack(blocks)


@shared.right
def shared_complex_step(X, A, beta):
    h = 1e-30
    theta = np.append(A.ravel(), beta)
    cols = []
    for p in range(theta.size):
        t = theta.astype(complex)
        t[p] += 1j * h
        cols.append(np.tanh(X @ t[:-1].reshape(A.shape) + t[-1]).ravel().imag / h)
    return np.column_stack(cols)


@shared.wrong(r"kept the Kronecker delta")
def shared_delta_on_bias(X, A, beta):
    J = shared_einsum(X, A, beta)
    K = A.shape[1]
    J[np.arange(J.shape[0]) % K != 0, -1] = 0.0  # beta "belongs" to unit 1
    return J


@shared.wrong(r"column of the shared bias beta is missing")
def shared_no_bias(X, A, beta):
    return shared_einsum(X, A, beta)[:, :-1]


@shared.wrong(r"shape of the unshared basis")
def shared_unshared(X, A, beta):
    K = A.shape[1]
    return tb.TanhBasis(np.vstack([A, np.full(K, beta)])).full_jacobian(X)


@shared.wrong(r"ordered unit by unit \(a_11, a_21")
def shared_columns_by_unit(X, A, beta):
    N, D = X.shape
    K = A.shape[1]
    S = sech2(X @ A + beta)
    J = np.zeros((N * K, D * K + 1))
    for k in range(K):
        for d in range(D):
            J[k::K, k * D + d] = X[:, d] * S[:, k]
    J[:, -1] = S.ravel()
    return J


@shared.wrong(r"rows are ordered unit by unit")
def shared_rows_by_unit(X, A, beta):
    N, _D = X.shape
    K = A.shape[1]
    J = shared_einsum(X, A, beta).reshape(N, K, -1)
    return J.transpose(1, 0, 2).reshape(N * K, -1)


@shared.wrong(r"shifted by K.*1-based")
def shared_one_based_columns(X, A, beta):
    N, D = X.shape
    K = A.shape[1]
    S = sech2(X @ A + beta)
    J = np.zeros((N * K, D * K + 1))
    J[:, -1] = S.ravel()
    for n in range(N):
        for k in range(K):
            for d in range(D):
                J[n * K + k, (d - 1) * K + k] = X[n, d] * S[n, k]  # (d-1)K + l
    return J


@shared.wrong(r"lack the factor x_nd")
def shared_no_x(X, A, beta):
    N, D = X.shape
    K = A.shape[1]
    S = sech2(X @ A + beta)
    slopes = np.einsum("nk,d,kl->nkdl", S, np.ones(D), np.eye(K)).reshape(N * K, D * K)
    return np.column_stack([slopes, S.ravel()])


@shared.wrong(r"sech\^2\(z_nk\) is missing")
def shared_no_chain(X, A, beta):
    N, D = X.shape
    K = A.shape[1]
    slopes = np.einsum("nd,nk,kl->nkdl", X, np.ones((N, K)), np.eye(K)).reshape(N * K, D * K)
    return np.column_stack([slopes, np.ones(N * K)])


@shared.wrong(r"^Sign")
def shared_sign(X, A, beta):
    return -shared_einsum(X, A, beta)


@shared.wrong(r"looks numerical")
def shared_central_difference(X, A, beta):
    def phi(theta):
        return np.tanh(X @ theta[:-1].reshape(A.shape) + theta[-1]).ravel()

    return gradcheck.central_difference(phi, np.append(A.ravel(), beta))


@shared.wrong(r"float32")
def shared_float32(X, A, beta):
    return shared_einsum(X.astype(np.float32), A.astype(np.float32), np.float32(beta))


@shared.wrong(r"entries are wrong")
def shared_bias_summed_over_units(X, A, beta):
    J = shared_einsum(X, A, beta)
    S = sech2(X @ A + beta)
    J[:, -1] = np.repeat(S.sum(axis=1), A.shape[1])  # sum over k in every row
    return J


@shared.wrong(r"reshape the result to \(12, 7\)")
def shared_three_indices(X, A, beta):
    N, _D = X.shape
    return shared_einsum(X, A, beta).reshape(N, A.shape[1], -1)


@shared.wrong(r"changes its input A in place")
def shared_difference_in_place(X, A, beta):
    eps = 1e-7
    J = np.zeros((X.shape[0] * A.shape[1], A.size + 1))
    for p, (d, ell) in enumerate(np.ndindex(A.shape)):
        A[d, ell] += eps
        up = np.tanh(X @ A + beta).ravel()
        A[d, ell] -= 2 * eps
        down = np.tanh(X @ A + beta).ravel()
        A[d, ell] += eps  # back where it was? not exactly, in float64
        J[:, p] = (up - down) / (2 * eps)
    J[:, -1] = sech2(X @ A + beta).ravel()
    return J


@two_layer.wrong(r"For D = 2, K1 = 4, K2 = 3: Wrong shape.*follow the shapes")
def two_square_shapes_assumed(x, W1, W2):
    J = np.zeros((W2.shape[1], W1.shape[1]))  # (K2, K1): K1 taken for D
    J[:, : x.size] = layer_jacobian(layer(x, W1), W2) @ layer_jacobian(x, W1)
    return J
