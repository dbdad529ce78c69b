"""Tests for code/jacobian_plots.py: the four-panel figure, its sliders and scrubber."""

from __future__ import annotations

import base64
import io
import itertools
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import jacobian_plots as jp
import tanh_basis as tb

ANALYTIC = {
    "phi_a": lambda x0, grid, a_k, b_k: tb.tanh_unit(x0, grid, b_k),
    "dphi_a": lambda x0, grid, a_k, b_k: tb.tanh_unit_dslope(x0, grid, b_k),
    "phi_b": lambda x0, grid, a_k, b_k: tb.tanh_unit(x0, a_k, grid),
    "dphi_b": lambda x0, grid, a_k, b_k: tb.tanh_unit_dbias(x0, a_k, grid),
}


@pytest.fixture
def plot() -> jp.FourPanelPlot:
    return jp.FourPanelPlot(n_grid=301)


def snapshot(plot: jp.FourPanelPlot) -> dict:
    """Every piece of state update() may touch, copied."""
    state = {"x0": plot.x0, "a": plot.a, "b": plot.b, "readout": plot.readout.get_text()}
    for group in ("curves", "markers", "tangents"):
        for name, lines in getattr(plot, group).items():
            for k, line in enumerate(lines):
                x, y = line.get_data()
                state[group, name, k] = (np.array(x, float).copy(), np.array(y, float).copy())
    state["limits"] = [(ax.get_xlim(), ax.get_ylim()) for ax in plot.fig.axes]
    return state


def changed(before: dict, after: dict) -> set:
    """Keys whose values differ between two snapshots."""
    out = set()
    for key, old in before.items():
        new = after[key]
        if isinstance(old, tuple) and len(old) == 2 and isinstance(old[0], np.ndarray):
            same = all(np.array_equal(o, n) for o, n in zip(old, new, strict=True))
        else:
            same = np.array_equal(np.asarray(old, dtype=object), np.asarray(new, dtype=object))
        if not same:
            out.add(key)
    return out


def artist_counts(plot: jp.FourPanelPlot) -> tuple:
    return (
        id(plot.fig),
        len(plot.fig.axes),
        tuple(len(ax.lines) for ax in plot.fig.axes),
        tuple(len(ax.texts) for ax in plot.fig.axes),
        len(plot.fig.legends),
    )


# ------------------------------------------------------------------ figure
def test_four_panels_and_not_registered_with_pyplot() -> None:
    before = plt.get_fignums()
    plot = jp.FourPanelPlot()
    assert len(plot.fig.axes) == 4
    assert list(plot.axes) == list(jp.PANELS)
    assert set(plot.axes.values()) == set(plot.fig.axes)
    # Titles are all different (the source repeated one) and name their symbol.
    titles = [ax.get_title() for ax in plot.fig.axes]
    assert len(set(titles)) == 4
    assert all(ax.get_xlabel() or ax.get_ylabel() for ax in plot.fig.axes)
    assert plt.get_fignums() == before


@pytest.mark.parametrize("layout", ["grid", "column"])
def test_curves_equal_the_analytic_functions(layout: str) -> None:
    plot = jp.FourPanelPlot(x0=80.0, a=(0.05, 0.4), b=(-3.0, -30.0), layout=layout, n_grid=201)
    plot.update(x0=97.5)
    plot.update(a=0.27, unit=1)
    plot.update(b=-11.0, unit=0)
    for name in jp.PANELS:
        for k in range(plot.K):
            x, y = plot.curves[name][k].get_data()
            a_k, b_k = plot.a[k], plot.b[k]
            grid = np.linspace(*(jp.A_RANGE if name.endswith("_a") else jp.B_RANGE), 201)
            np.testing.assert_allclose(x, grid, rtol=0, atol=1e-12)
            np.testing.assert_allclose(y, ANALYTIC[name](97.5, grid, a_k, b_k),
                                       rtol=1e-13, atol=0)
            mx, my = plot.markers[name][k].get_data()
            where = a_k if name.endswith("_a") else b_k
            assert mx[0] == where
            assert my[0] == pytest.approx(ANALYTIC[name](97.5, where, a_k, b_k), rel=1e-13)
    assert plot.x0 == 97.5
    np.testing.assert_array_equal(plot.a, [0.05, 0.27])
    np.testing.assert_array_equal(plot.b, [-11.0, -30.0])


