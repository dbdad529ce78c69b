"""The four-panel figure with ipywidgets sliders, fast enough to drag (Jupyter, Binder).

:class:`FourPanelPlot` takes the figure that :func:`static_figure.four_panels`
draws and makes it move: :meth:`~FourPanelPlot.update` changes only the lines
that depend on the changed parameter, and :meth:`~FourPanelPlot.render_png`
redraws only those over a cached picture of everything else (blitting).
:func:`kernel_explorer` puts sliders for ``x0``, ``a_k`` and ``b_k`` over it; it needs
a running kernel. What is drawn, and every formula, is ``static_figure``'s.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from numpy.typing import ArrayLike, NDArray
from PIL import Image

import static_figure as sf
from panels import (
    A_RANGE,
    B_RANGE,
    DEFAULT_A,
    DEFAULT_B,
    DEFAULT_X0,
    PANELS,
    X0_RANGE,
    parameters,
    real,
    y_limits,
)
from style import use_book_style
from validate import integer, positive_number

__all__ = ["FourPanelPlot", "KernelExplorer", "kernel_explorer"]

Array = NDArray[np.float64]

#: The bias and slope panels' curves of unit k are drawn at a_k and b_k
#: respectively: a new slope moves the curves of the bias panels, and back.
_MOVED_BY = {"a": ("phi_b", "dphi_b"), "b": ("phi_a", "dphi_a")}


class FourPanelPlot:
    """The four panels of :func:`static_figure.four_panels`, built once, moved by :meth:`update`.

    Parameters
    ----------
    x0, a, b, layout, figsize, n_grid
        As for :func:`static_figure.four_panels`, but ``layout`` is ``"grid"`` by default.
    dpi : float, default 100
        Pixels per inch of every frame.

    Attributes
    ----------
    fig : matplotlib.figure.Figure
        The one figure, with an Agg canvas; not registered with pyplot.
    axes : dict[str, matplotlib.axes.Axes]
        The panels by name (:data:`panels.PANELS`).
    curves, markers : dict[str, list[matplotlib.lines.Line2D]]
        Per panel, one line per unit.
    tangents : dict[str, list[matplotlib.lines.Line2D]]
        Per ``phi`` panel (``"phi_a"``, ``"phi_b"``), one per unit.
    readout : matplotlib.text.Text
        The title ``x₀ = ...``.

    Notes
    -----
    Limits stay fixed while a slider moves, so nothing jumps. Only an ``x0``
    outside :data:`panels.X0_RANGE` widens the ``dphi_a`` axis, whose peaks
    are ``x0`` high (once: limits never shrink back).

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
    ) -> None:
        self._x0 = real(x0, "x0")
        self._a, self._b = parameters(a, b)
        dpi = positive_number(dpi, "dpi")
        self.layout = layout
        fig = sf.four_panels(self._x0, self._a, self._b, layout=layout, figsize=figsize,
                             n_grid=n_grid)
        fig.set_dpi(dpi)
        FigureCanvasAgg(fig)
        self.fig = fig
        units = range(self._a.size)
        self.curves = {p: [sf.line(fig, "curve", p, k) for k in units] for p in PANELS}
        self.markers = {p: [sf.line(fig, "marker", p, k) for k in units] for p in PANELS}
        self.tangents = {p: [sf.line(fig, "tangent", p, k) for k in units]
                         for p in ("phi_a", "phi_b")}
        self.axes = {p: self.curves[p][0].axes for p in PANELS}
        # The range of x0 the dphi_a axis covers; it only ever widens.
        self._x0_span = (min(X0_RANGE[0], self._x0), max(X0_RANGE[1], self._x0))

        # The title changes with x0, so it must be redrawn on every frame. A
        # transparent suptitle as wide as any value keeps its row in the layout;
        # the readout itself belongs to an axes, because savefig leaves out
        # animated artists of the figure itself.
        with mpl.rc_context():
            use_book_style()
            row = fig.suptitle(sf.x0_label(-888.8), color="none", fontsize=12,
                               fontweight="bold")
            self.readout = self.axes["phi_a"].text(
                *row.get_position(), sf.x0_label(self._x0), transform=fig.transFigure,
                ha=row.get_ha(), va=row.get_va(), clip_on=False, in_layout=False,
                fontproperties=row.get_fontproperties(),
            )
            # Lay the figure out once, then freeze it: frames must not move the
            # panels, and the layout solver would cost time on every draw.
            fig.canvas.draw()
            self.readout.set_position(row.get_position())
        # None, not "none" (a placeholder engine), so that savefig skips its
        # layout pass too; rcParams could otherwise choose an engine again.
        with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)
        self._update_tangents(units)

        # Everything update() may change is animated: render_rgba() draws it
        # over a cached background of the rest.
        self._animated = [
            *(line for p in PANELS for line in self.curves[p]),
            *(line for p in ("phi_a", "phi_b") for line in self.tangents[p]),
            *(line for p in PANELS for line in self.markers[p]),
            self.readout,
        ]
        for artist in self._animated:
            artist.set_animated(True)
        self._background: Any = None

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

    def point(self, panel: str, unit: int) -> tuple[float, float]:
        """Where unit ``unit``'s marker sits in ``panel`` now (see :func:`static_figure.point`)."""
        k = integer(unit, "unit", 0, self.K - 1)
        return sf.point(panel, self._x0, self._a[k], self._b[k])

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
            New input; moves every curve, marker and tangent, and the title.
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
            Every argument is checked first: a failed call changes nothing.
        """
        k = integer(unit, "unit", 0, self.K - 1)
        new = {
            "x0": self._x0 if x0 is None else real(x0, "x0"),
            "a": self._a[k] if a is None else real(a, "a"),
            "b": self._b[k] if b is None else real(b, "b"),
        }
        moved = {"x0": new["x0"] != self._x0, "a": new["a"] != self._a[k],
                 "b": new["b"] != self._b[k]}
        self._x0, self._a[k], self._b[k] = new["x0"], new["a"], new["b"]

        if moved["x0"]:
            span = (min(self._x0_span[0], self._x0), max(self._x0_span[1], self._x0))
            if span != self._x0_span:
                self._x0_span = span
                self.axes["dphi_a"].set_ylim(*y_limits("dphi_a", *span))
                self._background = None  # its tick labels changed
            self.readout.set_text(sf.x0_label(self._x0))
            units: Sequence[int] = range(self.K)
            redraw = {name: units for name in PANELS}
        else:
            units = [k] if moved["a"] or moved["b"] else []
            redraw = {name: [] for name in PANELS}
            for param in ("a", "b"):
                for name in _MOVED_BY[param] if moved[param] else ():
                    redraw[name] = units
        for name, which in redraw.items():
            for j in which:
                curve = self.curves[name][j]
                curve.set_ydata(sf.curve(name, self._x0, self._a[j], self._b[j],
                                         curve.get_xdata()))
        # The arguments were checked above: the per-frame loops use them as they are.
        for j in units:
            for name in PANELS:
                px, py = sf.point(name, self._x0, self._a[j], self._b[j])
                self.markers[name][j].set_data([px], [py])
        self._update_tangents(units)

    def _update_tangents(self, units: Sequence[int]) -> None:
        for name in ("phi_a", "phi_b"):
            for k in units:
                p, value = sf.point(name, self._x0, self._a[k], self._b[k])
                slope = sf.point("d" + name, self._x0, self._a[k], self._b[k])[1]
                self.tangents[name][k].set_data(*sf.tangent(self.axes[name], p, value, slope))

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

    def render_png(self, compress_level: int = 1) -> bytes:
        """The current frame as PNG bytes, at the figure's size and dpi.

        Parameters
        ----------
        compress_level : int, default 1
            zlib level 0-9. Level 1 encodes several times faster than the
            default 6 for a file a little larger; a frame is shown once.
        """
        compress_level = integer(compress_level, "compress_level", 0, 9)
        # The figure is opaque, so the alpha channel is dropped: less to encode.
        image = Image.fromarray(self.render_rgba()[..., :3])
        out = io.BytesIO()
        image.save(out, format="png", compress_level=compress_level)
        return out.getvalue()


# ------------------------------------------------------------ the sliders
class KernelExplorer:
    """Sliders for ``x0``, ``a_k`` and ``b_k`` and a unit selector, over one figure.

    Display it (the last expression of a cell) to get the widgets. It needs a
    running kernel: without one the sliders do nothing. Each frame reaches the
    page as the PNG bytes of an ``ipywidgets.Image``, one binary message
    (``benchmarks/bench_slider.py`` compares this with an ``Output`` widget).

    Parameters
    ----------
    plot : FourPanelPlot, optional
        The figure to drive; a new default one if omitted.
    continuous_update : bool, default True
        Redraw while a slider is dragged, not only when it is released.

    Attributes
    ----------
    plot : FourPanelPlot
    x0, a, b : ipywidgets.FloatSlider
    unit : ipywidgets.ToggleButtons
        Values 0..K-1 (labels k = 1..K).
    view : ipywidgets.Image
    widget : ipywidgets.VBox
        Everything, laid out.
    frames : int
        Number of frames shown so far.
    """

    def __init__(self, plot: FourPanelPlot | None = None, *,
                 continuous_update: bool = True) -> None:
        import ipywidgets as widgets  # only Jupyter needs it

        if plot is None:
            plot = FourPanelPlot()
        elif not isinstance(plot, FourPanelPlot):
            raise TypeError(f"plot must be a FourPanelPlot, got {type(plot).__name__}")
        self.plot = plot
        self.frames = 0
        self._syncing = False

        self.unit = widgets.ToggleButtons(
            options=[(f"k = {j + 1}", j) for j in range(plot.K)], value=0,
            description="unit", style={"button_width": "4.5em"},
        )
        common = {"continuous_update": bool(continuous_update),
                  "layout": widgets.Layout(width="100%", max_width="32em"),
                  "style": {"description_width": "7em"}}
        self.x0 = widgets.FloatSlider(
            value=float(np.clip(plot.x0, *X0_RANGE)), min=X0_RANGE[0], max=X0_RANGE[1],
            step=1.0, description="input x₀", readout_format=".0f", **common,
        )
        self.a = widgets.FloatSlider(
            value=float(np.clip(plot.a[0], *A_RANGE)), min=A_RANGE[0], max=A_RANGE[1],
            step=0.005, description="slope aₖ", readout_format=".3f", **common,
        )
        self.b = widgets.FloatSlider(
            value=float(np.clip(plot.b[0], *B_RANGE)), min=B_RANGE[0], max=B_RANGE[1],
            step=0.5, description="bias bₖ", readout_format=".1f", **common,
        )
        self.view = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.x0.observe(self._on_x0, names="value")
        self.a.observe(self._on_a, names="value")
        self.b.observe(self._on_b, names="value")
        self.unit.observe(self._on_unit, names="value")
        self.widget = widgets.VBox([self.unit, self.x0, self.a, self.b, self.view])
        self.show()

    # Each callback makes one update and shows one frame.
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
        # The a and b sliders take the new unit's values; the parameters do not
        # change, so nothing is redrawn.
        k = change["new"]
        self._syncing = True
        try:
            self.a.value = float(np.clip(self.plot.a[k], *A_RANGE))
            self.b.value = float(np.clip(self.plot.b[k], *B_RANGE))
        finally:
            self._syncing = False

    def show(self) -> None:
        """Render the figure and put the frame on the page."""
        self.view.value = self.plot.render_png()
        self.frames += 1

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def kernel_explorer(
    x0: float = DEFAULT_X0,
    a: ArrayLike = DEFAULT_A,
    b: ArrayLike = DEFAULT_B,
    *,
    continuous_update: bool = True,
) -> KernelExplorer:
    """An :class:`KernelExplorer` of a :class:`FourPanelPlot` of these units; show it in a cell.

    The sliders start at unit k = 1's values; choosing another unit moves them.
    """
    return KernelExplorer(FourPanelPlot(x0, a, b), continuous_update=continuous_update)
