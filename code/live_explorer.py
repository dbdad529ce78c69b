"""The four-panel figure and the year view, live in the reader's browser: Bokeh, no kernel.

:func:`live_explorer` builds a Bokeh document of five views of K tanh units
``phi_k = tanh(a_k x + b_k)`` (the four panels of :mod:`panels`, plus
``phi_k(x)`` over the year with the input ``x0`` and each unit's switch point
``x* = -b_k / a_k``), controls for ``x0``, the unit and its ``a_k`` and ``b_k``,
a play button that sweeps ``x0``, and a table of ``phi_k``,
``d phi_k / d a_k`` and ``d phi_k / d b_k`` at the markers. The reader can also
drag the markers, the switch points and the ``x0`` line.

Where the numbers come from: Python computes none of them. It passes ``x0``,
``a``, ``b`` and the ranges to ``code/live_explorer.js``, which draws the first
frame when the page is ready and every frame after, with
``code/tanh_basis.js``, the JavaScript twin of :mod:`tanh_basis`'s
``sech2``, ``tanh_unit``, ``tanh_unit_dslope`` and ``tanh_unit_dbias``.
tests/test_live_explorer.py runs both files with Node.js against
:mod:`tanh_basis`; tests/test_explorer_browser.py reads the plotted arrays back
from the page.

Where it runs: on the book's website, the page loads BokehJS from the book
itself (``_ext/jacobian_book/bokeh_static.py`` copies it from the installed
wheel). In Jupyter there is a kernel, so the same object also offers the
ipywidgets sliders, which Jupyter shows instead; the website has no widget
manager and shows the Bokeh figure.
"""

from __future__ import annotations

import html
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from panels import (
    A_RANGE,
    B_RANGE,
    DEFAULT_A,
    DEFAULT_B,
    DEFAULT_X0,
    PANELS,
    TANGENT_HALF_LENGTH,
    TITLES_PLAIN,
    UNIT_COLOURS,
    UNIT_MARKERS_BOKEH,
    X0_RANGE,
    X_LABELS_PLAIN,
    Y_LABELS_PLAIN,
    parameters,
    real,
    y_limits,
)

__all__ = ["BOOK_BUILD_ENV", "EXPLORER_JS", "TWIN_JS", "VIEWS", "BrowserExplorer", "live_explorer"]

Array = NDArray[np.float64]

#: Set to "1" by _ext/jacobian_book/bokeh_static.py in the book's build, whose
#: kernels inherit it.
BOOK_BUILD_ENV = "JACOBIAN_BOOK_BUILD"

#: The JavaScript twin of tanh_basis's one-unit functions.
TWIN_JS: Path = Path(__file__).with_name("tanh_basis.js")
#: The explorer's JavaScript: the numbers of every frame, drags, keys, play.
EXPLORER_JS: Path = Path(__file__).with_name("live_explorer.js")

#: The five views, top to bottom on a phone: the year view, then the panels.
VIEWS: tuple[str, ...] = ("year", *PANELS)

#: Points per curve: a coarse grid over the whole axis, and a fine one where
#: the unit switches (|z| <= FINE_HALF_Z), since elsewhere the curves are flat.
#: Fewer points, less drawing per move (benchmarks/bench_live.py).
N_COARSE = 121
N_FINE = 121
FINE_HALF_Z = 8.0  # sech^2(8) = 4.5e-7: flat to the eye beyond it

#: The year view's title and labels.
YEAR_TITLE = "φₖ(x) over the year, switch points x*"
YEAR_LABELS = ("day x", "φₖ")

#: Slider steps: a day, and fine enough for the narrow peaks of the a axis.
STEPS = {"x0": 1.0, "a": 0.002, "b": 0.5}

#: Each view's height in CSS px. The page reserves it, and the controls' height
#: (as BokehJS lays them out, at every width), before BokehJS loads
#: (_ext/jacobian_book/bokeh-lazy.js): drawing them then moves nothing.
FIGURE_HEIGHT = 240
CONTROLS_HEIGHT = 217.4

_PLAY_LABEL = "▶ Play: sweep x₀ through the year"
_PAUSE_LABEL = "❚❚ Pause the x₀ sweep"

