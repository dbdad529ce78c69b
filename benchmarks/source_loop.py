"""The source chapter's gradient check, kept only to be timed against ours.

The source (HealthML/Math4ML, "The Jacobian") estimates the Jacobian by
perturbing one parameter ``W[d, k]`` at a time: for every one of the ``P``
pairs ``(d, k)`` it copies ``W``, shifts that single entry by ``+eps``, runs
the full forward pass over all N samples and K units, copies ``W`` again,
shifts by ``-eps``, runs the full pass again, and keeps only column ``k`` of
the difference. That is ``2P`` forward passes of size ``(N, K)``, of which a
fraction ``1/K`` is used. This module re-implements that method in our own
code, with the same operations in the same order, so that the benchmark
measures the method and not a rewrite of it. The book's pages never use it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


class SourceLoopBasis:
    """The source's tanh basis: parameters held in a mutable attribute ``W``.

    Parameters
    ----------
    W : ndarray, shape (D+1, K)
        Slopes in rows ``0..D-1``, biases in the last row; copied.
    """

    def __init__(self, W: Array) -> None:
        self.W = np.array(W, dtype=np.float64)

    def transform(self, X: Array) -> Array:
        """Activations ``tanh(X A + b)``, shape ``(N, K)``."""
        if X.ndim == 1:
            X = X[:, np.newaxis]
        return np.tanh(X @ self.W[:-1] + self.W[-1])

    def numerical_jacobian(self, X: Array, eps: float = 1e-6) -> Array:
        """Central differences, one parameter ``W[d, k]`` at a time.

        Parameters
        ----------
        X : ndarray, shape (N, D)
        eps : float
            The step.

        Returns
        -------
        ndarray, shape (N, D+1, K)
            ``NJ[n, d, k] ~ d Phi[n, k] / d W[d, k]``.
        """
        W_saved = self.W.copy()
        N, D = X.shape
        K = W_saved.shape[1]
        NJ = np.zeros((N, D + 1, K))
        for d in range(D + 1):
            for k in range(K):
                # As in the source: the object's own W is overwritten with a
                # shifted copy, and every pass computes all K units.
                self.W = W_saved.copy()
                self.W[d, k] += eps
                phi_plus = self.transform(X)
                self.W = W_saved.copy()
                self.W[d, k] -= eps
                phi_minus = self.transform(X)
                NJ[:, d, k] = (phi_plus[:, k] - phi_minus[:, k]) / (2 * eps)
        self.W = W_saved
        return NJ
