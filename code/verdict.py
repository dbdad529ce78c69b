"""What the exercises' checkers share: calling the student, comparing, the verdict.

A checker (in :mod:`check`, :mod:`check_chain` and :mod:`check_precision`)
runs a student's function on fixed inputs and compares the result with a
reference answer. This module holds the judging that does not depend on the
exercise:

* :class:`Verdict`, the outcome;
* :func:`attempt`, which calls the student's function on copies of the inputs,
  recognises the untouched stub ("not attempted yet") or an unfinished branch,
  and notices an input changed in place (:func:`attempt_array` also reads
  the result as an array); :func:`guarded`, which turns an error of a
  checker's own code into a verdict;
* :func:`as_float_array`, :func:`mismatch`, :func:`shape_verdict`,
  :func:`constant_factor`, :func:`is_single` and :func:`compare`, which find
  what is wrong with an array, most specific explanation first;
* :func:`fixed_data`, the small random inputs the checkers share.

How a verdict is worded and printed (:func:`show`, the ``label_*`` functions,
:func:`entries_message`) is :mod:`report`'s, re-exported here.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from report import (
    MATH,
    SHOWN,
    entries_message,
    label_dk,
    label_kd,
    label_nd,
    label_ndk,
    label_nk,
    show,
    show_pair,
)

__all__ = [
    "CLOSE",
    "FLOOR",
    "MATH",
    "RTOL",
    "SHOWN",
    "Array",
    "Verdict",
    "as_float_array",
    "attempt",
    "attempt_array",
    "compare",
    "constant_factor",
    "entries_message",
    "fixed_data",
    "function_name",
    "guarded",
    "is_single",
    "label_dk",
    "label_kd",
    "label_nd",
    "label_ndk",
    "label_nk",
    "mismatch",
    "shape_verdict",
    "show",
    "show_pair",
]

Array = NDArray[np.float64]

#: An entry agrees when ``|got - expected| <= RTOL |expected| + max(atol,
#: FLOOR max|expected|)``. Two exact formulas agree to a few ulps (1e-13 where
#: one computes sech^2 as 1 - tanh^2 at |z| = 4.5), while the best central
#: difference is off by 1e-10 relative in some entry: 1e-12 accepts every
#: exact formula and rejects every finite difference.
RTOL = 1e-12

#: The absolute part of the tolerance, as a fraction of the largest expected
#: entry: a sum computed in another order is off by rounding of its largest
#: terms, which can be large beside a small result.
FLOOR = 1e-13

#: Below this relative error a wrong answer is "close": float32 or a
#: numerical estimate, not a wrong formula.
CLOSE = 1e-4

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


# ------------------------------------------------------------ calling the student
def function_name(fn: Callable) -> str:
    """The name a message gives the student's function (``"your function"`` if none)."""
    return getattr(fn, "__name__", "your function")


