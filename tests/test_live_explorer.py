"""Tests for code/live_explorer.py, and its JavaScript (code/*.js) in Node.js against tanh_basis.

The explorer on the built page, read back from BokehJS: tests/test_explorer_browser.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from bokeh.models import CustomJS
from IPython.core.formatters import DisplayFormatter

import live_explorer as lx
import panels
import tanh_basis as tb
from panel_formulas import formula


def rel_close(js, py, rtol):
    """|js - py| <= rtol |py|, with exact agreement required only down to normal doubles."""
    js, py = np.asarray(js, float), np.asarray(py, float)
    return np.all(np.abs(js - py) <= rtol * np.abs(py) + np.finfo(np.float64).tiny)


def node(script: str, data: object) -> object:
    """Run tanh_basis.js, live_explorer.js and ``script`` in Node.js; ``input`` is data."""
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("Node.js not found; tests/test_explorer_browser.py runs the JS in Chromium")
    source = "\n".join([lx.TWIN_JS.read_text(encoding="utf-8"),
                        lx.EXPLORER_JS.read_text(encoding="utf-8"),
                        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));", script])
    out = subprocess.run([exe, "-e", source], input=json.dumps(data), capture_output=True,
                         text=True, check=True, timeout=60)
    return json.loads(out.stdout)


def callback(roots: dict) -> CustomJS:
    """The one callback that computes: every control's and the first frame's."""
    callbacks = {cb for root in roots.values() for cb in root.select({"type": CustomJS})}
    (computing,) = [cb for cb in callbacks if "lx" in cb.args]
    return computing


@pytest.fixture(scope="module")
def explorer():
    return lx.live_explorer(kernel_widgets=False)


@pytest.fixture(scope="module")
def roots(explorer):
    """One Bokeh document of the book's explorer (each models() call builds a new one)."""
    return explorer.models()


def test_grid_refines_the_window_readouts_format_and_values_snap_to_the_controls_step():
    got = node("process.stdout.write(JSON.stringify([grid(0, 1, 0.3, 0.05, 121, 121),"
               " grid(-120, 0, 50, 8, 121, 121), grid(0, 1, 0.5, 0, 121, 121), input.map(fmt),"
               " [-10.26, -10.24, 5.0, -500.0].map((v) => snap(v, -120, 0, 0.5))"
               ".concat([snap(0.30000000001, 0, 1, 0.002), snap(2, 0, 1, 0.002)])]));",
               [6.7556475e-48, 16.96, 150.0, 0.07065, 0.0, 1234.5])
    pts, outside, no_window = (np.array(g) for g in got[:3])
    assert pts[0] == 0.0 and pts[-1] == 1.0 and np.all(np.diff(pts) > 0)
    window = pts[(pts >= 0.25) & (pts <= 0.35)]
    assert window.size == 121 and np.max(np.diff(window)) < (1.0 / 120) / 5
    # No fine part when the window is off the axis or empty.
    np.testing.assert_allclose(outside, np.linspace(-120, 0, 121), rtol=0, atol=1e-12)
    np.testing.assert_allclose(no_window, np.linspace(0, 1, 121), rtol=0, atol=1e-15)
    formatted, snapped = got[3:]
    assert formatted[:5] == ["6.756e-48", "16.96", "150.0", "0.07065", "0.000e0"]
    assert formatted[5] in ("1.234e3", "1.235e3")
    assert snapped == [-10.5, -10.0, 0.0, -120.0, 0.3, 1.0]


def test_every_unit_switch_is_resolved_for_every_day(roots):
    # The derivative peak is ~4/x0 wide on the a axis: the fine window puts a
    # point within 1 % of the peak height for every x0 of the year.
    cfg = callback(roots).args["lx"]["cfg"]
    peaks = node(
        "const cfg = input; const out = [];"
        "for (let x0 = 1; x0 <= 365; x0++) { const b = -0.4 * x0;"
        "  const u = unit_panels(x0, 0.4, b, cfg);"
        "  out.push([b, Math.max(...u.curves.dphi_b[1]), Math.max(...u.curves.dphi_a[1]) / x0]); }"
        "process.stdout.write(JSON.stringify(out));", cfg)
    lo, hi = cfg["b_range"]
    assert min(p[2] for p in peaks) > 0.99
    # On the bias axis, wherever the switch is on the axis.
    on_axis = [p[1] for p in peaks if lo <= p[0] <= hi]
    assert len(on_axis) > 250 and min(on_axis) > 0.99


