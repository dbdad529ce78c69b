"""The chapter's four-panel figure: phi, d phi/d a and d phi/d b of tanh units.

Four panels show K tanh units ``phi_k = tanh(a_k x0 + b_k)`` of one input
``x0`` as functions of their own parameters:

* ``phi_a``: ``phi_k`` against the slope ``a`` (bias held at ``b_k``);
* ``dphi_a``: ``d phi_k / d a = x0 sech^2(a x0 + b_k)`` against ``a``;
* ``phi_b``: ``phi_k`` against the bias ``b`` (slope held at ``a_k``);
* ``dphi_b``: ``d phi_k / d b = sech^2(a_k x0 + b)`` against ``b``.

Each curve carries a marker at the unit's current parameter, and each phi
panel a short tangent there whose slope is the value the derivative panel
below shows. Every curve comes from :mod:`tanh_basis` (the stable ``sech2``).

Read :func:`four_panels` first: it draws the figure plainly, in a few lines
per panel, and is all the mathematics there is here. Everything below it is
the machinery that makes the sliders fast, and changes nothing that is drawn:

* :class:`FourPanelPlot`: the same figure built once, whose
  :meth:`~FourPanelPlot.update` moves only the lines that depend on the
  changed parameter and whose :meth:`~FourPanelPlot.render_png` redraws only
  what moves over a cached background (blitting);
* :func:`explorer`: ipywidgets sliders for ``x0``, ``a`` and ``b`` (needs a
  running kernel);
* :func:`scrubber`: a kernel-free ``FuncAnimation.to_jshtml`` sweep whose
  frames are palette PNGs, small enough for a static web page;
* :func:`naive_figure`: one slider step done the slow way, the benchmark's
  point of comparison.

Units are numbered from 0 in the API (``unit=0``) and from 1 on the figure
(``k = 1``), as in the text.
"""

from __future__ import annotations

import io
import numbers
import re
from collections.abc import Sequence
from html import escape
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from numpy.typing import ArrayLike, NDArray
from PIL import Image, PngImagePlugin

import tanh_basis as tb
from style import MIN_TEXT_KEY, OKABE_ITO, use_book_style

__all__ = [
    "A_RANGE",
    "B_RANGE",
    "DEFAULT_A",
    "DEFAULT_B",
    "DEFAULT_X0",
    "PANELS",
    "X0_RANGE",
    "Explorer",
    "FourPanelPlot",
    "explorer",
    "four_panels",
    "naive_figure",
    "scrubber",
]

Array = NDArray[np.float64]

from panels import (  # noqa: E402  (the shared description of the figure)
    A_RANGE,
    B_RANGE,
    DEFAULT_A,
    DEFAULT_B,
    DEFAULT_X0,
    PANELS,
    X0_RANGE,
)
from panels import MARGIN as _MARGIN  # noqa: E402
from panels import TANGENT_HALF_LENGTH as _TANGENT_HALF_LENGTH  # noqa: E402
from panels import TITLES as _TITLES  # noqa: E402
from panels import UNIT_COLOURS as _UNIT_COLOURS  # noqa: E402
from panels import UNIT_MARKERS_MPL as _UNIT_MARKERS  # noqa: E402
from panels import parameters as _parameters  # noqa: E402
from panels import real as _real  # noqa: E402


# ====================================================== the figure, plainly
def four_panels(
    x0: float = DEFAULT_X0,
    a: ArrayLike = DEFAULT_A,
    b: ArrayLike = DEFAULT_B,
    *,
    n_grid: int = 1001,
) -> Figure:
    """The four panels, drawn plainly from the formulas of ``tanh_basis``.

    For each unit k: ``phi`` and its derivative against the slope (bias held
    at ``b_k``), and against the bias (slope held at ``a_k``); a marker at the
    unit's own parameter, and on each phi panel a dashed tangent through the
    marker whose slope is the derivative panel's value there.

    Parameters
    ----------
    x0 : float, default 150
        The input (a day of the year in the book's example).
    a, b : array_like, shape (K,)
        Slopes ``a_k`` and biases ``b_k`` of the K units, 1 <= K <= 7.
    n_grid : int, default 1001
        Points per curve.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot: display it, or ``savefig`` it.
    """
    x0 = _real(x0, "x0")
    a, b = _parameters(a, b)
    n_grid = _int(n_grid, "n_grid", 2, 100_000)
    a_grid = np.linspace(*A_RANGE, n_grid)
    b_grid = np.linspace(*B_RANGE, n_grid)
    with mpl.rc_context():
        use_book_style()  # the book's fonts and colours, for this figure only
        fig = Figure(figsize=(8.0, 6.0), layout="constrained")
        ax = fig.subplots(2, 2, sharex="col")
    for k in range(a.size):
        line = {"color": _UNIT_COLOURS[k]}
        dot = {"color": _UNIT_COLOURS[k], "marker": _UNIT_MARKERS[k], "linestyle": "none"}
        # Left column: against the slope a, at the unit's own bias b_k.
        ax[0, 0].plot(a_grid, tb.tanh_unit(x0, a_grid, b[k]), **line)
        ax[1, 0].plot(a_grid, tb.tanh_unit_dslope(x0, a_grid, b[k]), **line)
        # Right column: against the bias b, at the unit's own slope a_k.
        ax[0, 1].plot(b_grid, tb.tanh_unit(x0, a[k], b_grid), **line)
        ax[1, 1].plot(b_grid, tb.tanh_unit_dbias(x0, a[k], b_grid), **line)
        # The unit's own parameters, and the tangents there.
        phi_k = tb.tanh_unit(x0, a[k], b[k])
        for column, p, slope, half in ((0, a[k], tb.tanh_unit_dslope(x0, a[k], b[k]), 0.05),
                                       (1, b[k], tb.tanh_unit_dbias(x0, a[k], b[k]), 6.0)):
            ax[0, column].plot([p], [phi_k], **dot)
            ax[1, column].plot([p], [slope], **dot)
            ax[0, column].plot([p - half, p + half], [phi_k - slope * half, phi_k + slope * half],
                               color=OKABE_ITO["black"], linestyle="--", linewidth=1.2)
    for axis, name in zip(ax.T.ravel(), PANELS, strict=True):
        axis.set_title(_TITLES[name])
    for axis in ax[0]:
        axis.set_ylim(-1.1, 1.1)  # a steep tangent must not stretch the phi axis
    ax[0, 0].set_ylabel(r"$\phi_k$")
    ax[1, 0].set_ylabel(r"$\partial\phi_k / \partial a$")
    ax[0, 1].set_ylabel(r"$\phi_k$")
    ax[1, 1].set_ylabel(r"$\partial\phi_k / \partial b$")
    ax[1, 0].set_xlabel(r"slope $a$")
    ax[1, 1].set_xlabel(r"bias $b$")
    units = [Line2D([], [], color=_UNIT_COLOURS[k], marker=_UNIT_MARKERS[k],
                    label=rf"unit $k={k + 1}$") for k in range(a.size)]
    fig.legend(handles=units, loc="outside lower center", ncols=a.size, frameon=False)
    fig.suptitle(f"x\N{SUBSCRIPT ZERO} = {_fmt(x0)}")
    return fig


