"""The engineered twin of ``tanh_basis``: the same API, the same numbers, faster.

``tanh_basis`` is written to be read against the equations; this module is
written to be fast, and the appendix page "The fast twin" explains it. Each
trick changes how the work is scheduled, never what is computed:

* **Cache blocks.** Rows are processed in blocks of about
  :data:`BLOCK_ELEMENTS` numbers (256 KiB). The elementwise passes of
  ``sech2`` then run over a block while it sits in a core's L2 cache, instead
  of streaming whole ``(N, K)`` arrays through main memory once per operation.
* **In-place work.** ``sech2`` and ``tanh`` overwrite their argument and reuse
  one block-sized scratch buffer instead of allocating a temporary per step.
* **The row-vectorised difference quotient.** Unit k reads column k of ``W``
  only, so shifting a whole row ``W[d, :]`` moves every unit by its own
  parameter at once: ``2(D+1)`` forward passes instead of ``2P``. That is
  valid *because* the Kronecker-delta structure holds, and it has to be
  checked without assuming it: one parameter at a time, looking at every
  output (``gradcheck.central_difference``, as the page and the tests do),
  with the reference's one-at-a-time ``numerical_jacobian`` as the yardstick
  this version must equal.
* **The blocked vjp.** ``Xt.T @ (G * S)`` is accumulated block by block, so
  its scratch is one block, however large ``N`` is.

:class:`TanhBasis` here subclasses the reference, so validation (its public
``check_X``, ``check_G`` and ``design``), errors, the read-only ``W`` and its
setter are the reference's own; ``tests/test_tanh_basis.py`` runs one
contract suite over both. Results equal the
reference's bit for bit where the operations are the same (``sech2``, ``Z``,
``transform``, ``numerical_jacobian``) and to about 1e-16 relative elsewhere
(a block's matrix product may round differently from the whole one's);
``tests/test_tanh_basis_fast.py`` checks both.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

import tanh_basis
from tanh_basis import (
    Array,
    design_matrix,
    relative_error,
    tanh_unit,
    tanh_unit_dbias,
    tanh_unit_dslope,
)
from validate import positive_number, real_array

__all__ = [
    "TanhBasis",
    "design_matrix",
    "relative_error",
    "sech2",
    "tanh_unit",
    "tanh_unit_dbias",
    "tanh_unit_dslope",
]

#: Numbers per block of rows: 2**15 float64 = 256 KiB, so a block and its one
#: scratch array fit in a 1 MiB L2 cache with room to spare.
BLOCK_ELEMENTS = 1 << 15


def _sech2_inplace(z: Array, tmp: Array) -> Array:
    """Overwrite ``z`` with ``sech2(z)``, using ``tmp`` (same shape) as scratch.

    The reference's operations in the same order, so the results are bit for
    bit the same; the caller silences underflow.
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
    """``sech(z)**2``, equal bit for bit to :func:`tanh_basis.sech2`.

    Works on one copy of ``z``, block by block and in place: one output
    array and one block-sized scratch buffer, instead of four full-size
    temporaries. See :func:`tanh_basis.sech2` for the formula and its accuracy.
    """
    z = real_array(z, "z")
    out = np.array(z, dtype=np.float64, order="C")  # the one copy we overwrite
    flat = out.reshape(-1)
    tmp = np.empty(min(flat.size, BLOCK_ELEMENTS))
    with np.errstate(under="ignore"):
        for start in range(0, flat.size, BLOCK_ELEMENTS):
            block = flat[start:start + BLOCK_ELEMENTS]
            _sech2_inplace(block, tmp[: block.size])
    return out[()] if out.ndim == 0 else out