def test_first_frame_equals_tanh_basis(explorer, roots):
    """What live_explorer.js draws first, for the book's example, against tanh_basis."""
    x0, a, b = explorer.x0, explorer.a, explorer.b
    frame = node(
        "const {cfg, x0, a, b} = input;"
        "const out = a.map((ak, k) => ({panels: unit_panels(x0, ak, b[k], cfg),"
        "  year: unit_year(ak, b[k], cfg), xstar: switch_point(ak, b[k])}));"
        "process.stdout.write(JSON.stringify(out));",
        {"cfg": callback(roots).args["lx"]["cfg"], "x0": x0, "a": list(a), "b": list(b)})
    for k, unit in enumerate(frame):
        for panel in panels.PANELS:
            xs, ys = (np.array(v) for v in unit["panels"]["curves"][panel])
            assert xs.size > 100 and rel_close(ys, formula(panel, x0, a[k], b[k], xs), 1e-15)
            where, value = unit["panels"]["markers"][panel]
            assert where == (a[k] if panel.endswith("_a") else b[k])
            assert rel_close(value, formula(panel, x0, a[k], b[k], where), 1e-15)
        xs, ys = (np.array(v) for v in unit["year"])
        assert (xs[0], xs[-1]) == panels.X0_RANGE
        assert rel_close(ys, tb.tanh_unit(xs, a[k], b[k]), 1e-15)
        assert unit["xstar"] == -b[k] / a[k]
        for name in ("phi_a", "phi_b"):
            (p1, p2), (v1, v2) = (unit["panels"]["tangents"][name][c] for c in "xy")
            slope = unit["panels"]["markers"]["d" + name][1]
            np.testing.assert_allclose((v2 - v1) / (p2 - p1), slope, rtol=1e-9, atol=1e-15)
    # The table's row, in live_explorer.js's formats.
    assert frame[0]["panels"]["row"][0] == f"{tb.tanh_unit(x0, a[0], b[0]):.4f}"


def test_twin_agrees_with_tanh_basis_in_node():
    z = np.concatenate([np.linspace(-700, 700, 14001), [0.0, -0.0, 1e-300, -55.0, 373.0, 380.0]])
    x = np.linspace(-365, 365, 101)
    got = node("const out = {sech2: input.z.map(sech2)};"
               "for (const f of [tanh_unit, tanh_unit_dslope, tanh_unit_dbias])"
               "  out[f.name] = input.x.map((x) => f(x, 0.3, -50));"
               "process.stdout.write(JSON.stringify(out));", {"z": z.tolist(), "x": x.tolist()})
    want = tb.sech2(z)
    assert rel_close(got["sech2"], want, 1e-13)
    # Exact zeros where Python underflows, and never a zero where it does not (z = -55).
    np.testing.assert_array_equal(np.asarray(got["sech2"]) == 0, want == 0)
    for name in ("tanh_unit", "tanh_unit_dslope", "tanh_unit_dbias"):
        assert rel_close(got[name], getattr(tb, name)(x, 0.3, -50), 1e-13), name