def attempt(
    fn: Callable, *args: object, names: Sequence[str] = (), case: str = ""
) -> tuple[object, Verdict | None]:
    """Call ``fn`` on copies of ``args``: ``(out, None)``, or ``(None, verdict)`` for a stub.

    The verdict is "not attempted" when ``fn`` raises ``NotImplementedError``
    or returns None on a checker's first call (``case`` empty); on a later
    call ``case`` gives the inputs in words (``"for |z| up to 40"``) and the
    stub is an unfinished answer, "wrong". An input changed in place is
    "wrong" too, named by ``names``. Any other exception passes through, so
    its traceback points at the student's line; a non-callable ``fn`` is a
    ``TypeError``.
    """
    if not callable(fn):
        error = TypeError(f"fn must be the function you wrote, got {type(fn).__name__}")
        error.from_student = True
        raise error
    name = function_name(fn)
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        out = fn(*copies)
    except NotImplementedError:
        if case:
            return None, Verdict(
                "wrong",
                f"Unfinished: {name} raises NotImplementedError {case}. Every input "
                "needs an answer: finish that branch.",
            )
        return None, Verdict(
            "not attempted",
            f"Not attempted yet: {name} raises NotImplementedError. Replace "
            "that line with your code and run the cell again.",
        )
    except Exception as error:
        with contextlib.suppress(AttributeError, TypeError):  # a type without __dict__
            error.from_student = True  # guarded() re-raises it, traceback intact
        raise
    if out is None:
        if case:
            return None, Verdict(
                "wrong",
                f"Unfinished: {name} returns None {case}. A branch of your code ends "
                "without a return (or returns nothing): every input needs an answer.",
            )
        return None, Verdict(
            "not attempted",
            f"Not attempted yet: {name} returns None. Make it return your "
            "answer and run the cell again.",
        )
    for i, (before, after) in enumerate(zip(args, copies, strict=True)):
        if isinstance(before, np.ndarray) and not (
            isinstance(after, np.ndarray) and after.shape == before.shape
            and np.array_equal(after, before, equal_nan=True)
        ):
            arg = names[i] if i < len(names) else "A"
            which = names[i] if i < len(names) else f"argument {i + 1}"
            return None, Verdict(
                "wrong",
                f"{name} changes its input {which} in place (an assignment into "
                f"{arg}[...] or an operator such as {arg} *= ...). The caller's array "
                f"must stay as it was: work on a copy ({arg} = {arg}.copy()) or build "
                "new arrays.",
            )
    return out, None


def guarded(assess: Callable[[Callable], Verdict]) -> Callable[[Callable], Verdict]:
    """Make a checker give a verdict, never an error of its own, whatever ``fn`` returns.

    An exception raised by the student's function (marked by :func:`attempt`)
    passes through unchanged, so its traceback ends at the student's line.
    Any other exception means the checker met a return value it did not
    foresee: it becomes a "wrong" verdict that says what was found.
    """
    @functools.wraps(assess)
    def run(fn: Callable) -> Verdict:
        try:
            return assess(fn)
        except Exception as error:
            if getattr(error, "from_student", False):
                raise
            return Verdict(
                "wrong",
                f"The checker could not compare what {function_name(fn)} returned with "
                f"the answer ({type(error).__name__}: {error}). Check the type and shape "
                "of your result against the docstring of the function.",
            )

    return run


def as_float_array(out: object, fn: Callable, expected: str) -> tuple[Array, Verdict | None]:
    """``(out as float64, None)``, or ``(empty, "wrong" verdict)`` if ``out`` is no array of reals.

    A nested list of numbers is the array it spells; complex numbers pass only
    if every imaginary part is 0 (a derivative of a real function is real).
    ``expected`` says in words what was expected, ``"an array of shape (N, K)"``.
    """
    name = function_name(fn)

    def wrong(what: str) -> tuple[Array, Verdict]:
        return np.empty(0), Verdict(
            "wrong", f"Wrong type: {name} returned {what}; expected {expected}.")

    try:
        raw = np.asarray(out)
    except Exception:  # a ragged list, or an object NumPy cannot read
        return wrong(f"a {type(out).__name__} that is not an array of numbers (rows of "
                     "different lengths?)")
    if raw.dtype.kind == "c":
        if np.any(raw.imag != 0):
            return wrong(
                "complex numbers (dtype "
                f"{raw.dtype}); a derivative of a real function is real. With the "
                "complex step, the derivative is Im f(x + ih) / h, a real number"
            )
        raw = raw.real
    if raw.dtype.kind not in "biuf":
        return wrong(f"a {type(out).__name__} of {raw.dtype} values, which is not an "
                     "array of numbers (rows of different lengths, or None inside?)")
    return raw.astype(np.float64), None


def attempt_array(
    fn: Callable, *args: object, expected: str, names: Sequence[str] = (), case: str = ""
) -> tuple[Array, object, Verdict | None]:
    """:func:`attempt`, then :func:`as_float_array`: ``(got, out, None)``, or a verdict third."""
    out, stub = attempt(fn, *args, names=names, case=case)
    if stub is not None:
        return np.empty(0), out, stub
    got, wrong_type = as_float_array(out, fn, expected)
    return got, out, wrong_type


