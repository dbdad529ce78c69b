"""The four-panel figure, live in the reader's browser: Bokeh, no kernel, no network.

:func:`live_explorer` draws the panels of :class:`jacobian_plots.FourPanelPlot`
(``phi`` and ``d phi / d a`` against the slope ``a``, ``phi`` and
``d phi / d b`` against the bias ``b``) for K tanh units at one input ``x0``,
with sliders for ``x0`` and for the selected unit's ``a_k`` and ``b_k``, a
play button that sweeps ``x0``, and a table of ``phi_k``, ``d phi_k / d a_k``
and ``d phi_k / d b_k`` at the markers.

Where the numbers come from: Python computes the first picture with
:mod:`tanh_basis`. After that, every move is computed in the browser by
``code/tanh_basis.js``, a line-by-line JavaScript twin of ``sech2``,
``tanh_unit``, ``tanh_unit_dslope`` and ``tanh_unit_dbias``, which this module pastes
into the one callback that all controls share. tests/test_browser.py checks
the twin against :mod:`tanh_basis` and reads the plotted arrays back.

Where it runs: on the book's website, the page loads BokehJS from the book
itself (``_ext/bokeh_static.py`` copies it from the installed wheel). In
Jupyter there is a kernel, so the same object also offers the ipywidgets
explorer of :mod:`jacobian_plots`, which Jupyter shows instead; the website
has no widget manager and shows the Bokeh figure (the book's build drops the
widget view, see ``_ext/bokeh_static.py``).
"""

from __future__ import annotations

import html
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

import tanh_basis as tb
from panels import (
    A_RANGE,
    B_RANGE,
    DEFAULT_A,
    DEFAULT_B,
    DEFAULT_X0,
    MARGIN,
    PANELS,
    TANGENT_HALF_LENGTH,
    TITLES_PLAIN,
    UNIT_COLOURS,
    UNIT_MARKERS_BOKEH,
    X0_RANGE,
    Y_LABELS_PLAIN,
    parameters,
    real,
)

__all__ = ["BOOK_BUILD_ENV", "TWIN_JS", "LiveExplorer", "grid", "live_explorer"]

Array = NDArray[np.float64]

#: Set to "1" by _ext/bokeh_static.py in the book's build, whose kernels inherit it.
BOOK_BUILD_ENV = "JACOBIAN_BOOK_BUILD"

#: The JavaScript twin of tanh_basis's one-unit functions.
TWIN_JS: Path = Path(__file__).with_name("tanh_basis.js")

#: Points per curve: a coarse grid over the whole axis, and a fine one where
#: the unit switches (|z| <= _FINE_HALF_Z), since elsewhere the curves are flat.
#: Fewer points, less drawing per move (benchmarks/bench_live.py).
N_COARSE = 121
N_FINE = 121
_FINE_HALF_Z = 8.0  # sech^2(8) = 4.5e-7: flat to the eye beyond it



def grid(lo: float, hi: float, centre: float, half: float,
         n_coarse: int = N_COARSE, n_fine: int = N_FINE) -> Array:
    """Points on ``[lo, hi]``: coarse everywhere, fine on ``centre +- half``.

    The same construction as ``grid`` in the explorer's JavaScript callback.

    Parameters
    ----------
    lo, hi : float
        The axis, ``lo < hi``.
    centre, half : float
        Where the curve changes (the unit switches) and how far either side;
        ``half <= 0`` or a window outside the axis means no fine part.
    n_coarse, n_fine : int
        Points of the coarse grid and of the fine window.

    Returns
    -------
    ndarray, shape (M,)
        Increasing points, ``n_coarse <= M <= n_coarse + n_fine``.
    """
    coarse = np.linspace(lo, hi, n_coarse)
    f_lo, f_hi = max(lo, centre - half), min(hi, centre + half)
    if not (half > 0 and f_lo < f_hi):
        return coarse
    fine = np.linspace(f_lo, f_hi, n_fine)
    return np.concatenate([coarse[coarse < f_lo], fine, coarse[coarse > f_hi]])