def test_document_holds_parameters_controls_and_views_not_numbers(roots):
    assert set(roots) == {"controls", *lx.VIEWS}

    def select(name):  # the first root that holds the model (sources are shared)
        found = (root.select_one({"name": name}) for root in roots.values())
        return next(model for model in found if model is not None)

    # Every curve is empty until live_explorer.js draws it in the browser.
    for view in lx.VIEWS:
        data = select(f"curves-{view}").data
        assert data["xs"] == data["ys"] == [[], [], []]
    assert select("state").data == {"a": list(panels.DEFAULT_A), "b": list(panels.DEFAULT_B)}
    assert select("x0-line").location == panels.DEFAULT_X0
    x0 = select("x0")
    assert (x0.start, x0.end, x0.value, x0.step) == (*panels.X0_RANGE, panels.DEFAULT_X0,
                                                    lx.STEPS["x0"])
    assert select("unit").active == 0 and select("play").active is False
    assert (select("a").value, select("b").value) == (panels.DEFAULT_A[0], panels.DEFAULT_B[0])
    for panel in panels.PANELS:
        assert roots[panel].title.text == panels.TITLES_PLAIN[panel]
    assert (roots["year"].x_range.start, roots["year"].x_range.end) == panels.X0_RANGE
    # The callback runs the twin file unchanged, then the explorer's.
    code = callback(roots).code
    assert code.startswith(lx.TWIN_JS.read_text(encoding="utf-8"))
    assert lx.EXPLORER_JS.read_text(encoding="utf-8") in code


def test_ranges_widen_to_include_the_parameters():
    ex = lx.live_explorer(400.0, [1.5], [-130.0])
    assert (ex.x0_range, ex.a_range, ex.b_range) == ((0.0, 400.0), (0.0, 1.5), (-130.0, 0.0))
    models = ex.models()
    assert models["controls"].select_one({"name": "a"}).end == 1.5
    assert models["year"].x_range.end == 400.0
    assert callback(models).args["lx"]["cfg"]["x_range"] == [0.0, 400.0]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"x0": "150"}, TypeError, "x0 must be a real number"),
    ({"a": ["x"], "b": [1.0]}, TypeError, "a must hold real numbers"),
    ({"kernel_widgets": "yes"}, TypeError, "kernel_widgets"),
])
def test_bad_arguments_name_themselves(kwargs, error, match):
    """Each argument reaches its check (tests/test_panels.py holds the validators' table)."""
    with pytest.raises(error, match=match):
        lx.live_explorer(**kwargs)


def test_html_embeds_bokeh_text_alternative_table_and_drag_layers(explorer):
    page = explorer.html()
    assert explorer.html() is page  # built once
    assert "Bokeh.embed.embed_items" in page
    # No BokehJS inline (the book serves it once), and no other host.
    assert "bokeh.min.js" not in page and "cdn.bokeh.org" not in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert len(page.encode()) < 250_000
    assert 'role="group"' in page and "aria-label=" in page
    assert "<table>" in page and "<caption>" in page
    # One cell per unit and readout, filled by live_explorer.js; one row per unit
    # (highlighted with its unit).
    for k in range(3):
        assert re.search(rf'<tr id="jl-[0-9a-f]+-row-{k}"', page)
        for name in ("phi", "da", "db", "z", "a", "b"):
            assert re.search(rf'<td id="jl-[0-9a-f]+-{name}-{k}"></td>', page)
    # Each view has a layer for its drag handles, in the order of VIEWS.
    assert re.findall(r'class="jl-fig[^"]*" data-panel="(\w+)"', page) == list(lx.VIEWS)
    assert page.count('<div class="jl-layer"></div>') == len(lx.VIEWS)


def test_jupyter_gets_the_widgets_and_the_books_build_the_html_only(monkeypatch):
    # The build drops the widget view; building the widgets would only cost time.
    monkeypatch.setenv(lx.BOOK_BUILD_ENV, "1")
    book = lx.live_explorer()
    assert book.kernel_widgets is False
    bundle, _ = DisplayFormatter().format(book)
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == f"BrowserExplorer(x0={panels.DEFAULT_X0:g}, K=3)"
    monkeypatch.delenv(lx.BOOK_BUILD_ENV)
    live = lx.live_explorer()
    assert live.kernel_widgets is True
    bundle, _ = DisplayFormatter().format(live)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Bokeh.embed.embed_items" in bundle["text/html"]
    assert live.widget().plot.x0 == panels.DEFAULT_X0
    assert lx.live_explorer(kernel_widgets=False).kernel_widgets is False