def test_derivative_curves_are_the_slopes_of_the_phi_curves() -> None:
    """The derivative panels agree with a finite difference of the phi panels."""
    plot = jp.FourPanelPlot(x0=40.0, a=(0.2,), b=(-7.0,), n_grid=2001)
    for phi, dphi in (("phi_a", "dphi_a"), ("phi_b", "dphi_b")):
        x, y = plot.curves[phi][0].get_data()
        _, dy = plot.curves[dphi][0].get_data()
        numeric = np.gradient(y, x)
        # Second-order differences on a fine grid: a few parts in 1e3 of the peak.
        assert np.max(np.abs(numeric - dy)) < 5e-3 * np.max(np.abs(dy))


@pytest.mark.parametrize(("x0", "a", "b"), [(150.0, 0.1, -10.0), (60.0, 0.2, -12.0),
                                            (300.0, 0.35, -100.0)])
def test_tangent_touches_phi_with_the_derivative_panels_slope(x0, a, b) -> None:
    plot = jp.FourPanelPlot(x0=x0, a=(a,), b=(b,))
    h = 1e-6
    numeric = {
        "phi_a": (tb.tanh_unit(x0, a + h, b) - tb.tanh_unit(x0, a - h, b)) / (2 * h),
        "phi_b": (tb.tanh_unit(x0, a, b + h) - tb.tanh_unit(x0, a, b - h)) / (2 * h),
    }
    for name in ("phi_a", "phi_b"):
        (x1, x2), (y1, y2) = plot.tangents[name][0].get_data()
        slope = (y2 - y1) / (x2 - x1)
        px, py = plot.point(name, 0)
        # Through the marker, with the slope the derivative panel shows ...
        assert (x1 + x2) / 2 == pytest.approx(px)
        assert (y1 + y2) / 2 == pytest.approx(py, abs=1e-12)
        assert slope == pytest.approx(plot.point("d" + name, 0)[1], rel=1e-9, abs=1e-12)
        assert slope == pytest.approx(plot.tangent_slope(name, 0), rel=1e-12, abs=0)
        # ... which is the slope of phi itself (central difference).
        assert slope == pytest.approx(numeric[name], rel=1e-5, abs=1e-7)
        assert x1 < px < x2


def test_update_x0_moves_every_curve_marker_and_tangent(plot) -> None:
    before = snapshot(plot)
    counts = artist_counts(plot)
    plot.update(x0=200.0)
    diff = changed(before, snapshot(plot))
    for name in jp.PANELS:
        for k in range(plot.K):
            assert ("curves", name, k) in diff
            # Every marker sits on its curve at the new x0 (a saturated one may
            # not move: tanh is -1.0 to the last bit at both x0).
            mx, my = plot.markers[name][k].get_data()
            assert (mx[0], my[0]) == pytest.approx(plot.point(name, k))
            moved = plot.point(name, k) != (before["markers", name, k][0][0],
                                            before["markers", name, k][1][0])
            assert (("markers", name, k) in diff) == moved
    assert ("markers", "dphi_a", 0) in diff  # unit 1 is not saturated to the last bit
    assert "readout" in diff and "200" in plot.readout.get_text()
    assert "limits" not in diff  # 200 is inside X0_RANGE: nothing may jump
    assert {"a", "b"}.isdisjoint(diff)
    assert artist_counts(plot) == counts