def _curves(x0: float, a_k: float, b_k: float,
            a_range: tuple[float, float], b_range: tuple[float, float]) -> dict[str, tuple]:
    """One unit's four curves, computed with tanh_basis on the explorer's grids."""
    a_centre = -b_k / x0 if x0 != 0 else 0.0
    a_half = _FINE_HALF_Z / abs(x0) if x0 != 0 else 0.0
    a_grid = grid(*a_range, a_centre, a_half)
    b_grid = grid(*b_range, -a_k * x0, _FINE_HALF_Z)
    return {
        "phi_a": (a_grid, tb.tanh_unit(x0, a_grid, b_k)),
        "dphi_a": (a_grid, tb.tanh_unit_dslope(x0, a_grid, b_k)),
        "phi_b": (b_grid, tb.tanh_unit(x0, a_k, b_grid)),
        "dphi_b": (b_grid, tb.tanh_unit_dbias(x0, a_k, b_grid)),
    }


def _tangent(p: float, v: float, slope: float, x_span: float, y_span: float) -> tuple:
    """End points of a short segment through (p, v) with the given slope."""
    m = slope * x_span / y_span  # slope in panel-fraction units
    u = TANGENT_HALF_LENGTH / np.sqrt(1.0 + m * m)
    dx = u * x_span
    return [p - dx, p + dx], [v - slope * dx, v + slope * dx]


def _fmt(value: float) -> str:
    """A derivative's readout, as ``fmt`` in the callback: ``16.96``, ``6.756e-48``, ``0.000e0``."""
    if 0.01 <= abs(value) < 1000:
        return f"{value:#.4g}"
    mantissa, exponent = f"{value:.3e}".split("e")
    return f"{mantissa}e{int(exponent)}"


# The callback shared by every control. `cb_obj` is the control that moved.
_CALLBACK = """
const K = state.data.a.length;
const a = state.data.a.slice(), b = state.data.b.slice();
let units = [];
if (cb_obj === unit) {
  // Show the newly selected unit's own values on its sliders; nothing moves.
  const k = unit.active;
  // Their callbacks (below) find the unit's values unchanged and stop there.
  a_slider.value = a[k];
  b_slider.value = b[k];
  return;
}
if (cb_obj === a_slider || cb_obj === b_slider) {
  const k = unit.active;
  if (cb_obj === a_slider) { if (a[k] === a_slider.value) return; a[k] = a_slider.value; }
  else { if (b[k] === b_slider.value) return; b[k] = b_slider.value; }
  state.data = {a: a, b: b};
  units = [k];          // the Kronecker delta: only unit k's curves move
} else {
  for (let k = 0; k < K; k++) units.push(k);
}
const x0 = x0_slider.value;

function grid(lo, hi, centre, half) {
  const out = [];
  const f_lo = Math.max(lo, centre - half), f_hi = Math.min(hi, centre + half);
  const fine = half > 0 && f_lo < f_hi;
  for (let i = 0; i < n_coarse; i++) {
    const p = lo + (hi - lo) * i / (n_coarse - 1);
    if (!fine || p < f_lo) out.push(p);
  }
  if (fine) {
    for (let i = 0; i < n_fine; i++) out.push(f_lo + (f_hi - f_lo) * i / (n_fine - 1));
    for (let i = 0; i < n_coarse; i++) {
      const p = lo + (hi - lo) * i / (n_coarse - 1);
      if (p > f_hi) out.push(p);
    }
  }
  return out;
}

function tangent(p, v, slope, x_span, y_span) {
  const m = slope * x_span / y_span;
  const dx = tangent_half * x_span / Math.sqrt(1 + m * m);
  return {x: [p - dx, p + dx], y: [v - slope * dx, v + slope * dx]};
}

function fmt(v) {   // as _fmt in live_explorer.py
  const m = Math.abs(v);
  return m >= 0.01 && m < 1000 ? v.toPrecision(4) : v.toExponential(3).replace("e+", "e");
}

for (const k of units) {
  const ak = a[k], bk = b[k];
  const a_grid = grid(a_range[0], a_range[1], x0 !== 0 ? -bk / x0 : 0,
                      x0 !== 0 ? fine_half_z / Math.abs(x0) : 0);
  const b_grid = grid(b_range[0], b_range[1], -ak * x0, fine_half_z);
  // In place, then one change event per source (below): far cheaper in
  // BokehJS than a new data object per unit.
  curves.phi_a.data.xs[k] = a_grid;
  curves.phi_a.data.ys[k] = a_grid.map((p) => tanh_unit(x0, p, bk));
  curves.dphi_a.data.xs[k] = a_grid;
  curves.dphi_a.data.ys[k] = a_grid.map((p) => tanh_unit_dslope(x0, p, bk));
  curves.phi_b.data.xs[k] = b_grid;
  curves.phi_b.data.ys[k] = b_grid.map((p) => tanh_unit(x0, ak, p));
  curves.dphi_b.data.xs[k] = b_grid;
  curves.dphi_b.data.ys[k] = b_grid.map((p) => tanh_unit_dbias(x0, ak, p));
  const phi = tanh_unit(x0, ak, bk);
  const da = tanh_unit_dslope(x0, ak, bk), db = tanh_unit_dbias(x0, ak, bk);
  const at = {phi_a: [ak, phi], dphi_a: [ak, da], phi_b: [bk, phi], dphi_b: [bk, db]};
  for (const panel in at) {
    markers[panel].data.x[k] = at[panel][0];
    markers[panel].data.y[k] = at[panel][1];
  }
  const t_a = tangent(ak, phi, da, spans.a, spans.phi);
  const t_b = tangent(bk, phi, db, spans.b, spans.phi);
  tangents.phi_a.data.xs[k] = t_a.x;
  tangents.phi_a.data.ys[k] = t_a.y;
  tangents.phi_b.data.xs[k] = t_b.x;
  tangents.phi_b.data.ys[k] = t_b.y;
  const row = [ak.toFixed(3), bk.toFixed(1), (ak * x0 + bk).toFixed(2), phi.toFixed(4),
               fmt(da), fmt(db)];
  const cells = ["a", "b", "z", "phi", "da", "db"];
  for (let j = 0; j < cells.length; j++) {
    const cell = document.getElementById(readout_id + "-" + cells[j] + "-" + k);
    if (cell) cell.textContent = row[j];
  }
}
for (const panel in curves) curves[panel].change.emit();
for (const panel in markers) markers[panel].change.emit();
for (const panel in tangents) tangents[panel].change.emit();
const x0_cell = document.getElementById(readout_id + "-x0");
if (x0_cell) x0_cell.textContent = String(x0);
"""

