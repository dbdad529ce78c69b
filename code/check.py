"""Checkers for the exercises: run a student's function and say what is wrong.

Each exercise on the exercises page has a "your turn" cell with a function for
the student to fill in, followed by a call such as
``check.sigmoid_jacobian(my_sigmoid_jacobian)``. The checker calls the function
on small fixed inputs, compares the result with a reference answer computed
from :mod:`tanh_basis`, and prints one verdict in plain words:

* **not attempted yet**, while the function still returns ``None`` or raises
  ``NotImplementedError`` (the stub), so an untouched page builds cleanly; a
  checker that calls it again on other inputs calls a stub there
  **unfinished**, never skips that test;
* **wrong type** or **wrong shape**, with what was expected and, when the
  numbers are right but the axes are not, which order they are in; an input
  **changed in place** is named too;
* a **known mistake**, recognised by its pattern: a missing factor ``x_nd``, a
  missing chain-rule factor, a flipped sign, a constant factor, column-major
  order, ...;
* a **close** answer: float32 arithmetic, or a numerical estimate where a
  derivation is asked for (an entry agrees when it is within ``1e-12``
  relative, which every exact formula meets and no finite difference does);
* otherwise **which entries** are wrong, named by the math's indices
  ``(n, d, k)`` counted from 1 (the message says so, and gives the code's
  0-based index too), with enough digits to see the difference;
* **correct**, when every entry agrees.

Every public checker ``name(fn)`` prints its verdict and returns ``None`` (so
a notebook cell shows the message once); ``assess_name(fn)`` returns the
:class:`Verdict` instead, for tests and for the page's own assertions. The
student's function receives copies of the inputs, so it cannot change the
reference data, and an exception other than ``NotImplementedError`` is not
caught: its traceback points at the line to fix. An error in the checker's
own code, whatever the student returns, becomes a verdict
(:func:`verdict.guarded`). ``tests/student_answers`` holds the students'
answers, right and wrong, that the checkers are tested on.

This module is the one the page imports, and it offers every checker. It
holds those of the parameter Jacobian (structural zeros, the sigmoid basis);
the chain-rule ones (a Jacobian-vector product, a shared bias, the input
Jacobian, two layers) live in :mod:`check_chain`, and those of gradient
checks and floating point (the dropped-x error, the lost shift) in
:mod:`check_precision`; both are re-exported here. The machinery they share
(calling the student, comparing arrays, the verdict) is :mod:`verdict`, and
its wording :mod:`report`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

import tanh_basis as tb
from check_chain import (
    assess_input_jacobian,
    assess_jvp,
    assess_shared_bias_jacobian,
    assess_two_layer_jacobian,
    input_jacobian,
    jvp,
    shared_bias_jacobian,
    two_layer_jacobian,
)
from check_precision import assess_dropped_x_error, assess_shift_lost, dropped_x_error, shift_lost
from verdict import (
    MATH,
    Array,
    Verdict,
    attempt,
    attempt_array,
    compare,
    fixed_data,
    function_name,
    guarded,
    label_ndk,
    mismatch,
    show,
)

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


# ================================================= exercise: count the zeros
_ZERO_SHAPES = ((4, 2, 3), (1, 1, 1), (5, 3, 2), (7, 1, 5), (3, 4, 6))


def _as_count(out: object, fn: Callable) -> tuple[int | None, Verdict | None]:
    """The student's count as an int, or a verdict saying why it is not one.

    An ``int``, a NumPy integer, or any real number with a whole value
    (``72.0``) is a count; a bool, an array, a complex number or a value with
    a fraction is not.
    """
    name = function_name(fn)
    if isinstance(out, np.ndarray) and out.ndim == 0:
        out = out.item()
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, numbers.Real):
        what = (f"an array of shape {out.shape}" if isinstance(out, np.ndarray)
                else f"a {type(out).__name__}")
        return None, Verdict(
            "wrong",
            f"Wrong type: {name} returned {what}; expected one whole number, the count "
            "of zeros (an int, or a float with a whole value such as 72.0).",
        )
    if isinstance(out, numbers.Integral):
        return int(out), None
    if not np.isfinite(out) or out != int(out):
        return None, Verdict(
            "wrong",
            f"Not a whole number: {name} returned {out!r}. A count is a whole number. A "
            "value a little off a whole one comes from float arithmetic such as 1 - 1/K "
            "or a division: compute with integers (a product such as K * (K - 1), "
            "or //).",
        )
    return int(out), None


@guarded
def assess_structural_zeros(fn: Callable[[int, int, int], int]) -> Verdict:
    """Check ``fn(N, D, K)``: the number of zeros forced by the Kronecker delta.

    The reference is measured: ``np.count_nonzero`` on
    ``TanhBasis(W).full_jacobian(X)`` for random data (which has no
    accidental zeros), for several shapes including ``K = 1``. The count may
    be an ``int`` or any number with a whole value.

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
    wrong = []
    for i, (N, D, K) in enumerate(_ZERO_SHAPES):
        out, stub = attempt(fn, N, D, K, case=f"for (N, D, K) = ({N}, {D}, {K})" if i else "")
        if stub is not None:
            return stub
        count, not_count = _as_count(out, fn)
        if not_count is not None:
            return not_count
        F = tb.TanhBasis(rng.normal(size=(D + 1, K))).full_jacobian(rng.normal(size=(N, D)))
        zeros = int(F.size - np.count_nonzero(F))
        if count != zeros:
            wrong.append((N, D, K, count, F, zeros))
    if not wrong:
        shapes = ", ".join(str(s) for s in _ZERO_SHAPES)
        return Verdict(
            "correct",
            f"Correct: your count matches np.count_nonzero on full_jacobian for "
            f"(N, D, K) in {shapes}.",
        )
    N, D, K, count, F, zeros = wrong[0]
    # A hint names a formula only if it gives every count the student returned.
    others = [
        (lambda N, D, K: N * K * (D + 1),
         " That is the number of non-zero entries; count the zeros."),
        (lambda N, D, K: N * K * (D + 1) * K,
         " That is the number of all entries; count only the zeros."),
        (lambda N, D, K: N * D * K * (K - 1),
         " That leaves out the biases: each unit has D + 1 parameters, D slopes "
         "and one bias, and a bias of another unit gives zeros too."),
        (lambda N, D, K: (D + 1) * (K - 1),
         " That is the count in one row; the Jacobian has N K rows."),
    ]
    answers = {(n, d, k): c for n, d, k, c, _, _ in wrong}
    answers.update({s: s[0] * (s[1] + 1) * s[2] * (s[2] - 1)
                    for s in _ZERO_SHAPES if s not in answers})
    hint = next((text for formula, text in others
                 if all(formula(*s) == c for s, c in answers.items())), None)
    if hint is None and all(k == 1 for _, _, k, _, _, _ in wrong):
        hint = (" With K = 1 every parameter belongs to the one unit, so the delta "
                "forces no entry to zero: the count is 0.")
    elif hint is None and all(abs(c - z) == 1 for _, _, _, c, _, z in wrong):
        hint = (" That is off by one: if you turned a float into an int with int(), "
                "which rounds towards 0, compute with integers instead.")
    elif hint is None:
        hint = (" Row (n, k) can be non-zero only in the D + 1 columns of unit k's own "
                "parameters.")
    also = f" Your count is wrong for {len(wrong)} of the {len(_ZERO_SHAPES)} shapes tried."
    return Verdict(
        "wrong",
        f"For (N, D, K) = ({N}, {D}, {K}) you return {count}, but full_jacobian(X), of "
        f"shape {F.shape}, has {zeros} zeros.{hint}{also}",
    )