def is_single(out: object, got: Array) -> bool:
    """Whether the student's result was computed in float32 (or float16).

    Either its dtype says so, or every entry is a float32 number although the
    answer's entries are not (a cast back to float64 keeps the lost digits
    lost).
    """
    if getattr(out, "dtype", None) in (np.float32, np.float16):
        return True
    finite = got[np.isfinite(got)]
    whole = finite == np.round(finite)
    return bool(finite.size and not whole.all()
                and np.all(finite.astype(np.float32) == finite))


# ------------------------------------------------------------- comparing arrays
def mismatch(got: Array, expected: Array, atol: float) -> NDArray[np.bool_]:
    """True where ``got`` is not finite or differs from ``expected`` (same shape).

    An entry agrees within ``RTOL |expected| + max(atol, FLOOR max|expected|)``.
    """
    floor = max(atol, FLOOR * float(np.max(np.abs(expected), initial=0.0)))
    with np.errstate(invalid="ignore"):
        off = np.abs(got - expected) > RTOL * np.abs(expected) + floor
    return off | ~np.isfinite(got)


def shape_verdict(
    got: Array, expected: Array, axes: Sequence[str], fn: Callable, atol: float
) -> Verdict | None:
    """None when the shapes agree, else a "wrong" verdict naming both shapes.

    ``axes`` names each axis of ``expected`` (``("N", "K")``). When the
    numbers are right but the axes are permuted, or the result only needs a
    reshape (within ``atol``, see :func:`mismatch`), the verdict says so.
    """
    if got.shape == expected.shape:
        return None
    names = ", ".join(axes)
    message = (
        f"Wrong shape: {function_name(fn)} returned an array of shape {got.shape}; "
        f"expected ({names}) = {expected.shape}."
    )
    if got.ndim == expected.ndim and sorted(got.shape) == sorted(expected.shape):
        for perm in itertools.permutations(range(expected.ndim)):
            moved = expected.transpose(perm)
            if moved.shape == got.shape and not mismatch(got, moved, atol).any():
                order = ", ".join(axes[p] for p in perm)
                return Verdict(
                    "wrong",
                    f"{message} Your numbers are right, but your axes are in the order "
                    f"({order}); put them in the order ({names}).",
                )
    if got.size == expected.size:
        if not mismatch(got.reshape(expected.shape), expected, atol).any():
            return Verdict(
                "wrong", f"{message} Your numbers are right and in the right order: "
                f"reshape the result to {expected.shape}."
            )
        message += " It has the right number of entries, so check the order of the axes."
    return Verdict("wrong", message)


def constant_factor(got: Array, expected: Array, atol: float) -> float | None:
    """The factor c if ``got == c * expected`` everywhere (c != 1), else None.

    Entries of ``expected`` below ``atol`` do not set the factor.
    """
    scale = np.abs(expected) > atol
    if not scale.any():
        return None
    ratio = got[scale] / expected[scale]
    c = float(np.median(ratio))
    if not np.isfinite(c) or abs(c - 1.0) < 1e-6 or abs(c) < 1e-12:
        return None
    return c if not mismatch(got, c * expected, atol).any() else None


