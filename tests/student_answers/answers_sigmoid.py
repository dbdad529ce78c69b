"""Exercise 2, a sigmoid basis: students' answers to my_sigmoid_jacobian(X, W)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit
from student_corpus import Corpus

import gradcheck

sigmoid = Corpus("sigmoid_jacobian")


def with_ones(X):
    return np.column_stack([X, np.ones(len(X))])


@sigmoid.right
def loops_with_exp(X, W):
    N, D = X.shape
    K = W.shape[1]
    out = np.zeros((N, D + 1, K))
    for n in range(N):
        for k in range(K):
            z = sum(W[d, k] * X[n, d] for d in range(D)) + W[D, k]
            slope = math.exp(-z) / (1 + math.exp(-z)) ** 2  # sigma'(z), no 1 - sigma
            for d in range(D):
                out[n, d, k] = slope * X[n, d]
            out[n, D, k] = slope
    return out


@sigmoid.right
def einsum_expit(X, W):
    Xt = with_ones(X)
    Z = Xt @ W
    return np.einsum("nd,nk->ndk", Xt, expit(Z) * expit(-Z))


@sigmoid.right
def through_half_tanh(X, W):
    Xt = with_ones(X)
    dsig = 0.25 / np.cosh((Xt @ W) / 2) ** 2  # sigma(z) = (1 + tanh(z/2)) / 2
    return Xt[:, :, None] * dsig[:, None, :]


@sigmoid.right
def complex_step(X, W):
    h = 1e-30
    Xt = with_ones(X)
    out = np.zeros((X.shape[0], W.shape[0], W.shape[1]))
    for d in range(W.shape[0]):
        for k in range(W.shape[1]):
            Wc = W.astype(complex)
            Wc[d, k] += 1j * h
            phi = 1 / (1 + np.exp(-(Xt @ Wc)))
            out[:, d, k] = phi[:, k].imag / h
    return out


@sigmoid.right
def product_of_jacobians(X, W):
    Xt = with_ones(X)
    K = W.shape[1]
    s = expit(Xt @ W)
    dphi_dz = s * expit(-(Xt @ W))                  # diagonal in k
    J4 = np.einsum("nk,nd,kl->nkdl", dphi_dz, Xt, np.eye(K))  # d phi_nk / d W_dl
    k = np.arange(K)
    return J4[:, k, :, k].transpose(1, 2, 0)


@sigmoid.wrong(r"^Sign")
def wrong_sign(X, W):
    Xt = with_ones(X)
    Z = Xt @ W
    return -Xt[:, :, None] * (expit(Z) * expit(-Z))[:, None, :]


@sigmoid.wrong(r"lack the factor x_nd")
def no_x(X, W):
    Xt = with_ones(X)
    Z = Xt @ W
    return np.repeat((expit(Z) * expit(-Z))[:, None, :], Xt.shape[1], axis=1)


@sigmoid.wrong(r"derivative of tanh")
def tanh_derivative(X, W):
    Xt = with_ones(X)
    return Xt[:, :, None] * (1 - np.tanh(Xt @ W) ** 2)[:, None, :]


@sigmoid.wrong(r"sigma\(z_nk\), the activation")
def activation_not_derivative(X, W):
    Xt = with_ones(X)
    return Xt[:, :, None] * expit(Xt @ W)[:, None, :]


@sigmoid.wrong(r"bias row is missing")
def bias_dropped(X, W):
    Z = X @ W[:-1] + W[-1]
    return X[:, :, None] * (expit(Z) * expit(-Z))[:, None, :]


@sigmoid.wrong(r"axes are in the order \(K, D\+1, N\)")
def units_first(X, W):
    return einsum_expit(X, W).T


@sigmoid.wrong(r"float32")
def in_float32(X, W):
    Xt = with_ones(X).astype(np.float32)
    Z = Xt @ W.astype(np.float32)
    return np.einsum("nd,nk->ndk", Xt, expit(Z) * expit(-Z))


@sigmoid.wrong(r"looks numerical")
def central_difference(X, W):
    Xt = with_ones(X)
    J4 = gradcheck.central_difference(lambda V: expit(Xt @ V), W, eps=1e-5)  # (N, K, D+1, K)
    k = np.arange(W.shape[1])
    return J4[:, k, :, k].transpose(1, 2, 0)


@sigmoid.wrong(r"looks numerical")
def central_difference_small_step(X, W):
    Xt = with_ones(X)
    out = np.zeros((X.shape[0], *W.shape))
    eps = 1e-7
    for d in range(W.shape[0]):
        for k in range(W.shape[1]):
            E = np.zeros_like(W)
            E[d, k] = eps
            out[:, d, k] = (expit(Xt @ (W + E)) - expit(Xt @ (W - E)))[:, k] / (2 * eps)
    return out


@sigmoid.wrong(r"Unfinished.*returns None for the second input")
def saturation_left_for_later(X, W):
    Xt = with_ones(X)
    Z = Xt @ W
    if np.abs(Z).max() > 30:
        return None  # TODO: large z
    return Xt[:, :, None] * (expit(Z) * expit(-Z))[:, None, :]


@sigmoid.wrong(r"complex numbers")
def complex_step_kept_complex(X, W):
    h = 1e-8
    Xt = with_ones(X)
    Z = Xt @ W
    sig = 1 / (1 + np.exp(-(Z + 1j * h)))
    dsig = (sig - expit(Z)) / (1j * h)  # forgot to take the real part
    return Xt[:, :, None] * dsig[:, None, :]


@sigmoid.wrong(r"not finite.*never filled")
def bias_row_never_filled(X, W):
    N, D = X.shape
    out = np.full((N, D + 1, W.shape[1]), np.nan)
    Z = X @ W[:-1] + W[-1]
    out[:, :D, :] = X[:, :, None] * (expit(Z) * expit(-Z))[:, None, :]
    return out


@sigmoid.wrong(r"Wrong type.*list.*not an array of numbers")
def slopes_and_biases_apart(X, W):
    Z = X @ W[:-1] + W[-1]
    ds = expit(Z) * expit(-Z)
    return [X[:, :, None] * ds[:, None, :], ds]


@sigmoid.wrong(r"4-index layout")
def four_indices(X, W):
    Xt = with_ones(X)
    Z = Xt @ W
    return np.einsum("nk,nd,kl->nkdl", expit(Z) * expit(-Z), Xt, np.eye(W.shape[1]))


@sigmoid.wrong(r"changes its input W in place")
def halves_w_in_place(X, W):
    W *= 0.5  # sigma(z) = (1 + tanh(z / 2)) / 2
    Xt = with_ones(X)
    dsig = 0.25 * (1 - np.tanh(Xt @ W) ** 2)
    return Xt[:, :, None] * dsig[:, None, :]


@sigmoid.wrong(r"Wrong shape.*\(\)")
def summed_to_a_number(X, W):
    Xt = with_ones(X)
    Z = Xt @ W
    return np.einsum("nd,nk->", Xt, expit(Z) * expit(-Z))


@sigmoid.wrong(r"loses its digits.*z -> \+inf", status="imprecise")
def one_minus_sigma(X, W):
    Xt = with_ones(X)
    s = 1 / (1 + np.exp(-(Xt @ W)))
    return Xt[:, :, None] * (s * (1 - s))[:, None, :]


@sigmoid.wrong(r"right ones, but some are in the wrong places")
def bias_first(X, W):
    # the design matrix with the 1 in front, as some courses write it
    Xt = np.column_stack([np.ones(len(X)), X])
    Z = X @ W[:-1] + W[-1]
    return Xt[:, :, None] * (expit(Z) * expit(-Z))[:, None, :]


@sigmoid.wrong(r"Right for moderate z, but wrong for the second input")
def clipped_against_overflow(X, W):
    Xt = with_ones(X)
    Z = np.clip(Xt @ W, -30, 30)
    return Xt[:, :, None] * (np.exp(-Z) / (1 + np.exp(-Z)) ** 2)[:, None, :]


@sigmoid.right
def cosh_form(X, W):
    Xt = with_ones(X)
    return Xt[:, :, None] * (1 / (2 + 2 * np.cosh(Xt @ W)))[:, None, :]