_CSS = """
.jacobian-live { background: #fff; color: #1a1a1a; border: 1px solid #ccc;
  border-radius: 6px; padding: 0.6rem; margin: 1rem 0; max-width: 100%; overflow: hidden;
  contain: content; }
.jacobian-live .jl-grid { display: grid; gap: 0.4rem;
  grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); }
.jacobian-live .jl-grid > .jl-wide { grid-column: 1 / -1; }
.jacobian-live .jl-grid > div, .jacobian-live .jl-controls { min-width: 0; }
.jacobian-live .jl-fig { position: relative; contain: layout; min-height: FIGURE_HEIGHTpx; }
.jacobian-live .jl-controls { min-height: CONTROLS_HEIGHTpx; }
.jacobian-live .jl-grid { position: relative; }
.jacobian-live .jl-load { position: absolute; top: 6rem; left: 50%; transform: translateX(-50%);
  z-index: 2; padding: 0.5rem 1rem; font: inherit; color: #fff; background: #0072B2;
  border: 0; border-radius: 6px; cursor: pointer; }
.jacobian-live .jl-load:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
.jacobian-live .jl-layer { position: absolute; inset: 0; pointer-events: none; }
.jacobian-live .jl-handle { position: absolute; left: -14px; top: -14px; width: 28px;
  height: 28px; border-radius: 50%; pointer-events: auto; cursor: grab;
  touch-action: none; outline: none; will-change: transform; z-index: 1; }
.jacobian-live .jl-handle-x0 { top: 0; left: -12px; width: 24px; height: 0;
  border-radius: 4px; cursor: ew-resize; z-index: 0; }
.jacobian-live .jl-handle:hover { box-shadow: 0 0 0 2px #555 inset; }
.jacobian-live .jl-handle:focus-visible, .jacobian-live .jl-handle.jl-dragging {
  box-shadow: 0 0 0 3px #0072B2 inset; cursor: grabbing; }
.jacobian-live table { font-size: 0.85rem; width: 100%; margin: 0.4rem 0 0;
  color: #1a1a1a; background: #fff; }
.jacobian-live th, .jacobian-live td { padding: 0.1rem 0.35rem; text-align: right;
  font-variant-numeric: tabular-nums; color: #1a1a1a; background: #fff; white-space: nowrap; }
.jacobian-live tr.jl-hi th, .jacobian-live tr.jl-hi td { background: #e8f1f8; }
.jacobian-live caption { color: #1a1a1a; caption-side: top; text-align: left; }
.jacobian-live .jl-scroll { overflow-x: auto; }
.jacobian-live .jl-swatch { display: inline-block; width: 0.8em; height: 0.8em;
  border-radius: 50%; margin-right: 0.25em; vertical-align: baseline; }
.jacobian-live .jl-hint { font-size: 0.85rem; margin: 0.3rem 0; color: #1a1a1a; }
""".replace("FIGURE_HEIGHT", str(FIGURE_HEIGHT)).replace("CONTROLS_HEIGHT", str(CONTROLS_HEIGHT))


