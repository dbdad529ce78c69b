"""Checkers for the exercises: run a student's function and say what is wrong.

Each exercise on the exercises page has a "your turn" cell with a function for
the student to fill in, followed by a call such as
``check.sigmoid_jacobian(my_sigmoid_jacobian)``. The checker calls the function
on small fixed inputs, compares the result with a reference answer computed
from :mod:`tanh_basis`, and prints one verdict in plain words:

* **not attempted yet**, while the function still returns ``None`` or raises
  ``NotImplementedError`` (the stub), so an untouched page builds cleanly;
* **wrong shape**, with the expected shape and, when the numbers are right but
  the axes are not, which order they are in;
* a **known mistake**, recognised by its pattern: a missing factor ``x_nd``, a
  missing chain-rule factor, a flipped sign, a constant factor, ...;
* otherwise **which entries** are wrong, named by the math's indices
  ``(n, d, k)`` counted from 1 (the message says so, and gives the code's
  0-based index too);
* **correct**, when every entry agrees.

Every public checker ``name(fn)`` prints its verdict and returns ``None`` (so
a notebook cell shows the message once); ``assess_name(fn)`` returns the
:class:`Verdict` instead, for tests and for the page's own assertions. The
student's function receives copies of the inputs, so it cannot change the
reference data, and an exception other than ``NotImplementedError`` is not
caught: its traceback points at the line to fix.
"""

from __future__ import annotations

import itertools
import numbers
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

import tanh_basis as tb

__all__ = [
    "Verdict",
    "assess_dropped_x_error",
    "assess_input_jacobian",
    "assess_jvp",
    "assess_shared_bias_jacobian",
    "assess_shift_lost",
    "assess_sigmoid_jacobian",
    "assess_structural_zeros",
    "assess_two_layer_jacobian",
    "dropped_x_error",
    "input_jacobian",
    "jvp",
    "shared_bias_jacobian",
    "shift_lost",
    "sigmoid_jacobian",
    "structural_zeros",
    "two_layer_jacobian",
]

Array = NDArray[np.float64]

#: An entry agrees when ``|got - expected| <= RTOL |expected| + atol``. A
#: derivative from a formula agrees to a few ulps; 1e-9 leaves room for a
#: different but exact formula, and still catches a finite difference.
RTOL = 1e-9

#: How many wrong entries a message lists.
SHOWN = 3


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check.

    Attributes
    ----------
    status : str
        ``"correct"``, ``"not attempted"``, ``"wrong"`` or ``"imprecise"``
        (the formula is right, but it loses its digits somewhere).
    message : str
        What the checker prints: what is wrong, in plain words.
    """

    status: str
    message: str

    @property
    def ok(self) -> bool:
        """True when the answer is correct."""
        return self.status == "correct"

    def __str__(self) -> str:
        return self.message


def _show(verdict: Verdict) -> None:
    """Print a verdict, wrapped to fit a phone-width output block."""
    paragraphs = verdict.message.split("\n")
    text = "\n".join(textwrap.fill(p, width=72) for p in paragraphs)
    # One write, not print's two: a kernel may send the text and the newline
    # as separate stream outputs, which makes two runs of a cell differ.
    sys.stdout.write(text + "\n")


# ------------------------------------------------------------ calling the student
def _name(fn: Callable) -> str:
    return getattr(fn, "__name__", "your function")


def _attempt(fn: Callable, *args: object) -> tuple[object, Verdict | None]:
    """Call ``fn`` on copies of ``args``; a stub gives a "not attempted" verdict."""
    if not callable(fn):
        raise TypeError(f"fn must be the function you wrote, got {type(fn).__name__}")
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        out = fn(*copies)
    except NotImplementedError:
        return None, Verdict(
            "not attempted",
            f"Not attempted yet: {_name(fn)} raises NotImplementedError. Replace "
            "that line with your code and run the cell again.",
        )
    if out is None:
        return None, Verdict(
            "not attempted",
            f"Not attempted yet: {_name(fn)} returns None. Make it return your "
            "answer and run the cell again.",
        )
    return out, None


def _as_float_array(out: object, fn: Callable, expected: str) -> tuple[Array, Verdict | None]:
    """The student's result as a float array, or a verdict saying it is not one."""
    try:
        got = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return np.empty(0), Verdict(
            "wrong",
            f"Wrong type: {_name(fn)} returned a {type(out).__name__}, which is not "
            f"an array of numbers; expected {expected}.",
        )
    return got, None


# ------------------------------------------------------------- comparing arrays
def _bad(got: Array, expected: Array, atol: float) -> NDArray[np.bool_]:
    """Entries of ``got`` that are not finite or differ from ``expected``."""
    with np.errstate(invalid="ignore"):
        off = np.abs(got - expected) > RTOL * np.abs(expected) + atol
    return off | ~np.isfinite(got)