@pytest.mark.parametrize(("param", "value", "panels"), [
    ("a", 0.25, ("phi_b", "dphi_b")),   # the bias panels are drawn at a_k
    ("b", -40.0, ("phi_a", "dphi_a")),  # the slope panels are drawn at b_k
])
def test_update_a_or_b_moves_one_unit_only(plot, param, value, panels) -> None:
    unit = 1
    before = snapshot(plot)
    counts = artist_counts(plot)
    plot.update(**{param: value, "unit": unit})
    after = snapshot(plot)
    diff = changed(before, after)
    expected_curves = {("curves", name, unit) for name in panels}
    assert {key for key in diff if key[0] == "curves"} == expected_curves
    # Markers and tangents: only this unit's, and every one sits where it should.
    assert all(key[2] == unit for key in diff if key[0] in ("markers", "tangents"))
    for name in jp.PANELS:
        mx, my = plot.markers[name][unit].get_data()
        assert (mx[0], my[0]) == pytest.approx(plot.point(name, unit))
    moved_x = "phi_a" if param == "a" else "phi_b"
    assert ("markers", moved_x, unit) in diff
    assert getattr(plot, param)[unit] == value
    other = "b" if param == "a" else "a"
    np.testing.assert_array_equal(getattr(plot, other), before[other])
    assert {"x0", "readout", "limits"}.isdisjoint(diff)
    assert artist_counts(plot) == counts


def test_update_with_nothing_new_changes_nothing(plot) -> None:
    before = snapshot(plot)
    plot.update()
    plot.update(x0=plot.x0, a=plot.a[2], b=plot.b[2], unit=2)
    assert changed(before, snapshot(plot)) == set()


def test_x0_outside_its_range_widens_the_derivative_axis_only(plot) -> None:
    limits = {name: (ax.get_xlim(), ax.get_ylim()) for name, ax in plot.axes.items()}
    lo, hi = limits["dphi_a"][1]
    assert lo < 0 < jp.X0_RANGE[1] < hi  # the whole range of peaks fits
    plot.update(x0=500.0)
    assert plot.axes["dphi_a"].get_ylim()[1] > 500.0
    for name in ("phi_a", "phi_b", "dphi_b"):
        assert (plot.axes[name].get_xlim(), plot.axes[name].get_ylim()) == limits[name]
    widened = plot.axes["dphi_a"].get_ylim()
    plot.update(x0=100.0)  # limits never shrink back: no jumping
    assert plot.axes["dphi_a"].get_ylim() == widened


BAD_UPDATES = [
    ({"unit": 3}, ValueError, "unit"),
    ({"unit": -1}, ValueError, "unit"),
    ({"unit": 1.0}, TypeError, "unit"),
    ({"unit": True}, TypeError, "unit"),
    ({"x0": float("nan")}, ValueError, "x0"),
    ({"x0": float("inf")}, ValueError, "x0"),
    ({"x0": "150"}, TypeError, "x0"),
    ({"x0": [150.0]}, TypeError, "x0"),
    ({"a": np.nan, "unit": 1}, ValueError, "a"),
    ({"b": True}, TypeError, "b"),
    ({"x0": 200.0, "a": 0.5, "b": -np.inf}, ValueError, "b"),  # late failure, early values
    ({"x0": 200.0, "a": 0.5, "unit": 7}, ValueError, "unit"),
    ({"x0": 1e300}, ValueError, "x0"),  # a * x0 would overflow
]