# Play: one step of x0 per tick, round the year, until pressed again.
_PLAY = """
if (window._jacobian_play) { clearInterval(window._jacobian_play); window._jacobian_play = null; }
if (play.active) {
  play.label = "❚❚ Pause the x₀ sweep";
  window._jacobian_play = setInterval(() => {
    const next = x0_slider.value + x0_slider.step;
    x0_slider.value = next > x0_slider.end ? x0_slider.start : next;
  }, 60);
} else {
  play.label = "▶ Play: sweep x₀ through the year";
}
"""

# BokehJS's slider handles (role=slider, in shadow roots) have no accessible
# name; give each the text of its slider's visible title, without the value.
_NAME_HANDLES = """
let tries = 0;
const name_handles = () => {
  let named = 0;
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      const handle = el.shadowRoot.querySelector(".noUi-handle");
      const title = el.shadowRoot.querySelector(".bk-slider-title");
      if (handle && title) {
        const text = title.firstChild ? title.firstChild.textContent : title.textContent;
        handle.setAttribute("aria-label", text.replace(/:\\s*$/, "").trim());
        named += 1;
      }
      walk(el.shadowRoot);
    }
  };
  for (const root of document.querySelectorAll(".jacobian-live")) walk(root);
  // The sliders may be drawn after the document reports ready: look again.
  if (named < n_sliders && tries++ < 100) setTimeout(name_handles, 100);
};
name_handles();
"""

_CSS = """
.jacobian-live { background: #fff; color: #1a1a1a; border: 1px solid #ccc;
  border-radius: 6px; padding: 0.6rem; margin: 1rem 0; max-width: 100%; overflow: hidden; }
.jacobian-live .jl-grid { display: grid; gap: 0.4rem;
  grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr)); }
.jacobian-live .jl-grid > div, .jacobian-live .jl-controls { min-width: 0; }
.jacobian-live table { font-size: 0.85rem; width: 100%; margin: 0.4rem 0 0;
  color: #1a1a1a; background: #fff; }
.jacobian-live th, .jacobian-live td { padding: 0.1rem 0.35rem; text-align: right;
  font-variant-numeric: tabular-nums; color: #1a1a1a; background: #fff; white-space: nowrap; }
.jacobian-live caption { color: #1a1a1a; caption-side: top; text-align: left; }
.jacobian-live .jl-scroll { overflow-x: auto; }
.jacobian-live .jl-swatch { display: inline-block; width: 0.8em; height: 0.8em;
  border-radius: 50%; margin-right: 0.25em; vertical-align: baseline; }
"""