def _shape_verdict(
    got: Array, expected: Array, axes: Sequence[str], fn: Callable, atol: float
) -> Verdict | None:
    """None when the shapes agree, else a verdict naming both shapes."""
    if got.shape == expected.shape:
        return None
    names = ", ".join(axes)
    message = (
        f"Wrong shape: {_name(fn)} returned an array of shape {got.shape}; expected "
        f"({names}) = {expected.shape}."
    )
    if got.ndim == expected.ndim and sorted(got.shape) == sorted(expected.shape):
        for perm in itertools.permutations(range(expected.ndim)):
            moved = expected.transpose(perm)
            if moved.shape == got.shape and not _bad(got, moved, atol).any():
                order = ", ".join(axes[p] for p in perm)
                return Verdict(
                    "wrong",
                    f"{message} Your numbers are right, but your axes are in the order "
                    f"({order}); put them in the order ({names}).",
                )
    if got.size == expected.size:
        if not _bad(got.reshape(expected.shape), expected, atol).any():
            return Verdict(
                "wrong", f"{message} Your numbers are right and in the right order: "
                f"reshape the result to {expected.shape}."
            )
        message += " It has the right number of entries, so check the order of the axes."
    return Verdict("wrong", message)


def _constant_factor(got: Array, expected: Array, atol: float) -> float | None:
    """The factor c if ``got == c * expected`` everywhere (c != 1), else None."""
    scale = np.abs(expected) > atol
    if not scale.any():
        return None
    ratio = got[scale] / expected[scale]
    c = float(np.median(ratio))
    if not np.isfinite(c) or abs(c - 1.0) < 1e-6 or abs(c) < 1e-12:
        return None
    return c if not _bad(got, c * expected, atol).any() else None


def _entries_message(
    bad: NDArray[np.bool_],
    got: Array,
    expected: Array,
    label: Callable[[tuple[int, ...]], str],
    intro: str,
    fmt: Callable[[float], str] = "{:.6g}".format,
) -> str:
    """Say how many entries are wrong, list the first few, and any pattern."""
    where = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)]
    lines = [f"{len(where)} of {bad.size} entries are wrong. {intro}"]
    for idx in where[:SHOWN]:
        lines.append(f"  {label(idx)}: yours {fmt(got[idx])}, expected {fmt(expected[idx])}")
    if len(where) > SHOWN:
        lines.append(f"  ... and {len(where) - SHOWN} more.")
    return "\n".join(lines)


def _compare(
    got: Array,
    expected: Array,
    *,
    fn: Callable,
    axes: Sequence[str],
    mistakes: Sequence[tuple[Array, str]],
    label: Callable[[tuple[int, ...]], str],
    intro: str,
    correct: str,
    atol: float = 0.0,
    scale_hint: str = "",
    fmt: Callable[[float], str] = "{:.6g}".format,
) -> Verdict:
    """Shape, then known mistakes, then a constant factor, then the wrong entries."""
    shape = _shape_verdict(got, expected, axes, fn, atol)
    if shape is not None:
        return shape
    bad = _bad(got, expected, atol)
    if not bad.any():
        return Verdict("correct", correct)
    if not np.isfinite(got).all():
        n_bad = int(np.count_nonzero(~np.isfinite(got)))
        return Verdict(
            "wrong",
            f"{n_bad} entries are not finite (nan or inf): look for a division by "
            "zero or an overflow.\n"
            + _entries_message(~np.isfinite(got), got, expected, label, intro),
        )
    for candidate, message in mistakes:
        if candidate.shape == got.shape and not _bad(got, candidate, atol).any():
            return Verdict("wrong", message)
    c = _constant_factor(got, expected, atol)
    if c is not None:
        return Verdict(
            "wrong",
            f"Your entries are all {c:.6g} times the right ones: a constant factor "
            f"is off.{scale_hint}",
        )
    return Verdict("wrong", _entries_message(bad, got, expected, label, intro, fmt))


# 1-based labels: the math counts from 1, the code from 0 (the notation page).
_MATH = "Indices are the math's, counted from 1"


def _label_ndk(idx: tuple[int, ...]) -> str:
    n, d, k = idx
    return f"(n, d, k) = ({n + 1}, {d + 1}, {k + 1}) [dPhi[{n}, {d}, {k}] in code]"


def _label_nd(idx: tuple[int, ...]) -> str:
    n, d = idx
    return f"(n, d) = ({n + 1}, {d + 1}) [R[{n}, {d}] in code]"


def _label_nk(idx: tuple[int, ...]) -> str:
    n, k = idx
    return f"(n, k) = ({n + 1}, {k + 1}) [Jh[{n}, {k}] in code]"


def _label_dk(idx: tuple[int, ...]) -> str:
    d, k = idx
    return f"(d, k) = ({d + 1}, {k + 1}) [W[{d}, {k}] in code]"