def compare(
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
    fmt: Callable[[float], str] | None = None,
    raw: object = None,
    close_hint: str = "",
) -> Verdict:
    """Shape, known mistakes, a constant factor, a close answer, then the wrong entries.

    The first test that fails gives the verdict, so that a student reads the
    most specific explanation there is; ``correct`` is the message when none
    fails. ``mistakes`` pairs known wrong answers with their messages (one of
    another shape is skipped). A close answer (within a relative
    :data:`CLOSE` of the largest entry) is named float32 when it is one (the
    dtype of ``raw``, what the student returned, tells), else
    ``close_hint`` (by default: a finite difference where a formula was
    asked for). Wrong entries are named by ``label`` after ``intro`` and
    shown by ``fmt``; ``scale_hint`` follows a constant factor's message.
    """
    shape = shape_verdict(got, expected, axes, fn, atol)
    if shape is not None:
        return shape
    bad = mismatch(got, expected, atol)
    if not bad.any():
        return Verdict("correct", correct)
    listing = entries_message(bad, got, expected, label, intro, fmt)
    if not np.isfinite(got).all():
        n_bad = int(np.count_nonzero(~np.isfinite(got)))
        return Verdict(
            "wrong",
            f"{n_bad} {'entry is' if n_bad == 1 else 'entries are'} not finite (nan or "
            "inf): look for a division by "
            "zero, an overflow, or an entry never filled in (np.empty).\n"
            + entries_message(~np.isfinite(got), got, expected, label, intro, fmt),
        )
    for candidate, message in mistakes:
        if candidate.shape == got.shape and not mismatch(got, candidate, atol).any():
            return Verdict("wrong", message)
    c = constant_factor(got, expected, atol)
    if c is not None:
        return Verdict(
            "wrong",
            f"Your entries are all {c:.6g} times the right ones: a constant factor "
            f"is off.{scale_hint}",
        )
    # Close: every error small beside the largest entry. Per-entry relative
    # errors would call a float32 answer far off wherever an entry is near 0.
    scale = float(np.max(np.abs(expected), initial=0.0))
    worst = float(np.max(np.abs(got - expected))) / scale if scale else np.inf
    if worst < CLOSE and fmt is None:
        # Close entries are not "wrong": they miss the formula's precision.
        listing = listing.replace(" entries are wrong.",
                                  " entries miss the formula's precision.", 1)
        if is_single(raw, got):
            return Verdict(
                "wrong",
                f"Close, but computed in float32: your largest error is {worst:.1e} of the "
                "largest entry, about float32's precision (6e-8 per operation). Compute "
                "in float64, NumPy's default: look for dtype=np.float32 or "
                f".astype(np.float32).\n{listing}",
            )
        hint = close_hint or (
            "This looks numerical, like a finite difference: a formula agrees to about "
            "1e-15, while a central difference is off by about eps^2 (truncation) or "
            "eps_mach / eps (rounding). This exercise asks for a derivation: derive "
            "the formula, and use gradcheck.central_difference only to test it."
        )
        if 1e-9 < worst < 1e-5:  # float32's range too: one float32 array suffices
            hint += (" Errors of this size also come from float32 arithmetic: look for "
                     "dtype=np.float32 or .astype(np.float32) in what you compute.")
        return Verdict(
            "wrong",
            f"Close, but not exact: your largest error is {worst:.1e} of the largest "
            f"entry. {hint}\n{listing}",
        )
    if got.ndim >= 2 and got.size > 1:
        for order in (expected.ravel(order="F").reshape(expected.shape),
                      expected.ravel().reshape(expected.shape, order="F")):
            if not mismatch(got, order, atol).any():
                return Verdict(
                    "wrong",
                    "Your numbers are the right ones, in column-major order: they fill "
                    "the array with the first index fastest, as order='F' in a reshape or "
                    "ravel does. Use NumPy's default row-major order (order='C'), in "
                    "which the last index is fastest.",
                )
    if got.size > 1 and not mismatch(np.sort(got.ravel()), np.sort(expected.ravel()),
                                     atol).any():
        return Verdict(
            "wrong",
            "Your numbers are the right ones, but some are in the wrong places: check "
            f"the order of your indices and of any reshape.\n{listing}",
        )
    return Verdict("wrong", listing)


# ------------------------------------------------------------ the fixed inputs
def fixed_data(N: int, D: int, K: int, seed: int) -> tuple[Array, Array]:
    """Inputs ``X`` (N, D) and parameters ``W`` (D+1, K), fixed by ``seed``.

    ``|x_nd|`` lies between 1.2 and 2, either sign, so that a missing factor
    x_nd cannot agree with the right answer by accident; ``W`` is normal
    with standard deviation 0.7.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.2, 2.0, size=(N, D)) * rng.choice([-1.0, 1.0], size=(N, D))
    W = rng.normal(scale=0.7, size=(D + 1, K))
    return X, W