class LiveExplorer:
    """The four-panel figure with sliders, computed in the browser (Bokeh).

    Built by :func:`live_explorer`; display it (last expression of a cell).

    Parameters
    ----------
    x0 : float
        The input.
    a, b : array_like, shape (K,)
        Slopes and biases of the K units, 1 <= K <= 7.
    kernel_widgets : bool or None
        Offer the ipywidgets explorer too (shown by Jupyter, which has a
        kernel; the website shows the Bokeh figure). None: yes, except in
        the book's build (:data:`BOOK_BUILD_ENV` set), which would drop it.

    Attributes
    ----------
    x0 : float
    a, b : ndarray, shape (K,)
    a_range, b_range, x0_range : (float, float)
        The slider and axis ranges; widened to include x0, a_k and b_k if
        they lie outside :data:`A_RANGE`, :data:`B_RANGE`, :data:`X0_RANGE`.
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
        self._html: str | None = None
        self._widget: Any = None

    @property
    def K(self) -> int:
        """Number of units."""
        return self.a.size

    def __repr__(self) -> str:
        return f"LiveExplorer(x0={self.x0:g}, K={self.K})"

    def values(self) -> dict[str, Array]:
        """The readouts at the markers, from tanh_basis.

        Returns
        -------
        dict of str to ndarray, shape (K,)
            ``"z"``, ``"phi"``, ``"dphi_da"``, ``"dphi_db"``.
        """
        return {
            "z": self.a * self.x0 + self.b,
            "phi": tb.tanh_unit(self.x0, self.a, self.b),
            "dphi_da": tb.tanh_unit_dslope(self.x0, self.a, self.b),
            "dphi_db": tb.tanh_unit_dbias(self.x0, self.a, self.b),
        }

    # ----------------------------------------------------------- the figure
    def models(self) -> dict[str, Any]:
        """A new Bokeh document's roots: ``"controls"`` and one figure per panel."""
        from bokeh.document import Document
        from bokeh.layouts import column
        from bokeh.models import (
            ColumnDataSource,
            CustomJS,
            InlineStyleSheet,
            Legend,
            LegendItem,
            RadioButtonGroup,
            Range1d,
            Slider,
            Toggle,
        )
        from bokeh.plotting import figure

        x0 = self.x0
        lo, hi = min(0.0, self.x0_range[0]), max(0.0, self.x0_range[1])
        pad = MARGIN * (hi - lo)
        y_ranges = {"phi_a": (-1.1, 1.1), "dphi_a": (lo - pad, hi + pad),
                    "phi_b": (-1.1, 1.1), "dphi_b": (-0.05, 1.05)}
        x_ranges = {"phi_a": self.a_range, "dphi_a": self.a_range,
                    "phi_b": self.b_range, "dphi_b": self.b_range}
        figures = {}
        for panel in PANELS:
            axis = "slope a" if panel.endswith("_a") else "bias b"
            fig = figure(
                title=TITLES_PLAIN[panel], name=f"figure-{panel}",
                x_range=Range1d(*x_ranges[panel]), y_range=Range1d(*y_ranges[panel]),
                height=240, sizing_mode="stretch_width", min_width=240,
                tools="", toolbar_location=None,
                x_axis_label=axis, y_axis_label=Y_LABELS_PLAIN[panel],
                background_fill_color="#ffffff", border_fill_color="#ffffff",
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
            figures[panel] = fig
        K = self.K
        colours = list(UNIT_COLOURS[:K])
        data = [_curves(x0, self.a[k], self.b[k], self.a_range, self.b_range) for k in range(K)]
        v = self.values()
        at = {"phi_a": (self.a, v["phi"]), "dphi_a": (self.a, v["dphi_da"]),
              "phi_b": (self.b, v["phi"]), "dphi_b": (self.b, v["dphi_db"])}
        # One source per panel and kind, unit k in row k: a move then costs one
        # change event per source, not one per unit (BokehJS restyles a glyph
        # on each event, and that is most of the time of a move).
        curves, markers, tangents = {}, {}, {}
        legend_line = None
        for panel in PANELS:
            fig = figures[panel]
            curves[panel] = ColumnDataSource(
                {"xs": [d[panel][0] for d in data], "ys": [d[panel][1] for d in data],
                 "colour": colours},
                name=f"curves-{panel}")
            line = fig.multi_line("xs", "ys", source=curves[panel], line_color="colour",
                                  line_width=2)
            if panel == "phi_a":
                legend_line = line
            if panel in ("phi_a", "phi_b"):
                span = self.a_range if panel == "phi_a" else self.b_range
                ends = [_tangent(at[panel][0][k], at[panel][1][k], at["d" + panel][1][k],
                                 span[1] - span[0], 2.2) for k in range(K)]
                tangents[panel] = ColumnDataSource(
                    {"xs": [e[0] for e in ends], "ys": [e[1] for e in ends], "colour": colours},
                    name=f"tangents-{panel}")
                fig.multi_line("xs", "ys", source=tangents[panel], line_color="colour",
                               line_dash="dashed", line_width=1.5)
            markers[panel] = ColumnDataSource(
                {"x": list(at[panel][0]), "y": list(at[panel][1]), "colour": colours,
                 "marker": list(UNIT_MARKERS_BOKEH[:K])},
                name=f"markers-{panel}")
            fig.scatter("x", "y", source=markers[panel], marker="marker", size=9,
                        fill_color="colour", line_color="#000000")
        legend = Legend(items=[
            LegendItem(label=f"k = {k + 1}", renderers=[legend_line], index=k)
            for k in range(K)
        ], location="bottom_right", label_text_font_size="12px", padding=4, spacing=0,
            background_fill_alpha=0.8)
        figures["phi_a"].add_layout(legend)

        state = ColumnDataSource({"a": list(self.a), "b": list(self.b)}, name="state")
        # Bokeh's buttons show no focus ring of their own: a keyboard user
        # must see where the focus is (WCAG 2.4.7).
        focus_css = InlineStyleSheet(css=(
            ".bk-btn:focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }"
        ))
        x0_slider = Slider(start=self.x0_range[0], end=self.x0_range[1], value=x0, step=1,
                           title="input x₀ (day)", name="x0", sizing_mode="stretch_width")
        unit = RadioButtonGroup(labels=[f"unit k = {k + 1}" for k in range(self.K)], active=0,
                                name="unit", sizing_mode="stretch_width",
                                stylesheets=[focus_css])
        a_slider = Slider(start=self.a_range[0], end=self.a_range[1], value=self.a[0],
                          step=0.002, format="0[.]000", title="slope aₖ of the selected unit",
                          name="a", sizing_mode="stretch_width")
        b_slider = Slider(start=self.b_range[0], end=self.b_range[1], value=self.b[0],
                          step=0.5, format="0[.]0", title="bias bₖ of the selected unit",
                          name="b", sizing_mode="stretch_width")
        # Bokeh's primary blue gives white text a contrast of only 3.6; the
        # book's Okabe-Ito blue gives 5.1 (WCAG AA asks for 4.5).
        play_css = InlineStyleSheet(css=(
            ".bk-btn-primary { background-color: #0072B2; border-color: #005b8e; }"
            " .bk-btn-primary:hover, .bk-btn-primary.bk-active"
            " { background-color: #005b8e; border-color: #004a73; }"
        ))
        play = Toggle(label="▶ Play: sweep x₀ through the year", active=False, name="play",
                      button_type="primary", sizing_mode="stretch_width",
                      stylesheets=[play_css, focus_css])
        readout_id = f"jl-{uuid.uuid4().hex[:8]}"
        self._readout_id = readout_id
        callback = CustomJS(
            args=dict(
                state=state, x0_slider=x0_slider, a_slider=a_slider, b_slider=b_slider,
                unit=unit, curves=curves, markers=markers, tangents=tangents,
                a_range=list(self.a_range), b_range=list(self.b_range),
                spans={"a": self.a_range[1] - self.a_range[0],
                       "b": self.b_range[1] - self.b_range[0], "phi": 2.2},
                n_coarse=N_COARSE, n_fine=N_FINE, fine_half_z=_FINE_HALF_Z,
                tangent_half=TANGENT_HALF_LENGTH, readout_id=readout_id,
            ),
            code=TWIN_JS.read_text(encoding="utf-8") + _CALLBACK,
        )
        x0_slider.js_on_change("value", callback)
        a_slider.js_on_change("value", callback)
        b_slider.js_on_change("value", callback)
        unit.js_on_change("active", callback)
        play.js_on_change("active", CustomJS(args=dict(play=play, x0_slider=x0_slider),
                                             code=_PLAY))
        controls = column(x0_slider, unit, a_slider, b_slider, play,
                          sizing_mode="stretch_width", name="controls")
        roots = {"controls": controls, **{p: figures[p] for p in PANELS}}
        # One document, so that it can name the slider handles once it is drawn.
        doc = Document()
        for root in roots.values():
            doc.add_root(root)
        doc.js_on_event("document_ready", CustomJS(args={"n_sliders": 3}, code=_NAME_HANDLES))
        return roots

    def _readout_table(self) -> str:
        v = self.values()
        rid = self._readout_id
        rows = []
        for k in range(self.K):
            # The same formats as the callback's row (toFixed, fmt).
            # The Jacobian entries first: they stay in view on a phone.
            texts = (("phi", f"{v['phi'][k]:.4f}"), ("da", _fmt(v["dphi_da"][k])),
                     ("db", _fmt(v["dphi_db"][k])), ("z", f"{v['z'][k]:.2f}"),
                     ("a", f"{self.a[k]:.3f}"), ("b", f"{self.b[k]:.1f}"))
            cells = "".join(f'<td id="{rid}-{name}-{k}">{text}</td>' for name, text in texts)
            swatch = (f'<span class="jl-swatch" style="background:{UNIT_COLOURS[k]}" '
                      'aria-hidden="true"></span>')
            rows.append(f'<tr><th scope="row">{swatch}k = {k + 1}</th>{cells}</tr>')
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
        """The explorer as HTML: Bokeh's ``components()`` and the readout table.

        The page must load BokehJS (``bokeh.min.js``, ``bokeh-widgets.min.js``)
        from the book's own files; this HTML contains no BokehJS itself.
        """
        if self._html is None:
            from bokeh.embed import components

            roots = self.models()
            script, divs = components(roots)
            description = html.escape(
                f"Live figure for {self.K} tanh units at input x0. Four panels: phi_k "
                "against the slope a, its derivative against a, phi_k against the bias b, "
                "and its derivative against b, with a marker at each unit's own (a_k, b_k) "
                "and a dashed tangent on each phi panel. Sliders set x0 and the selected "
                "unit's a_k and b_k; the table below gives the values at the markers."
            )
            figures = "".join(f"<div>{divs[p]}</div>" for p in PANELS)
            self._html = (
                f"<style>{_CSS}</style>"
                f'<div class="jacobian-live" role="group" aria-label="{description}">'
                f'<div class="jl-controls">{divs["controls"]}</div>'
                f'<div class="jl-grid">{figures}</div>'
                f"{self._readout_table()}</div>{script}"
            )
        return self._html

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = {
            "text/plain": repr(self),
            "text/html": self.html(),
        }
        if self.kernel_widgets:
            widget = self.widget()
            if widget is not None:
                bundle.update(widget._repr_mimebundle_(**kwargs) or {})
                bundle["text/plain"] = repr(self)
        return bundle

    def widget(self) -> Any:
        """The ipywidgets explorer at the same settings, or None without ipywidgets."""
        if self._widget is None:
            try:
                import ipywidgets  # noqa: F401
            except ImportError:
                return None
            import jacobian_plots as jp

            self._widget = jp.explorer(jp.FourPanelPlot(self.x0, self.a, self.b))
        return self._widget


def live_explorer(x0: float = DEFAULT_X0, a: ArrayLike = DEFAULT_A,
                  b: ArrayLike = DEFAULT_B, *,
                  kernel_widgets: bool | None = None) -> LiveExplorer:
    """The four-panel figure with sliders that run in the reader's browser.

    Parameters
    ----------
    x0 : float, default 150
        The input (a day of the year).
    a, b : array_like, shape (K,)
        Slopes ``a_k`` and biases ``b_k``, 1 <= K <= 7; the defaults are the
        source's three units.
    kernel_widgets : bool or None, default None
        Also offer the ipywidgets explorer, which Jupyter shows (it has a
        kernel); the book's website shows the Bokeh figure. None means yes,
        except while the book is being built (``_ext/bokeh_static.py`` sets
        :data:`BOOK_BUILD_ENV`): the website drops the widget view, so
        building it there would only cost time.

    Returns
    -------
    LiveExplorer
        Display it; :meth:`LiveExplorer.html` gives the HTML.

    Raises
    ------
    TypeError, ValueError
        For bad ``x0``, ``a`` or ``b``, with the same messages as
        :class:`jacobian_plots.FourPanelPlot`.
    """
    return LiveExplorer(x0, a, b, kernel_widgets=kernel_widgets)