def _blocks(X: Array, W: Array) -> Iterator[tuple[slice, Array, Array]]:
    """Row blocks of about :data:`BLOCK_ELEMENTS` numbers: ``(rows, Xt, sech2(Xt @ W))``.

    ``Xt`` and ``S`` are scratch buffers, overwritten by the next block, and
    ``S`` is computed in place while the block is in cache.
    """
    N, D = X.shape
    K = W.shape[1]
    rows = max(1, BLOCK_ELEMENTS // K)
    m_max = min(rows, N)
    S_buf, tmp = np.empty((m_max, K)), np.empty((m_max, K))
    Xt = np.empty((m_max, D + 1))
    Xt[:, D] = 1.0
    for start in range(0, N, rows):
        stop = min(start + rows, N)
        m = stop - start
        Xt[:m, :D] = X[start:stop]
        with np.errstate(under="ignore"):
            S = _sech2_inplace(np.matmul(Xt[:m], W, out=S_buf[:m]), tmp[:m])
        yield slice(start, stop), Xt[:m], S


class TanhBasis(tanh_basis.TanhBasis):
    """:class:`tanh_basis.TanhBasis` with engineered ``transform``, Jacobians and vjp.

    Same constructor, attributes, shapes, errors and results as the reference;
    see there for the parameters and the shapes.
    """

    def transform(self, X: ArrayLike) -> Array:
        """Activations ``tanh(Z)``, computed in place in the fresh ``Z``."""
        Z = self.Z(X)
        return np.tanh(Z, out=Z)  # saves one (N, K) allocation

    def jacobian(self, X: ArrayLike) -> Array:
        """``dPhi[n, d, k] = Xt[n, d] * sech2(z[n, k])``, in cache-sized row blocks.

        The only pass over memory the size of ``dPhi`` is its write.
        """
        X = self.check_X(X)
        N, D = X.shape
        dPhi = np.empty((N, D + 1, self.K))
        for rows, Xt, S in _blocks(X, self.W):
            # einsum's outer-product loop beats a broadcast multiply for
            # short rows of K; the products are the same numbers.
            np.einsum("nd,nk->ndk", Xt, S, out=dPhi[rows])
        return dPhi

    def full_jacobian(self, X: ArrayLike) -> Array:
        """The dense ``(N K) x P`` Jacobian, written through a diagonal view.

        The non-zero entries ``F[n, k, d, k]`` form a strided ``(N, K, D+1)``
        view of the zero array (``einsum`` with a repeated index); one strided
        copy fills them, with no multiplications by the Kronecker delta.
        """
        dPhi = self.jacobian(X)
        N, D1, K = dPhi.shape
        F = np.zeros((N, K, D1, K))
        np.einsum("nkdk->nkd", F)[...] = dPhi.transpose(0, 2, 1)
        return F.reshape(N * K, D1 * K)

    def numerical_jacobian(self, X: ArrayLike, eps: float = 1e-6) -> Array:
        """Central differences with ``2(D+1)`` forward passes instead of ``2P``.

        Shifting the row ``W[d, :]`` by ``+-eps`` moves each unit k by its own
        ``W[d, k]``; as unit k reads only column k of ``W`` (the Kronecker
        delta), column k of the difference is the one-at-a-time difference for
        ``W[d, k]``, bit for bit. This *assumes* the structure, so it cannot
        check it: ``gradcheck.central_difference`` does. ``self.W`` is never
        modified.
        """
        eps = positive_number(eps, "eps")
        Xt = self.design(X)
        W = self.W
        dPhi_num = np.empty((Xt.shape[0], *W.shape))
        W_shift = W.copy()
        for d in range(W.shape[0]):
            W_shift[d] = W[d]
            W_shift[d] += eps  # the reference's W[d, k] + eps, for every k at once
            Phi_plus = Xt @ W_shift
            np.tanh(Phi_plus, out=Phi_plus)
            W_shift[d] = W[d]
            W_shift[d] -= eps
            Phi_minus = Xt @ W_shift
            np.tanh(Phi_minus, out=Phi_minus)
            W_shift[d] = W[d]
            np.subtract(Phi_plus, Phi_minus, out=Phi_plus)
            np.divide(Phi_plus, 2.0 * eps, out=dPhi_num[:, d, :])
        return dPhi_num

    def vjp(self, X: ArrayLike, G: ArrayLike) -> Array:
        """``dL/dW = Xt.T @ (G * sech2(Z))``, accumulated over cache-sized row blocks.

        The extra memory is one block, however large ``N`` is; the bias rides
        along as the last column of ``Xt``.
        """
        X = self.check_X(X)
        G = self.check_G(G, X.shape[0])
        out = np.zeros((self.D + 1, self.K))
        part = np.empty_like(out)
        for rows, Xt, S in _blocks(X, self.W):
            S *= G[rows]
            out += np.matmul(Xt.T, S, out=part)
        return out
