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
    """Derivative of tanh, ``sech(z)**2 = 1 - tanh(z)**2``, to full precision.

    ``1 - tanh(z)**2`` subtracts two nearly equal numbers once ``|z|`` is
    large: its relative error grows like ``1e-16 * exp(2|z|) / 4``, first
    passes 1e-8 (half of the 16 digits) near ``|z| = 9.7``, and the result is
    exactly 0 from ``|z|`` of about 19 on. With ``s = exp(-|z|)`` we have
    ``sech(z) = 2 s / (1 + s**2)``, which involves no subtraction, so every
    finite ``z`` keeps a relative error of a few ulps until the true value
    leaves the normal range of doubles (``|z|`` beyond about 354; it rounds
    to exactly 0 from about 373).

    Parameters
    ----------
    z : array_like
        Real numbers of any shape.

    Returns
    -------
    ndarray of float64
        ``sech(z)**2``, same shape as ``z``; 0 at ``z = +-inf``.
    """
    z = real_array(z, "z")
    # s**2 underflows only where sech^2 itself is far below the smallest
    # double; silence that so a user's np.seterr(all="raise") cannot trip.
    with np.errstate(under="ignore"):
        s = np.exp(-np.abs(z))  # in (0, 1]: never overflows
        out = (2.0 * s / (1.0 + s * s)) ** 2
    # A 0-d input gives a numpy scalar, as numpy's own ufuncs do.
    return out[()] if out.ndim == 0 else out