@pytest.mark.parametrize(("kwargs", "error", "name"), BAD_UPDATES)
def test_bad_update_raises_and_changes_nothing(plot, kwargs, error, name) -> None:
    before = snapshot(plot)
    with pytest.raises(error, match=name):
        plot.update(**kwargs)
    assert changed(before, snapshot(plot)) == set()


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"a": (0.1, 0.2), "b": (1.0,)}, ValueError, "one entry per unit"),
    ({"a": [[0.1]], "b": [[1.0]]}, ValueError, "a must be 1-D"),
    ({"a": (), "b": ()}, ValueError, "a must be 1-D"),
    ({"a": np.ones(8), "b": np.ones(8)}, ValueError, "1 to 7"),
    ({"a": (0.1, np.nan), "b": (1.0, 2.0)}, ValueError, "a must be finite"),
    ({"a": ("x",), "b": (1.0,)}, TypeError, "a must hold real numbers"),
    ({"b": (True, False, True)}, TypeError, "b must hold real numbers"),
    ({"x0": None}, TypeError, "x0"),
    ({"layout": "row"}, ValueError, "layout"),
    ({"dpi": 0}, ValueError, "dpi"),
    ({"figsize": (8.0,)}, ValueError, "figsize"),
    ({"figsize": (8.0, -1.0)}, ValueError, "figsize"),
    ({"n_grid": 1}, ValueError, "n_grid"),
    ({"a_range": (1.0, 0.0)}, ValueError, "a_range"),
    ({"b_range": 5.0}, TypeError, "b_range"),
    ({"x0_range": (0.0, np.inf)}, ValueError, "x0_range"),
])
def test_bad_constructor_arguments_raise(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        jp.FourPanelPlot(**kwargs)


def test_bad_panel_and_unit_queries_raise(plot) -> None:
    with pytest.raises(ValueError, match="panel"):
        plot.curve_data("phi_x", 0)
    with pytest.raises(ValueError, match="panel"):
        plot.tangent_slope("dphi_a", 0)
    with pytest.raises(ValueError, match="unit"):
        plot.point("phi_a", 5)
    with pytest.raises(ValueError, match="compress_level"):
        plot.render_png(compress_level=10)


def test_no_figure_leak_over_1000_updates(plot) -> None:
    fignums = plt.get_fignums()
    counts = artist_counts(plot)
    rng = np.random.default_rng(1)
    for i in range(1000):
        which = i % 3
        if which == 0:
            plot.update(x0=float(rng.uniform(*jp.X0_RANGE)))
        elif which == 1:
            plot.update(a=float(rng.uniform(*jp.A_RANGE)), unit=i % plot.K)
        else:
            plot.update(b=float(rng.uniform(*jp.B_RANGE)), unit=i % plot.K)
    assert plt.get_fignums() == fignums
    assert artist_counts(plot) == counts


# ---------------------------------------------------------------- rendering
def png_pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def full_render(plot: jp.FourPanelPlot) -> np.ndarray:
    """The figure drawn whole by savefig (animated artists included)."""
    buf = io.BytesIO()
    plot.fig.savefig(buf, format="png", dpi=plot.fig.dpi)
    return png_pixels(buf.getvalue())


@pytest.mark.parametrize("layout", ["grid", "column"])
def test_render_png_matches_a_full_redraw(layout) -> None:
    plot = jp.FourPanelPlot(layout=layout, dpi=60)
    steps = [{"x0": 250.0}, {"a": 0.6, "unit": 2}, {"b": -30.0, "unit": 0},
             {"x0": 420.0}]  # the last one widens an axis: the cached background must go
    previous = png_pixels(plot.render_png())
    for kwargs in steps:
        plot.update(**kwargs)
        fast = png_pixels(plot.render_png())
        slow = full_render(plot)
        width, height = plot.fig.canvas.get_width_height()
        assert fast.shape == slow.shape == (height, width, 3)
        # The cached-background render draws the moving artists last, so a few
        # pixels where they cross frames or the legend may differ; no more.
        differ = np.any(np.abs(fast.astype(int) - slow.astype(int)) > 40, axis=-1)
        assert differ.mean() < 0.005, kwargs
        # ... and the frame really changed.
        assert np.any(fast != previous)
        previous = fast


def test_naive_reference_renders_the_same_size() -> None:
    plot = jp.FourPanelPlot()
    naive = png_pixels(jp.naive_figure())
    fast = png_pixels(plot.render_png())
    assert naive.shape == fast.shape


# ----------------------------------------------------------------- explorer
@pytest.fixture
def explorer(monkeypatch):
    ui = jp.explorer(jp.FourPanelPlot(n_grid=201))
    calls = []
    original = ui.plot.update

    def counting_update(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(ui.plot, "update", counting_update)
    ui.calls = calls
    return ui


def test_explorer_starts_at_the_first_units_values(explorer) -> None:
    assert explorer.unit.value == 0
    assert explorer.x0.value == explorer.plot.x0
    assert explorer.a.value == pytest.approx(explorer.plot.a[0])
    assert explorer.b.value == pytest.approx(explorer.plot.b[0])
    assert (explorer.x0.min, explorer.x0.max) == jp.X0_RANGE
    assert bytes(explorer.view.value).startswith(b"\x89PNG")
    assert explorer.frames == 1


def test_explorer_sliders_call_update_and_change_the_image(explorer) -> None:
    image = explorer.view.value
    explorer.x0.value = 220.0
    assert explorer.calls[-1] == {"x0": 220.0}
    assert explorer.plot.x0 == 220.0
    assert explorer.view.value != image
    image = explorer.view.value

    explorer.a.value = 0.05
    assert explorer.calls[-1] == {"a": 0.05, "unit": 0}
    assert explorer.plot.a[0] == 0.05
    assert explorer.view.value != image
    image = explorer.view.value

    explorer.b.value = -20.0
    assert explorer.calls[-1] == {"b": -20.0, "unit": 0}
    assert explorer.plot.b[0] == -20.0
    assert explorer.view.value != image
    assert explorer.frames == 4


def test_explorer_unit_switch_resyncs_sliders_without_updates(explorer) -> None:
    a_before, b_before = explorer.plot.a, explorer.plot.b
    frames, image = explorer.frames, explorer.view.value
    explorer.unit.value = 2
    assert explorer.a.value == pytest.approx(a_before[2])
    assert explorer.b.value == pytest.approx(b_before[2])
    assert explorer.calls == []  # no spurious update ...
    assert explorer.frames == frames and explorer.view.value == image  # ... nor redraw
    np.testing.assert_array_equal(explorer.plot.a, a_before)
    np.testing.assert_array_equal(explorer.plot.b, b_before)
    # The sliders now drive unit 2 (k = 3), and only it.
    explorer.b.value = -60.0
    assert explorer.calls == [{"b": -60.0, "unit": 2}]
    np.testing.assert_array_equal(explorer.plot.b, [b_before[0], b_before[1], -60.0])


def test_explorer_keeps_one_figure_over_many_events(explorer) -> None:
    fignums = plt.get_fignums()
    counts = artist_counts(explorer.plot)
    for i in range(60):
        explorer.x0.value = float(i * 6)
        explorer.unit.value = i % 3
        explorer.a.value = 0.01 * (i % 100)
    assert plt.get_fignums() == fignums
    assert artist_counts(explorer.plot) == counts
    # One frame per update (plus the first), and at least the 60 x0 moves.
    assert len(explorer.calls) == explorer.frames - 1 >= 60


def test_explorer_output_mode_and_bad_arguments() -> None:
    ui = jp.explorer(display="output")
    frames = ui.frames
    ui.x0.value = 10.0
    assert ui.frames == frames + 1 and ui.plot.x0 == 10.0
    with pytest.raises(ValueError, match="display"):
        jp.explorer(display="svg")
    with pytest.raises(TypeError, match="plot"):
        jp.explorer(plot="figure")


# ----------------------------------------------------------------- scrubber
FRAME = re.compile(r'frames\[(\d+)\] = "data:image/png;base64,([^"]*)"')


@pytest.mark.parametrize("sweep", ["x0", "b"])
def test_scrubber_frames_size_and_no_warning(sweep) -> None:
    fignums = plt.get_fignums()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would fail the book build
        html = jp.scrubber(sweep, frames=5, figsize=(5.0, 4.0), dpi=80, max_bytes=400_000)
    frames = FRAME.findall(html)
    assert [int(i) for i, _ in frames] == list(range(5))
    assert len(html.encode()) <= 400_000
    images = [Image.open(io.BytesIO(base64.b64decode(data))) for _, data in frames]
    assert {im.size for im in images} == {(400, 320)}  # 5 x 4 in at 80 dpi
    assert all(im.mode == "P" for im in images)  # palette PNGs keep the page light
    pixels = [np.asarray(im.convert("RGB")) for im in images]
    assert all(np.any(p != q) for p, q in itertools.pairwise(pixels))
    assert plt.get_fignums() == fignums
    # The animation's image has alternative text (to_jshtml gives it none).
    alt = re.search(r'<img alt="([^"]+)"[^>]* id="_anim_img', html)
    assert alt and ("x0" in alt.group(1) if sweep == "x0" else "bias" in alt.group(1))
    # Fits a phone, and fetches nothing from elsewhere (the page works offline).
    assert 'style="max-width:100%;height:auto"' in html
    assert "maxcdn" not in html and "<link" not in html


def test_scrubber_budget_for_the_page() -> None:
    """The page's two default scrubbers together stay under 2 MB.

    One frame's size times the frame count bounds the HTML well: the frames
    are almost all of it.
    """
    small = jp.scrubber("x0", frames=3)
    per_frame = max(len(d) for _, d in FRAME.findall(small))
    overhead = len(small) - sum(len(d) for _, d in FRAME.findall(small))
    assert 2 * (overhead + 37 * per_frame * 1.2) < 2_000_000


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"sweep": "a"}, ValueError, "sweep"),
    ({"frames": 1}, ValueError, "frames"),
    ({"frames": 2.5}, TypeError, "frames"),
    ({"fps": 0}, ValueError, "fps"),
    ({"unit": 3}, ValueError, "unit"),
    ({"frames": 3, "max_bytes": 1000}, ValueError, "max_bytes"),
    ({"alt": 3}, TypeError, "alt"),
])
def test_scrubber_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        jp.scrubber(**kwargs)