# ============================ the machinery that makes the sliders fast
# FourPanelPlot draws the same panels as four_panels, but builds the figure
# once and, for each slider step, moves only the affected lines and redraws
# them over a cached picture of everything else.





# ---------------------------------------------------------------- validation

def _int(value: Any, name: str, lo: int, hi: int) -> int:
    """``value`` as an int in ``[lo, hi]``, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _interval(value: Any, name: str) -> tuple[float, float]:
    """A finite interval ``(lo, hi)`` with ``lo < hi``."""
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (lo, hi), got {value!r}") from None
    lo, hi = _real(lo, f"{name}[0]"), _real(hi, f"{name}[1]")
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got ({lo}, {hi})")
    return lo, hi



def _fmt(value: float) -> str:
    """A short, stable label for a parameter value (``150``, ``37.5``, ``-0.25``)."""
    return f"{value:.4g}".replace("-", "\N{MINUS SIGN}")


# ------------------------------------------------------------ the figure
class FourPanelPlot:
    """phi, d phi / d a and d phi / d b of K tanh units at one input ``x0``.

    Parameters
    ----------
    x0 : float, default 150
        The input (a day of the year in the book's example).
    a, b : array_like, shape (K,)
        Slopes ``a_k`` and biases ``b_k`` of the K units, 1 <= K <= 7.
    layout : {"grid", "column"}, default "grid"
        ``"grid"`` puts the slope panels in the left column and the bias panels
        in the right one (each derivative below its function); ``"column"``
        stacks all four, which reads better on a phone.
    figsize : (float, float), optional
        Figure size in inches; by default (8, 6) for the grid, (4.8, 10.5)
        for the column.
    dpi : float, default 100
        Pixels per inch of the figure and of every PNG it renders.
    n_grid : int, default 1001
        Points per curve. The peaks of the derivatives are about 4 / x0 wide
        in ``a``; 1001 points keep at least 97 % of their height on the grid
        for every ``x0`` up to 365, so peaks do not flicker between frames.
    a_range, b_range : (float, float)
        The slope and bias axes (:data:`A_RANGE`, :data:`B_RANGE`).
    x0_range : (float, float)
        The inputs the figure is made for (:data:`X0_RANGE`). The y-axis of the
        ``dphi_a`` panel is fixed from it, see Notes.

    Attributes
    ----------
    fig : matplotlib.figure.Figure
        The one figure. It has an Agg canvas but is not registered with pyplot,
        so it is never shown automatically and never leaks into
        ``plt.get_fignums()``.
    axes : dict[str, matplotlib.axes.Axes]
        The panels by name (:data:`PANELS`).
    curves, markers : dict[str, list[matplotlib.lines.Line2D]]
        Per panel, one curve and one marker per unit.
    tangents : dict[str, list[matplotlib.lines.Line2D]]
        Per phi panel (``"phi_a"``, ``"phi_b"``), one tangent per unit.

    Notes
    -----
    All axis limits are fixed, so nothing jumps while a slider moves. phi and
    ``d phi / d b = sech^2`` lie in [-1, 1] and [0, 1] for every parameter. But
    ``d phi / d a = x0 sech^2(z)`` peaks at ``x0`` itself (where z = 0), so its
    panel spans ``[min(0, x0), max(0, x0)]`` over the whole ``x0_range``, plus
    a margin: with the default range, [-18, 383]. The peak is then *seen* to
    grow with ``x0`` instead of being rescaled away. Only an ``x0`` outside
    ``x0_range`` widens that axis (once; limits never shrink).

    Drawing: :meth:`render_png` keeps a picture of the parts that never change
    (frames, ticks, grids, labels, legend) and draws only the moving artists on
    top of it, then encodes the pixels with a fast PNG setting.

    Examples
    --------
    >>> plot = FourPanelPlot()
    >>> plot.update(x0=200.0)           # every curve moves
    >>> plot.update(b=-40.0, unit=1)    # unit k = 2 only
    >>> png = plot.render_png()
    """

    def __init__(
        self,
        x0: float = DEFAULT_X0,
        a: ArrayLike = DEFAULT_A,
        b: ArrayLike = DEFAULT_B,
        *,
        layout: Literal["grid", "column"] = "grid",
        figsize: tuple[float, float] | None = None,
        dpi: float = 100.0,
        n_grid: int = 1001,
        a_range: tuple[float, float] = A_RANGE,
        b_range: tuple[float, float] = B_RANGE,
        x0_range: tuple[float, float] = X0_RANGE,
    ) -> None:
        x0 = _real(x0, "x0")
        a_arr, b_arr = _parameters(a, b)
        if layout not in ("grid", "column"):
            raise ValueError(f"layout must be 'grid' or 'column', got {layout!r}")
        if figsize is None:
            figsize = (8.0, 6.0) if layout == "grid" else (4.8, 10.5)
        try:
            fw, fh = (_real(v, "figsize") for v in figsize)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"figsize must be two positive numbers (inches): {exc}") from None
        if fw <= 0 or fh <= 0:
            raise ValueError(f"figsize must be two positive numbers (inches), got {figsize!r}")
        dpi = _real(dpi, "dpi")
        if dpi <= 0:
            raise ValueError(f"dpi must be > 0, got {dpi}")
        n_grid = _int(n_grid, "n_grid", 2, 100_000)
        self.a_range = _interval(a_range, "a_range")
        self.b_range = _interval(b_range, "b_range")
        self.x0_range = _interval(x0_range, "x0_range")

        self._x0 = x0
        self._a = a_arr
        self._b = b_arr
        self.layout = layout
        self.a_grid = np.linspace(*self.a_range, n_grid)
        self.b_grid = np.linspace(*self.b_range, n_grid)
        # The range of x0 the dphi_a axis covers; it only ever widens.
        self._x0_span = (min(0.0, self.x0_range[0], x0), max(0.0, self.x0_range[1], x0))
        self._background: Any = None
        self._build(fw, fh, dpi)

    # ------------------------------------------------------------ state
    @property
    def x0(self) -> float:
        """The input ``x0``."""
        return self._x0

    @property
    def a(self) -> Array:
        """Slopes ``a_k``, shape (K,) (a copy; use :meth:`update` to change)."""
        return self._a.copy()

    @property
    def b(self) -> Array:
        """Biases ``b_k``, shape (K,) (a copy; use :meth:`update` to change)."""
        return self._b.copy()

    @property
    def K(self) -> int:
        """Number of units."""
        return self._a.size

    def __repr__(self) -> str:
        return f"FourPanelPlot(x0={self._x0:g}, K={self.K}, layout={self.layout!r})"

    # ------------------------------------------------------------- maths
    def curve_data(self, panel: str, unit: int) -> tuple[Array, Array]:
        """The exact curve of one unit in one panel at the current parameters.

        Parameters
        ----------
        panel : {"phi_a", "dphi_a", "phi_b", "dphi_b"}
        unit : int
            0-based unit index.

        Returns
        -------
        x, y : ndarray, shape (n_grid,)
            Parameter grid (slopes or biases) and the function on it.
        """
        k = self._check_unit(unit)
        return self._curve(panel, self._x0, self._a[k], self._b[k])

    def point(self, panel: str, unit: int) -> tuple[float, float]:
        """The unit's current (parameter, value) in one panel: where its marker sits."""
        k = self._check_unit(unit)
        return self._point(panel, self._x0, self._a[k], self._b[k])

    def _curve(self, panel: str, x0: float, a_k: float, b_k: float) -> tuple[Array, Array]:
        if panel == "phi_a":
            return self.a_grid, tb.tanh_unit(x0, self.a_grid, b_k)
        if panel == "dphi_a":
            return self.a_grid, tb.tanh_unit_dslope(x0, self.a_grid, b_k)
        if panel == "phi_b":
            return self.b_grid, tb.tanh_unit(x0, a_k, self.b_grid)
        if panel == "dphi_b":
            return self.b_grid, tb.tanh_unit_dbias(x0, a_k, self.b_grid)
        raise ValueError(f"panel must be one of {PANELS}, got {panel!r}")

    @staticmethod
    def _point(panel: str, x0: float, a_k: float, b_k: float) -> tuple[float, float]:
        funcs = {
            "phi_a": tb.tanh_unit,
            "dphi_a": tb.tanh_unit_dslope,
            "phi_b": tb.tanh_unit,
            "dphi_b": tb.tanh_unit_dbias,
        }
        if panel not in funcs:
            raise ValueError(f"panel must be one of {PANELS}, got {panel!r}")
        where = a_k if panel.endswith("_a") else b_k
        return float(where), float(funcs[panel](x0, a_k, b_k))

    def tangent_slope(self, panel: str, unit: int) -> float:
        """Slope of the tangent drawn on a phi panel: the derivative panel's value.

        Parameters
        ----------
        panel : {"phi_a", "phi_b"}
        unit : int
        """
        if panel not in ("phi_a", "phi_b"):
            raise ValueError(f"panel must be 'phi_a' or 'phi_b', got {panel!r}")
        return self.point("d" + panel, unit)[1]

    def _check_unit(self, unit: Any) -> int:
        return _int(unit, "unit", 0, self.K - 1)

    # ------------------------------------------------------------ figure
    def _dphi_a_limits(self) -> tuple[float, float]:
        lo, hi = self._x0_span
        pad = _MARGIN * (hi - lo) if hi > lo else 1.0
        return lo - pad, hi + pad

    def _build(self, fw: float, fh: float, dpi: float) -> None:
        # The book's style for this figure only: no global rcParams change.
        with mpl.rc_context():
            use_book_style()
            fig = Figure(figsize=(fw, fh), dpi=dpi, layout="constrained")
            FigureCanvasAgg(fig)
            if self.layout == "grid":
                grid = fig.subplots(2, 2, sharex="col")
                axes = [grid[0, 0], grid[1, 0], grid[0, 1], grid[1, 1]]
            else:
                axes = list(fig.subplots(4, 1))
                axes[1].sharex(axes[0])
                axes[3].sharex(axes[2])
            self.fig = fig
            self.axes = dict(zip(PANELS, axes, strict=True))
            ax = self.axes
            pad_a = _MARGIN * (self.a_range[1] - self.a_range[0])
            pad_b = _MARGIN * (self.b_range[1] - self.b_range[0])
            for name in ("phi_a", "dphi_a"):
                ax[name].set_xlim(self.a_range[0] - pad_a, self.a_range[1] + pad_a)
            for name in ("phi_b", "dphi_b"):
                ax[name].set_xlim(self.b_range[0] - pad_b, self.b_range[1] + pad_b)
            ax["phi_a"].set_ylim(-1.1, 1.1)
            ax["phi_b"].set_ylim(-1.1, 1.1)
            ax["dphi_b"].set_ylim(-0.05, 1.05)
            ax["dphi_a"].set_ylim(*self._dphi_a_limits())
            for name in PANELS:
                ax[name].set_autoscale_on(False)

            ax["phi_a"].set_ylabel(r"$\phi_k$")
            ax["dphi_a"].set_ylabel(r"$\partial\phi_k / \partial a$")
            ax["phi_b"].set_ylabel(r"$\phi_k$")
            ax["dphi_b"].set_ylabel(r"$\partial\phi_k / \partial b$")
            ax["dphi_a"].set_xlabel(r"slope $a$")
            ax["dphi_b"].set_xlabel(r"bias $b$")
            if self.layout == "column":
                ax["phi_a"].set_xlabel(r"slope $a$")
                ax["phi_b"].set_xlabel(r"bias $b$")
            # Shared x-axes: tick labels only on the lower panel of each pair.
            for name in ("phi_a", "phi_b"):
                ax[name].tick_params(labelbottom=self.layout == "column")

            self.curves = {name: [] for name in PANELS}
            self.markers = {name: [] for name in PANELS}
            self.tangents = {"phi_a": [], "phi_b": []}
            for k in range(self.K):
                colour, marker = _UNIT_COLOURS[k], _UNIT_MARKERS[k]
                for name in PANELS:
                    x, y = self._curve(name, self._x0, self._a[k], self._b[k])
                    (curve,) = ax[name].plot(x, y, color=colour, lw=2.0)
                    px, py = self._point(name, self._x0, self._a[k], self._b[k])
                    (mark,) = ax[name].plot(
                        [px], [py], linestyle="none", marker=marker, ms=7, color=colour,
                        markeredgecolor="white", markeredgewidth=1.0, zorder=4,
                    )
                    self.curves[name].append(curve)
                    self.markers[name].append(mark)
                for name in ("phi_a", "phi_b"):
                    (tangent,) = ax[name].plot(
                        [], [], color=OKABE_ITO["black"], lw=1.4, ls="--", zorder=3
                    )
                    self.tangents[name].append(tangent)

            handles = [
                Line2D([], [], color=_UNIT_COLOURS[k], marker=_UNIT_MARKERS[k], lw=2.0,
                       markeredgecolor="white", label=rf"unit $k={k + 1}$")
                for k in range(self.K)
            ]
            handles.append(
                Line2D([], [], color=OKABE_ITO["black"], lw=1.4, ls="--", label="tangent")
            )
            ncols = len(handles) if self.layout == "grid" else min(len(handles), 2)
            fig.legend(handles=handles, loc="outside lower center", ncols=ncols,
                       frameon=False)
            for name in PANELS:
                ax[name].set_title(_TITLES[name])
            # The one changing label, x0 = ..., on top. A transparent suptitle
            # reserves its row in the layout; the label itself belongs to an
            # axes, because figure-level animated artists are left out of savefig.
            font = {"fontsize": 12, "fontweight": "bold"}
            widest = self._readout_text(-888.8)  # room for any readout up to 4 digits
            self._title_row = fig.suptitle(widest, color="none", **font)
            self.readout = ax["phi_a"].text(
                *self._title_row.get_position(), self._readout_text(self._x0),
                transform=fig.transFigure, ha=self._title_row.get_ha(),
                va=self._title_row.get_va(), clip_on=False, in_layout=False, **font,
            )

            # Lay the figure out once, then freeze it: later frames must not
            # move the panels (and the layout solver costs time on every draw).
            fig.canvas.draw()
            self.readout.set_position(self._title_row.get_position())
            # None (not "none", a placeholder engine) so that savefig, too,
            # skips its extra layout pass.
            with mpl.rc_context({"figure.autolayout": False,
                                 "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)
        self._update_tangents(range(self.K))

        # Everything that update() may change is animated: render_png() draws
        # it over a cached background.
        self._animated = [
            *(line for name in PANELS for line in self.curves[name]),
            *(line for name in ("phi_a", "phi_b") for line in self.tangents[name]),
            *(line for name in PANELS for line in self.markers[name]),
            self.readout,
        ]
        for artist in self._animated:
            artist.set_animated(True)

    def _readout_text(self, x0: float) -> str:
        # Plain text, not mathtext: parsing a new mathtext string on every
        # frame would cost more than drawing all the curves.
        return f"x\N{SUBSCRIPT ZERO} = {_fmt(x0)}"

    def _update_tangents(self, units: Any) -> None:
        for name in ("phi_a", "phi_b"):
            axes = self.axes[name]
            (xlo, xhi), (ylo, yhi) = axes.get_xlim(), axes.get_ylim()
            box = axes.get_position()
            fw, fh = self.fig.get_size_inches()
            # Screen height / width of the panel: a slope in data units becomes
            # a slope on screen through the limits and this aspect ratio.
            aspect = (box.height * fh) / (box.width * fw)
            for k in units:
                px, py = self._point(name, self._x0, self._a[k], self._b[k])
                slope = self._point("d" + name, self._x0, self._a[k], self._b[k])[1]
                screen_slope = slope * (xhi - xlo) / (yhi - ylo) * aspect
                dx = _TANGENT_HALF_LENGTH * (xhi - xlo) / np.hypot(1.0, screen_slope)
                self.tangents[name][k].set_data(
                    [px - dx, px + dx], [py - slope * dx, py + slope * dx]
                )

    # ------------------------------------------------------------ update
    def update(
        self,
        x0: float | None = None,
        a: float | None = None,
        b: float | None = None,
        unit: int = 0,
    ) -> None:
        """Move the figure to new parameters, changing only what depends on them.

        Parameters
        ----------
        x0 : float, optional
            New input; moves every curve, marker and tangent and the readout
            ``x0 = ...`` at the top.
        a, b : float, optional
            New slope / bias of unit ``unit``. A new slope moves that unit's
            curves in the bias panels (they are drawn at ``a_k``), a new bias
            its curves in the slope panels; both move its markers and tangents.
        unit : int, default 0
            0-based index of the unit that ``a`` and ``b`` belong to.

        Raises
        ------
        TypeError
            If a value is not a real number, or ``unit`` is not an int.
        ValueError
            If a value is NaN or infinite, or ``unit`` is not in ``0..K-1``.
            Arguments are all checked first: a failed call changes nothing.
        """
        k = self._check_unit(unit)
        new_x0 = self._x0 if x0 is None else _real(x0, "x0")
        new_a = self._a[k] if a is None else _real(a, "a")
        new_b = self._b[k] if b is None else _real(b, "b")

        x0_moved = new_x0 != self._x0
        a_moved = new_a != self._a[k]
        b_moved = new_b != self._b[k]
        self._x0 = new_x0
        self._a[k] = new_a
        self._b[k] = new_b

        if x0_moved:
            span = (min(self._x0_span[0], new_x0), max(self._x0_span[1], new_x0))
            if span != self._x0_span:
                self._x0_span = span
                self.axes["dphi_a"].set_ylim(*self._dphi_a_limits())
                self._background = None  # the tick labels changed
            self.readout.set_text(self._readout_text(new_x0))
            units: Sequence[int] = range(self.K)
            redraw = {name: units for name in PANELS}
        else:
            units = [k] if (a_moved or b_moved) else []
            # The slope panels are drawn at b_k, the bias panels at a_k.
            redraw = {
                "phi_a": units if b_moved else [],
                "dphi_a": units if b_moved else [],
                "phi_b": units if a_moved else [],
                "dphi_b": units if a_moved else [],
            }
        for name, which in redraw.items():
            for j in which:
                self.curves[name][j].set_ydata(
                    self._curve(name, self._x0, self._a[j], self._b[j])[1]
                )
        for j in units:
            for name in PANELS:
                px, py = self._point(name, self._x0, self._a[j], self._b[j])
                self.markers[name][j].set_data([px], [py])
        self._update_tangents(units)

    # ------------------------------------------------------------ output
    def render_rgba(self) -> NDArray[np.uint8]:
        """Draw the figure and return its pixels, shape (height, width, 4).

        The static parts are drawn once and cached; each call restores them and
        draws the moving artists on top.
        """
        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()  # skips the animated artists: this is the background
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            self.fig.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())

    def render_png(self, compress_level: int = 1, record_text: bool = False) -> bytes:
        """The figure as PNG bytes, at the figure's size and dpi.

        Parameters
        ----------
        compress_level : int, default 1
            zlib level 0-9. Level 1 encodes several times faster than the
            default 6 for a file a little larger; slider frames are shown once.
        record_text : bool, default False
            Record the smallest text size, in image pixels, in the PNG under
            ``style.MIN_TEXT_KEY``, as ``style.figure_png`` does, so that the
            book's accessibility test can measure it as rendered. Slider
            frames skip it.

        Returns
        -------
        bytes
        """
        compress_level = _int(compress_level, "compress_level", 0, 9)
        rgba = self.render_rgba()
        info = PngImagePlugin.PngInfo()
        if record_text:
            smallest = self.smallest_text_px()
            if smallest is not None:
                info.add_text(MIN_TEXT_KEY, f"{smallest:.2f}")
        # The figure is opaque, so the alpha channel is dropped: 25 % less to encode.
        image = Image.fromarray(rgba[..., :3])
        out = io.BytesIO()
        image.save(out, format="png", compress_level=compress_level, pnginfo=info)
        return out.getvalue()

    def smallest_text_px(self) -> float | None:
        """Size, in image pixels, of the smallest visible text of the last frame.

        Returns
        -------
        float or None
            ``points * dpi / 72`` of the smallest non-empty text inside the
            figure, or None when there is none.
        """
        self.render_rgba()  # lays out the tick labels of the current limits
        renderer = self.fig.canvas.get_renderer()
        sizes = [
            text.get_fontsize()
            for text in self.fig.findobj(Text)
            if text.get_visible()
            and text.get_text().strip()
            # Tick labels outside the view exist but are not drawn.
            and text.get_window_extent(renderer).overlaps(self.fig.bbox)
        ]
        return min(sizes) * self.fig.dpi / 72 if sizes else None

    def _repr_png_(self) -> bytes:
        return self.render_png(compress_level=6, record_text=True)


# ---------------------------------------------------- the naive reference
def naive_figure(
    x0: float = DEFAULT_X0,
    a: ArrayLike = DEFAULT_A,
    b: ArrayLike = DEFAULT_B,
    *,
    figsize: tuple[float, float] = (8.0, 6.0),
    dpi: float = 100.0,
    n_grid: int = 1001,
) -> bytes:
    """One slider step done the naive way: a new figure, drawn whole, as PNG.

    Builds a new 2 x 2 figure with four subplots, curves, markers, titles and
    legends, runs the constrained layout and saves a PNG at the same size and
    dpi as :class:`FourPanelPlot`. This is the benchmark's reference point.
    The figure is not registered with pyplot, so nothing is left open.

    Returns
    -------
    bytes
        The PNG.
    """
    x0 = _real(x0, "x0")
    a_arr, b_arr = _parameters(a, b)
    a_grid = np.linspace(*A_RANGE, n_grid)
    b_grid = np.linspace(*B_RANGE, n_grid)
    with mpl.rc_context():
        use_book_style()
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axs = fig.subplots(2, 2)
        for k in range(a_arr.size):
            a_k, b_k = a_arr[k], b_arr[k]
            c = _UNIT_COLOURS[k]
            label = rf"$k={k + 1}$"
            axs[0, 0].plot(a_grid, tb.tanh_unit(x0, a_grid, b_k), color=c, label=label)
            axs[1, 0].plot(a_grid, tb.tanh_unit_dslope(x0, a_grid, b_k), color=c, label=label)
            axs[0, 1].plot(b_grid, tb.tanh_unit(x0, a_k, b_grid), color=c, label=label)
            axs[1, 1].plot(b_grid, tb.tanh_unit_dbias(x0, a_k, b_grid), color=c, label=label)
            axs[0, 0].plot([a_k], [tb.tanh_unit(x0, a_k, b_k)], "o", color=c)
            axs[1, 0].plot([a_k], [tb.tanh_unit_dslope(x0, a_k, b_k)], "o", color=c)
            axs[0, 1].plot([b_k], [tb.tanh_unit(x0, a_k, b_k)], "o", color=c)
            axs[1, 1].plot([b_k], [tb.tanh_unit_dbias(x0, a_k, b_k)], "o", color=c)
        # The same titles as FourPanelPlot; x0 as plain text, as the source does.
        for axis, name in zip(axs.T.ravel(), PANELS, strict=True):
            axis.set_title(_TITLES[name])
            # A fixed place: loc="best" would search the 1001-point curves and
            # add about half again to the time, and a baseline should be fair.
            axis.legend(loc="upper left")
        fig.suptitle(f"x\N{SUBSCRIPT ZERO} = {_fmt(x0)}")
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


# ------------------------------------------------------------ the sliders
class Explorer:
    """Sliders for ``x0``, ``a`` and ``b`` and a unit selector, over one figure.

    Built by :func:`explorer`; display it (last expression of a cell) to get
    the widgets. Needs a running kernel: without one the sliders do nothing.

    Parameters
    ----------
    plot : FourPanelPlot, optional
        The figure to drive; a new default one if omitted.
    display : {"image", "output"}, default "image"
        How each frame reaches the page: ``"image"`` sets the PNG bytes of an
        ``ipywidgets.Image`` (one binary comm message); ``"output"`` clears an
        ``Output`` widget (``wait=True``) and displays the PNG in it.
        ``benchmarks/bench_slider.py`` times both, in the kernel and (with
        ``--browser``) from key press to new picture in JupyterLab; "image"
        is the default because it was the faster of the two in both
        (``benchmarks/slider_results.json``): it sends the PNG as one binary
        buffer instead of base64 text, and the page swaps one image source
        instead of rebuilding an output area.
    continuous_update : bool, default True
        Redraw while a slider is dragged, not only when it is released.

    Attributes
    ----------
    plot : FourPanelPlot
    x0, a, b : ipywidgets.FloatSlider
    unit : ipywidgets.ToggleButtons
        Values 0..K-1 (labels k = 1..K).
    view : ipywidgets.Image or ipywidgets.Output
    widget : ipywidgets.VBox
        Everything, laid out.
    frames : int
        Number of frames shown so far.
    """

    def __init__(
        self,
        plot: FourPanelPlot | None = None,
        *,
        display: Literal["image", "output"] = "image",
        continuous_update: bool = True,
    ) -> None:
        import ipywidgets as widgets  # only the live page needs it

        if plot is None:
            plot = FourPanelPlot()
        elif not isinstance(plot, FourPanelPlot):
            raise TypeError(f"plot must be a FourPanelPlot, got {type(plot).__name__}")
        if display not in ("image", "output"):
            raise ValueError(f"display must be 'image' or 'output', got {display!r}")
        self.plot = plot
        self.display = display
        self.frames = 0
        self._syncing = False

        k = 0
        self.unit = widgets.ToggleButtons(
            options=[(f"k = {j + 1}", j) for j in range(plot.K)], value=k,
            description="unit", style={"button_width": "4.5em"},
        )
        slider = dict(continuous_update=bool(continuous_update),
                      layout=widgets.Layout(width="100%", max_width="32em"),
                      style={"description_width": "7em"})
        x_lo, x_hi = plot.x0_range
        self.x0 = widgets.FloatSlider(
            value=float(np.clip(plot.x0, x_lo, x_hi)), min=x_lo, max=x_hi, step=1.0,
            description="input x₀", readout_format=".0f", **slider,
        )
        self.a = widgets.FloatSlider(
            value=float(np.clip(plot.a[k], *plot.a_range)), min=plot.a_range[0],
            max=plot.a_range[1], step=0.005, description="slope aₖ", readout_format=".3f",
            **slider,
        )
        self.b = widgets.FloatSlider(
            value=float(np.clip(plot.b[k], *plot.b_range)), min=plot.b_range[0],
            max=plot.b_range[1], step=0.5, description="bias bₖ", readout_format=".1f",
            **slider,
        )
        if display == "image":
            self.view = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        else:
            self.view = widgets.Output()
        self.x0.observe(self._on_x0, names="value")
        self.a.observe(self._on_a, names="value")
        self.b.observe(self._on_b, names="value")
        self.unit.observe(self._on_unit, names="value")
        self.widget = widgets.VBox([self.unit, self.x0, self.a, self.b, self.view])
        self.show()

    # Each callback does one update and one frame.
    def _on_x0(self, change: dict[str, Any]) -> None:
        self.plot.update(x0=change["new"])
        self.show()

    def _on_a(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.plot.update(a=change["new"], unit=self.unit.value)
            self.show()

    def _on_b(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.plot.update(b=change["new"], unit=self.unit.value)
            self.show()

    def _on_unit(self, change: dict[str, Any]) -> None:
        # Move the a/b sliders to the new unit's values without redrawing:
        # the parameters themselves do not change.
        k = change["new"]
        self._syncing = True
        try:
            self.a.value = float(np.clip(self.plot.a[k], *self.plot.a_range))
            self.b.value = float(np.clip(self.plot.b[k], *self.plot.b_range))
        finally:
            self._syncing = False

    def show(self) -> None:
        """Render the figure and put the frame on the page."""
        png = self.plot.render_png()
        if self.display == "image":
            self.view.value = png
        else:
            from IPython.display import Image as IPyImage
            from IPython.display import display

            with self.view:
                self.view.clear_output(wait=True)
                display(IPyImage(data=png, format="png"))
        self.frames += 1

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def explorer(
    plot: FourPanelPlot | None = None,
    *,
    display: Literal["image", "output"] = "image",
    continuous_update: bool = True,
) -> Explorer:
    """Sliders for ``x0``, ``a_k`` and ``b_k`` over a :class:`FourPanelPlot`.

    See :class:`Explorer` for the parameters. The sliders start at the values
    of the selected unit (k = 1); choosing another unit moves the ``a`` and
    ``b`` sliders to its values without redrawing.

    Returns
    -------
    Explorer
        Show it as the last expression of a cell.
    """
    return Explorer(plot, display=display, continuous_update=continuous_update)


# ------------------------------------------------------------ the scrubber
class _PaletteCanvas(FigureCanvasAgg):
    """An Agg canvas whose PNGs use a small colour palette.

    The scrubber's frames are line art in a handful of colours plus their
    anti-aliased edges: 32 palette colours look the same and make each frame
    about 4 times smaller than a true-colour PNG, which is what keeps a whole
    animation in the page budget.
    """

    palette_colours = 32

    def print_png(self, filename_or_obj: Any, **kwargs: Any) -> None:
        # savefig's other options (metadata, pil_kwargs, orientation) do not
        # apply to animation frames.
        FigureCanvasAgg.draw(self)
        rgb = Image.fromarray(np.asarray(self.buffer_rgba())[..., :3])
        image = rgb.quantize(colors=self.palette_colours, method=Image.Quantize.FASTOCTREE,
                             dither=Image.Dither.NONE)
        image.save(filename_or_obj, format="png", optimize=True)


def scrubber(
    sweep: Literal["x0", "b"] = "x0",
    *,
    frames: int = 37,
    unit: int = 0,
    x0: float = DEFAULT_X0,
    a: ArrayLike = DEFAULT_A,
    b: ArrayLike = DEFAULT_B,
    layout: Literal["grid", "column"] = "grid",
    figsize: tuple[float, float] = (5.2, 4.2),
    dpi: float = 96.0,
    fps: float = 6.0,
    max_bytes: int = 1_000_000,
    alt: str | None = None,
) -> str:
    """A kernel-free animation of the four panels, as self-contained HTML.

    Parameters
    ----------
    sweep : {"x0", "b"}, default "x0"
        ``"x0"`` sweeps the input over :data:`X0_RANGE`; ``"b"`` sweeps the
        bias of unit ``unit`` over :data:`B_RANGE` at the fixed ``x0``.
    frames : int, default 37
        Number of frames (2 to 400).
    unit : int, default 0
        The unit whose bias a ``"b"`` sweep moves.
    x0, a, b
        Parameters of the figure, as for :class:`FourPanelPlot`.
    layout, figsize, dpi
        As for :class:`FourPanelPlot`; small by default to keep the page light.
    fps : float, default 6
        Frames per second when playing.
    max_bytes : int, default 1_000_000
        Upper bound on the HTML size: two scrubbers stay under 2 MB.
    alt : str, optional
        Alternative text for the animation's image; a description of the sweep
        by default.

    Returns
    -------
    str
        HTML from :meth:`matplotlib.animation.Animation.to_jshtml`, with a
        slider and play buttons, paused on the first frame.

    Raises
    ------
    ValueError
        If an argument is out of range, or the HTML would exceed ``max_bytes``.
    """
    if sweep not in ("x0", "b"):
        raise ValueError(f"sweep must be 'x0' or 'b', got {sweep!r}")
    if alt is not None and not isinstance(alt, str):
        raise TypeError(f"alt must be a str, got {type(alt).__name__}")
    frames = _int(frames, "frames", 2, 400)
    fps = _real(fps, "fps")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    max_bytes = _int(max_bytes, "max_bytes", 1, 2**31)
    plot = FourPanelPlot(x0, a, b, layout=layout, figsize=figsize, dpi=dpi)
    k = plot._check_unit(unit)
    _PaletteCanvas(plot.fig)
    if sweep == "x0":
        values = np.linspace(*plot.x0_range, frames)

        def step(i: int) -> list[Any]:
            plot.update(x0=values[i])
            return []
    else:
        values = np.linspace(*plot.b_range, frames)

        def step(i: int) -> list[Any]:
            plot.update(b=values[i], unit=k)
            return []

    # Frames are PNGs at the figure's own dpi and size, whatever the page's
    # rcParams say (the book style sets savefig.dpi = 100). The embed limit is
    # raised so matplotlib never warns (stderr fails the build); max_bytes is
    # the real bound.
    rc = {"savefig.dpi": "figure", "savefig.bbox": "standard",
          "animation.frame_format": "png", "animation.embed_limit": 100.0}
    with mpl.rc_context(rc):
        anim = FuncAnimation(plot.fig, step, frames=frames, init_func=lambda: [],
                             interval=1000.0 / fps, blit=False, repeat=False)
        html = anim.to_jshtml(fps=fps, embed_frames=True, default_mode="once")
    # The figure was never registered with pyplot, so there is nothing to
    # close: it goes away with `plot` and `anim` when this function returns.
    del anim
    if alt is None:
        lo, hi = plot.x0_range if sweep == "x0" else plot.b_range
        what = "the input x0" if sweep == "x0" else f"the bias b of unit k = {k + 1}"
        alt = (f"Animation, {frames} frames, of the four panels (phi_k and its derivatives "
               f"against the slope a and the bias b) as {what} moves from {lo:g} to {hi:g}.")
    # to_jshtml's <img> has no alt text, and its image and slider keep their
    # pixel widths on a phone, where they overflow: shrink them to fit instead.
    for old, new in (
        ('<div class="animation">', '<div class="animation" style="max-width:100%">'),
        ('<img id="_anim_img', f'<img alt="{escape(alt, quote=True)}" '
                               'style="max-width:100%;height:auto" id="_anim_img'),
        ('class="anim-slider"', 'class="anim-slider" style="max-width:100%"'),
    ):
        if old not in html:  # pragma: no cover - a matplotlib template change
            raise RuntimeError(f"unexpected to_jshtml output: {old!r} not found")
        html = html.replace(old, new, 1)
    # The template also links Font Awesome 4 from a CDN for its button icons.
    # The book's theme ships Font Awesome itself, so the page makes no
    # third-party request and works offline.
    html = re.sub(r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/'
                  r'font-awesome/[^"]*">', "", html)
    size = len(html.encode("utf-8"))
    if size > max_bytes:
        raise ValueError(
            f"the animation is {size} bytes, more than max_bytes={max_bytes}; "
            "use fewer frames, a smaller figsize or a lower dpi"
        )
    return html
