"""What the exercises' checkers share: calling the student, comparing, the verdict.

A checker (in :mod:`check` and :mod:`check_chain`) runs a student's function
on fixed inputs and compares the result with a reference answer. This module
holds the parts that do not depend on the exercise:

* :class:`Verdict`, the outcome, and :func:`show`, which prints it;
* :func:`attempt`, which calls the student's function on copies of the inputs
  and recognises the untouched stub ("not attempted yet");
* :func:`as_float_array`, :func:`mismatch`, :func:`shape_verdict`,
  :func:`constant_factor`, :func:`entries_message` and :func:`compare`, which
  turn a wrong array into one message in plain words;
* the ``label_*`` functions, which name an entry by the math's indices
  (counted from 1) and the code's (counted from 0);
* :func:`fixed_data`, the small random inputs the checkers share.
"""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MATH",
    "RTOL",
    "SHOWN",
    "Array",
    "Verdict",
    "as_float_array",
    "attempt",
    "compare",
    "constant_factor",
    "entries_message",
    "fixed_data",
    "function_name",
    "label_dk",
    "label_kd",
    "label_nd",
    "label_ndk",
    "label_nk",
    "mismatch",
    "shape_verdict",
    "show",
]

Array = NDArray[np.float64]

#: An entry agrees when ``|got - expected| <= RTOL |expected| + atol``. A
#: derivative from a formula agrees to a few ulps; 1e-9 leaves room for a
#: different but exact formula, and still catches a finite difference.
RTOL = 1e-9

#: How many wrong entries a message lists.
SHOWN = 3

#: The start of every message that lists entries: the math counts from 1, the
#: code from 0 (the notation page), and a student reads both.
MATH = "Indices are the math's, counted from 1"


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


def show(verdict: Verdict) -> None:
    """Print a verdict to stdout, wrapped to fit a phone-width output block.

    Parameters
    ----------
    verdict : Verdict
        The verdict whose message is printed, each paragraph wrapped at 72
        characters.
    """
    paragraphs = verdict.message.split("\n")
    text = "\n".join(textwrap.fill(p, width=72) for p in paragraphs)
    # One write, not print's two: a kernel may send the text and the newline
    # as separate stream outputs, which makes two runs of a cell differ.
    sys.stdout.write(text + "\n")


# ------------------------------------------------------------ calling the student
def function_name(fn: Callable) -> str:
    """The name a message gives the student's function (``"your function"`` if none)."""
    return getattr(fn, "__name__", "your function")


def attempt(fn: Callable, *args: object) -> tuple[object, Verdict | None]:
    """Call ``fn`` on copies of ``args``; a stub gives a "not attempted" verdict.

    Copies keep the student from changing the reference data. An exception
    other than ``NotImplementedError`` is not caught, so that its traceback
    points at the student's line.

    Parameters
    ----------
    fn : callable
        The student's function.
    *args : object
        Its inputs; arrays are copied before the call.

    Returns
    -------
    out : object
        What ``fn`` returned, or None for a stub.
    stub : Verdict or None
        A "not attempted" verdict if ``fn`` raised ``NotImplementedError`` or
        returned None, else None.

    Raises
    ------
    TypeError
        If ``fn`` is not callable.
    """
    if not callable(fn):
        raise TypeError(f"fn must be the function you wrote, got {type(fn).__name__}")
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        out = fn(*copies)
    except NotImplementedError:
        return None, Verdict(
            "not attempted",
            f"Not attempted yet: {function_name(fn)} raises NotImplementedError. Replace "
            "that line with your code and run the cell again.",
        )
    if out is None:
        return None, Verdict(
            "not attempted",
            f"Not attempted yet: {function_name(fn)} returns None. Make it return your "
            "answer and run the cell again.",
        )
    return out, None


