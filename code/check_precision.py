"""Checkers for the exercises on gradient checks and floating point.

The exercises page calls these through :mod:`check`, which re-exports them
(``check.shift_lost(my_shift_lost)``); see there for what a verdict says.
Each ``name(fn)`` prints its verdict and returns ``None``; ``assess_name(fn)``
returns the :class:`verdict.Verdict`. One exercise predicts the relative
error of a Jacobian that dropped the factor ``x_nd`` (the reference is the
exact prediction); the other finds the parameters that a step ``eps`` cannot
move in float64 (the reference asks float64 itself).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from verdict import (
    MATH,
    Array,
    Verdict,
    attempt,
    attempt_array,
    compare,
    entries_message,
    function_name,
    guarded,
    label_dk,
    label_nd,
    show,
)

__all__ = [
    "assess_dropped_x_error",
    "assess_shift_lost",
    "dropped_x_error",
    "shift_lost",
]


# ================================= exercise: read a failing gradient check
@guarded
def assess_dropped_x_error(fn: Callable[[Array], Array]) -> Verdict:
    """Check ``fn(X)``: the predicted relative error of the dropped-x bug.

    The bug writes ``sech2(z_nk)`` for ``d phi_nk / d a_dk`` and forgets the
    factor ``x_nd``; the answer is the relative error of each slope entry
    ``(n, d)`` predicted from ``x_nd`` alone, shape ``(N, D)``, for ``X`` of
    shape ``(N, D)``. The reference is the exact prediction
    ``|1 - x_nd| / (1 + |x_nd|)``, which is what a gradient check of the bug
    measures, to its error of about 1e-10; ``X`` includes ``x_nd = 1`` (the
    bug agrees) and ``x_nd = 0``.
    """
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 3))
    X[0, 0], X[1, 1] = 1.0, 0.0  # the exact agreement, and a vanishing input
    got, out, early = attempt_array(fn, X, names=("X",), expected="an array of shape (N, D)")
    if early is not None:
        return early
    # The prediction is exact (sech^2 cancels); what a gradient check measures
    # agrees with it to the central difference's error (tests/test_check.py).
    exact = np.abs(1 - X) / (1 + np.abs(X))
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
        (np.abs(1 - X) / np.maximum(1, np.abs(X)),
         "Your denominator is max(|J|, |J~|). The relative error rho of a gradient "
         "check divides by |J| + |J~| = (1 + |x_nd|) sech^2(z_nk)."),
        (np.abs(1 - X) / np.abs(X) if np.all(X != 0) else np.zeros(0),
         "You divide by |J~| alone; rho divides by |J| + |J~|."),
        (np.abs(1 - 1 / np.where(X == 0, np.inf, X)),
         "You divide by |J~| alone; rho divides by |J| + |J~| = (1 + |x_nd|) "
         "sech^2(z_nk)."),
    ]
    return compare(
        got, exact, fn=fn, axes=("N", "D"), mistakes=mistakes, label=label_nd,
        intro=f"{MATH}.", raw=out,
        close_hint="This looks measured rather than predicted: sech^2(z_nk) cancels "
        "from rho, so the prediction from x_nd alone is exact.",
        correct="Correct: your prediction matches the relative errors that a "
        "gradient check measures for every slope entry (n, d).",
    )


def dropped_x_error(fn: Callable[[Array], Array]) -> None:
    """Print the verdict of :func:`assess_dropped_x_error`."""
    show(assess_dropped_x_error(fn))


# ===================================== exercise: a step that is too small
# Sizes from 1e-20 to 1e3, 0, powers of two of both signs (the spacing below
# is half the spacing above), and 1.5 and its upper neighbour, where a step of
# exactly half their spacing is a tie that rounds to the even one.
_SHIFT_W = np.array([
    [0.1, -3.0, 1.0],
    [1e3, 0.0, -0.125],
    [2.5e-7, 42.0, -1e-20],
    [1.5, 1.5 + 2.0**-52, -1.9],
])
# 2**-53 is half the spacing at 1.5 (a tie); 8e-17 lies between a quarter and
# half of it, where the side below a power of two moves but the other does not.
_SHIFT_EPS = (1e-6, 1e-13, 1e-15, 2.0**-53, 8e-17, 1e-17, 1e-18)


@guarded
def assess_shift_lost(fn: Callable[[Array, float], NDArray[np.bool_]]) -> Verdict:
    """Check ``fn(W, eps)``: which parameters a central difference cannot move.

    The answer is a boolean array shaped like ``W``, True where both
    ``W + eps`` and ``W - eps`` round back to ``W`` in float64: there the
    difference quotient is exactly 0 whatever the function. Checked for
    several steps ``eps`` on parameters of very different sizes (including 0,
    powers of two, where float64 spacing differs above and below, and ties,
    where a step of half the spacing rounds to the even neighbour).

    Parameters
    ----------
    fn : callable
        ``fn(W, eps) -> ndarray of bool`` with ``W`` of shape ``(D+1, K)``.

    Returns
    -------
    Verdict
    """
    W = _SHIFT_W
    answers = []
    for i, eps in enumerate(_SHIFT_EPS):
        out, stub = attempt(fn, W, eps, names=("W",),
                            case=f"for eps = {float(eps)!r}" if i else "")
        if stub is not None:
            return stub
        try:
            got = np.asarray(out)
        except Exception:  # a ragged list
            got = np.asarray(None)
        if got.dtype != np.bool_:
            return Verdict(
                "wrong",
                f"Wrong type: {function_name(fn)} returned {got.dtype} values; expected an "
                "array of True or False, one for each parameter (a comparison such as "
                "W + eps == W gives that).",
            )
        if got.shape != W.shape:
            return Verdict(
                "wrong",
                f"Wrong shape: {function_name(fn)} returned an array of shape {got.shape}; "
                f"expected the shape of W, (D+1, K) = {W.shape}: one answer per parameter.",
            )
        answers.append(got)
    up = [W + eps == W for eps in _SHIFT_EPS]
    down = [W - eps == W for eps in _SHIFT_EPS]
    expected = [u & d for u, d in zip(up, down, strict=True)]
    if all(np.array_equal(g, e) for g, e in zip(answers, expected, strict=True)):
        steps = ", ".join(f"{float(e)!r}" for e in _SHIFT_EPS)
        return Verdict(
            "correct",
            f"Correct: for every step eps in {steps} you find exactly the parameters "
            "that W + eps and W - eps both leave unchanged.",
        )
    # A known mistake is named only if it explains the answer for every step.
    both = "the shift is lost only where W + eps and W - eps both round back to W."
    mistakes = [
        (up, "Your answer agrees with W + eps == W alone, for every step. Where W - eps "
             "still differs from W (just below a power of two the spacing is half as "
             f"wide), the difference quotient is not 0: {both}"),
        (down, f"Your answer agrees with W - eps == W alone, for every step: {both}"),
        ([~e for e in expected], "Your answer is the opposite of the right one: True "
                                 "should mean the shift is lost."),
        ([u | d for u, d in zip(up, down, strict=True)],
         f"Your answer is True where either side rounds back to W (or): {both}"),
    ]
    for candidate, message in mistakes:
        if all(np.array_equal(g, c) for g, c in zip(answers, candidate, strict=True)):
            return Verdict("wrong", message)
    i = next(i for i, (g, e) in enumerate(zip(answers, expected, strict=True))
             if not np.array_equal(g, e))
    eps, got = _SHIFT_EPS[i], answers[i]
    listing = entries_message(
        got != expected[i], got.astype(np.float64), expected[i].astype(np.float64),
        label_dk, f"With eps = {float(eps)!r}. {MATH}.", fmt=lambda v: str(bool(v)))
    off = np.argwhere(got != expected[i])
    shown = ", ".join(f"W[{d}, {k}] = {float(W[d, k])!r}" for d, k in off[:3])
    above = np.nextafter(W, np.inf) - W
    below = W - np.nextafter(W, -np.inf)
    tie = [(d, k) for d, k in off if eps in (above[d, k] / 2, below[d, k] / 2)]
    why = ""
    if tie:
        d, k = tie[0]
        why = (f" At W[{d}, {k}] the step is exactly half the spacing of doubles: "
               "W + eps or W - eps lies halfway between two doubles, and rounds to the "
               "one whose last bit is even (round half to even), which may be W itself.")
    return Verdict("wrong", f"{listing}\n  ({shown}){why}")


def shift_lost(fn: Callable[[Array, float], NDArray[np.bool_]]) -> None:
    """Print the verdict of :func:`assess_shift_lost`."""
    show(assess_shift_lost(fn))
