"""Tests for code/live_explorer.py and its JavaScript twin code/tanh_basis.js.

The browser half (the explorer on the built page, read back from BokehJS) is
in tests/test_browser.py; here: the Python API, the first picture's numbers,
the HTML it writes, and the twin run by Node.js against tanh_basis.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

import jacobian_plots as jp
import live_explorer as lx
import tanh_basis as tb

TINY = np.finfo(np.float64).tiny  # smallest normal double


def _rel_close(js, py, rtol):
    """|js - py| <= rtol |py|, with exact agreement required only down to normal doubles."""
    js, py = np.asarray(js, float), np.asarray(py, float)
    return np.all(np.abs(js - py) <= rtol * np.abs(py) + TINY)


# ------------------------------------------------------------------ the grid
def test_grid_is_increasing_covers_the_axis_and_refines_the_window():
    pts = lx.grid(0.0, 1.0, 0.3, 0.05)
    assert pts[0] == 0.0 and pts[-1] == 1.0
    assert np.all(np.diff(pts) > 0)
    window = pts[(pts >= 0.25) & (pts <= 0.35)]
    assert window.size == lx.N_FINE
    coarse_step = 1.0 / (lx.N_COARSE - 1)
    assert np.max(np.diff(window)) < coarse_step / 5


def test_grid_without_a_window_is_the_coarse_grid():
    np.testing.assert_array_equal(lx.grid(-120, 0, 50.0, 8.0), np.linspace(-120, 0, lx.N_COARSE))
    np.testing.assert_array_equal(lx.grid(0, 1, 0.5, 0.0), np.linspace(0, 1, lx.N_COARSE))


def test_every_unit_switch_is_resolved_for_every_day():
    # The derivative peak is ~4/x0 wide on the a axis: the fine window puts
    # points within 1 % of the peak height for every x0 of the year.
    for x0 in range(1, 366):
        b_k = -0.4 * x0  # switch at a = 0.4
        pts = lx.grid(0.0, 1.0, -b_k / x0, lx._FINE_HALF_Z / x0)
        assert np.max(tb.sech2(pts * x0 + b_k)) > 0.99


# ------------------------------------------------------------- the numbers
@pytest.fixture(scope="module")
def roots():
    return lx.live_explorer().models()


def _source(roots, name):
    for root in roots.values():
        found = root.select_one({"name": name})
        if found is not None:
            return found
    raise KeyError(name)


def test_first_picture_equals_tanh_basis(roots):
    x0, a, b = jp.DEFAULT_X0, np.array(jp.DEFAULT_A), np.array(jp.DEFAULT_B)
    funcs = {"phi_a": lambda k, p: tb.tanh_unit(x0, p, b[k]),
             "dphi_a": lambda k, p: tb.tanh_unit_dslope(x0, p, b[k]),
             "phi_b": lambda k, p: tb.tanh_unit(x0, a[k], p),
             "dphi_b": lambda k, p: tb.tanh_unit_dbias(x0, a[k], p)}
    for panel, f in funcs.items():
        curves = _source(roots, f"curves-{panel}").data
        markers = _source(roots, f"markers-{panel}").data
        assert len(curves["xs"]) == 3
        for k in range(3):
            assert _rel_close(curves["ys"][k], f(k, np.asarray(curves["xs"][k])), 1e-15)
            where = a[k] if panel.endswith("_a") else b[k]
            assert markers["x"][k] == where
            assert _rel_close(markers["y"][k], f(k, where), 1e-15)
    # Unit 3 is deep in saturation: tiny, not zero.
    db3 = _source(roots, "markers-dphi_b").data["y"][2]
    assert 6.7e-48 < db3 < 6.8e-48


def test_tangents_have_the_derivative_as_slope(roots):
    for panel in ("phi_a", "phi_b"):
        tangents = _source(roots, f"tangents-{panel}").data
        slopes = _source(roots, f"markers-d{panel}").data["y"]
        marks = _source(roots, f"markers-{panel}").data
        for k in range(3):
            (p1, p2), (v1, v2) = tangents["xs"][k], tangents["ys"][k]
            assert p1 < marks["x"][k] < p2
            np.testing.assert_allclose((v2 - v1) / (p2 - p1), slopes[k], rtol=1e-9, atol=1e-15)
            np.testing.assert_allclose((v1 + v2) / 2, marks["y"][k], atol=1e-12)


def test_controls_start_at_the_sources_values(roots):
    controls = roots["controls"]
    x0 = controls.select_one({"name": "x0"})
    assert (x0.start, x0.end, x0.step, x0.value) == (0, 365, 1, 150)
    assert controls.select_one({"name": "unit"}).active == 0
    assert controls.select_one({"name": "a"}).value == 0.1
    assert controls.select_one({"name": "b"}).value == -10
    assert controls.select_one({"name": "play"}).active is False


def test_ranges_widen_to_include_the_parameters():
    ex = lx.live_explorer(400.0, [1.5], [-130.0])
    assert ex.x0_range == (0.0, 400.0)
    assert ex.a_range == (0.0, 1.5)
    assert ex.b_range == (-130.0, 0.0)
    models = ex.models()
    assert models["controls"].select_one({"name": "a"}).end == 1.5


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs",
    [
        {"x0": "150"},
        {"x0": float("nan")},
        {"x0": True},
        {"a": [0.1, 0.2], "b": [1.0]},
        {"a": [[0.1]], "b": [[1.0]]},
        {"a": ["x"], "b": [1.0]},
        {"a": [np.inf], "b": [1.0]},
        {"a": np.zeros(8), "b": np.zeros(8)},
    ],
)
def test_bad_arguments_get_the_same_errors_as_the_figure(kwargs):
    args = {"x0": 150.0, "a": [0.1], "b": [-10.0], **kwargs}
    with pytest.raises((TypeError, ValueError)) as expected:
        jp.FourPanelPlot(args["x0"], args["a"], args["b"])
    with pytest.raises(expected.type) as got:
        lx.live_explorer(args["x0"], args["a"], args["b"])
    assert str(got.value) == str(expected.value)


def test_kernel_widgets_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match="kernel_widgets"):
        lx.live_explorer(kernel_widgets="yes")


def test_no_widgets_by_default_in_the_books_build(monkeypatch):
    # The build drops the widget view; building the widgets would only cost time.
    monkeypatch.setenv(lx.BOOK_BUILD_ENV, "1")
    assert lx.live_explorer().kernel_widgets is False
    monkeypatch.delenv(lx.BOOK_BUILD_ENV)
    assert lx.live_explorer().kernel_widgets is True
    assert lx.live_explorer(kernel_widgets=False).kernel_widgets is False


# ------------------------------------------------------------------ output
@pytest.fixture(scope="module")
def explorer_html():
    return lx.live_explorer(kernel_widgets=False).html()


def test_html_embeds_bokeh_but_loads_nothing_from_elsewhere(explorer_html):
    assert "Bokeh.embed.embed_items" in explorer_html
    # No BokehJS inline (the book serves it once), and no other host.
    assert "bokeh.min.js" not in explorer_html
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", explorer_html)
    assert "cdn.bokeh.org" not in explorer_html
    assert len(explorer_html.encode()) < 250_000


def test_html_has_a_text_alternative_and_a_readout_table(explorer_html):
    assert 'role="group"' in explorer_html and "aria-label=" in explorer_html
    assert "<table>" in explorer_html and "<caption>" in explorer_html
    # The readouts as the callback formats them; unit 3's bias derivative is live.
    assert re.search(r'-db-2">6\.756e-48<', explorer_html)
    assert re.search(r'-phi-0">0\.9999<', explorer_html)


def test_readout_format():
    assert lx._fmt(6.7556475e-48) == "6.756e-48"
    assert lx._fmt(16.96) == "16.96"
    assert lx._fmt(150.0) == "150.0"
    assert lx._fmt(0.07065) == "0.07065"
    assert lx._fmt(0.0) == "0.000e0"
    assert lx._fmt(1234.5) == "1.234e3" or lx._fmt(1234.5) == "1.235e3"


def test_mimebundle_for_the_book_and_for_jupyter():
    bundle = lx.live_explorer(kernel_widgets=False)._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == "LiveExplorer(x0=150, K=3)"
    pytest.importorskip("ipywidgets")
    live = lx.live_explorer(kernel_widgets=True)
    bundle = live._repr_mimebundle_()
    # Jupyter shows the widget view (a kernel is there); the book, the HTML.
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Bokeh.embed.embed_items" in bundle["text/html"]
    assert live.widget().plot.x0 == 150.0


# ------------------------------------------------------ the JavaScript twin
def test_twin_defines_the_python_names():
    source = lx.TWIN_JS.read_text(encoding="utf-8")
    for name in ("sech2", "tanh_unit", "tanh_unit_dslope", "tanh_unit_dbias"):
        assert re.search(rf"^function {name}\(", source, re.M), name
        assert hasattr(tb, name)


def test_twin_agrees_with_tanh_basis_in_node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js not found; tests/test_browser.py runs the twin in Chromium")
    z = np.concatenate([np.linspace(-700, 700, 14001), [0.0, -0.0, 1e-300, -55.0, 373.0, 380.0]])
    x = np.linspace(-365, 365, 101)
    script = (
        lx.TWIN_JS.read_text(encoding="utf-8")
        + "\nconst input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        + "\nconst s = input.z.map(sech2);"
        + "\nconst p = input.x.map((x) => tanh_unit(x, 0.3, -50));"
        + "\nconst da = input.x.map((x) => tanh_unit_dslope(x, 0.3, -50));"
        + "\nconst db = input.x.map((x) => tanh_unit_dbias(x, 0.3, -50));"
        + "\nprocess.stdout.write(JSON.stringify({s, p, da, db}));"
    )
    out = subprocess.run([node, "-e", script], input=json.dumps({"z": z.tolist(), "x": x.tolist()}),
                         capture_output=True, text=True, check=True, timeout=60)
    got = json.loads(out.stdout)
    want = tb.sech2(z)
    assert _rel_close(got["s"], want, 1e-13)
    # Exact zeros where Python underflows to zero, and never a zero where it does not.
    np.testing.assert_array_equal(np.asarray(got["s"]) == 0, want == 0)
    assert got["s"][np.flatnonzero(z == -55.0)[0]] > 0  # unit 3 at x0 = 150
    assert _rel_close(got["p"], tb.tanh_unit(x, 0.3, -50), 1e-13)
    assert _rel_close(got["da"], tb.tanh_unit_dslope(x, 0.3, -50), 1e-13)
    assert _rel_close(got["db"], tb.tanh_unit_dbias(x, 0.3, -50), 1e-13)


def test_the_callback_runs_the_twin_file_unchanged(roots):
    from bokeh.models import CustomJS

    callbacks = {cb for root in roots.values() for cb in root.select({"type": CustomJS})}
    twin = lx.TWIN_JS.read_text(encoding="utf-8")
    computing = [cb for cb in callbacks if "curves" in cb.args]
    assert len(computing) == 1  # one callback, shared by every control
    assert computing[0].code.startswith(twin)
