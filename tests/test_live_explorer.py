"""Tests for code/live_explorer.py and its JavaScript, code/live_explorer.js and code/tanh_basis.js.

The browser half (the explorer on the built page, read back from BokehJS) is
in tests/test_explorer_browser.py; here: the Python API, the Bokeh document it
builds, the HTML it writes, and the JavaScript's numbers run by Node.js
against tanh_basis.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

import live_explorer as lx
import panels
import tanh_basis as tb

TINY = np.finfo(np.float64).tiny  # smallest normal double


def _rel_close(js, py, rtol):
    """|js - py| <= rtol |py|, with exact agreement required only down to normal doubles."""
    js, py = np.asarray(js, float), np.asarray(py, float)
    return np.all(np.abs(js - py) <= rtol * np.abs(py) + TINY)


def _node(script: str, data: object) -> object:
    """Run tanh_basis.js, live_explorer.js and ``script`` in Node.js; ``input`` is data."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js not found; tests/test_explorer_browser.py runs the JS in Chromium")
    source = (
        lx.TWIN_JS.read_text(encoding="utf-8") + "\n" + lx.EXPLORER_JS.read_text(encoding="utf-8")
        + "\nconst input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        + script
    )
    out = subprocess.run([node, "-e", source], input=json.dumps(data), capture_output=True,
                         text=True, check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def explorer():
    return lx.live_explorer(kernel_widgets=False)


def _config(ex: lx.LiveExplorer) -> dict:
    roots = ex.models()
    from bokeh.models import CustomJS

    callbacks = {cb for root in roots.values() for cb in root.select({"type": CustomJS})}
    (callback,) = [cb for cb in callbacks if "lx" in cb.args]
    return callback.args["lx"]["cfg"]


# ---------------------------------------------------- the JavaScript's numbers
def test_grid_is_increasing_covers_the_axis_and_refines_the_window():
    got = _node("process.stdout.write(JSON.stringify([grid(0, 1, 0.3, 0.05, 121, 121),"
                " grid(-120, 0, 50, 8, 121, 121), grid(0, 1, 0.5, 0, 121, 121)]));", None)
    pts, outside, no_window = (np.array(g) for g in got)
    assert pts[0] == 0.0 and pts[-1] == 1.0 and np.all(np.diff(pts) > 0)
    window = pts[(pts >= 0.25) & (pts <= 0.35)]
    assert window.size == 121 and np.max(np.diff(window)) < (1.0 / 120) / 5
    # No fine part when the window is off the axis or empty.
    np.testing.assert_allclose(outside, np.linspace(-120, 0, 121), rtol=0, atol=1e-12)
    np.testing.assert_allclose(no_window, np.linspace(0, 1, 121), rtol=0, atol=1e-15)


def test_every_unit_switch_is_resolved_for_every_day(explorer):
    # The derivative peak is ~4/x0 wide on the a axis: the fine window puts a
    # point within 1 % of the peak height for every x0 of the year.
    cfg = _config(explorer)
    peaks = _node(
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


def test_first_frame_equals_tanh_basis(explorer):
    """What live_explorer.js draws first, for the book's example, against tanh_basis."""
    cfg = _config(explorer)
    x0, a, b = explorer.x0, explorer.a, explorer.b
    assert (x0, list(a), list(b)) == (panels.DEFAULT_X0, list(panels.DEFAULT_A),
                                      list(panels.DEFAULT_B))
    frame = _node(
        "const {cfg, x0, a, b} = input;"
        "const out = a.map((ak, k) => ({panels: unit_panels(x0, ak, b[k], cfg),"
        "  year: unit_year(ak, b[k], cfg), xstar: switch_point(ak, b[k])}));"
        "process.stdout.write(JSON.stringify(out));",
        {"cfg": cfg, "x0": x0, "a": list(a), "b": list(b)})
    funcs = {"phi_a": lambda k, p: tb.tanh_unit(x0, p, b[k]),
             "dphi_a": lambda k, p: tb.tanh_unit_dslope(x0, p, b[k]),
             "phi_b": lambda k, p: tb.tanh_unit(x0, a[k], p),
             "dphi_b": lambda k, p: tb.tanh_unit_dbias(x0, a[k], p)}
    for k, unit in enumerate(frame):
        for panel, f in funcs.items():
            xs, ys = (np.array(v) for v in unit["panels"]["curves"][panel])
            assert xs.size > 100 and _rel_close(ys, f(k, xs), 1e-15), (k, panel)
            where, value = unit["panels"]["markers"][panel]
            assert where == (a[k] if panel.endswith("_a") else b[k])
            assert _rel_close(value, f(k, where), 1e-15)
        xs, ys = (np.array(v) for v in unit["year"])
        assert xs[0] == panels.X0_RANGE[0] and xs[-1] == panels.X0_RANGE[1]
        assert _rel_close(ys, tb.tanh_unit(xs, a[k], b[k]), 1e-15)
        assert unit["xstar"] == -b[k] / a[k]
        for name, (p1, p2), (v1, v2) in (
            (n, unit["panels"]["tangents"][n]["x"], unit["panels"]["tangents"][n]["y"])
            for n in ("phi_a", "phi_b")
        ):
            slope = unit["panels"]["markers"]["d" + name][1]
            np.testing.assert_allclose((v2 - v1) / (p2 - p1), slope, rtol=1e-9, atol=1e-15)
    # Unit 3 is deep in saturation at the example's x0: tiny, not zero.
    db3 = frame[2]["panels"]["markers"]["dphi_b"][1]
    want = tb.tanh_unit_dbias(x0, a[2], b[2])
    assert 0 < want < 1e-30 and _rel_close(db3, want, 1e-15)
    # Unit 1 sits on its switch at the example's x0.
    assert frame[0]["xstar"] == x0
    # The table's row, in live_explorer.js's formats.
    assert frame[0]["panels"]["row"][0] == f"{tb.tanh_unit(x0, a[0], b[0]):.4f}"


def test_readout_format():
    got = _node("process.stdout.write(JSON.stringify(input.map(fmt)));",
                [6.7556475e-48, 16.96, 150.0, 0.07065, 0.0, 1234.5])
    assert got[:5] == ["6.756e-48", "16.96", "150.0", "0.07065", "0.000e0"]
    assert got[5] in ("1.234e3", "1.235e3")


def test_snap_rounds_to_the_controls_step_inside_its_range():
    got = _node("process.stdout.write(JSON.stringify(input.map((v) => snap(v, -120, 0, 0.5))"
                ".concat([snap(0.30000000001, 0, 1, 0.002), snap(2, 0, 1, 0.002)])));",
                [-10.26, -10.24, 5.0, -500.0])
    assert got == [-10.5, -10.0, 0.0, -120.0, 0.3, 1.0]


# ------------------------------------------------------------ the document
@pytest.fixture(scope="module")
def roots(explorer):
    return explorer.models()


def _source(roots, name):
    for root in roots.values():
        found = root.select_one({"name": name})
        if found is not None:
            return found
    raise KeyError(name)


def test_python_sends_parameters_not_numbers(roots):
    # Every curve is empty until live_explorer.js draws it in the browser.
    for view in lx.VIEWS:
        data = _source(roots, f"curves-{view}").data
        assert data["xs"] == [[], [], []] and data["ys"] == [[], [], []]
    assert _source(roots, "state").data == {"a": list(panels.DEFAULT_A),
                                            "b": list(panels.DEFAULT_B)}
    assert _source(roots, "x0-line").location == panels.DEFAULT_X0


def test_controls_start_at_the_books_example(roots):
    controls = roots["controls"]
    x0 = controls.select_one({"name": "x0"})
    assert (x0.start, x0.end, x0.value) == (*panels.X0_RANGE, panels.DEFAULT_X0)
    assert x0.step == lx.STEPS["x0"]
    assert controls.select_one({"name": "unit"}).active == 0
    assert controls.select_one({"name": "a"}).value == panels.DEFAULT_A[0]
    assert controls.select_one({"name": "b"}).value == panels.DEFAULT_B[0]
    assert controls.select_one({"name": "play"}).active is False


def test_five_views_with_the_shared_titles(roots):
    assert set(roots) == {"controls", *lx.VIEWS}
    for panel in panels.PANELS:
        assert roots[panel].title.text == panels.TITLES_PLAIN[panel]
    assert roots["year"].x_range.start == panels.X0_RANGE[0]
    assert roots["year"].x_range.end == panels.X0_RANGE[1]


def test_ranges_widen_to_include_the_parameters():
    ex = lx.live_explorer(400.0, [1.5], [-130.0])
    assert ex.x0_range == (0.0, 400.0)
    assert ex.a_range == (0.0, 1.5)
    assert ex.b_range == (-130.0, 0.0)
    models = ex.models()
    assert models["controls"].select_one({"name": "a"}).end == 1.5
    assert models["year"].x_range.end == 400.0
    assert _config(ex)["x_range"] == [0.0, 400.0]


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
def test_bad_arguments_get_the_validators_errors(kwargs):
    args = {"x0": 150.0, "a": [0.1], "b": [-10.0], **kwargs}
    with pytest.raises((TypeError, ValueError)) as expected:
        panels.real(args["x0"], "x0")
        panels.parameters(args["a"], args["b"])
    with pytest.raises(expected.type) as got:
        lx.live_explorer(args["x0"], args["a"], args["b"])
    assert str(got.value) == str(expected.value)
    assert re.search(r"\b(x0|a|b)\b", str(got.value))


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


def test_html_has_a_text_alternative_a_readout_table_and_drag_layers(explorer_html):
    assert 'role="group"' in explorer_html and "aria-label=" in explorer_html
    assert "<table>" in explorer_html and "<caption>" in explorer_html
    # One cell per unit and readout, filled by live_explorer.js; one row per unit
    # (highlighted with its unit).
    for k in range(3):
        assert re.search(rf'<tr id="jl-[0-9a-f]+-row-{k}"', explorer_html)
        for name in ("phi", "da", "db", "z", "a", "b"):
            assert re.search(rf'<td id="jl-[0-9a-f]+-{name}-{k}"></td>', explorer_html)
    # Each view has a layer for its drag handles, in the order of VIEWS.
    views = re.findall(r'class="jl-fig[^"]*" data-panel="(\w+)"', explorer_html)
    assert views == list(lx.VIEWS)
    assert explorer_html.count('<div class="jl-layer"></div>') == len(lx.VIEWS)


def test_mimebundle_for_the_book_and_for_jupyter():
    bundle = lx.live_explorer(kernel_widgets=False)._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == f"LiveExplorer(x0={panels.DEFAULT_X0:g}, K=3)"
    pytest.importorskip("ipywidgets")
    live = lx.live_explorer(kernel_widgets=True)
    bundle = live._repr_mimebundle_()
    # Jupyter shows the widget view (a kernel is there); the book, the HTML.
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Bokeh.embed.embed_items" in bundle["text/html"]
    assert live.widget().plot.x0 == panels.DEFAULT_X0


# ------------------------------------------------------ the JavaScript twin
def test_twin_defines_the_python_names():
    source = lx.TWIN_JS.read_text(encoding="utf-8")
    for name in ("sech2", "tanh_unit", "tanh_unit_dslope", "tanh_unit_dbias"):
        assert re.search(rf"^function {name}\(", source, re.M), name
        assert hasattr(tb, name)


def test_twin_agrees_with_tanh_basis_in_node():
    z = np.concatenate([np.linspace(-700, 700, 14001), [0.0, -0.0, 1e-300, -55.0, 373.0, 380.0]])
    x = np.linspace(-365, 365, 101)
    got = _node(
        "const s = input.z.map(sech2);"
        "const p = input.x.map((x) => tanh_unit(x, 0.3, -50));"
        "const da = input.x.map((x) => tanh_unit_dslope(x, 0.3, -50));"
        "const db = input.x.map((x) => tanh_unit_dbias(x, 0.3, -50));"
        "process.stdout.write(JSON.stringify({s, p, da, db}));",
        {"z": z.tolist(), "x": x.tolist()})
    want = tb.sech2(z)
    assert _rel_close(got["s"], want, 1e-13)
    # Exact zeros where Python underflows to zero, and never a zero where it does not.
    np.testing.assert_array_equal(np.asarray(got["s"]) == 0, want == 0)
    assert got["s"][np.flatnonzero(z == -55.0)[0]] > 0
    assert _rel_close(got["p"], tb.tanh_unit(x, 0.3, -50), 1e-13)
    assert _rel_close(got["da"], tb.tanh_unit_dslope(x, 0.3, -50), 1e-13)
    assert _rel_close(got["db"], tb.tanh_unit_dbias(x, 0.3, -50), 1e-13)


def test_the_callback_runs_the_twin_file_unchanged(roots):
    from bokeh.models import CustomJS

    callbacks = {cb for root in roots.values() for cb in root.select({"type": CustomJS})}
    twin = lx.TWIN_JS.read_text(encoding="utf-8")
    computing = [cb for cb in callbacks if "lx" in cb.args]
    assert len(computing) == 1  # one callback: every control and the first frame
    code = computing[0].code
    assert code.startswith(twin)
    assert lx.EXPLORER_JS.read_text(encoding="utf-8") in code
