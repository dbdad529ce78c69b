"""The cost of the source chapter's gradient check, for the benchmark to time.

What it stands for: the source estimates the Jacobian by moving the
``P = (D+1) K`` parameters one at a time. For every parameter it runs a full
forward pass over all ``N`` samples and all ``K`` units at ``+eps`` and again
at ``-eps``, and it keeps one column of the ``(N, K)`` difference, so
``2P`` passes are made and a fraction ``1/K`` of each is used. This module
reproduces that cost with our own code: the parameters as one flat vector
``theta = W.ravel()`` (row-major, as on the notation page), one copy of it per
shifted pass, and the forward pass ``tanh(X @ A + b)``.

It exists only to be timed in ``benchmarks/bench_jacobian.py`` against the
book's row-vectorised difference quotient (``tanh_basis_fast``), which makes
``2(D+1)`` passes. The pages never use it; the readable
``tanh_basis.TanhBasis.numerical_jacobian`` has the same cost by design.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def forward(X: Array, W: Array) -> Array:
    """All activations ``tanh(X @ A + b)``, shape ``(N, K)``; ``W`` is ``(D+1, K)``."""
    return np.tanh(X @ W[:-1] + W[-1])


def source_loop_jacobian(X: Array, W: Array, eps: float = 1e-6) -> Array:
    """Central differences, one parameter at a time: ``2P`` full forward passes.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    W : ndarray, shape (D+1, K)
        Not modified.
    eps : float, default 1e-6

    Returns
    -------
    ndarray, shape (N, D+1, K)
        ``NJ[n, d, k] ~ d Phi[n, k] / d W[d, k]``.
    """
    X = np.asarray(X, dtype=np.float64)
    theta = np.asarray(W, dtype=np.float64).ravel()
    shape = np.shape(W)
    K = shape[1]
    NJ = np.empty((X.shape[0], *shape))
    for p in range(theta.size):
        d, k = divmod(p, K)  # theta[p] is W[d, k] (row-major)
        up, down = theta.copy(), theta.copy()
        up[p] += eps
        down[p] -= eps
        change = forward(X, up.reshape(shape)) - forward(X, down.reshape(shape))
        NJ[:, d, k] = change[:, k] / (2 * eps)  # the other K - 1 columns are thrown away
    return NJ
