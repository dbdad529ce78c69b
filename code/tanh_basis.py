"""Tanh basis functions and their Jacobians with respect to the parameters.

The chapter's mathematics lives here, once; every page imports it.

Notation (the same on every page of the book):

* ``X`` has shape ``(N, D)``: N samples ``x_n`` with D inputs each.
* ``W`` has shape ``(D+1, K)``: rows ``0..D-1`` hold the slopes ``a[d, k]``,
  the last row holds the biases ``b[k]``; ``P = (D+1)*K`` parameters.
* ``Z = X @ A + b`` has shape ``(N, K)`` and ``Phi = tanh(Z)``.
* A Jacobian is outputs x inputs: ``J[i, j] = d out_i / d in_j``.

A 1-D ``X`` of shape ``(N,)`` means D = 1.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "TanhBasis",
    "dphi_tanh_da",
    "dphi_tanh_db",
    "phi_tanh",
    "relative_error",
    "sech2",
]

Array = NDArray[np.float64]


# ---------------------------------------------------------------- validation
def _as_real_array(value: ArrayLike, name: str) -> Array:
    """Convert ``value`` to a float64 array, or raise ``TypeError`` naming it."""
    arr = np.asarray(value)
    # Booleans, strings, objects and complex numbers are not parameters or data.
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(
            f"{name} must hold real numbers (int or float), got dtype {arr.dtype}"
        )
    return arr.astype(np.float64, copy=False)


def _require_finite(arr: Array, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, but it contains NaN or inf")


# ------------------------------------------------------------- scalar pieces
# Work on rows in blocks of about this many float64 numbers (256 KiB): a block
# and its one temporary stay in a core's L2 cache while the elementwise passes
# of sech2 run over them, instead of streaming (N, K) arrays through memory once
# per operation.
_BLOCK_ELEMENTS = 1 << 15


def _sech2_inplace(z: Array, tmp: Array) -> Array:
    """Overwrite ``z`` with ``sech2(z)``, using ``tmp`` (same shape) as scratch.

    The same operations in the same order as :func:`sech2`'s formula, so the
    results are bit-for-bit the same; the caller silences underflow.
    """
    s = z
    np.abs(z, out=s)
    np.negative(s, out=s)
    np.exp(s, out=s)  # s = exp(-|z|) in (0, 1]
    np.multiply(s, s, out=tmp)
    tmp += 1.0  # 1 + s**2
    s *= 2.0
    s /= tmp  # sech(z) = 2 s / (1 + s**2)
    s *= s
    return s


def sech2(z: ArrayLike) -> Array:
    """Derivative of tanh, ``sech(z)**2 = 1 - tanh(z)**2``, to full precision.

    ``1 - tanh(z)**2`` cancels catastrophically: it has lost half its digits by
    ``|z| = 9`` and is exactly 0 from ``|z|`` of about 19 on. With
    ``s = exp(-|z|)`` we have ``sech(z) = 2 s / (1 + s**2)``, which involves no
    subtraction, so every finite ``z`` keeps a relative error of a few ulps
    until the true value leaves the normal range of doubles (``|z|`` beyond
    about 354; it rounds to exactly 0 from about 373).

    Parameters
    ----------
    z : array_like
        Real numbers of any shape.

    Returns
    -------
    ndarray of float64
        ``sech(z)**2``, same shape as ``z``; 0 at ``z = +-inf``.
    """
    z = _as_real_array(z, "z")
    out = np.array(z, dtype=np.float64, order="C")  # a copy we may overwrite
    flat = out.reshape(-1)
    tmp = np.empty(min(flat.size, _BLOCK_ELEMENTS))
    # exp(-|z|) only underflows where sech^2 itself is far below the smallest
    # double; silence that so a user's np.seterr(all="raise") cannot trip.
    with np.errstate(under="ignore", over="ignore"):
        for start in range(0, flat.size, _BLOCK_ELEMENTS):
            block = flat[start:start + _BLOCK_ELEMENTS]
            _sech2_inplace(block, tmp[: block.size])
    # A 0-d input gives a numpy scalar, as numpy's own ufuncs do.
    return out[()] if out.ndim == 0 else out


def _one_unit_z(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    """Validated ``x`` and the pre-activation ``z = a*x + b`` of one unit."""
    x, a, b = (_as_real_array(v, n) for v, n in ((x, "x"), (a, "a"), (b, "b")))
    return x, a * x + b


def phi_tanh(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
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


def dphi_tanh_da(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
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


def dphi_tanh_db(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> Array:
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
    """Elementwise relative error ``|a - n| / (|a| + |n|)`` of a gradient check.

    Unlike the maximum absolute difference it does not depend on the scale of
    the derivative (``d phi / d a`` grows with ``x``). Where both entries are
    exactly 0 the error is 0 (they agree).

    Parameters
    ----------
    analytic, numeric : array_like
        Two estimates of the same derivatives, same shape.

    Returns
    -------
    ndarray of float64
        Values in ``[0, 1]``, same shape as the inputs.
    """
    a = _as_real_array(analytic, "analytic")
    n = _as_real_array(numeric, "numeric")
    if a.shape != n.shape:
        raise ValueError(
            f"analytic and numeric must have the same shape, got {a.shape} and {n.shape}"
        )
    scale = np.abs(a) + np.abs(n)
    diff = np.abs(a - n)
    return np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)


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
        W = _as_real_array(value, "W")
        if W.ndim != 2 or W.shape[0] < 2 or W.shape[1] < 1:
            raise ValueError(
                "W must have shape (D+1, K) with D >= 1 slope rows, one bias row "
                f"and K >= 1 units, got shape {W.shape}"
            )
        _require_finite(W, "W")
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
        return f"TanhBasis(D={self.D}, K={self.K})"

    # ------------------------------------------------------------ helpers
    def _check_X(self, X: ArrayLike) -> Array:
        X = _as_real_array(X, "X")
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
        _require_finite(X, "X")
        return X

    @staticmethod
    def _forward(X: Array, W: Array) -> Array:
        """Pre-activations ``Z = X A + b`` for explicit parameters ``W``."""
        Z = X @ W[:-1]
        Z += W[-1]  # in place: the same sums, without a second (N, K) array
        return Z

    # -------------------------------------------------------------- maps
    def Z(self, X: ArrayLike) -> Array:
        """Pre-activations ``z[n, k] = sum_d a[d, k] x[n, d] + b[k]``.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)
            Data; 1-D means D = 1.

        Returns
        -------
        ndarray, shape (N, K)
        """
        return self._forward(self._check_X(X), self._W)

    def transform(self, X: ArrayLike) -> Array:
        """Activations ``Phi[n, k] = tanh(z[n, k])``.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)

        Returns
        -------
        ndarray, shape (N, K)
        """
        Z = self.Z(X)
        return np.tanh(Z, out=Z)  # Z is a fresh array: no second (N, K) one

    # ---------------------------------------------------------- Jacobians
    def jacobian(self, X: ArrayLike) -> Array:
        """Non-zero part of the Jacobian of ``Phi`` with respect to ``W``.

        ``J[n, d, k] = d Phi[n, k] / d W[d, k] = sech2(z[n, k]) * xt[n, d]``
        with ``xt[n] = (x[n, 0], ..., x[n, D-1], 1)``. Every derivative
        ``d Phi[n, k] / d W[d, l]`` with ``l != k`` is 0 and is not stored.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)

        Returns
        -------
        ndarray, shape (N, D+1, K)
        """
        X = self._check_X(X)
        N, D = X.shape
        K = self.K
        J = np.empty((N, D + 1, K))
        # Rows go in cache-sized blocks: sech2 runs on a block while it is in
        # cache, and J is then written in one pass, the only pass over memory
        # of the size of J. Xt is the block's design matrix (x_n, 1).
        rows = max(1, _BLOCK_ELEMENTS // K)
        tmp = np.empty((min(rows, N), K))
        Xt = np.empty((min(rows, N), D + 1))
        Xt[:, D] = 1.0
        with np.errstate(under="ignore", over="ignore"):
            for start in range(0, N, rows):
                stop = min(start + rows, N)
                m = stop - start
                S = _sech2_inplace(self._forward(X[start:stop], self._W), tmp[:m])
                Xt[:m, :D] = X[start:stop]
                # J[n, d, k] = xt[n, d] * S[n, k], written straight into J.
                # einsum's outer-product loop is faster than a broadcast
                # multiply (short rows of K); the products are the same, except
                # that a -0.0 comes out as +0.0.
                np.einsum("nd,nk->ndk", Xt[:m], S, out=J[start:stop])
        return J

    def full_jacobian(self, X: ArrayLike) -> Array:
        """The dense Jacobian of ``vec(Phi)`` with respect to ``vec(W)``.

        Both are flattened row-major: row ``n*K + k`` is ``Phi[n, k]`` and
        column ``d*K + k`` is ``W[d, k]``. Entries off the Kronecker-delta
        blocks (unit of the row != unit of the column) are exactly 0.

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)

        Returns
        -------
        ndarray, shape (N*K, P) with ``P = (D+1)*K``
        """
        J = self.jacobian(X)
        N, D1, K = J.shape
        F = np.zeros((N, K, D1, K))
        # The entries with equal unit indices, F[n, k, d, k], as a writable
        # (N, K, D+1) view: one strided copy, no index arrays.
        np.einsum("nkdk->nkd", F)[...] = J.transpose(0, 2, 1)
        return F.reshape(N * K, D1 * K)

    def numerical_jacobian(self, X: ArrayLike, eps: float = 1e-6) -> Array:
        """Central-difference estimate of :meth:`jacobian`.

        Column k of ``Phi`` depends on column k of ``W`` only, so shifting a
        whole row ``W[d, :]`` by ``+-eps`` gives the differences of all K units
        at once: ``2(D+1)`` forward passes instead of ``2(D+1)K``. ``self.W``
        is never modified; the shifted parameters are copies.

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
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
            raise TypeError(f"eps must be a real number, got {type(eps).__name__}")
        if not (np.isfinite(eps) and eps > 0):
            raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
        X = self._check_X(X)
        W = self._W
        N, D = X.shape
        NJ = np.empty((N, D + 1, self.K))
        for d in range(D + 1):
            W_shift = W.copy()
            W_shift[d] += eps
            # The forward passes return fresh arrays, so tanh and the
            # difference can overwrite them instead of allocating (N, K) more.
            phi_plus = self._forward(X, W_shift)
            np.tanh(phi_plus, out=phi_plus)
            W_shift[d] = W[d] - eps
            phi_minus = self._forward(X, W_shift)
            np.tanh(phi_minus, out=phi_minus)
            np.subtract(phi_plus, phi_minus, out=phi_plus)
            np.divide(phi_plus, 2.0 * eps, out=NJ[:, d, :])
        return NJ

    def vjp(self, X: ArrayLike, G: ArrayLike) -> Array:
        """Vector-Jacobian product: ``dL/dW`` from ``G = dL/dPhi``.

        By the chain rule ``dL/dW[d, k] = sum_n G[n, k] J[n, d, k]``, i.e.
        ``dL/dA = X.T @ (G * sech2(Z))`` and ``dL/db = sum_n G[n] * sech2(z[n])``.
        No Jacobian is built: the rows are processed in cache-sized blocks,
        so the extra memory is O(K) per row of a block, not O(N D K).

        Parameters
        ----------
        X : array_like, shape (N, D) or (N,)
        G : array_like, shape (N, K)
            Gradient of a scalar loss with respect to ``Phi``.

        Returns
        -------
        ndarray, shape (D+1, K)
            Same layout as ``W``.
        """
        X = self._check_X(X)
        G = _as_real_array(G, "G")
        if G.shape != (X.shape[0], self.K):
            raise ValueError(
                f"G must have shape (N, K) = ({X.shape[0]}, {self.K}), got shape {G.shape}"
            )
        _require_finite(G, "G")
        N, D = X.shape
        W = self._W
        K = W.shape[1]
        out = np.zeros((D + 1, K))
        # Cache-sized row blocks: G * sech2(Z) of a block is formed and used
        # while it is in cache, and nothing of size (N, K) is ever allocated.
        # With the design matrix xt = (x, 1) of a block, Z = Xt @ W and
        # dL/dW = Xt.T @ (G * sech2(Z)) are one matrix product each: the bias
        # rides along as the last row, with no separate add or column sum.
        rows = max(1, _BLOCK_ELEMENTS // K)
        m_max = min(rows, N)
        GS_buf, tmp = np.empty((m_max, K)), np.empty((m_max, K))
        Xt = np.empty((m_max, D + 1))
        Xt[:, D] = 1.0
        part = np.empty((D + 1, K))
        with np.errstate(under="ignore", over="ignore"):
            for start in range(0, N, rows):
                stop = min(start + rows, N)
                m = stop - start
                Xt[:m, :D] = X[start:stop]
                GS = np.matmul(Xt[:m], W, out=GS_buf[:m])
                _sech2_inplace(GS, tmp[:m])
                GS *= G[start:stop]
                out += np.matmul(Xt[:m].T, GS, out=part)
        return out