def as_float_array(out: object, fn: Callable, expected: str) -> tuple[Array, Verdict | None]:
    """The student's result as a float array, or a verdict saying it is not one.

    Parameters
    ----------
    out : object
        What the student's function returned.
    fn : callable
        The student's function, named in the message.
    expected : str
        What was expected, in words, e.g. ``"an array of shape (N, K)"``.

    Returns
    -------
    got : ndarray
        ``out`` as float64 (empty if it is not an array of numbers).
    wrong_type : Verdict or None
        A "wrong" verdict if ``out`` is not an array of numbers, else None.
    """
    try:
        got = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        return np.empty(0), Verdict(
            "wrong",
            f"Wrong type: {function_name(fn)} returned a {type(out).__name__}, which is "
            f"not an array of numbers; expected {expected}.",
        )
    return got, None


# ------------------------------------------------------------- comparing arrays
def mismatch(got: Array, expected: Array, atol: float) -> NDArray[np.bool_]:
    """Entries of ``got`` that are not finite or differ from ``expected``.

    Parameters
    ----------
    got, expected : ndarray
        Arrays of the same shape.
    atol : float
        The absolute tolerance added to ``RTOL |expected|``.

    Returns
    -------
    ndarray of bool
        Shape of ``got``; True where the entry is wrong.
    """
    with np.errstate(invalid="ignore"):
        off = np.abs(got - expected) > RTOL * np.abs(expected) + atol
    return off | ~np.isfinite(got)


def shape_verdict(
    got: Array, expected: Array, axes: Sequence[str], fn: Callable, atol: float
) -> Verdict | None:
    """None when the shapes agree, else a verdict naming both shapes.

    When the numbers are right but the axes are permuted, or the result only
    needs a reshape, the verdict says so.

    Parameters
    ----------
    got, expected : ndarray
        The student's array and the reference.
    axes : sequence of str
        The math's name of each axis of ``expected``, e.g. ``("N", "K")``.
    fn : callable
        The student's function, named in the message.
    atol : float
        The absolute tolerance of :func:`mismatch`.

    Returns
    -------
    Verdict or None
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

    Parameters
    ----------
    got, expected : ndarray
        Arrays of the same shape.
    atol : float
        The absolute tolerance of :func:`mismatch`; entries of ``expected``
        below it do not set the factor.

    Returns
    -------
    float or None
    """
    scale = np.abs(expected) > atol
    if not scale.any():
        return None
    ratio = got[scale] / expected[scale]
    c = float(np.median(ratio))
    if not np.isfinite(c) or abs(c - 1.0) < 1e-6 or abs(c) < 1e-12:
        return None
    return c if not mismatch(got, c * expected, atol).any() else None


