"""Tanh basis functions and their Jacobians with respect to the parameters.

The chapter's mathematics lives here, once; every page imports it. This is the
*readable reference*: each method is a few lines of plain NumPy that mirror one
equation of the chapter, so it can be read line by line against the math. Its
engineered twin, ``tanh_basis_fast`` (cache blocks, in-place work, the
row-vectorised difference quotient), has the same API and is tested equal to it.

Notation (the same on every page of the book):

* ``X`` has shape ``(N, D)``: N samples ``x_n`` with D inputs each.
* ``W`` has shape ``(D+1, K)``: rows ``0..D-1`` hold the slopes ``a[d, k]``,
  the last row holds the biases ``b[k]``; ``P = (D+1)*K`` parameters.
* ``Xt = [X, 1]`` has shape ``(N, D+1)``: the design matrix, a constant
  input 1 appended to every sample, so that ``Z = Xt @ W``.
* ``Z`` has shape ``(N, K)`` and ``Phi = tanh(Z)``.
* A Jacobian is outputs x inputs: ``J[i, j] = d out_i / d in_j``.

A 1-D ``X`` of shape ``(N,)`` means D = 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradcheck import relative_error  # re-exported: the pages call tb.relative_error
from validate import positive_number, real_array, require_finite

__all__ = [
    "TanhBasis",
    "design_matrix",
    "relative_error",
    "sech2",
    "tanh_unit",
    "tanh_unit_dbias",
    "tanh_unit_dslope",
]

Array = NDArray[np.float64]


# ------------------------------------------------------------- scalar pieces
def sech2(z: ArrayLike) -> Array:
    """Derivative of tanh, ``sech(z)**2``, as ``(2 s / (1 + s**2))**2`` with ``s = exp(-|z|)``.

    ``1 - tanh(z)**2`` cancels for large ``|z|`` (half its digits gone near
    ``|z| = 9.7``, exactly 0 from about 19); this form never subtracts, so it
    keeps a few ulps until the value leaves the normal doubles (``|z|`` > 354).
    ``z``: real, any shape; returns float64 of the same shape, 0 at ``+-inf``.
    """
    z = real_array(z, "z")
    # s**2 underflows only where sech^2 itself is far below the smallest
    # double; silence that so a user's np.seterr(all="raise") cannot trip.
    with np.errstate(under="ignore"):
        s = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        out = (2.0 * s / (1.0 + s * s)) ** 2
    # A 0-d input gives a numpy scalar, as numpy's own ufuncs do.
    return out[()] if out.ndim == 0 else out


# The one-unit functions take an input x, a slope a and a bias b of any
# shapes that broadcast together, and return float64 of the broadcast shape.
def _one_unit_z(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    """Validated ``x`` and the pre-activation ``z = a*x + b`` of one unit."""
    x, a, b = (real_array(v, n) for v, n in ((x, "x"), (a, "a"), (b, "b")))
    return x, a * x + b


def tanh_unit(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
    """One tanh unit of one input, ``tanh(a*x + b)``."""
    return np.tanh(_one_unit_z(x, a, b)[1])


def tanh_unit_dslope(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
    """Derivative of ``tanh(a*x + b)`` with respect to the slope: ``x sech2(a*x + b)``."""
    x, z = _one_unit_z(x, a, b)
    return x * sech2(z)


def tanh_unit_dbias(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
    """Derivative of ``tanh(a*x + b)`` with respect to the bias: ``sech2(a*x + b)``."""
    return sech2(_one_unit_z(x, a, b)[1])


def design_matrix(X: ArrayLike) -> Array:
    """The design matrix ``Xt``: row n is ``(x_n1, ..., x_nD, 1)``.

    The constant last column is the input that each bias multiplies, so that
    ``Z = Xt @ W`` (equation ``tanh-unit``).

    Parameters
    ----------
    X : array_like, shape (N, D)
        Data, one sample per row.

    Returns
    -------
    ndarray, shape (N, D+1)
    """
    X = real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (N, D), got shape {X.shape}")
    Xt = np.ones((X.shape[0], X.shape[1] + 1))
    Xt[:, :-1] = X
    return Xt


# --------------------------------------------------------------- the basis
class TanhBasis:
    """K tanh basis functions of D inputs, ``phi_k(x) = tanh(sum_d a_dk x_d + b_k)``.

    Parameters
    ----------
    W : array_like, shape (D+1, K)
        Rows ``0..D-1`` are the slopes ``a[d, k]``; the last row is the
        biases ``b[k]``. It is validated and copied, never aliased.

    Raises
    ------
    TypeError
        If ``W`` does not hold real numbers.
    ValueError
        If ``W`` is not 2-D with at least 2 rows and 1 column, or is not finite.

    Every method takes data ``X`` of shape ``(N, D)``, or ``(N,)`` when
    D = 1, and checks it with :meth:`check_X`. The checks and
    :meth:`design` are public so that the fast twin, a subclass, shares them.

    Examples
    --------
    >>> basis = TanhBasis([[1.0, -2.0], [0.0, 0.5]])  # D = 1, K = 2
    >>> basis.transform([0.0, 1.0]).shape
    (2, 2)
    """

    def __init__(self, W: ArrayLike) -> None:
        self.W = W  # the setter validates and copies

    # The parameters are read through a read-only view, so nobody (a page, a
    # test, a failed call) can change them except through the setter.
    @property
    def W(self) -> Array:
        """The parameters, shape ``(D+1, K)`` (read-only; assign to replace)."""
        view = self._W.view()
        view.flags.writeable = False
        return view

    @W.setter
    def W(self, value: ArrayLike) -> None:
        W = real_array(value, "W")
        if W.ndim != 2 or W.shape[0] < 2 or W.shape[1] < 1:
            raise ValueError(
                "W must have shape (D+1, K) with D >= 1 slope rows, one bias row "
                f"and K >= 1 units, got shape {W.shape}"
            )
        require_finite(W, "W")
        self._W = W.copy()

    @property
    def D(self) -> int:
        """Number of inputs."""
        return self._W.shape[0] - 1

    @property
    def K(self) -> int:
        """Number of basis functions (units)."""
        return self._W.shape[1]

    @property
    def P(self) -> int:
        """Number of parameters, ``(D+1)*K``."""
        return self._W.size

    def __repr__(self) -> str:
        return f"{type(self).__name__}(D={self.D}, K={self.K})"

    # ------------------------------------------------------------ inputs
    def check_X(self, X: ArrayLike) -> Array:
        """``X`` validated, as a float array of shape ``(N, D)``."""
        X = real_array(X, "X")
        if X.ndim == 1:
            if self.D != 1:
                raise ValueError(
                    f"X is 1-D, which means D = 1, but W has D = {self.D} slope rows; "
                    f"pass X with shape (N, {self.D})"
                )
            X = X[:, np.newaxis]
        elif X.ndim != 2 or X.shape[1] != self.D:
            raise ValueError(
                f"X must have shape (N, {self.D}) (or (N,) when D = 1), got shape {X.shape}"
            )
        require_finite(X, "X")
        return X

    def check_G(self, G: ArrayLike, N: int) -> Array:
        """``G = dL/dPhi`` validated, as a float array of shape ``(N, K)``."""
        G = real_array(G, "G")
        if G.shape != (N, self.K):
            raise ValueError(
                f"G must have shape (N, K) = ({N}, {self.K}), got shape {G.shape}"
            )
        require_finite(G, "G")
        return G

    def design(self, X: ArrayLike) -> Array:
        """The design matrix ``Xt`` (N, D+1) of validated ``X``: see :func:`design_matrix`."""
        return design_matrix(self.check_X(X))

    # -------------------------------------------------------------- maps
    def Z(self, X: ArrayLike) -> Array:
        """Pre-activations (N, K), equation ``tanh-unit``: ``Z = Xt @ W``.

        ``z[n, k] = sum_d a[d, k] x[n, d] + b[k]``: with the biases as the last
        row of ``W`` this is one matrix product.
        """
        Xt = self.design(X)
        return Xt @ self._W

    def transform(self, X: ArrayLike) -> Array:
        """Activations (N, K), equation ``tanh-unit``: ``Phi[n, k] = tanh(z[n, k])``."""
        Z = self.Z(X)  # (N, K) pre-activations
        Phi = np.tanh(Z)
        return Phi

    # ---------------------------------------------------------- Jacobians
    def jacobian(self, X: ArrayLike) -> Array:
        """``dPhi[n, d, k] = d Phi[n, k] / d W[d, k] = sech2(z[n, k]) Xt[n, d]``, (N, D+1, K).

        Equation ``dphi-dW`` with l = k: a derivative by another unit's
        parameter is 0 (the Kronecker delta), so this compact table, neither a
        Jacobian nor a gradient, keeps only l = k; ``full_jacobian`` places
        its entries in the ``(N K) x P`` matrix.
        """
        Xt = self.design(X)  # (N, D+1)
        S = sech2(Xt @ self._W)  # (N, K): d phi / d z, without 1 - tanh^2's cancellation
        # Every product of an input entry and a unit's sech^2, one per (n, d, k).
        return np.einsum("nd,nk->ndk", Xt, S)

    def full_jacobian(self, X: ArrayLike) -> Array:
        """The dense ``(N K) x P`` Jacobian, equation ``jacobian-blocks``.

        Entry ``d Phi[n, k] / d W[d, l] = delta[l, k] * dPhi[n, d, k]`` (equation
        ``dphi-dW``) sits at row ``n*K + k`` (``Phi`` flattened row-major) and
        column ``d*K + l`` (``W.ravel()``); off the delta's pattern it is 0.
        """
        dPhi = self.jacobian(X)  # (N, D+1, K): the entries with l == k
        N, D1, K = dPhi.shape
        delta = np.eye(K)  # delta[l, k]
        # One row per output (n, k), one column per parameter (d, l).
        by_index = np.einsum("ndk,lk->nkdl", dPhi, delta)
        return by_index.reshape(N * K, D1 * K)

    def numerical_jacobian(self, X: ArrayLike, eps: float = 1e-6) -> Array:
        """Central differences of :meth:`jacobian`, (N, D+1, K), equation ``central-difference``.

        ``(Phi(W + eps E_dk) - Phi(W - eps E_dk))[n, k] / (2 eps)``, one parameter
        at a time (``2P`` passes), so no entry assumes which outputs a
        parameter reaches. ``eps`` is finite and > 0; the error is smallest
        near ``machine_eps**(1/3) ~ 6e-6``. ``self.W`` is never modified.
        """
        eps = positive_number(eps, "eps")
        Xt = self.design(X)
        dPhi_num = np.empty((Xt.shape[0], *self._W.shape))
        for d, k in np.ndindex(*self._W.shape):
            step = np.zeros_like(self._W)
            step[d, k] = eps  # E_dk scaled by eps; self._W itself is never touched
            # Full forward passes (all N x K outputs); column k is unit k's.
            up = np.tanh(Xt @ (self._W + step))[:, k]
            down = np.tanh(Xt @ (self._W - step))[:, k]
            dPhi_num[:, d, k] = (up - down) / (2.0 * eps)
        return dPhi_num

    def vjp(self, X: ArrayLike, G: ArrayLike) -> Array:
        """The gradient ``dL/dW = Xt.T @ (G * S)`` (D+1, K) from ``G = dL/dPhi`` (N, K).

        Equation ``vjp-sum``: ``dL/dW[d, k] = sum_n G[n, k] Xt[n, d] S[n, k]``
        with ``S = sech2(Z)``, one matrix product; no Jacobian is built.
        """
        Xt = self.design(X)
        G = self.check_G(G, Xt.shape[0])
        S = sech2(Xt @ self._W)  # (N, K)
        return Xt.T @ (G * S)