# ---------------------------------------------------------------- benchmark
def test_bench_slider_quick_runs_and_writes_json(root, tmp_path, capsys) -> None:
    """The benchmark's smoke mode (what CI runs) works and reports the ratio."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location(
        "bench_slider", root / "benchmarks" / "bench_slider.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "slider.json"
    assert bench.main(["--quick", "--rounds", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["quick"] is True and result["display"] == {"skipped": "--quick"}
    for kind in ("x0", "a", "b"):
        step = result["steps"][kind]
        assert step["slider_step"]["median_ms"] > 0 and step["naive_redraw"]["median_ms"] > 0
    worst = max(result["steps"][k]["ratio_median"] for k in ("x0", "a", "b"))
    assert result["ratio_worst_median"] == worst
    assert result["meets_target"] == (worst <= result["target_ratio"])
    assert "slider step" in capsys.readouterr().out


# ------------------------------------------------- the plain four_panels()
def plain_axes(fig) -> dict:
    """four_panels' axes by panel name (fig.axes runs row by row of the 2 x 2 grid)."""
    top_left, top_right, bottom_left, bottom_right = fig.axes
    return dict(zip(jp.PANELS, (top_left, bottom_left, top_right, bottom_right), strict=True))


def test_four_panels_draws_the_formulas_and_is_not_registered_with_pyplot() -> None:
    before = plt.get_fignums()
    x0, a, b = 97.5, (0.05, 0.27), (-11.0, -30.0)
    fig = jp.four_panels(x0, a, b, n_grid=201)
    assert plt.get_fignums() == before
    panels = plain_axes(fig)
    assert [ax.get_title() for ax in panels.values()] == [jp._TITLES[p] for p in jp.PANELS]
    for name, ax in panels.items():
        grid = np.linspace(*(jp.A_RANGE if name.endswith("_a") else jp.B_RANGE), 201)
        curves = [line for line in ax.lines if len(line.get_xdata()) == 201]
        assert len(curves) == 2
        for k, line in enumerate(curves):
            np.testing.assert_array_equal(line.get_xdata(), grid)
            np.testing.assert_allclose(line.get_ydata(), ANALYTIC[name](x0, grid, a[k], b[k]),
                                       rtol=1e-15, atol=0)
        # One marker per unit, at the unit's own parameter, on its curve.
        markers = [line for line in ax.lines if len(line.get_xdata()) == 1]
        for k, line in enumerate(markers):
            where = a[k] if name.endswith("_a") else b[k]
            assert line.get_xdata()[0] == where
            assert line.get_ydata()[0] == pytest.approx(ANALYTIC[name](x0, where, a[k], b[k]))
    assert fig.get_suptitle().endswith("97.5")