def _one_unit_z(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    """Validated ``x`` and the pre-activation ``z = a*x + b`` of one unit."""
    x, a, b = (real_array(v, n) for v, n in ((x, "x"), (a, "a"), (b, "b")))
    return x, a * x + b


def tanh_unit(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
    """One tanh unit of one input, ``tanh(a*x + b)``, broadcasting like numpy.

    Parameters
    ----------
    x, a, b : array_like
        Input, slope and bias; any shapes that broadcast together.

    Returns
    -------
    ndarray of float64
        ``tanh(a*x + b)`` with the broadcast shape.
    """
    return np.tanh(_one_unit_z(x, a, b)[1])


def tanh_unit_dslope(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
    """Derivative of ``tanh(a*x + b)`` with respect to the slope: ``x sech^2``.

    Parameters
    ----------
    x, a, b : array_like
        Input, slope and bias; any shapes that broadcast together.

    Returns
    -------
    ndarray of float64
        ``x * sech2(a*x + b)`` with the broadcast shape.
    """
    x, z = _one_unit_z(x, a, b)
    return x * sech2(z)


def tanh_unit_dbias(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
    """Derivative of ``tanh(a*x + b)`` with respect to the bias: ``sech^2``.

    Parameters
    ----------
    x, a, b : array_like
        Input, slope and bias; any shapes that broadcast together.

    Returns
    -------
    ndarray of float64
        ``sech2(a*x + b)`` with the broadcast shape (never negative).
    """
    return sech2(_one_unit_z(x, a, b)[1])


def relative_error(analytic: ArrayLike, numeric: ArrayLike) -> Array:
    """Elementwise relative error ``|J - J_num| / (|J| + |J_num|)`` of a gradient check.

    Unlike the maximum absolute difference it does not depend on the scale of
    the derivative (``d phi / d a`` grows with ``x``). Where both entries are
    exactly 0 the error is 0 (they agree). Where one is 0 and the other is not
    it is exactly 1, however small the other is: see
    ``gradcheck.floored_relative_error`` for a version with a floor.

    Parameters
    ----------
    analytic, numeric : array_like
        Two estimates of the same derivatives, same shape.

    Returns
    -------
    ndarray of float64
        Values in ``[0, 1]``, same shape as the inputs.
    """
    J = real_array(analytic, "analytic")
    J_num = real_array(numeric, "numeric")
    if J.shape != J_num.shape:
        raise ValueError(
            f"analytic and numeric must have the same shape, got {J.shape} and {J_num.shape}"
        )
    scale = np.abs(J) + np.abs(J_num)
    diff = np.abs(J - J_num)
    return np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)


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
    def _check_X(self, X: ArrayLike) -> Array:
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

    def _check_G(self, G: ArrayLike, N: int) -> Array:
        """``G = dL/dPhi`` validated, as a float array of shape ``(N, K)``."""
        G = real_array(G, "G")
        if G.shape != (N, self.K):
            raise ValueError(
                f"G must have shape (N, K) = ({N}, {self.K}), got shape {G.shape}"
            )
        require_finite(G, "G")
        return G

    def _design(self, X: ArrayLike) -> Array:
        """The design matrix of validated ``X``: see :func:`design_matrix`."""
        return design_matrix(self._check_X(X))

    # -------------------------------------------------------------- maps
    def Z(self, X: ArrayLike) -> Array:
        """Pre-activations, equation ``tanh-unit``: ``z[n, k] = sum_d a[d, k] x[n, d] + b[k]``.

        With the biases as the last row of ``W`` this is one matrix product,
        ``Z = Xt @ W``.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)
            Data; 1-D means D = 1.

        Returns
        -------
        ndarray, shape (N, K)
        """
        Xt = self._design(X)
        return Xt @ self._W

    def transform(self, X: ArrayLike) -> Array:
        """Activations, equation ``tanh-unit``: ``Phi[n, k] = tanh(z[n, k])``.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)

        Returns
        -------
        ndarray, shape (N, K)
        """
        Z = self.Z(X)  # (N, K) pre-activations
        Phi = np.tanh(Z)
        return Phi

    # ---------------------------------------------------------- Jacobians
    def jacobian(self, X: ArrayLike) -> Array:
        """Each unit's derivatives by its own parameters, equation ``dphi-dW`` with l = k.

        ``dPhi[n, d, k] = d Phi[n, k] / d W[d, k] = sech2(z[n, k]) * Xt[n, d]``.
        A derivative by another unit's parameter, ``l != k``, is always 0 (the
        Kronecker delta), so it has no place here. The result is a compact
        table indexed (sample, input, unit), neither a Jacobian nor a gradient;
        ``full_jacobian`` places its entries in the ``(N K) x P`` matrix.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)

        Returns
        -------
        ndarray, shape (N, D+1, K)
        """
        Xt = self._design(X)  # (N, D+1)
        S = sech2(Xt @ self._W)  # (N, K): d phi / d z, without 1 - tanh^2's cancellation
        # Every product of an input entry and a unit's sech^2, one per (n, d, k).
        return np.einsum("nd,nk->ndk", Xt, S)

    def full_jacobian(self, X: ArrayLike) -> Array:
        """The dense ``(N K) x P`` Jacobian, equation ``jacobian-blocks``.

        Its entries are equation ``dphi-dW``,
        ``d Phi[n, k] / d W[d, l] = delta[l, k] * dPhi[n, d, k]``, placed at row
        ``n*K + k`` (``Phi`` flattened row-major) and column ``d*K + l``
        (``W`` flattened row-major, as ``W.ravel()``). Entries off the
        Kronecker-delta pattern are exactly 0.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)

        Returns
        -------
        ndarray, shape (N*K, P) with ``P = (D+1)*K``
        """
        dPhi = self.jacobian(X)  # (N, D+1, K): the entries with l == k
        N, D1, K = dPhi.shape
        delta = np.eye(K)  # delta[l, k]
        # One row per output (n, k), one column per parameter (d, l).
        by_index = np.einsum("ndk,lk->nkdl", dPhi, delta)
        return by_index.reshape(N * K, D1 * K)

    def numerical_jacobian(self, X: ArrayLike, eps: float = 1e-6) -> Array:
        """Central-difference estimate of :meth:`jacobian`, equation ``central-difference``.

        ``dPhi_num[n, d, k] = (Phi(W + eps E_dk)[n, k] - Phi(W - eps E_dk)[n, k]) / (2 eps)``,
        where ``E_dk`` is 1 at ``(d, k)`` and 0 elsewhere. One parameter is
        moved at a time, so no entry's estimate assumes which outputs a
        parameter reaches; it costs ``2P`` forward passes. Only the entries
        of the compact array are kept: ``gradcheck.central_difference``
        returns every entry, the zeros off the Kronecker-delta pattern
        included. ``self.W`` is never modified (the shifted parameters are
        copies), even if a pass raises.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)
        eps : float, default 1e-6
            Step, finite and > 0. The error is smallest near
            ``eps ~ machine_eps**(1/3) ~ 6e-6``.

        Returns
        -------
        ndarray, shape (N, D+1, K)
        """
        eps = positive_number(eps, "eps")
        Xt = self._design(X)
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
        """Vector-Jacobian product ``dL/dW`` from ``G = dL/dPhi``, equation ``vjp-sum``.

        By the chain rule ``dL/dW[d, k] = sum_n G[n, k] dPhi[n, d, k]``, and with
        ``dPhi[n, d, k] = Xt[n, d] S[n, k]`` that sum is one matrix product,
        ``dL/dW = Xt.T @ (G * S)``. No Jacobian is built.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)
        G : array_like, shape (N, K)
            Gradient of a scalar loss with respect to ``Phi``.

        Returns
        -------
        ndarray, shape (D+1, K)
            A gradient: the shape of ``W``, not a Jacobian's layout.
        """
        Xt = self._design(X)
        G = self._check_G(G, Xt.shape[0])
        S = sech2(Xt @ self._W)  # (N, K)
        return Xt.T @ (G * S)
