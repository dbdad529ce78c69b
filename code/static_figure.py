"""The four-panel figure, drawn plainly: tanh units and their two Jacobian entries.

K tanh units ``phi_k = tanh(a_k x0 + b_k)`` of one input ``x0`` (equation
``tanh-unit``), each drawn as a function of its own parameters:

* ``phi_a``: ``phi_k`` against the slope ``a``, the bias held at ``b_k``;
* ``dphi_a``: ``d phi_k / d a = x0 sech^2(a x0 + b_k)`` against ``a``
  (equation ``dphi-da``);
* ``phi_b``: ``phi_k`` against the bias ``b``, the slope held at ``a_k``;
* ``dphi_b``: ``d phi_k / d b = sech^2(a_k x0 + b)`` against ``b``
  (equation ``dphi-db``).

Every curve has a marker at the unit's own parameter, and each ``phi`` panel a
dashed tangent through that marker whose slope is the value the marker below
it shows. The formulas come from :mod:`tanh_basis`; the example, ranges,
colours, markers, titles and the tangent's length from :mod:`panels`.
:class:`sliders.FourPanelPlot` draws this same figure and then moves it.

Units are numbered from 0 in code (``unit=0``) and from 1 on the figure.
"""

from __future__ import annotations

from typing import Literal

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike, NDArray

import tanh_basis as tb
from panels import (
    DEFAULT_A,
    DEFAULT_B,
    DEFAULT_X0,
    PANELS,
    TANGENT_HALF_LENGTH,
    TITLES,
    UNIT_COLOURS,
    UNIT_MARKERS_MPL,
    X0_RANGE,
    X_LABELS,
    Y_LABELS,
    padded,
    param_range,
    parameters,
    real,
    y_limits,
)
from style import OKABE_ITO, use_book_style
from validate import integer, positive_pair

__all__ = [
    "FIGSIZE",
    "curve",
    "four_panels",
    "grid",
    "line",
    "point",
    "tangent",
    "x0_label",
]

Array = NDArray[np.float64]

#: Figure size in inches per layout. The column is narrow enough that its
#: text stays at 11 CSS px or more when a phone shrinks it to its column.
FIGSIZE: dict[str, tuple[float, float]] = {"column": (3.8, 8.8), "grid": (8.0, 6.0)}

# ------------------------------------------------------------- the maths
def grid(panel: str, n_grid: int = 1001) -> Array:
    """The parameter axis of a panel: ``n_grid`` slopes or biases over its range."""
    return np.linspace(*param_range(panel), n_grid)


def curve(panel: str, x0: float, a_k: float, b_k: float, where: ArrayLike) -> Array:
    """What ``panel`` plots for unit k, at the slopes or biases ``where``.

    Parameters
    ----------
    panel : {"phi_a", "dphi_a", "phi_b", "dphi_b"}
    x0 : float
        The input.
    a_k, b_k : float
        The unit's slope and bias; the one the panel varies is replaced by
        ``where``.
    where : array_like, shape (M,)
        Slopes (``*_a`` panels) or biases (``*_b`` panels).

    Returns
    -------
    ndarray, shape (M,)
    """
    if panel == "phi_a":
        return tb.tanh_unit(x0, where, b_k)
    if panel == "dphi_a":
        return tb.tanh_unit_dslope(x0, where, b_k)  # x0 sech^2(a x0 + b_k)
    if panel == "phi_b":
        return tb.tanh_unit(x0, a_k, where)
    if panel == "dphi_b":
        return tb.tanh_unit_dbias(x0, a_k, where)  # sech^2(a_k x0 + b)
    raise ValueError(f"panel must be one of {PANELS}, got {panel!r}")


def point(panel: str, x0: float, a_k: float, b_k: float) -> tuple[float, float]:
    """Where unit k's marker sits in ``panel``: (its own parameter, the value there)."""
    where = a_k if panel.endswith("_a") else b_k
    return float(where), float(curve(panel, x0, a_k, b_k, where))


# ------------------------------------------------------------ the drawing
def tangent(ax: Axes, p: float, value: float, slope: float) -> tuple[list, list]:
    """End points of the tangent through ``(p, value)`` with slope ``slope``.

    Its length on screen is ``2 * TANGENT_HALF_LENGTH`` of the panel's width
    however steep it is, so a steep tangent is not longer than a flat one. It
    uses the panel's limits and its place in the laid-out figure.

    Returns
    -------
    xs, ys : list of float, length 2
    """
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    box = ax.get_position()  # in figure fractions
    fig_width, fig_height = ax.get_figure().get_size_inches()
    aspect = (box.height * fig_height) / (box.width * fig_width)  # the panel's height / width
    # The slope as seen on screen: data units scaled by the panel's shape.
    screen_slope = slope * (x_hi - x_lo) / (y_hi - y_lo) * aspect
    dx = TANGENT_HALF_LENGTH * (x_hi - x_lo) / np.hypot(1.0, screen_slope)
    return [p - dx, p + dx], [value - slope * dx, value + slope * dx]


def x0_label(x0: float) -> str:
    """The figure's title, ``x₀ = 100`` (plain text, with a true minus sign)."""
    return f"x\N{SUBSCRIPT ZERO} = {x0:.4g}".replace("-", "\N{MINUS SIGN}")