class BrowserExplorer:
    """Five views with sliders and drag handles, computed in the browser by BokehJS: no kernel.

    Built by :func:`live_explorer`; display it (last expression of a cell).

    Parameters
    ----------
    x0 : float
        The input (a day of the year).
    a, b : array_like, shape (K,)
        Slopes and biases of the K units, 1 <= K <= 7.
    kernel_widgets : bool or None
        Offer the ipywidgets sliders too (shown by Jupyter, which has a
        kernel; the website shows the Bokeh figure). None: yes, except in
        the book's build (:data:`BOOK_BUILD_ENV` set), which would drop them.

    Attributes
    ----------
    x0 : float
    a, b : ndarray, shape (K,)
    a_range, b_range, x0_range : (float, float)
        The slider and axis ranges; widened to include x0, a_k and b_k if
        they lie outside :data:`panels.A_RANGE`, :data:`panels.B_RANGE`,
        :data:`panels.X0_RANGE`.
    """

    def __init__(self, x0: float, a: ArrayLike, b: ArrayLike, *,
                 kernel_widgets: bool | None = None) -> None:
        self.x0 = real(x0, "x0")
        self.a, self.b = parameters(a, b)
        if kernel_widgets is None:
            kernel_widgets = os.environ.get(BOOK_BUILD_ENV) != "1"
        elif not isinstance(kernel_widgets, bool):
            raise TypeError(
                f"kernel_widgets must be True, False or None, got {kernel_widgets!r}"
            )
        self.kernel_widgets = kernel_widgets
        self.a_range = (min(A_RANGE[0], *self.a), max(A_RANGE[1], *self.a))
        self.b_range = (min(B_RANGE[0], *self.b), max(B_RANGE[1], *self.b))
        self.x0_range = (min(X0_RANGE[0], self.x0), max(X0_RANGE[1], self.x0))
        self.id = f"jl-{uuid.uuid4().hex[:8]}"
        self._html: str | None = None
        self._widget: Any = None

    @property
    def K(self) -> int:
        """Number of units."""
        return self.a.size

    def __repr__(self) -> str:
        return f"BrowserExplorer(x0={self.x0:g}, K={self.K})"

    def y_ranges(self) -> dict[str, tuple[float, float]]:
        """Each view's vertical range, fixed for the whole year.

        Returns
        -------
        dict of str to (float, float)
            One entry per name of :data:`VIEWS`. The ``dphi_a`` axis reaches
            the largest ``|x0|`` of the slider, the peak of ``x0 sech^2``.
        """
        ranges = {view: y_limits(view, *self.x0_range) for view in PANELS}
        return {"year": ranges["phi_a"], **ranges}  # the year view plots phi too

    def x_ranges(self) -> dict[str, tuple[float, float]]:
        """Each view's horizontal range: the year, the slope axis, the bias axis."""
        return {"year": self.x0_range, "phi_a": self.a_range, "dphi_a": self.a_range,
                "phi_b": self.b_range, "dphi_b": self.b_range}

    # ----------------------------------------------------------- the figure
    def _figures(self) -> dict[str, Any]:
        from bokeh.models import Range1d
        from bokeh.plotting import figure

        x_ranges, y_ranges = self.x_ranges(), self.y_ranges()
        figures = {}
        for view in VIEWS:
            if view == "year":
                title, (x_label, y_label) = YEAR_TITLE, YEAR_LABELS
            else:
                title, y_label = TITLES_PLAIN[view], Y_LABELS_PLAIN[view]
                x_label = X_LABELS_PLAIN[view]
            fig = figure(
                title=title, name=f"figure-{view}",
                x_range=Range1d(*x_ranges[view]), y_range=Range1d(*y_ranges[view]),
                height=FIGURE_HEIGHT, sizing_mode="stretch_width", min_width=240,
                tools="", toolbar_location=None,
                x_axis_label=x_label, y_axis_label=y_label,
                background_fill_color="#ffffff", border_fill_color="#ffffff",
                # One canvas layer: nothing to composite on a move.
                output_backend="canvas",
            )
            fig.title.text_font_size = "13px"
            fig.title.text_color = "#1a1a1a"
            for ax in (fig.xaxis[0], fig.yaxis[0]):
                ax.axis_label_text_font_style = "normal"
                ax.axis_label_text_color = "#1a1a1a"
                ax.major_label_text_color = "#333333"
                # Bokeh's 11 px ticks and labels are too small on a phone.
                ax.axis_label_text_font_size = "13px"
                ax.major_label_text_font_size = "12px"
            fig.grid.grid_line_alpha = 0.3
            figures[view] = fig
        return figures

    def models(self) -> dict[str, Any]:
        """A new Bokeh document's roots: ``"controls"`` and one figure per view.

        The data sources hold the units' colours and markers but no numbers:
        code/live_explorer.js computes them when the document is ready.
        """
        from bokeh.document import Document
        from bokeh.layouts import column
        from bokeh.models import (
            ColumnDataSource,
            CustomJS,
            InlineStyleSheet,
            Legend,
            LegendItem,
            RadioButtonGroup,
            Slider,
            Span,
            Toggle,
        )

        K = self.K
        figures = self._figures()
        colours = list(UNIT_COLOURS[:K])
        shapes = list(UNIT_MARKERS_BOKEH[:K])
        empty = [[] for _ in range(K)]
        nan = [float("nan")] * K
        ones = [1.0] * K
        # One source per view and kind, unit k in row k: a move costs one
        # change event per source, not one per unit.
        curves, markers, tangents = {}, {}, {}
        for view in VIEWS:
            fig = figures[view]
            curves[view] = ColumnDataSource(
                {"xs": list(empty), "ys": list(empty), "colour": colours,
                 "width": [2.0] * K, "alpha": ones}, name=f"curves-{view}")
            line = fig.multi_line("xs", "ys", source=curves[view], line_color="colour",
                                  line_width="width", line_alpha="alpha")
            if view == "year":
                fig.add_layout(Legend(items=[
                    LegendItem(label=f"k = {k + 1}", renderers=[line], index=k)
                    for k in range(K)
                ], location="top_left", label_text_font_size="12px", padding=4, spacing=0,
                    background_fill_alpha=0.8))
                continue
            if view in ("phi_a", "phi_b"):
                tangents[view] = ColumnDataSource(
                    {"xs": list(empty), "ys": list(empty), "colour": colours},
                    name=f"tangents-{view}")
                fig.multi_line("xs", "ys", source=tangents[view], line_color="colour",
                               line_dash="dashed", line_width=1.5)
            markers[view] = ColumnDataSource(
                {"x": list(nan), "y": list(nan), "colour": colours, "marker": shapes,
                 "size": [9.0] * K}, name=f"markers-{view}")
            fig.scatter("x", "y", source=markers[view], marker="marker", size="size",
                        fill_color="colour", line_color="#000000")
        year = figures["year"]
        x0_line = Span(location=self.x0, dimension="height", line_color="#1a1a1a",
                       line_width=2, name="x0-line")
        year.add_layout(x0_line)
        dots = ColumnDataSource({"x": [self.x0] * K, "y": list(nan), "colour": colours,
                                 "marker": shapes}, name="dots-year")
        year.scatter("x", "y", source=dots, marker="marker", size=9, fill_color="colour",
                     line_color="#000000")
        switches = ColumnDataSource({"x": list(nan), "y": [0.0] * K, "colour": colours,
                                     "marker": shapes}, name="switches-year")
        year.scatter("x", "y", source=switches, marker="marker", size=11,
                     fill_color="#ffffff", line_color="colour", line_width=2.5)

        state = ColumnDataSource({"a": list(self.a), "b": list(self.b)}, name="state")
        # Bokeh's buttons show no focus ring of their own: a keyboard user
        # must see where the focus is (WCAG 2.4.7).
        focus_css = InlineStyleSheet(css=(
            ".bk-btn:focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }"
        ))
        x0_slider = Slider(start=self.x0_range[0], end=self.x0_range[1], value=self.x0,
                           step=STEPS["x0"], title="input x₀ (day)", name="x0",
                           sizing_mode="stretch_width")
        unit = RadioButtonGroup(labels=[f"unit k = {k + 1}" for k in range(K)], active=0,
                                name="unit", sizing_mode="stretch_width",
                                stylesheets=[focus_css])
        a_slider = Slider(start=self.a_range[0], end=self.a_range[1], value=self.a[0],
                          step=STEPS["a"], format="0[.]000",
                          title="slope aₖ of the selected unit", name="a",
                          sizing_mode="stretch_width")
        b_slider = Slider(start=self.b_range[0], end=self.b_range[1], value=self.b[0],
                          step=STEPS["b"], format="0[.]0", title="bias bₖ of the selected unit",
                          name="b", sizing_mode="stretch_width")
        # Bokeh's primary blue gives white text a contrast of only 3.6; the
        # book's Okabe-Ito blue gives 5.1 (WCAG AA asks for 4.5).
        play_css = InlineStyleSheet(css=(
            ".bk-btn-primary { background-color: #0072B2; border-color: #005b8e; }"
            " .bk-btn-primary:hover, .bk-btn-primary.bk-active"
            " { background-color: #005b8e; border-color: #004a73; }"
        ))
        play = Toggle(label=_PLAY_LABEL, active=False, name="play", button_type="primary",
                      sizing_mode="stretch_width", stylesheets=[play_css, focus_css])
        spans = {"a": self.a_range[1] - self.a_range[0],
                 "b": self.b_range[1] - self.b_range[0], "phi": 2.2}
        config = {
            "id": self.id, "panels": list(PANELS),
            "a_range": list(self.a_range), "b_range": list(self.b_range),
            "x_range": list(self.x0_range), "spans": spans,
            "n_coarse": N_COARSE, "n_fine": N_FINE, "fine_half_z": FINE_HALF_Z,
            "tangent_half": TANGENT_HALF_LENGTH,
            "play_label": _PLAY_LABEL, "pause_label": _PAUSE_LABEL,
        }
        lx = dict(state=state, x0_slider=x0_slider, a_slider=a_slider, b_slider=b_slider,
                  unit=unit, play=play, curves=curves, markers=markers, tangents=tangents,
                  dots=dots, switches=switches, x0_line=x0_line, figures=figures, cfg=config)
        callback = CustomJS(
            args={"lx": lx},
            code=(TWIN_JS.read_text(encoding="utf-8") + "\n"
                  + EXPLORER_JS.read_text(encoding="utf-8")
                  + "\nexplorer_run(lx, cb_obj);\n"),
        )
        for control, attr in ((x0_slider, "value"), (a_slider, "value"), (b_slider, "value"),
                              (unit, "active"), (play, "active")):
            control.js_on_change(attr, callback)
        controls = column(x0_slider, unit, a_slider, b_slider, play,
                          sizing_mode="stretch_width", name="controls")
        roots = {"controls": controls, **figures}
        doc = Document()
        for root in roots.values():
            doc.add_root(root)
        # The first frame: drawn by the same code once BokehJS has built the views.
        doc.js_on_event("document_ready", callback)
        return roots

    def _readout_table(self) -> str:
        rid = self.id
        rows = []
        for k in range(self.K):
            # The Jacobian entries first: they stay in view on a phone.
            cells = "".join(f'<td id="{rid}-{name}-{k}"></td>'
                            for name in ("phi", "da", "db", "z", "a", "b"))
            swatch = (f'<span class="jl-swatch" style="background:{UNIT_COLOURS[k]}" '
                      'aria-hidden="true"></span>')
            rows.append(f'<tr id="{rid}-row-{k}"><th scope="row">{swatch}k = {k + 1}</th>'
                        f"{cells}</tr>")
        return (
            # Scrolls sideways on a phone, inside its own box; focusable so
            # that the keyboard can scroll it too.
            '<div class="jl-scroll" tabindex="0" role="region" '
            'aria-label="Readouts at the markers"><table>'
            f'<caption>Readouts at the markers, x₀ = <span id="{rid}-x0">{self.x0:g}</span>'
            "</caption><thead><tr>"
            + "".join(f'<th scope="col">{h}</th>'
                      for h in ("unit", "φₖ", "∂φₖ/∂aₖ", "∂φₖ/∂bₖ", "zₖ", "aₖ", "bₖ"))
            + "</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )

    def html(self) -> str:
        """The explorer as HTML: Bokeh's ``components()``, drag layers and the readout table.

        The page must load BokehJS (``bokeh.min.js``, ``bokeh-widgets.min.js``)
        from the book's own files; this HTML contains no BokehJS itself.

        Returns
        -------
        str
        """
        if self._html is None:
            from bokeh.embed import components

            roots = self.models()
            script, divs = components(roots)
            description = html.escape(
                f"Live figure for {self.K} tanh units. First, phi_k(x) over the year with a "
                "vertical line at the input x0 and each unit's switch point. Then four "
                "panels at x0: phi_k against the slope a, its derivative against a, phi_k "
                "against the bias b, and its derivative against b, with a marker at each "
                "unit's own (a_k, b_k) and a dashed tangent on each phi panel. Sliders, or "
                "dragging the markers, the switch points and the x0 line, change x0 and the "
                "units' a_k and b_k; the table below gives the values at the markers."
            )
            figures = "".join(
                f'<div class="jl-fig{" jl-wide" if view == "year" else ""}" '
                f'data-panel="{view}">{divs[view]}<div class="jl-layer"></div></div>'
                for view in VIEWS
            )
            hint = ("Drag a marker along its axis to set that unit's aₖ or bₖ, a switch "
                    "point to set bₖ, or the line to set x₀; or use the sliders, or Tab to "
                    "a marker and use the arrow keys.")
            self._html = (
                f"<style>{_CSS}</style>"
                # MathJax scans output areas: this one holds no TeX, and
                # its text changes on every move.
                f'<div class="jacobian-live tex2jax_ignore mathjax_ignore" id="{self.id}" '
                'role="group" '
                f'aria-label="{description}">'
                f'<div class="jl-controls">{divs["controls"]}</div>'
                f'<p class="jl-hint">{hint}</p>'
                f'<div class="jl-grid">{figures}</div>'
                f"{self._readout_table()}</div>{script}"
            )
        return self._html

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self), "text/html": self.html()}
        if self.kernel_widgets:
            widget = self.widget()
            if widget is not None:
                bundle.update(widget._repr_mimebundle_(**kwargs) or {})
                bundle["text/plain"] = repr(self)
        return bundle

    def widget(self) -> Any:
        """The ipywidgets sliders at the same settings, or None without ipywidgets."""
        if self._widget is None:
            try:
                import ipywidgets  # noqa: F401
            except ImportError:
                return None
            import sliders

            self._widget = sliders.kernel_explorer(self.x0, self.a, self.b)
        return self._widget


def live_explorer(x0: float = DEFAULT_X0, a: ArrayLike = DEFAULT_A,
                  b: ArrayLike = DEFAULT_B, *,
                  kernel_widgets: bool | None = None) -> BrowserExplorer:
    """A :class:`BrowserExplorer` of these units (the book's by default); display it."""
    return BrowserExplorer(x0, a, b, kernel_widgets=kernel_widgets)