def entries_message(
    bad: NDArray[np.bool_],
    got: Array,
    expected: Array,
    label: Callable[[tuple[int, ...]], str],
    intro: str,
    fmt: Callable[[float], str] = "{:.6g}".format,
) -> str:
    """Say how many entries are wrong and list the first :data:`SHOWN` of them.

    Parameters
    ----------
    bad : ndarray of bool
        True at the wrong entries, shape of ``got``.
    got, expected : ndarray
        The student's array and the reference, same shape.
    label : callable
        Names an entry from its 0-based index tuple (one of ``label_*``).
    intro : str
        A sentence after the count, usually starting with :data:`MATH`.
    fmt : callable, optional
        Formats one value.

    Returns
    -------
    str
        One line with the count, then one line per listed entry.
    """
    where = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)]
    lines = [f"{len(where)} of {bad.size} entries are wrong. {intro}"]
    for idx in where[:SHOWN]:
        lines.append(f"  {label(idx)}: yours {fmt(got[idx])}, expected {fmt(expected[idx])}")
    if len(where) > SHOWN:
        lines.append(f"  ... and {len(where) - SHOWN} more.")
    return "\n".join(lines)


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
    fmt: Callable[[float], str] = "{:.6g}".format,
) -> Verdict:
    """Shape, then known mistakes, then a constant factor, then the wrong entries.

    The first test that fails gives the verdict, so that a student reads the
    most specific explanation there is.

    Parameters
    ----------
    got, expected : ndarray
        The student's array and the reference.
    fn : callable
        The student's function, named in a shape message.
    axes : sequence of str
        The math's name of each axis of ``expected``.
    mistakes : sequence of (ndarray, str)
        Known wrong answers and the message each one gets; a candidate of
        another shape than ``got`` is skipped.
    label : callable
        Names an entry from its 0-based index tuple.
    intro : str
        The sentence after the count of wrong entries.
    correct : str
        The message of a correct answer.
    atol : float, optional
        The absolute tolerance of :func:`mismatch`.
    scale_hint : str, optional
        Appended to the message of a constant factor.
    fmt : callable, optional
        Formats one value in the list of wrong entries.

    Returns
    -------
    Verdict
    """
    shape = shape_verdict(got, expected, axes, fn, atol)
    if shape is not None:
        return shape
    bad = mismatch(got, expected, atol)
    if not bad.any():
        return Verdict("correct", correct)
    if not np.isfinite(got).all():
        n_bad = int(np.count_nonzero(~np.isfinite(got)))
        return Verdict(
            "wrong",
            f"{n_bad} entries are not finite (nan or inf): look for a division by "
            "zero or an overflow.\n"
            + entries_message(~np.isfinite(got), got, expected, label, intro),
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
    return Verdict("wrong", entries_message(bad, got, expected, label, intro, fmt))


# ------------------------------------------------- naming an entry (1-based math)
def label_ndk(idx: tuple[int, ...]) -> str:
    """Name entry ``(n, d, k)`` of a compact Jacobian ``dPhi`` (N, D+1, K)."""
    n, d, k = idx
    return f"(n, d, k) = ({n + 1}, {d + 1}, {k + 1}) [dPhi[{n}, {d}, {k}] in code]"


def label_nd(idx: tuple[int, ...]) -> str:
    """Name entry ``(n, d)`` of an array ``R`` (N, D) of relative errors."""
    n, d = idx
    return f"(n, d) = ({n + 1}, {d + 1}) [R[{n}, {d}] in code]"


def label_nk(idx: tuple[int, ...]) -> str:
    """Name entry ``(n, k)`` of a Jacobian-vector product ``Jh`` (N, K)."""
    n, k = idx
    return f"(n, k) = ({n + 1}, {k + 1}) [Jh[{n}, {k}] in code]"


def label_dk(idx: tuple[int, ...]) -> str:
    """Name entry ``(d, k)`` of an array shaped like ``W`` (D+1, K)."""
    d, k = idx
    return f"(d, k) = ({d + 1}, {k + 1}) [W[{d}, {k}] in code]"


def label_kd(idx: tuple[int, ...]) -> str:
    """Name entry ``(k, d)`` of an input Jacobian (K, D): unit k, input d."""
    k, d = idx
    return f"(k, d) = ({k + 1}, {d + 1}) [index [{k}, {d}] in code]"


# ------------------------------------------------------------ the fixed inputs
def fixed_data(N: int, D: int, K: int, seed: int) -> tuple[Array, Array]:
    """Inputs ``X`` (N, D) and parameters ``W`` (D+1, K), fixed by ``seed``.

    The inputs stay away from 0 and 1, so that a missing factor x_nd cannot
    agree with the right answer by accident.

    Parameters
    ----------
    N, D, K : int
        Samples, inputs and units.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    X : ndarray, shape (N, D)
        Entries of magnitude between 1.2 and 2, of either sign.
    W : ndarray, shape (D+1, K)
        Normal entries with standard deviation 0.7.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.2, 2.0, size=(N, D)) * rng.choice([-1.0, 1.0], size=(N, D))
    W = rng.normal(scale=0.7, size=(D + 1, K))
    return X, W