def line(fig: Figure, role: str, panel: str, unit: int) -> Line2D:
    """The line :func:`four_panels` drew for one unit: its curve, marker or tangent.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure from :func:`four_panels`.
    role : {"curve", "marker", "tangent"}
        Tangents exist on the ``phi_a`` and ``phi_b`` panels only.
    panel : str
        One of :data:`panels.PANELS`.
    unit : int
        0-based.
    """
    gid = f"{role} {panel} {unit}"
    for ax in fig.axes:
        for found in ax.lines:
            if found.get_gid() == gid:
                return found
    raise ValueError(f"the figure has no line {gid!r} (role, panel, unit)")


def four_panels(
    x0: float = DEFAULT_X0,
    a: ArrayLike = DEFAULT_A,
    b: ArrayLike = DEFAULT_B,
    *,
    layout: Literal["column", "grid"] = "column",
    figsize: tuple[float, float] | None = None,
    n_grid: int = 1001,
) -> Figure:
    """The four panels for units ``(a_k, b_k)`` at the input ``x0``.

    Parameters
    ----------
    x0 : float, default :data:`panels.DEFAULT_X0`
        The input (a day of the year in the book's example).
    a, b : array_like, shape (K,)
        Slopes ``a_k`` and biases ``b_k`` of the K units, 1 <= K <= 7.
    layout : {"column", "grid"}, default "column"
        ``"column"`` stacks the panels (readable on a phone); ``"grid"`` puts
        the slope panels on the left and the bias panels on the right. Each
        derivative is drawn below its function.
    figsize : (float, float), optional
        In inches; :data:`FIGSIZE` of the layout by default.
    n_grid : int, default 1001
        Points per curve. The peaks of ``dphi_a`` are about ``4 / x0`` wide;
        1001 points keep their height for every ``x0`` of the year.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot: display it, or save it. Every limit is
        fixed, so figures at different parameters compare panel by panel.
    """
    x0 = real(x0, "x0")
    a, b = parameters(a, b)
    if layout not in FIGSIZE:
        raise ValueError(f"layout must be 'column' or 'grid', got {layout!r}")
    figsize = positive_pair(FIGSIZE[layout] if figsize is None else figsize, "figsize")
    n_grid = integer(n_grid, "n_grid", 2, 100_000)

    with mpl.rc_context():
        use_book_style()  # the book's fonts and colours, for this figure only
        fig = Figure(figsize=figsize, layout="constrained")
        if layout == "grid":
            top_left, top_right, low_left, low_right = fig.subplots(2, 2, sharex="col").ravel()
            ax = {"phi_a": top_left, "dphi_a": low_left, "phi_b": top_right, "dphi_b": low_right}
        else:
            ax = dict(zip(PANELS, fig.subplots(4, 1), strict=True))
            ax["dphi_a"].sharex(ax["phi_a"])
            ax["dphi_b"].sharex(ax["phi_b"])

        # Fixed limits, so figures at different parameters compare panel by panel.
        for name in PANELS:
            ax[name].set_xlim(*padded(*param_range(name)))
            ax[name].set_ylim(*y_limits(name, min(X0_RANGE[0], x0), max(X0_RANGE[1], x0)))
            ax[name].set_autoscale_on(False)
            ax[name].set_title(TITLES[name])
            ax[name].set_ylabel(Y_LABELS[name])
            # In the grid, the phi panels share the x-axis of the panel below.
            if name.startswith("d") or layout == "column":
                ax[name].set_xlabel(X_LABELS[name])
            else:
                ax[name].tick_params(labelbottom=False)

        for k in range(a.size):
            colour, marker = UNIT_COLOURS[k], UNIT_MARKERS_MPL[k]
            for name in PANELS:
                where = grid(name, n_grid)
                ax[name].plot(where, curve(name, x0, a[k], b[k], where), color=colour,
                              lw=2.0, gid=f"curve {name} {k}")
                ax[name].plot(*point(name, x0, a[k], b[k]), linestyle="none", marker=marker,
                              ms=7, color=colour, markeredgecolor="white",
                              markeredgewidth=1.0, zorder=4, gid=f"marker {name} {k}")

        units = [Line2D([], [], color=UNIT_COLOURS[k], marker=UNIT_MARKERS_MPL[k], lw=2.0,
                        markeredgecolor="white", label=rf"unit $k={k + 1}$")
                 for k in range(a.size)]
        dashed = {"color": OKABE_ITO["black"], "lw": 1.4, "ls": "--"}
        handles = [*units, Line2D([], [], **dashed, label="tangent")]
        fig.legend(handles=handles, loc="outside lower center", frameon=False,
                   ncols=len(handles) if layout == "grid" else min(len(handles), 2))
        fig.suptitle(x0_label(x0), fontsize=12, fontweight="bold")

        # The tangents' screen length needs the panels' final places.
        fig.draw_without_rendering()
        for name in ("phi_a", "phi_b"):
            for k in range(a.size):
                p, value = point(name, x0, a[k], b[k])
                slope = point("d" + name, x0, a[k], b[k])[1]
                ax[name].plot(*tangent(ax[name], p, value, slope), **dashed, zorder=3,
                              gid=f"tangent {name} {k}")
    return fig