# ------------------------------------------------------------ the fixed inputs
def _data(N: int, D: int, K: int, seed: int) -> tuple[Array, Array]:
    """Inputs ``X`` (N, D) and parameters ``W`` (D+1, K), fixed by ``seed``.

    The inputs stay away from 0 and 1, so that a missing factor x_nd cannot
    agree with the right answer by accident.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.2, 2.0, size=(N, D)) * rng.choice([-1.0, 1.0], size=(N, D))
    W = rng.normal(scale=0.7, size=(D + 1, K))
    return X, W


def _Xt(X: Array) -> Array:
    """The design matrix, x~_n = (x_n1, ..., x_nD, 1): see ``tanh_basis.design_matrix``."""
    return tb.design_matrix(X)


# ================================================= exercise: count the zeros
_ZERO_SHAPES = ((1, 1, 1), (4, 2, 3), (5, 3, 2), (7, 1, 5), (3, 4, 6))


def assess_structural_zeros(fn: Callable[[int, int, int], int]) -> Verdict:
    """Check ``fn(N, D, K)``: the number of zeros forced by the Kronecker delta.

    The reference is measured: ``np.count_nonzero`` on
    ``TanhBasis(W).full_jacobian(X)`` for random data (which has no
    accidental zeros), for several shapes including ``K = 1``.

    Parameters
    ----------
    fn : callable
        ``fn(N, D, K) -> int``, the count of structural zeros of the
        ``(N K) x ((D+1) K)`` Jacobian.

    Returns
    -------
    Verdict
    """
    rng = np.random.default_rng(3)
    for N, D, K in _ZERO_SHAPES:
        out, stub = _attempt(fn, N, D, K)
        if stub is not None:
            return stub
        F = tb.TanhBasis(rng.normal(size=(D + 1, K))).full_jacobian(rng.normal(size=(N, D)))
        zeros = F.size - np.count_nonzero(F)
        case = f"For (N, D, K) = ({N}, {D}, {K})"
        if isinstance(out, bool) or not isinstance(out, numbers.Real):
            return Verdict(
                "wrong",
                f"Wrong type: {_name(fn)} returned a {type(out).__name__}; expected "
                "one whole number, the count of zeros.",
            )
        if out != zeros:
            if out == F.size - zeros:
                hint = " That is the number of non-zero entries; count the zeros."
            elif np.isclose(out, zeros / F.size):
                hint = " That is the fraction of zeros; return their number."
            elif K == 1:
                hint = " With one unit there is no other unit to be independent of."
            else:
                hint = ""
            return Verdict(
                "wrong",
                f"{case} you return {out}, but full_jacobian(X), of shape "
                f"{F.shape}, has {zeros} zeros.{hint}",
            )
    shapes = ", ".join(str(s) for s in _ZERO_SHAPES)
    return Verdict(
        "correct",
        f"Correct: your count matches np.count_nonzero on full_jacobian for "
        f"(N, D, K) in {shapes}.",
    )


def structural_zeros(fn: Callable[[int, int, int], int]) -> None:
    """Print the verdict of :func:`assess_structural_zeros`."""
    _show(assess_structural_zeros(fn))


# =============================================== exercise: the sigmoid basis
def _sigmoid_reference(X: Array, W: Array) -> tuple[Array, Array]:
    """Reference ``d sigma(z_nk) / d W_dk`` (N, D+1, K), and ``z`` (N, K).

    From ``sigma(z) = (1 + tanh(z/2)) / 2``: the sigmoid basis with parameters
    ``W`` is an affine function of the tanh basis with parameters ``W/2``, so
    its Jacobian is ``TanhBasis(W/2).jacobian(X) / 4`` (one 1/2 from the outer
    factor, one from ``dW/2 / dW``).
    """
    half = tb.TanhBasis(W / 2)
    return half.jacobian(X) / 4, 2 * half.Z(X)


def assess_sigmoid_jacobian(fn: Callable[[Array, Array], Array]) -> Verdict:
    """Check ``fn(X, W)``: the non-zero Jacobian of a sigmoid basis.

    ``phi_nk = sigma(z_nk)`` with ``z_nk = sum_d a_dk x_nd + b_k``; the answer
    is ``J[n, d, k] = d phi_nk / d W_dk``, shape ``(N, D+1, K)``, like
    ``TanhBasis.jacobian``. After the values at moderate ``z`` are right, a
    second input with ``|z|`` up to 40 checks that the formula keeps its
    digits in saturation (``1 - sigma(z)`` cancels as ``z -> +inf``).

    Parameters
    ----------
    fn : callable
        ``fn(X, W) -> ndarray`` with ``X`` of shape ``(N, D)`` and ``W`` of
        shape ``(D+1, K)``.

    Returns
    -------
    Verdict
    """
    X, W = _data(5, 3, 2, seed=11)
    out, stub = _attempt(fn, X, W)
    if stub is not None:
        return stub
    got, wrong_type = _as_float_array(out, fn, "an array of shape (N, D+1, K)")
    if wrong_type is not None:
        return wrong_type
    J, Z = _sigmoid_reference(X, W)
    Xt = _Xt(X)[:, :, None]
    dsigma = J[:, -1:, :]  # the bias row is sigma'(z_nk) itself
    sigma = 0.5 * (1 + np.tanh(Z / 2))[:, None, :]
    mistakes = [
        (-J, "Sign: every entry has the wrong sign. sigma is increasing, so "
             "sigma'(z) > 0, and each entry is sigma'(z_nk) times x~_nd."),
        (np.broadcast_to(dsigma, J.shape),
         "The slope entries (d = 1..D) lack the factor x_nd: d z_nk / d a_dk = x_nd. "
         "Your bias entries (d = D+1) are right."),
        (np.broadcast_to(Xt, J.shape),
         "Your entries are x~_nd alone: the chain-rule factor sigma'(z_nk) = "
         "d sigma / d z is missing."),
        (Xt * sigma,
         "You multiplied x~_nd by sigma(z_nk), the activation, instead of its "
         "derivative sigma'(z_nk) (the chain-rule factor)."),
        (Xt * tb.sech2(Z)[:, None, :],
         "You used the derivative of tanh, sech^2(z_nk). The unit here is the "
         "sigmoid: its chain-rule factor is sigma'(z_nk) = sigma(z)(1 - sigma(z))."),
    ]
    verdict = _compare(
        got, J, fn=fn, axes=("N", "D+1", "K"), mistakes=mistakes, label=_label_ndk,
        intro=f"{_MATH}; d = D+1 is the bias.",
        correct="", scale_hint=" Check the factors of sigma'(z) = sigma(z)(1 - sigma(z)).",
    )
    if not verdict.ok:
        return verdict
    # Saturation: z = +-20, +-30, +-40 from x = +-1 and slopes 20, 30, 40.
    X_sat = np.array([[1.0], [-1.0]])
    W_sat = np.array([[20.0, 30.0, 40.0], [0.0, 0.0, 0.0]])
    out, _ = _attempt(fn, X_sat, W_sat)
    sat, wrong_type = _as_float_array(out, fn, "an array of shape (N, D+1, K)")
    J_sat, Z_sat = _sigmoid_reference(X_sat, W_sat)
    if wrong_type is None and sat.shape == J_sat.shape:
        # Every entry is far from 0 here, so a relative test needs no floor.
        with np.errstate(invalid="ignore"):
            rel = np.abs(sat - J_sat) / np.abs(J_sat)
        rel[~np.isfinite(rel)] = np.inf
        failing = []
        for sign, side in ((1, "z -> +inf"), (-1, "z -> -inf")):
            # The worst entry on this side of 0, if any is off.
            on_side = np.where(sign * Z_sat[:, None, :] > 0, rel, 0.0)
            if on_side.max() > 1e-8:
                n, d, k = np.unravel_index(int(np.argmax(on_side)), rel.shape)
                failing.append(
                    f"as {side} (at z = {Z_sat[n, k]:g} your entry is {sat[n, d, k]:.3g} "
                    f"where sigma'(z) = {J_sat[n, d, k]:.3g})"
                )
        if failing:
            why = (
                " 1 - sigma(z) cancels as z -> +inf, where sigma(z) rounds to 1."
                if len(failing) == 1 and "+inf" in failing[0] else ""
            )
            return Verdict(
                "imprecise",
                "Almost: your formula is right for moderate z, but it loses its digits "
                f"{' and '.join(failing)}.{why} Use the stable sigma(z) * sigma(-z), with "
                "a sigmoid that neither overflows nor cancels (scipy.special.expit), or "
                "sech^2(z/2) / 4.",
            )
    return Verdict(
        "correct",
        "Correct: every entry of your (N, D+1, K) Jacobian agrees with the reference, "
        "including at z = +-40, deep in saturation.",
    )


def sigmoid_jacobian(fn: Callable[[Array, Array], Array]) -> None:
    """Print the verdict of :func:`assess_sigmoid_jacobian`."""
    _show(assess_sigmoid_jacobian(fn))


# ================================= exercise: read a failing gradient check
def _dropped_x_measured(X: Array, W: Array) -> Array:
    """Relative errors (N, D) of a slope Jacobian that forgot the factor x_nd.

    Measured as a gradient check would: the buggy analytic entries
    ``sech2(z_nk)`` against the central differences of ``TanhBasis``, then
    the largest over the units k.
    """
    basis = tb.TanhBasis(W)
    J_num = basis.numerical_jacobian(X)
    buggy = np.broadcast_to(basis.jacobian(X)[:, -1:, :], J_num.shape)
    rel = tb.relative_error(buggy, J_num)[:, :-1, :]  # slope entries only
    return rel.max(axis=2)


def assess_dropped_x_error(fn: Callable[[Array], Array]) -> Verdict:
    """Check ``fn(X)``: the predicted relative error of the dropped-x bug.

    The bug writes ``sech2(z_nk)`` for ``d phi_nk / d a_dk`` and forgets the
    factor ``x_nd``; the answer is the relative error of each slope entry
    ``(n, d)`` predicted from ``x_nd`` alone, shape ``(N, D)``. The reference
    is measured by a gradient check with ``TanhBasis.numerical_jacobian``.

    Parameters
    ----------
    fn : callable
        ``fn(X) -> ndarray`` with ``X`` of shape ``(N, D)``.

    Returns
    -------
    Verdict
    """
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    X[0, 0], X[1, 1] = 1.0, 0.0  # the exact agreement, and a vanishing input
    W = rng.normal(scale=0.3, size=(4, 2))
    out, stub = _attempt(fn, X)
    if stub is not None:
        return stub
    got, wrong_type = _as_float_array(out, fn, "an array of shape (N, D)")
    if wrong_type is not None:
        return wrong_type
    measured = _dropped_x_measured(X, W)
    # The central differences carry an error of about 1e-10: allow for it.
    atol = 1e-7
    mistakes = [
        (np.abs(1 - X) / (1 + X),
         "The denominator needs absolute values: |J| + |J~| = (1 + |x_nd|) sech^2(z_nk). "
         "Your values are wrong where x_nd < 0."),
        (np.abs(1 - X),
         "You have |J - J~| / sech^2(z_nk) = |1 - x_nd|; the relative error divides "
         "by |J| + |J~| = (1 + |x_nd|) sech^2(z_nk), which is missing."),
        ((1 - X) / (1 + np.abs(X)),
         "Sign: a relative error is never negative. Take the absolute value "
         "|1 - x_nd| in the numerator."),
    ]
    verdict = _compare(
        got, measured, fn=fn, axes=("N", "D"), mistakes=mistakes, label=_label_nd,
        intro=f"{_MATH}.", atol=atol,
        correct="Correct: your prediction matches the relative errors that a "
        "gradient check measures for every slope entry (n, d).",
    )
    return verdict


def dropped_x_error(fn: Callable[[Array], Array]) -> None:
    """Print the verdict of :func:`assess_dropped_x_error`."""
    _show(assess_dropped_x_error(fn))


# ===================================== exercise: a step that is too small
_SHIFT_W = np.array([
    [0.1, -3.0, 1.0],
    [1e3, 0.0, -0.125],
    [2.5e-7, 42.0, -1e-20],
])
_SHIFT_EPS = (1e-6, 1e-13, 1e-15, 8e-17, 1e-17, 1e-18)


def assess_shift_lost(fn: Callable[[Array, float], NDArray[np.bool_]]) -> Verdict:
    """Check ``fn(W, eps)``: which parameters a central difference cannot move.

    The answer is a boolean array shaped like ``W``, True where both
    ``W + eps`` and ``W - eps`` round back to ``W`` in float64: there the
    difference quotient is exactly 0 whatever the function. Checked for
    several steps ``eps`` on parameters of very different sizes (including 0
    and a power of two, where float64 spacing differs above and below).

    Parameters
    ----------
    fn : callable
        ``fn(W, eps) -> ndarray of bool`` with ``W`` of shape ``(D+1, K)``.

    Returns
    -------
    Verdict
    """
    W = _SHIFT_W
    for eps in _SHIFT_EPS:
        out, stub = _attempt(fn, W, eps)
        if stub is not None:
            return stub
        got = np.asarray(out)
        if got.dtype != np.bool_:
            return Verdict(
                "wrong",
                f"Wrong type: {_name(fn)} returned {got.dtype} values; expected True or "
                "False for each parameter (a comparison such as W + eps == W gives that).",
            )
        expected = (W + eps == W) & (W - eps == W)
        up_only = W + eps == W
        down_only = W - eps == W
        mistakes = [
            (up_only, f"With eps = {eps:g}: you test only W + eps. Where W - eps still "
                      "differs from W, the difference quotient is not 0: the shift is lost "
                      "only if both W + eps and W - eps round back to W."),
            (down_only, f"With eps = {eps:g}: you test only W - eps. The shift is lost "
                        "only if both W + eps and W - eps round back to W."),
            (~expected, f"With eps = {eps:g}: your answer is the opposite of the right "
                        "one: True should mean the shift is lost."),
        ]
        verdict = _compare(
            got.astype(np.float64), expected.astype(np.float64), fn=fn, axes=("D+1", "K"),
            mistakes=[(m.astype(np.float64), s) for m, s in mistakes], label=_label_dk,
            intro=f"With eps = {eps:g}. {_MATH}.", correct="",
            fmt=lambda v: str(bool(v)),
        )
        if not verdict.ok:
            return verdict
    steps = ", ".join(f"{e:g}" for e in _SHIFT_EPS)
    return Verdict(
        "correct",
        f"Correct: for every step eps in {steps} you find exactly the parameters "
        "that W + eps and W - eps both leave unchanged.",
    )


def shift_lost(fn: Callable[[Array, float], NDArray[np.bool_]]) -> None:
    """Print the verdict of :func:`assess_shift_lost`."""
    _show(assess_shift_lost(fn))


# ============================================ exercise: a Jacobian-vector product
def assess_jvp(fn: Callable[[Array, Array, Array], Array]) -> Verdict:
    """Check ``fn(X, W, H)``: the product ``J h`` without building ``J``.

    ``H`` is a direction in parameter space shaped like ``W``, ``(D+1, K)``,
    and ``h = flat(H)``; the answer is
    ``(J h)[n, k] = sum_d sum_l (d phi_nk / d W_dl) H_dl``, shape ``(N, K)``.
    The reference multiplies ``TanhBasis(W).full_jacobian(X)`` by ``h``.

    Parameters
    ----------
    fn : callable
        ``fn(X, W, H) -> ndarray`` with ``X`` (N, D), ``W`` and ``H`` (D+1, K).

    Returns
    -------
    Verdict
    """
    X, W = _data(5, 3, 2, seed=17)
    H = np.random.default_rng(18).normal(size=W.shape)
    out, stub = _attempt(fn, X, W, H)
    if stub is not None:
        return stub
    got, wrong_type = _as_float_array(out, fn, "an array of shape (N, K)")
    if wrong_type is not None:
        return wrong_type
    basis = tb.TanhBasis(W)
    N, K = X.shape[0], W.shape[1]
    expected = (basis.full_jacobian(X) @ H.reshape(-1)).reshape(N, K)
    S = tb.sech2(basis.Z(X))
    XtH = _Xt(X) @ H
    mistakes = [
        (-expected, "Sign: every entry has the wrong sign (sech^2 is never negative)."),
        (XtH, "Your entries are (X~ H)_nk alone: the chain-rule factor sech^2(z_nk) "
              "is missing."),
        (S * H[-1], "The slope directions are missing: each H_dk with d <= D must be "
                    "multiplied by x_nd and added; you kept only the bias row."),
        (S * (X @ H[:-1]), "The bias direction H_(D+1)k is missing: x~_n ends in a 1, so "
                           "the last row of H is added as it is."),
        (np.tanh(basis.Z(X)) * XtH, "You multiplied by tanh(z_nk), the activation, "
                                    "instead of its derivative sech^2(z_nk)."),
    ]
    return _compare(
        got, expected, fn=fn, axes=("N", "K"), mistakes=mistakes, label=_label_nk,
        intro=f"{_MATH}.", atol=1e-12,
        correct="Correct: your J h agrees with full_jacobian(X) @ H.ravel() in every "
        "entry (n, k), without building J.",
    )


def jvp(fn: Callable[[Array, Array, Array], Array]) -> None:
    """Print the verdict of :func:`assess_jvp`."""
    _show(assess_jvp(fn))


# ================================================ exercise: one shared bias
def _label_shared(K: int, D: int) -> Callable[[tuple[int, ...]], str]:
    def label(idx: tuple[int, ...]) -> str:
        row, col = idx
        n, k = divmod(row, K)
        if col == D * K:
            param = "the shared bias beta"
        else:
            d, ell = divmod(col, K)
            param = f"a_({d + 1},{ell + 1})"
        return f"row (n, k) = ({n + 1}, {k + 1}), column {param} [F[{row}, {col}] in code]"

    return label


def assess_shared_bias_jacobian(fn: Callable[[Array, Array, float], Array]) -> Verdict:
    """Check ``fn(X, A, beta)``: the full Jacobian when all units share one bias.

    ``z_nk = sum_d a_dk x_nd + beta`` with slopes ``A`` of shape ``(D, K)`` and
    one scalar ``beta``. The parameters are
    ``theta_beta = (a_11, a_12, ..., a_DK, beta)``: ``A`` flattened row-major,
    then ``beta``, so there are ``P_beta = D K + 1`` of them. The rows are
    ``Phi`` flattened row-major (row ``n K + k``). The answer has shape
    ``(N K, D K + 1)``.

    The reference comes from the unshared basis: with ``b_k = beta`` for every
    ``k``, the chain rule gives ``d phi / d beta = sum_k d phi / d b_k``, the
    sum of the K bias columns of ``TanhBasis.full_jacobian``.

    Parameters
    ----------
    fn : callable
        ``fn(X, A, beta) -> ndarray`` with ``X`` (N, D), ``A`` (D, K) and a
        float ``beta``.

    Returns
    -------
    Verdict
    """
    X, W = _data(4, 2, 3, seed=23)
    A, beta = W[:-1], float(W[-1, 0])
    N, D = X.shape
    K = A.shape[1]
    out, stub = _attempt(fn, X, A, beta)
    if stub is not None:
        return stub
    got, wrong_type = _as_float_array(out, fn, f"an array of shape (N K, D K + 1) = "
                                               f"({N * K}, {D * K + 1})")
    if wrong_type is not None:
        return wrong_type
    W_tied = np.vstack([A, np.full((1, K), beta)])
    F = tb.TanhBasis(W_tied).full_jacobian(X)  # (N K, (D+1) K)
    slopes, biases = F[:, : D * K], F[:, D * K:]
    expected = np.hstack([slopes, biases.sum(axis=1, keepdims=True)])
    if got.shape == F.shape:
        return Verdict(
            "wrong",
            f"Wrong shape: {_name(fn)} returned {got.shape}, the shape of the unshared "
            f"basis with one bias per unit. Here all units share one bias, so there are "
            f"P_beta = D K + 1 = {D * K + 1} columns: shape (N K, D K + 1) = {expected.shape}.",
        )
    S = tb.sech2(tb.TanhBasis(W_tied).Z(X)).reshape(-1, 1)  # sech^2(z_nk) by row
    k_of_row = np.tile(np.arange(K), N)
    delta_kept = expected.copy()
    delta_kept[k_of_row != 0, -1] = 0.0  # bias column only in the rows of unit 1
    no_x = expected.copy()
    no_x[:, :-1] = (slopes != 0) * S
    no_chain = expected.copy()
    no_chain[:, :-1] = np.where(slopes != 0, slopes / S, 0.0)
    no_chain[:, -1] = 1.0
    by_unit = np.hstack([slopes.reshape(N * K, D, K).transpose(0, 2, 1).reshape(N * K, -1),
                         expected[:, -1:]])
    mistakes = [
        (-expected, "Sign: every entry has the wrong sign (sech^2 is never negative)."),
        (delta_kept,
         "The bias column is 0 in the rows of units k >= 2. You kept the Kronecker "
         "delta, but the one bias beta moves every unit: d phi_nk / d beta = sech^2(z_nk) "
         "for every k, so the bias column is full."),
        (no_x, "The slope entries lack the factor x_nd: d z_nk / d a_dk = x_nd."),
        (no_chain, "The chain-rule factor sech^2(z_nk) is missing: your entries are "
                   "d z_nk / d theta_beta alone."),
        (by_unit,
         "Your numbers are right, but the slope columns are ordered unit by unit "
         "(a_11, a_21, ..., a_DK). Order them like A flattened row-major "
         "(a_11, a_12, ..., a_DK): column (d-1) K + k, counted from 1, holds a_dk."),
    ]
    return _compare(
        got, expected, fn=fn, axes=("N K", "D K + 1"), mistakes=mistakes,
        label=_label_shared(K, D), intro=f"{_MATH}.", atol=1e-15,
        correct="Correct: your Jacobian agrees with the reference in every entry. The "
        "bias column is full: sharing beta removed the Kronecker delta there.",
    )


def shared_bias_jacobian(fn: Callable[[Array, Array, float], Array]) -> None:
    """Print the verdict of :func:`assess_shared_bias_jacobian`."""
    _show(assess_shared_bias_jacobian(fn))


# ======================================== exercise: the layer's input Jacobian
def _label_kd(idx: tuple[int, ...]) -> str:
    k, d = idx
    return f"(k, d) = ({k + 1}, {d + 1}) [index [{k}, {d}] in code]"


def _input_jacobian(x: Array, W: Array) -> tuple[Array, Array, Array]:
    """``d phi / d x`` of one sample, shape (K, D), with ``sech^2(z)`` (K,) and ``z`` (K,).

    ``phi_k = tanh(z_k)`` with ``z_k = sum_d a_dk x_d + b_k``: row k is
    ``sech^2(z_k)`` times column k of the slopes, ``diag(sech^2(z)) A^T``.
    """
    z = tb.TanhBasis(W).Z(x[np.newaxis, :])[0]
    S = tb.sech2(z)
    return S[:, np.newaxis] * W[:-1].T, S, z


def assess_input_jacobian(fn: Callable[[Array, Array], Array]) -> Verdict:
    """Check ``fn(x, W)``: the Jacobian of one sample's activations with respect to its input.

    ``phi_k = tanh(z_k)``, ``z_k = sum_d a_dk x_d + b_k``; the answer is
    ``d phi_k / d x_d = sech^2(z_k) a_dk``, shape ``(K, D)`` (outputs x
    inputs), the matrix ``diag(sech^2(z)) A^T``. It has no structural zeros.

    Parameters
    ----------
    fn : callable
        ``fn(x, W) -> ndarray`` with ``x`` of shape ``(D,)`` and ``W`` of
        shape ``(D+1, K)``.

    Returns
    -------
    Verdict
    """
    X, W = _data(1, 3, 4, seed=29)
    x = X[0]
    K, D = W.shape[1], x.size
    out, stub = _attempt(fn, x, W)
    if stub is not None:
        return stub
    got, wrong_type = _as_float_array(out, fn, f"an array of shape (K, D) = ({K}, {D})")
    if wrong_type is not None:
        return wrong_type
    expected, S, z = _input_jacobian(x, W)
    if got.shape == (K, D + 1) and not _bad(got[:, :-1], expected, 0.0).any():
        return Verdict(
            "wrong",
            f"Wrong shape: {got.shape}. Your first D columns are right, but the last "
            "column belongs to the bias: b_k is a parameter, not an input, and x has D "
            f"entries, so the answer has shape (K, D) = {expected.shape}.",
        )
    if got.shape == (K, K) and not _bad(got, np.diag(S), 0.0).any():
        return Verdict(
            "wrong",
            f"Wrong shape: {got.shape}. That is diag(sech^2(z)), the Jacobian of "
            "phi with respect to z. The chain rule multiplies it by dz/dx = A^T, "
            f"the K x D matrix of slopes, which gives shape (K, D) = {expected.shape}.",
        )
    At = W[:-1].T
    mistakes = [
        (-expected, "Sign: every entry has the wrong sign. sech^2 is positive, so "
                    "entry (k, d) has the sign of the slope a_dk."),
        (At, "Your entries are the slopes a_dk alone, dz_k/dx_d: the chain-rule "
             "factor sech^2(z_k) = d phi_k / d z_k is missing."),
        (np.tanh(z)[:, np.newaxis] * At,
         "You multiplied by tanh(z_k), the activation, instead of its derivative "
         "sech^2(z_k)."),
    ]
    return _compare(
        got, expected, fn=fn, axes=("K", "D"), mistakes=mistakes, label=_label_kd,
        intro=f"{_MATH}; k is the unit (row), d the input (column).", atol=1e-15,
        correct="Correct: every entry sech^2(z_k) a_dk of your (K, D) Jacobian agrees. "
        "No entry is 0: unlike the parameter Jacobian, this one has no Kronecker delta.",
    )


def input_jacobian(fn: Callable[[Array, Array], Array]) -> None:
    """Print the verdict of :func:`assess_input_jacobian`."""
    _show(assess_input_jacobian(fn))


# ============================================= exercise: two layers, one product
def assess_two_layer_jacobian(fn: Callable[[Array, Array, Array], Array]) -> Verdict:
    """Check ``fn(x, W1, W2)``: the input Jacobian of two tanh layers in a row.

    ``f(x) = tanh(z1)`` with ``z1 = x~ W1`` (``W1`` of shape ``(D+1, K1)``),
    ``g(u) = tanh(z2)`` with ``z2 = u~ W2`` (``W2`` of shape ``(K1+1, K2)``).
    The answer is ``J_{g o f}(x) = J_g(f(x)) J_f(x)``, shape ``(K2, D)``. The
    first case is square (``D = K1 = K2 = 3``), so that a product in the wrong
    order, a transposed result or layer 2 evaluated at ``x`` has the right
    shape and can be named; a second, non-square case checks the shapes.

    Parameters
    ----------
    fn : callable
        ``fn(x, W1, W2) -> ndarray`` with ``x`` of shape ``(D,)``.

    Returns
    -------
    Verdict
    """
    cases = ((3, 3, 3, 31), (2, 4, 3, 37))
    for D, K1, K2, seed in cases:
        X, W1 = _data(1, D, K1, seed=seed)
        W2 = np.random.default_rng(seed + 1).normal(scale=0.7, size=(K1 + 1, K2))
        x = X[0]
        out, stub = _attempt(fn, x, W1, W2)
        if stub is not None:
            return stub
        got, wrong_type = _as_float_array(out, fn, f"an array of shape (K2, D) = ({K2}, {D})")
        if wrong_type is not None:
            return wrong_type
        J_f, _, z1 = _input_jacobian(x, W1)
        J_g = _input_jacobian(np.tanh(z1), W2)[0]  # at f(x) = tanh(z1), layer 2's input
        expected = J_g @ J_f
        A1t, A2t = W1[:-1].T, W2[:-1].T
        mistakes = [
            (-expected, "Sign: every entry has the wrong sign. Check the signs of "
                        "the two factors."),
            (expected.T, "Transposed: your rows are the inputs x_d and your columns "
                         "the outputs. A Jacobian is outputs x inputs: row k is "
                         "output phi_k of layer 2, column d is input x_d."),
            (J_f @ J_g if J_f.shape[1] == J_g.shape[0] else np.zeros(0),
             "The product is in the wrong order: you computed J_f J_g. The chain "
             "rule puts the map applied last on the left: J_(g o f)(x) = "
             "J_g(f(x)) J_f(x)."),
            (J_g * J_f if J_g.shape == J_f.shape else np.zeros(0),
             "You multiplied the two Jacobians entry by entry. The chain rule "
             "needs the matrix product J_g(f(x)) @ J_f(x): each entry sums over "
             "the K1 units in between."),
            ((_input_jacobian(x, W2)[0] @ J_f) if D == K1 else np.zeros(0),
             "Layer 2's Jacobian is evaluated at the wrong point: you used x. It "
             "belongs at f(x) = tanh(z1), the vector that layer 2 receives: "
             "J_(g o f)(x) = J_g(f(x)) J_f(x)."),
            (J_g @ A1t, "Layer 1's factor sech^2(z1_k) is missing: J_f(x) = "
                        "diag(sech^2(z1)) A1^T, not A1^T alone."),
            (A2t @ J_f, "Layer 2's factor sech^2(z2_k) is missing: J_g(f(x)) = "
                        "diag(sech^2(z2)) A2^T, not A2^T alone."),
            (A2t @ A1t, "Both factors sech^2 are missing: A2^T A1^T is the Jacobian "
                        "of the two linear maps without the tanh between and after them."),
        ]
        case = f"For D = {D}, K1 = {K1}, K2 = {K2}: "
        verdict = _compare(
            got, expected, fn=fn, axes=("K2", "D"), mistakes=mistakes, label=_label_kd,
            intro=f"{case}{_MATH}; k is a unit of layer 2 (row), d an input (column).",
            atol=1e-15, correct="",
        )
        if not verdict.ok:
            return verdict
    shapes = " and ".join(f"(D, K1, K2) = ({D}, {K1}, {K2})" for D, K1, K2, _ in cases)
    return Verdict(
        "correct",
        f"Correct: your Jacobian equals J_g(f(x)) J_f(x) in every entry, for {shapes}.",
    )


def two_layer_jacobian(fn: Callable[[Array, Array, Array], Array]) -> None:
    """Print the verdict of :func:`assess_two_layer_jacobian`."""
    _show(assess_two_layer_jacobian(fn))
