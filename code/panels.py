"""What the four-panel figure shows, once, for every module that draws it.

The chapter draws one figure three ways: a static matplotlib picture, the
ipywidgets sliders of Jupyter and Binder, and the website's kernel-free Bokeh
explorer. All three take their example, ranges, titles, colours, markers and
tangent length from here: :func:`param_range` and :func:`y_limits` give each
panel's axes, and :func:`real` and :func:`parameters` validate the reader's
``x0``, ``a`` and ``b``.

The four panels show K tanh units ``phi_k = tanh(a_k x0 + b_k)`` of one input
``x0`` as functions of their own parameters:

* ``phi_a``: ``phi_k`` against the slope ``a`` (bias held at ``b_k``);
* ``dphi_a``: ``d phi_k / d a = x0 sech^2(a x0 + b_k)`` against ``a``;
* ``phi_b``: ``phi_k`` against the bias ``b`` (slope held at ``a_k``);
* ``dphi_b``: ``d phi_k / d b = sech^2(a_k x0 + b)`` against ``b``.

Units are numbered from 0 in code (``unit=0``) and from 1 on the figure.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from style import OKABE_ITO
from validate import real_array, real_number, require_finite

__all__ = [
    "A_RANGE",
    "B_RANGE",
    "DEFAULT_A",
    "DEFAULT_B",
    "DEFAULT_X0",
    "LIMIT",
    "MARGIN",
    "MAX_UNITS",
    "PANELS",
    "TANGENT_HALF_LENGTH",
    "TITLES",
    "TITLES_PLAIN",
    "UNIT_COLOURS",
    "UNIT_MARKERS_BOKEH",
    "UNIT_MARKERS_MPL",
    "X0_RANGE",
    "X_LABELS",
    "X_LABELS_PLAIN",
    "Y_LABELS",
    "Y_LABELS_PLAIN",
    "padded",
    "param_range",
    "parameters",
    "real",
    "y_limits",
]

Array = NDArray[np.float64]

#: The example: one input (a day of the year) and three units. At x0 = 100
#: unit 1 sits at its switch (z = 0.1 * 100 - 10 = 0), so the first picture
#: shows a derivative that is not flat.
DEFAULT_X0: float = 100.0
DEFAULT_A: tuple[float, ...] = (0.1, 0.2, 0.3)
DEFAULT_B: tuple[float, ...] = (-10.0, -50.0, -100.0)

#: x0 is a day of the year.
X0_RANGE: tuple[float, float] = (0.0, 365.0)
#: The slope axis. A unit switches where a x0 + b_k = 0, at a = -b_k / x0,
#: which leaves this axis when x0 < -b_k (unit 3: x0 < 100).
A_RANGE: tuple[float, float] = (0.0, 1.0)
#: The bias axis. [-120, 0] shows unit 3's own bias b_3 = -100 and, for x0
#: near the end of the year, where the units switch (b = -a_k x0 reaches
#: -0.3 * 365 = -109.5).
B_RANGE: tuple[float, float] = (-120.0, 0.0)

#: Panel names, top to bottom.
PANELS: tuple[str, ...] = ("phi_a", "dphi_a", "phi_b", "dphi_b")

#: Panel titles in matplotlib's mathtext; four distinct titles.
TITLES: dict[str, str] = {
    "phi_a": r"$\phi_k$ against the slope $a$",
    "dphi_a": r"$\partial\phi_k/\partial a$ against $a$",
    "phi_b": r"$\phi_k$ against the bias $b$",
    "dphi_b": r"$\partial\phi_k/\partial b$ against $b$",
}
#: The same titles in plain Unicode, for figures that do not typeset TeX.
TITLES_PLAIN: dict[str, str] = {
    "phi_a": "φₖ against the slope a",
    "dphi_a": "∂φₖ/∂a against a",
    "phi_b": "φₖ against the bias b",
    "dphi_b": "∂φₖ/∂b against b",
}
#: Axis labels, in mathtext and in plain Unicode.
Y_LABELS: dict[str, str] = {
    "phi_a": r"$\phi_k$", "dphi_a": r"$\partial\phi_k / \partial a$",
    "phi_b": r"$\phi_k$", "dphi_b": r"$\partial\phi_k / \partial b$",
}
Y_LABELS_PLAIN: dict[str, str] = {
    "phi_a": "φₖ", "dphi_a": "∂φₖ/∂a", "phi_b": "φₖ", "dphi_b": "∂φₖ/∂b",
}
X_LABELS: dict[str, str] = {"phi_a": r"slope $a$", "dphi_a": r"slope $a$",
                            "phi_b": r"bias $b$", "dphi_b": r"bias $b$"}
X_LABELS_PLAIN: dict[str, str] = {"phi_a": "slope a", "dphi_a": "slope a",
                                  "phi_b": "bias b", "dphi_b": "bias b"}

#: Unit colours (Okabe-Ito). Marker shapes differ as well, so the units stay
#: apart in grey scale and for every form of colour blindness.
UNIT_COLOURS: tuple[str, ...] = tuple(
    OKABE_ITO[c]
    for c in ("blue", "vermillion", "bluish_green", "reddish_purple", "orange", "sky_blue",
              "black")
)
UNIT_MARKERS_MPL: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")
UNIT_MARKERS_BOKEH: tuple[str, ...] = (
    "circle", "square", "triangle", "diamond", "inverted_triangle", "plus", "x",
)
MAX_UNITS: int = len(UNIT_COLOURS)

#: Half-length of a tangent segment, as a fraction of the panel's width and
#: height measured along the line, so that steep tangents are not longer.
TANGENT_HALF_LENGTH: float = 0.13
#: A 5 % margin round every data range, so nothing touches the frame.
MARGIN: float = 0.05
#: Largest magnitude accepted for x0, a and b: far beyond any sensible value,
#: and it keeps a * x0 from overflowing to inf (numpy's warning would fail the
#: book's build).
LIMIT: float = 1e12


def real(value: object, name: str) -> float:
    """``value`` as a float, finite and at most :data:`LIMIT` in magnitude (or a clear error)."""
    return real_number(value, name, limit=LIMIT)


def parameters(a: ArrayLike, b: ArrayLike) -> tuple[Array, Array]:
    """Slopes and biases as two finite 1-D float arrays of the same length K.

    Parameters
    ----------
    a, b : array_like, shape (K,)
        One slope and one bias per unit, ``1 <= K <=`` :data:`MAX_UNITS`.

    Returns
    -------
    a, b : ndarray, shape (K,)
        New arrays (never views of the caller's).

    Raises
    ------
    TypeError
        If either does not hold real numbers.
    ValueError
        If either is not 1-D with 1 to :data:`MAX_UNITS` entries, is not
        finite, exceeds :data:`LIMIT`, or their lengths differ.
    """
    arrays = []
    for value, name in ((a, "a"), (b, "b")):
        arr = np.array(real_array(value, name))  # a copy: the caller's array stays theirs
        if arr.ndim != 1 or not 1 <= arr.size <= MAX_UNITS:
            raise ValueError(
                f"{name} must be 1-D with 1 to {MAX_UNITS} entries (one per unit), "
                f"got shape {arr.shape}"
            )
        require_finite(arr, name)
        if np.any(np.abs(arr) > LIMIT):
            raise ValueError(f"{name} must be at most {LIMIT:g} in magnitude")
        arrays.append(arr)
    a_arr, b_arr = arrays
    if a_arr.shape != b_arr.shape:
        raise ValueError(
            f"a and b must have one entry per unit each, got {a_arr.size} and {b_arr.size}"
        )
    return a_arr, b_arr


def padded(lo: float, hi: float) -> tuple[float, float]:
    """The axis limits for data in ``[lo, hi]``: :data:`MARGIN` of its width added each side.

    Parameters
    ----------
    lo, hi : float
        The data's range, ``lo < hi``.

    Returns
    -------
    (float, float)
    """
    pad = MARGIN * (hi - lo)
    return lo - pad, hi + pad


def param_range(panel: str) -> tuple[float, float]:
    """The horizontal data range of ``panel``: :data:`A_RANGE` or :data:`B_RANGE`."""
    if panel not in PANELS:
        raise ValueError(f"panel must be one of {PANELS}, got {panel!r}")
    return A_RANGE if panel.endswith("_a") else B_RANGE


def y_limits(panel: str, x0_lo: float, x0_hi: float) -> tuple[float, float]:
    """The vertical axis of ``panel`` (padded) while ``x0`` stays in ``[x0_lo, x0_hi]``.

    phi lies in [-1, 1] and sech^2 in [0, 1]. ``x0 sech^2`` peaks at ``x0``, so
    the ``dphi_a`` axis spans 0 and every ``x0`` of the range: the peak grows
    with ``x0`` instead of being rescaled away.
    """
    data = {"phi_a": (-1.0, 1.0), "phi_b": (-1.0, 1.0), "dphi_b": (0.0, 1.0),
            "dphi_a": (min(0.0, x0_lo), max(0.0, x0_hi))}
    if panel not in data:
        raise ValueError(f"panel must be one of {PANELS}, got {panel!r}")
    return padded(*data[panel])