def structural_zeros(fn: Callable[[int, int, int], int]) -> None:
    """Print the verdict of :func:`assess_structural_zeros`."""
    show(assess_structural_zeros(fn))


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


@guarded
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
    X, W = fixed_data(5, 3, 2, seed=11)
    N, K = X.shape[0], W.shape[1]
    got, out, early = attempt_array(fn, X, W, names=("X", "W"),
                                    expected="an array of shape (N, D+1, K)")
    if early is not None:
        return early
    J, Z = _sigmoid_reference(X, W)
    if got.shape == J[:, :-1].shape and not mismatch(got, J[:, :-1], 0.0).any():
        return Verdict(
            "wrong",
            f"Wrong shape: {got.shape}. Your slope entries are right, but the bias row "
            "is missing: W has D+1 rows, the last holds the biases, and x~_n ends in a "
            f"1, so dPhi[:, D, :] = sigma'(z). Expected (N, D+1, K) = {J.shape}.",
        )
    if got.shape == (N, K, W.shape[0], K):
        return Verdict(
            "wrong",
            f"Wrong shape: {got.shape}, the 4-index layout (N, K, D+1, K). This exercise "
            "asks for the compact one, like TanhBasis.jacobian: entry [n, d, k] holds "
            f"d phi_nk / d W_dk, the entries where the unit l of W_dl is k. Expected "
            f"{J.shape}.",
        )
    Xt = tb.design_matrix(X)[:, :, None]
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
        (Xt * np.tanh(Z)[:, None, :],
         "You multiplied x~_nd by tanh(z_nk). The unit here is the sigmoid, and the "
         "chain-rule factor is its derivative sigma'(z_nk) = sigma(z)(1 - sigma(z))."),
        (Xt * (sigma * (1 + sigma)),
         "Sign inside sigma': your factor is sigma(z)(1 + sigma(z)); the derivative "
         "of 1/(1 + e^-z) is sigma(z)(1 - sigma(z))."),
    ]
    verdict = compare(
        got, J, fn=fn, axes=("N", "D+1", "K"), mistakes=mistakes, label=label_ndk,
        intro=f"{MATH}; d = D+1 is the bias.", raw=out,
        correct="", scale_hint=" Check the factors of sigma'(z) = sigma(z)(1 - sigma(z)).",
    )
    if not verdict.ok:
        return verdict
    # Saturation: z = +-20, +-30, +-40 from x = +-1 and slopes 20, 30, 40.
    X_sat = np.array([[1.0], [-1.0]])
    W_sat = np.array([[20.0, 30.0, 40.0], [0.0, 0.0, 0.0]])
    case = "for the second input, X = [[1], [-1]] with slopes 20, 30, 40 (|z| up to 40)"
    J_sat, Z_sat = _sigmoid_reference(X_sat, W_sat)
    sat, _, early = attempt_array(fn, X_sat, W_sat, names=("X", "W"), case=case,
                                  expected=f"an array of shape {J_sat.shape} {case}")
    if early is not None:
        return early
    if sat.shape != J_sat.shape:
        return Verdict(
            "wrong",
            f"Wrong shape {case}: {function_name(fn)} returned {sat.shape}; expected "
            f"(N, D+1, K) = {J_sat.shape}. Your answer must follow the shapes of X and W.",
        )
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
        if float(rel.max()) > 0.5 and not np.all(sat == 0) and np.any(
                np.abs(sat) > 2 * np.abs(J_sat)):
            return Verdict(
                "wrong",
                f"Right for moderate z, but wrong {case}: "
                f"{' and '.join(failing)}. A formula that is right for every z gives "
                "both inputs right: check for a special case or a branch.",
            )
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
    show(assess_sigmoid_jacobian(fn))