def tangents_of(ax) -> list:
    return [line for line in ax.lines if line.get_linestyle() == "--"]


def test_four_panels_tangents_have_the_derivative_panels_slope() -> None:
    x0, a, b = 60.0, (0.2, 0.1), (-12.0, -7.0)
    fig = jp.four_panels(x0, a, b)
    ax = plain_axes(fig)
    for phi_ax, d_ax in ((ax["phi_a"], ax["dphi_a"]), (ax["phi_b"], ax["dphi_b"])):
        markers = [line for line in d_ax.lines if len(line.get_xdata()) == 1]
        for tangent, marker in zip(tangents_of(phi_ax), markers, strict=True):
            (x1, x2), (y1, y2) = tangent.get_data()
            assert (y2 - y1) / (x2 - x1) == pytest.approx(marker.get_ydata()[0], rel=1e-9)


def test_four_panels_validates_like_the_figure() -> None:
    with pytest.raises(ValueError, match="x0"):
        jp.four_panels(np.nan)
    with pytest.raises(ValueError, match="one entry per unit"):
        jp.four_panels(150.0, (0.1, 0.2), (1.0,))
    with pytest.raises(TypeError, match="n_grid"):
        jp.four_panels(n_grid=10.5)


# --------------------- the tangent check the interactive page used to run
PAGE_FIGURE = {"layout": "column", "figsize": (3.8, 8.8), "dpi": 120}


