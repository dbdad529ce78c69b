"""How a checker's verdict is worded and printed.

:mod:`verdict` judges a student's answer; this module turns what it found
into words a student reads: :func:`show` prints a verdict, :func:`show_pair`
and :func:`entries_message` list wrong entries, and the ``label_*`` functions
name an entry by the math's indices (counted from 1) beside the code's
(counted from 0). :mod:`verdict` re-exports all of them.

Each ``label_*`` names an entry from its 0-based index tuple, e.g.
``label_ndk((0, 2, 1))`` is ``"(n, d, k) = (1, 3, 2) [dPhi[0, 2, 1] in code]"``:
``label_ndk`` for a compact Jacobian ``dPhi`` (N, D+1, K), ``label_nd`` for
relative errors ``R`` (N, D), ``label_nk`` for a Jacobian-vector product
``Jh`` (N, K), ``label_dk`` for an array shaped like ``W`` (D+1, K) and
``label_kd`` for an input Jacobian (K, D), unit k by input d.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from verdict import Verdict

__all__ = [
    "MATH",
    "SHOWN",
    "entries_message",
    "label_dk",
    "label_kd",
    "label_nd",
    "label_ndk",
    "label_nk",
    "show",
    "show_pair",
]

#: How many wrong entries a message lists.
SHOWN = 3

#: The start of every message that lists entries: the math counts from 1, the
#: code from 0 (the notation page), and a student reads both.
MATH = "Indices are the math's, counted from 1"


def show(verdict: Verdict) -> None:
    """Print a verdict's message to stdout, each paragraph wrapped at 72 characters (a phone)."""
    paragraphs = verdict.message.split("\n")
    text = "\n".join(textwrap.fill(p, width=72) for p in paragraphs)
    # One write, not print's two: a kernel may send the text and the newline
    # as separate stream outputs, which makes two runs of a cell differ.
    sys.stdout.write(text + "\n")


def show_pair(got: float, expected: float) -> str:
    """``yours ..., expected ...`` with enough digits to differ, and the relative error.

    Six significant digits, or more (up to 17) until the two differ.
    """
    for digits in range(6, 18):
        mine, right = f"{got:.{digits}g}", f"{expected:.{digits}g}"
        if mine != right:
            break
    text = f"yours {mine}, expected {right}"
    if expected != 0 and np.isfinite(got):
        text += f" (relative error {abs(got - expected) / abs(expected):.1e})"
    return text


def entries_message(
    bad: NDArray[np.bool_],
    got: NDArray[np.float64],
    expected: NDArray[np.float64],
    label: Callable[[tuple[int, ...]], str],
    intro: str,
    fmt: Callable[[float], str] | None = None,
) -> str:
    """A line counting the entries where ``bad`` (shape of ``got``) is True, then the first few.

    ``intro`` follows the count (usually :data:`MATH`); each listed entry is
    named by ``label`` and shown by ``fmt``, by default :func:`show_pair`.
    """
    where = [tuple(int(i) for i in idx) for idx in np.argwhere(bad)]
    lines = [f"{len(where)} of {bad.size} entries are wrong. {intro}"]
    for idx in where[:SHOWN]:
        if fmt is None:
            lines.append(f"  {label(idx)}: {show_pair(got[idx], expected[idx])}")
        else:
            lines.append(f"  {label(idx)}: yours {fmt(got[idx])}, expected {fmt(expected[idx])}")
    if len(where) > SHOWN:
        lines.append(f"  ... and {len(where) - SHOWN} more.")
    return "\n".join(lines)


def _label(math: str, code: str) -> Callable[[tuple[int, ...]], str]:
    """A ``label_*`` function: ``(math) = (1-based) [code[0-based] in code]``."""
    def label(idx: tuple[int, ...]) -> str:
        ones = ", ".join(str(i + 1) for i in idx)
        return f"({math}) = ({ones}) [{code}[{', '.join(map(str, idx))}] in code]"

    return label


label_ndk = _label("n, d, k", "dPhi")
label_nd = _label("n, d", "R")
label_nk = _label("n, k", "Jh")
label_dk = _label("d, k", "W")
label_kd = _label("k, d", "index ")