@pytest.mark.parametrize("layout", ["page", "plain"])
def test_every_tangent_is_a_central_difference_of_tanh_at_the_marker(layout) -> None:
    """The page's figure (x0 = 150, three units): the check moved here from the page.

    The slope of every tangent equals a central difference of tanh itself (no
    derivative code involved) and the marker in the derivative panel below;
    every derivative curve agrees with np.gradient of the curve above it.
    """
    x0, a, b = jp.DEFAULT_X0, np.array(jp.DEFAULT_A), np.array(jp.DEFAULT_B)
    h = 1e-6
    numeric = {
        "phi_a": (tb.tanh_unit(x0, a + h, b) - tb.tanh_unit(x0, a - h, b)) / (2 * h),
        "phi_b": (tb.tanh_unit(x0, a, b + h) - tb.tanh_unit(x0, a, b - h)) / (2 * h),
    }
    if layout == "page":
        figure = jp.FourPanelPlot(x0, a, b, **PAGE_FIGURE)
        tangents = {p: figure.tangents[p] for p in ("phi_a", "phi_b")}
        derivative = {p: [figure.point("d" + p, k)[1] for k in range(3)]
                      for p in ("phi_a", "phi_b")}
        curves = {p: [figure.curve_data(p, k) for k in range(3)] for p in jp.PANELS}
    else:
        axes = plain_axes(jp.four_panels(x0, a, b))
        tangents = {p: tangents_of(axes[p]) for p in ("phi_a", "phi_b")}
        derivative = {p: [float(tb.tanh_unit_dslope(x0, a[k], b[k]) if p == "phi_a"
                                else tb.tanh_unit_dbias(x0, a[k], b[k])) for k in range(3)]
                      for p in ("phi_a", "phi_b")}
        curves = {p: [line.get_data() for line in axes[p].lines
                      if len(line.get_xdata()) > 2] for p in jp.PANELS}
    worst = 0.0
    for panel in ("phi_a", "phi_b"):
        assert len(tangents[panel]) == 3
        for k, tangent in enumerate(tangents[panel]):
            (p1, p2), (v1, v2) = tangent.get_data()
            slope = (v2 - v1) / (p2 - p1)
            worst = max(worst, abs(slope - numeric[panel][k]))
            assert slope == pytest.approx(derivative[panel][k], rel=1e-9, abs=1e-15)
        for k in range(3):
            grid, phi = curves[panel][k]
            _, dphi = curves["d" + panel][k]
            slope_of_curve = np.gradient(np.asarray(phi), np.asarray(grid))
            assert np.max(np.abs(slope_of_curve - dphi)) < 0.05 * np.max(np.abs(dphi))
    assert worst < 1e-6


def test_static_png_records_its_smallest_text_and_slider_frames_do_not() -> None:
    # The accessibility test reads the record to measure text as rendered.
    fig = jp.FourPanelPlot(figsize=(3.8, 8.8), layout="column", dpi=120)
    smallest = fig.smallest_text_px()
    texts = [t.get_fontsize() for t in fig.fig.findobj(matplotlib.text.Text)
             if t.get_visible() and t.get_text().strip()]
    assert smallest == pytest.approx(min(texts) * 120 / 72)
    static = Image.open(io.BytesIO(fig._repr_png_()))
    assert float(static.info["jacobian:min-text-px"]) == pytest.approx(smallest, abs=0.01)
    frame = Image.open(io.BytesIO(fig.render_png()))
    assert "jacobian:min-text-px" not in frame.info
